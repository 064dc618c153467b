/**
 * The sticky assignor's path for a group whose members all subscribe to the same topics: Kafka's
 * `AbstractStickyAssignor.ConstrainedAssignmentBuilder`, without rack awareness.
 *
 * With P partitions and M members every member ends with minQuota = ⌊P/M⌋ or maxQuota = ⌈P/M⌉
 * partitions, exactly P mod M of them with maxQuota (balanced within one). Steps:
 * 1. Each member keeps what it owned, up to its quota: all of it when under minQuota; maxQuota of it
 *    while fewer than P mod M members have been given maxQuota; else minQuota of it. It keeps the
 *    lowest partition numbers first (by partition, then topic, as Kafka sorts).
 * 2. The partitions no one kept, sorted by topic then partition, are dealt round-robin to the
 *    members under minQuota (in memberId order) until each reaches minQuota, then one each to
 *    members at minQuota until P mod M members hold maxQuota.
 *
 * This moves as few partitions as a balanced assignment allows: every member keeps
 * min(owned, quota), and the maxQuota places go to members that owned at least maxQuota first.
 * Kafka walks the members in HashMap order in step 1 (which of several members owning maxQuota or
 * more keeps maxQuota); this walks them in memberId order.
 */
import { compareStrings, partitionKey, type TopicPartition } from './assignor.js'
import type { StickyInput } from './sticky-assignor-input.js'

/** By partition, then topic: the order in which a member keeps its owned partitions. */
function byPartitionThenTopic(a: TopicPartition, b: TopicPartition): number {
  return a.partition - b.partition || compareStrings(a.topic, b.topic)
}

export function assignConstrained(input: StickyInput): Map<string, TopicPartition[]> {
  const memberCount = input.members.length
  let totalPartitions = 0
  for (const count of input.partitionCounts.values()) totalPartitions += count
  const minQuota = Math.floor(totalPartitions / memberCount)
  const maxQuota = Math.ceil(totalPartitions / memberCount)
  const expectedAtMaxQuota = totalPartitions % memberCount
  let currentAtMaxQuota = 0

  const assignment = new Map<string, TopicPartition[]>()
  const kept = new Set<string>()
  const underMinQuota: string[] = []
  let atMinQuota: string[] = []

  // Step 1: keep owned partitions, up to the quota.
  for (const { memberId } of input.members) {
    const owned = [...input.ownedPartitions.get(memberId)!].sort(byPartitionThenTopic)
    let keep: TopicPartition[]
    if (owned.length < minQuota) {
      keep = owned
      underMinQuota.push(memberId)
    } else if (owned.length >= maxQuota && currentAtMaxQuota < expectedAtMaxQuota) {
      keep = owned.slice(0, maxQuota)
      currentAtMaxQuota++
      if (currentAtMaxQuota === expectedAtMaxQuota) atMinQuota = []
    } else {
      keep = owned.slice(0, minQuota)
      if (currentAtMaxQuota < expectedAtMaxQuota) atMinQuota.push(memberId)
    }
    assignment.set(memberId, keep)
    for (const tp of keep) kept.add(partitionKey(tp))
  }

  const unassigned: TopicPartition[] = []
  for (const topic of input.topics) {
    const partitionCount = input.partitionCounts.get(topic)!
    for (let partition = 0; partition < partitionCount; partition++) {
      const tp = { topic, partition }
      if (!kept.has(partitionKey(tp))) unassigned.push(tp)
    }
  }

  // Step 2: deal the rest (Kafka's assignRoundRobin; `next` plays its iterator over underMinQuota).
  let next = 0
  for (const tp of unassigned) {
    let consumer: string
    if (next < underMinQuota.length) {
      consumer = underMinQuota[next++]
    } else if (underMinQuota.length > 0) {
      next = 0
      consumer = underMinQuota[next++]
    } else if (atMinQuota.length > 0) {
      consumer = atMinQuota.shift()!
    } else {
      throw new Error(`sticky assignor: no member left below its quota for ${tp.topic}-${tp.partition}`)
    }
    const list = assignment.get(consumer)!
    list.push(tp)
    if (list.length === minQuota) {
      underMinQuota.splice(--next, 1)
      atMinQuota.push(consumer)
    } else if (list.length === maxQuota) {
      currentAtMaxQuota++
    }
  }

  // Kafka's verifyUnfilledMembers: members still under minQuota mean the quotas were miscounted.
  for (const memberId of underMinQuota) {
    const count = assignment.get(memberId)!.length
    if (count !== minQuota || currentAtMaxQuota !== expectedAtMaxQuota) {
      throw new Error(
        `sticky assignor: member ${memberId} ended with ${count} partitions, minQuota ${minQuota}; ` +
          `${currentAtMaxQuota} of ${expectedAtMaxQuota} members at maxQuota ${maxQuota}`,
      )
    }
  }
  return assignment
}
