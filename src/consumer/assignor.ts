/**
 * The contract every partition assignor of a consumer group keeps (issue 11 §3): given the
 * members of a group and the partition count of each topic, say which member reads which
 * partitions. Assignors are pure — no I/O, no clock, no randomness, no state between calls — so
 * the in-process group coordinator and a future Kafka-protocol front end (JoinGroup/SyncGroup,
 * where the group leader runs the assignor) call the same functions with the same answers.
 *
 * Input, as Kafka's `ConsumerPartitionAssignor.assign(Cluster, GroupSubscription)` sees it:
 * - `members`: each with its `memberId`, its `groupInstanceId` when it is a static member, the
 *   topics it subscribes to, and (read by the sticky assignor only) the partitions it owned before
 *   this rebalance with the generation it owned them in — Kafka's `Subscription.ownedPartitions`
 *   and `generationId`, or the sticky assignor's user data.
 * - `partitionCounts`: partitions per topic. A subscribed topic missing from it (not created yet,
 *   or deleted) or with 0 partitions is skipped, as Kafka skips "topics not in metadata".
 *
 * Output: every member's id → its partitions, sorted by topic then partition, every member present
 * (an empty list when it gets nothing); the map iterates in memberId order.
 *
 * Guarantees of every assignor here: each partition of a topic some member subscribes to goes to
 * exactly one member, and only to a member that subscribes to its topic; nothing else is assigned.
 * The same input (in any member order) gives the same output: every choice Kafka leaves to a
 * HashMap's iteration order is made here in sorted order instead (see each assignor's header).
 *
 * Strings compare by UTF-16 code units (JavaScript's `<`), as Java's `String.compareTo` does, so
 * the order of members and topics is Kafka's.
 */
import { invalidArgType, invalidArgValue, outOfRange } from '../errors.js'

/** Kafka's partition numbers, partition counts and generations are int32. */
const INT32_MAX = 2 ** 31 - 1

/** Kafka's `AbstractStickyAssignor.DEFAULT_GENERATION`: the generation of partitions owned in no known generation. */
export const DEFAULT_GENERATION = -1

export interface TopicPartition {
  readonly topic: string
  readonly partition: number
}

/** One member of the group as an assignor sees it. */
export interface AssignorMember {
  readonly memberId: string
  /** A static member's `group.instance.id`; range and round robin order members by it when set. */
  readonly groupInstanceId?: string | null
  /** Topic names the member subscribes to (a RegExp subscription is resolved to names first). */
  readonly topics: readonly string[]
  /** Sticky: the partitions the member owned before this rebalance (its last assignment). */
  readonly ownedPartitions?: readonly TopicPartition[]
  /** Sticky: the generation `ownedPartitions` were assigned in; absent = DEFAULT_GENERATION. */
  readonly generation?: number
}

/** Partitions per topic name. */
export type PartitionCounts = ReadonlyMap<string, number>

/** memberId → that member's partitions, sorted by topic then partition. */
export type GroupAssignment = Map<string, TopicPartition[]>

/** seglog's names for the assignors (the `partitionAssigners` consumer option). */
export type AssignorName = 'range' | 'roundRobin' | 'sticky'

export interface PartitionAssignor {
  readonly name: AssignorName
  /** The protocol name Kafka's JoinGroup carries for this assignor: 'range', 'roundrobin', 'sticky'. */
  readonly protocolName: string
  assign(members: readonly AssignorMember[], partitionCounts: PartitionCounts): GroupAssignment
}

/** A member after validation: subscriptions as a set, owned partitions without repeats. */
export interface NormalizedMember {
  readonly memberId: string
  readonly groupInstanceId: string | undefined
  readonly topics: ReadonlySet<string>
  readonly ownedPartitions: readonly TopicPartition[]
  readonly generation: number
}

export interface NormalizedInput {
  /** Sorted by memberId. */
  readonly members: readonly NormalizedMember[]
  /** The topics some member subscribes to that have at least one partition, sorted by name. */
  readonly topics: readonly string[]
  /** Partition count of each topic in `topics`. */
  readonly partitionCounts: ReadonlyMap<string, number>
}

/** Java's `String.compareTo`: by UTF-16 code units. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** By topic, then partition: the order of every output list. */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition
}

/**
 * Kafka's `AbstractPartitionAssignor.MemberInfo.compareTo`: static members first, by
 * groupInstanceId; then dynamic members by memberId. So a static member keeps its place (and its
 * range / round-robin partitions) when it rejoins under a new memberId.
 */
export function compareMembers(a: NormalizedMember, b: NormalizedMember): number {
  if (a.groupInstanceId !== undefined && b.groupInstanceId !== undefined) {
    return compareStrings(a.groupInstanceId, b.groupInstanceId) || compareStrings(a.memberId, b.memberId)
  }
  if (a.groupInstanceId !== undefined) return -1
  if (b.groupInstanceId !== undefined) return 1
  return compareStrings(a.memberId, b.memberId)
}

/** A map key for a partition: the partition number first, so no topic name can collide with another. */
export function partitionKey(tp: TopicPartition): string {
  return `${tp.partition}:${tp.topic}`
}

/**
 * Checks the input (a bad one is a programmer error: TypeError / RangeError with Node's codes) and
 * puts it in the form the assignors work on. Member ids and group instance ids must be unique, as
 * a coordinator guarantees; a member's repeated subscriptions or owned partitions count once.
 */
export function normalizeAssignorInput(
  members: readonly AssignorMember[],
  partitionCounts: PartitionCounts,
): NormalizedInput {
  if (!Array.isArray(members)) throw invalidArgType('members', 'an array', members)
  if (!(partitionCounts instanceof Map)) throw invalidArgType('partitionCounts', 'an instance of Map', partitionCounts)
  const normalized = members.map((member, i) => normalizeMember(member, `members[${i}]`))
  const ids = new Set<string>()
  const instanceIds = new Set<string>()
  for (const member of normalized) {
    if (ids.has(member.memberId)) throw invalidArgValue('members', member.memberId, 'must not repeat a memberId')
    ids.add(member.memberId)
    if (member.groupInstanceId === undefined) continue
    if (instanceIds.has(member.groupInstanceId)) {
      throw invalidArgValue('members', member.groupInstanceId, 'must not repeat a groupInstanceId')
    }
    instanceIds.add(member.groupInstanceId)
  }
  normalized.sort((a, b) => compareStrings(a.memberId, b.memberId))

  const counts = new Map<string, number>()
  for (const [topic, count] of partitionCounts) {
    if (typeof topic !== 'string') throw invalidArgType('partitionCounts key', 'of type string', topic)
    assertInt32(`partitionCounts.get(${JSON.stringify(topic)})`, count, 0)
  }
  const subscribed = new Set<string>()
  for (const member of normalized) for (const topic of member.topics) subscribed.add(topic)
  const topics = [...subscribed].filter((topic) => (partitionCounts.get(topic) ?? 0) > 0).sort(compareStrings)
  for (const topic of topics) counts.set(topic, partitionCounts.get(topic)!)
  return { members: normalized, topics, partitionCounts: counts }
}

function normalizeMember(member: AssignorMember, name: string): NormalizedMember {
  if (typeof member !== 'object' || member === null) throw invalidArgType(name, 'an object', member)
  const { memberId, groupInstanceId, topics, ownedPartitions, generation } = member
  if (typeof memberId !== 'string') throw invalidArgType(`${name}.memberId`, 'of type string', memberId)
  if (memberId.length === 0) throw invalidArgValue(`${name}.memberId`, memberId, 'must not be empty')
  if (groupInstanceId !== undefined && groupInstanceId !== null && typeof groupInstanceId !== 'string') {
    throw invalidArgType(`${name}.groupInstanceId`, 'of type string', groupInstanceId)
  }
  if (!Array.isArray(topics)) throw invalidArgType(`${name}.topics`, 'an array', topics)
  for (const topic of topics) {
    if (typeof topic !== 'string') throw invalidArgType(`${name}.topics[]`, 'of type string', topic)
  }
  if (generation !== undefined) assertInt32(`${name}.generation`, generation, DEFAULT_GENERATION)
  const owned: TopicPartition[] = []
  if (ownedPartitions !== undefined) {
    if (!Array.isArray(ownedPartitions)) throw invalidArgType(`${name}.ownedPartitions`, 'an array', ownedPartitions)
    const seen = new Set<string>()
    for (const tp of ownedPartitions) {
      if (typeof tp !== 'object' || tp === null) throw invalidArgType(`${name}.ownedPartitions[]`, 'an object', tp)
      if (typeof tp.topic !== 'string') throw invalidArgType(`${name}.ownedPartitions[].topic`, 'of type string', tp.topic)
      assertInt32(`${name}.ownedPartitions[].partition`, tp.partition, 0)
      const key = partitionKey(tp)
      if (seen.has(key)) continue
      seen.add(key)
      owned.push({ topic: tp.topic, partition: tp.partition })
    }
  }
  return {
    memberId,
    groupInstanceId: groupInstanceId ?? undefined,
    topics: new Set(topics),
    ownedPartitions: owned,
    generation: generation ?? DEFAULT_GENERATION,
  }
}

function assertInt32(name: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < min || value > INT32_MAX) {
    throw outOfRange(name, `an integer >= ${min} and <= ${INT32_MAX}`, value)
  }
}

/** What range and round robin start from: the input checked, an empty list per member, the members in Kafka's order. */
export function startAssignment(
  members: readonly AssignorMember[],
  partitionCounts: PartitionCounts,
): { input: NormalizedInput; byMember: Map<string, TopicPartition[]>; ordered: NormalizedMember[] } {
  const input = normalizeAssignorInput(members, partitionCounts)
  const byMember = new Map<string, TopicPartition[]>(input.members.map((m) => [m.memberId, []]))
  return { input, byMember, ordered: [...input.members].sort(compareMembers) }
}

/** The output form: every member (in memberId order) with its partitions sorted. */
export function finishAssignment(
  members: readonly NormalizedMember[],
  partitionsByMember: ReadonlyMap<string, readonly TopicPartition[]>,
): GroupAssignment {
  const assignment: GroupAssignment = new Map()
  for (const member of members) {
    const partitions = [...(partitionsByMember.get(member.memberId) ?? [])].sort(compareTopicPartitions)
    assignment.set(member.memberId, partitions)
  }
  return assignment
}
