/**
 * What the sticky assignor knows before it assigns: who owns which partition now, settled from
 * the members' claims (Kafka's `AbstractStickyAssignor.allSubscriptionsEqual` and
 * `GeneralAssignmentBuilder.prepopulateCurrentAssignments`).
 *
 * A claim counts only for a partition that exists: a topic some member still subscribes to (one
 * deleted, or that every member dropped, loses its claims) and a partition number below the
 * topic's count. Among the claims to one partition the highest generation wins; two or more
 * claims tied at the highest generation all lose (Kafka: "claiming the same TopicPartition in the
 * same generation ... will be invalidated"), and the partition is assigned afresh. Members that
 * left are simply not in the input, so their partitions have no owner and are handed out.
 *
 * Kafka settles claims one member at a time in HashMap order, which can decide a three-way
 * conflict differently by order; here every claim to a partition is weighed at once, so the
 * result does not depend on order.
 *
 * `previousOwners` (used by the general path): for each partition, the member that owned it in the
 * newest generation below the group's newest — the owner before the current one, to which the
 * general path prefers to hand a partition back when it must move.
 */
import {
  DEFAULT_GENERATION,
  partitionKey,
  type NormalizedInput,
  type NormalizedMember,
  type TopicPartition,
} from './assignor.js'

export interface PreviousOwner {
  readonly memberId: string
  readonly generation: number
}

export interface StickyInput extends NormalizedInput {
  /** memberId → the partitions it owns now (every member present, possibly empty). */
  readonly ownedPartitions: ReadonlyMap<string, readonly TopicPartition[]>
  /** Partition key → its owner in the newest generation below the group's newest. */
  readonly previousOwners: ReadonlyMap<string, PreviousOwner>
  /** Kafka's `allSubscriptionsEqual`: every member subscribes to the same topic names. */
  readonly subscriptionsEqual: boolean
}

export function settleOwnership(input: NormalizedInput): StickyInput {
  let maxGeneration = DEFAULT_GENERATION
  for (const member of input.members) maxGeneration = Math.max(maxGeneration, member.generation)

  const claims = new Map<string, { tp: TopicPartition; claimants: NormalizedMember[] }>()
  const previousOwners = new Map<string, PreviousOwner>()
  for (const member of input.members) {
    for (const tp of member.ownedPartitions) {
      const partitionCount = input.partitionCounts.get(tp.topic)
      if (partitionCount === undefined || tp.partition >= partitionCount) continue
      const key = partitionKey(tp)
      let claim = claims.get(key)
      if (claim === undefined) claims.set(key, (claim = { tp, claimants: [] }))
      claim.claimants.push(member)
      if (member.generation < maxGeneration) {
        const previous = previousOwners.get(key)
        if (previous === undefined || member.generation > previous.generation) {
          previousOwners.set(key, { memberId: member.memberId, generation: member.generation })
        }
      }
    }
  }

  const ownedPartitions = new Map<string, TopicPartition[]>(input.members.map((m) => [m.memberId, []]))
  for (const { tp, claimants } of claims.values()) {
    let newest = DEFAULT_GENERATION
    for (const claimant of claimants) newest = Math.max(newest, claimant.generation)
    const winners = claimants.filter((c) => c.generation === newest)
    if (winners.length === 1) ownedPartitions.get(winners[0].memberId)!.push(tp)
  }

  return { ...input, ownedPartitions, previousOwners, subscriptionsEqual: sameTopics(input.members) }
}

function sameTopics(members: readonly NormalizedMember[]): boolean {
  if (members.length === 0) return true
  const first = members[0].topics
  return members.every((m) => m.topics.size === first.size && [...m.topics].every((t) => first.has(t)))
}
