/**
 * The sticky assignor's path for a group whose members subscribe to different topics: Kafka's
 * `AbstractStickyAssignor.GeneralAssignmentBuilder`, without rack awareness.
 *
 * 1. Every member keeps what it owns of the topics it still subscribes to (a partition of a topic
 *    it dropped is taken away: "revocation required").
 * 2. Each unowned partition — topics ordered by how few members can take them, then by name;
 *    partitions in order — goes to the member with the fewest partitions (then lowest memberId)
 *    among those subscribing to its topic.
 * 3. While the assignment is not balanced — some member could take a partition from a member
 *    holding two or more than it — partitions move, one at a time, from a member to the
 *    least-loaded member able to take it: first only the partitions just handed out in step 2
 *    (when nothing had to be revoked), then any movable partition. A partition goes back to its
 *    previous owner (the newest generation below the current one) when that member holds two
 *    fewer. A move that would swap two partitions of one topic between the same two members moves
 *    neither (PartitionMovements).
 * 4. If step 3 changed an assignment that had owners and did not lower the balance score (the sum of
 *    the differences of partition counts over all pairs of members), step 3 is undone: stickiness
 *    over a change that buys no balance.
 * Partitions of a topic only one member subscribes to, and members that hold all they can and only
 * such partitions, take no part in step 3.
 *
 * Balanced here is Kafka's: no member holds two or more partitions more than a member that
 * subscribes to the topic of one of them. Deviations from Kafka, all about determinism or invalid
 * input: members are walked in memberId order wherever Kafka walks a HashMap; and a previous owner
 * gets a partition back only if it still subscribes to its topic and takes part in step 3 (Kafka
 * would hand it a topic it no longer subscribes to).
 */
import { compareStrings, partitionKey, type TopicPartition } from './assignor.js'
import type { StickyInput } from './sticky-assignor-input.js'
import { PartitionMovements } from './sticky-assignor-movements.js'

/** Members ordered by how many partitions they hold, then memberId (Kafka's sortedCurrentSubscriptions, a TreeSet). */
class MembersByLoad {
  private readonly order: string[] = []

  constructor(private readonly load: (memberId: string) => number) {}

  add(memberId: string): void {
    const load = this.load(memberId)
    let low = 0
    let high = this.order.length
    while (low < high) {
      const mid = (low + high) >>> 1
      const other = this.order[mid]
      const cmp = this.load(other) - load || compareStrings(other, memberId)
      if (cmp < 0) low = mid + 1
      else high = mid
    }
    this.order.splice(low, 0, memberId)
  }

  /** Removes by identity, not by comparison, so it works whatever the member's load is now. */
  remove(memberId: string): void {
    const i = this.order.indexOf(memberId)
    if (i >= 0) this.order.splice(i, 1)
  }

  first(): string {
    return this.order[0]
  }

  last(): string {
    return this.order[this.order.length - 1]
  }

  [Symbol.iterator](): Iterator<string> {
    return this.order[Symbol.iterator]()
  }
}

export function assignGeneral(input: StickyInput): Map<string, TopicPartition[]> {
  return new GeneralAssignment(input).build()
}

class GeneralAssignment {
  /** topic → the members subscribing to it (Kafka's topic2AllPotentialConsumers). */
  private readonly topicMembers = new Map<string, string[]>()
  /** member → the existing topics it subscribes to (consumer2AllPotentialTopics). */
  private readonly memberTopics = new Map<string, ReadonlySet<string>>()
  /** member → how many partitions it could hold at most: all of its topics'. */
  private readonly maxAssignmentSize = new Map<string, number>()
  /** member → its partitions; members taking no part in step 3 are set aside during it. */
  private currentAssignment = new Map<string, TopicPartition[]>()
  /** partition key → its member. */
  private currentPartitionConsumer = new Map<string, string>()
  private readonly membersByLoad = new MembersByLoad((m) => this.currentAssignment.get(m)!.length)
  private readonly movements = new PartitionMovements()
  private revocationRequired = false

  constructor(private readonly input: StickyInput) {
    for (const topic of input.topics) this.topicMembers.set(topic, [])
    for (const member of input.members) {
      const topics = new Set([...member.topics].filter((t) => input.partitionCounts.has(t)))
      this.memberTopics.set(member.memberId, topics)
      let size = 0
      for (const topic of topics) {
        this.topicMembers.get(topic)!.push(member.memberId)
        size += input.partitionCounts.get(topic)!
      }
      this.maxAssignmentSize.set(member.memberId, size)
    }
  }

  build(): Map<string, TopicPartition[]> {
    // Topics that fewer members can take come first: they have the fewest places to go.
    const sortedTopics = [...this.input.topics].sort(
      (a, b) => this.topicMembers.get(a)!.length - this.topicMembers.get(b)!.length || compareStrings(a, b),
    )
    const sortedAllPartitions: TopicPartition[] = []
    for (const topic of sortedTopics) {
      const partitionCount = this.input.partitionCounts.get(topic)!
      for (let partition = 0; partition < partitionCount; partition++) sortedAllPartitions.push({ topic, partition })
    }

    // Step 1.
    for (const member of this.input.members) {
      const kept: TopicPartition[] = []
      const topics = this.memberTopics.get(member.memberId)!
      for (const tp of this.input.ownedPartitions.get(member.memberId)!) {
        if (!topics.has(tp.topic)) {
          this.revocationRequired = true
          continue
        }
        kept.push(tp)
        this.currentPartitionConsumer.set(partitionKey(tp), member.memberId)
      }
      this.currentAssignment.set(member.memberId, kept)
    }
    const unassigned = sortedAllPartitions.filter((tp) => !this.currentPartitionConsumer.has(partitionKey(tp)))
    for (const member of this.input.members) this.membersByLoad.add(member.memberId)

    this.balance(sortedAllPartitions, unassigned)
    return this.currentAssignment
  }

  private balance(sortedAllPartitions: TopicPartition[], unassigned: TopicPartition[]): void {
    const initializing = this.currentAssignment.get(this.membersByLoad.last())!.length === 0

    // Step 2: every topic here has a subscriber, so every partition finds a member.
    for (const tp of unassigned) this.assignToLeastLoaded(tp)

    // Set aside what step 3 cannot move.
    const movable = (tp: TopicPartition) => this.topicMembers.get(tp.topic)!.length >= 2
    const reassignable = sortedAllPartitions.filter(movable)
    const newlyAssigned = unassigned.filter(movable)
    const fixedAssignments = new Map<string, TopicPartition[]>()
    for (const member of this.input.members) {
      if (this.canTakePartInReassignment(member.memberId)) continue
      this.membersByLoad.remove(member.memberId)
      fixedAssignments.set(member.memberId, this.currentAssignment.get(member.memberId)!)
      this.currentAssignment.delete(member.memberId)
    }

    const preBalanceAssignment = copyAssignment(this.currentAssignment)
    const preBalancePartitionConsumer = new Map(this.currentPartitionConsumer)

    // Step 3. Kafka keeps only the second pass's answer for step 4; so does this.
    if (!this.revocationRequired) this.performReassignments(newlyAssigned)
    const reassignmentPerformed = this.performReassignments(reassignable)

    // Step 4.
    if (
      !initializing &&
      reassignmentPerformed &&
      balanceScore(this.currentAssignment) >= balanceScore(preBalanceAssignment)
    ) {
      this.currentAssignment = preBalanceAssignment
      this.currentPartitionConsumer = preBalancePartitionConsumer
    }

    for (const [memberId, partitions] of fixedAssignments) this.currentAssignment.set(memberId, partitions)
  }

  /** Kafka's maybeAssignPartition: to the least-loaded member subscribing to the partition's topic. */
  private assignToLeastLoaded(tp: TopicPartition): void {
    for (const memberId of this.membersByLoad) {
      if (!this.memberTopics.get(memberId)!.has(tp.topic)) continue
      this.membersByLoad.remove(memberId)
      this.currentAssignment.get(memberId)!.push(tp)
      this.currentPartitionConsumer.set(partitionKey(tp), memberId)
      this.membersByLoad.add(memberId)
      return
    }
  }

  /** A member can gain (it holds less than it could) or lose (it holds a partition others could take). */
  private canTakePartInReassignment(memberId: string): boolean {
    const partitions = this.currentAssignment.get(memberId)!
    if (partitions.length < this.maxAssignmentSize.get(memberId)!) return true
    return partitions.some((tp) => this.topicMembers.get(tp.topic)!.length >= 2)
  }

  /**
   * Kafka's isBalanced: counts within one, or else no member short of all it could hold could take
   * a partition of one of its topics from a member holding two or more than it.
   */
  private isBalanced(): boolean {
    const min = this.load(this.membersByLoad.first())
    const max = this.load(this.membersByLoad.last())
    if (min >= max - 1) return true
    for (const memberId of this.membersByLoad) {
      const count = this.load(memberId)
      if (count === this.maxAssignmentSize.get(memberId)) continue
      for (const topic of this.memberTopics.get(memberId)!) {
        const partitionCount = this.input.partitionCounts.get(topic)!
        for (let partition = 0; partition < partitionCount; partition++) {
          const other = this.currentPartitionConsumer.get(partitionKey({ topic, partition }))
          if (other === undefined || other === memberId || !this.currentAssignment.has(other)) continue
          if (count + 1 < this.load(other)) return false
        }
      }
    }
    return true
  }

  private load(memberId: string): number {
    return this.currentAssignment.get(memberId)!.length
  }

  /** Moves partitions until balanced or no move helps; true if any moved. */
  private performReassignments(reassignable: readonly TopicPartition[]): boolean {
    let reassignmentPerformed = false
    let modified: boolean
    do {
      modified = false
      for (const tp of reassignable) {
        if (this.isBalanced()) break
        const memberId = this.currentPartitionConsumer.get(partitionKey(tp))!
        const previous = this.input.previousOwners.get(partitionKey(tp))
        if (
          previous !== undefined &&
          this.currentAssignment.has(previous.memberId) &&
          this.memberTopics.get(previous.memberId)!.has(tp.topic) &&
          this.load(memberId) > this.load(previous.memberId) + 1
        ) {
          this.reassignPartition(tp, previous.memberId)
          reassignmentPerformed = modified = true
          continue
        }
        const lighter = this.topicMembers.get(tp.topic)!.some((other) => this.load(memberId) > this.load(other) + 1)
        if (lighter) {
          this.reassignPartition(tp, this.leastLoadedFor(tp.topic))
          reassignmentPerformed = modified = true
        }
      }
    } while (modified)
    return reassignmentPerformed
  }

  private leastLoadedFor(topic: string): string {
    for (const memberId of this.membersByLoad) if (this.memberTopics.get(memberId)!.has(topic)) return memberId
    throw new Error(`sticky assignor: no member subscribes to ${topic}`)
  }

  private reassignPartition(tp: TopicPartition, newMemberId: string): void {
    const oldMemberId = this.currentPartitionConsumer.get(partitionKey(tp))!
    const toMove = this.movements.partitionToMove(tp, oldMemberId, newMemberId)
    const from = this.currentPartitionConsumer.get(partitionKey(toMove))!
    this.membersByLoad.remove(from)
    this.membersByLoad.remove(newMemberId)
    this.movements.move(toMove, from, newMemberId)
    const fromList = this.currentAssignment.get(from)!
    fromList.splice(fromList.findIndex((p) => p.topic === toMove.topic && p.partition === toMove.partition), 1)
    this.currentAssignment.get(newMemberId)!.push(toMove)
    this.currentPartitionConsumer.set(partitionKey(toMove), newMemberId)
    this.membersByLoad.add(newMemberId)
    this.membersByLoad.add(from)
  }
}

function copyAssignment(assignment: ReadonlyMap<string, readonly TopicPartition[]>): Map<string, TopicPartition[]> {
  return new Map([...assignment].map(([memberId, partitions]) => [memberId, [...partitions]]))
}

/** Kafka's getBalanceScore: Σ over pairs of members |count_i − count_j| (0 = perfectly even). */
function balanceScore(assignment: ReadonlyMap<string, readonly TopicPartition[]>): number {
  const counts = [...assignment.values()].map((p) => p.length).sort((a, b) => a - b)
  // Sorted ascending, count i is subtracted by the i counts below it and from the n-1-i above it.
  let score = 0
  counts.forEach((count, i) => (score += count * (2 * i - counts.length + 1)))
  return score
}
