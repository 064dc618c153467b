/**
 * Kafka's `RangeAssignor` ('range'), without rack awareness: topic by topic, the members that
 * subscribe to the topic, in Kafka's member order (static members by groupInstanceId first, then
 * dynamic ones by memberId), each take a consecutive range of its partitions; with P partitions and
 * M such members every member takes ⌊P/M⌋ and the first P mod M take one more.
 *
 * So members with the same subscriptions get the same partition numbers of every topic (co-
 * partitioned topics stay together), and the first members can hold up to one extra partition per
 * topic: balanced within one per topic, not overall.
 */
import { finishAssignment, startAssignment } from './assignor.js'
import type { AssignorMember, GroupAssignment, PartitionAssignor, PartitionCounts } from './assignor.js'

export function assignRange(members: readonly AssignorMember[], partitionCounts: PartitionCounts): GroupAssignment {
  const { input, byMember, ordered } = startAssignment(members, partitionCounts)
  for (const topic of input.topics) {
    const consumers = ordered.filter((m) => m.topics.has(topic))
    const partitionCount = input.partitionCounts.get(topic)!
    const perConsumer = Math.floor(partitionCount / consumers.length)
    const withExtra = partitionCount % consumers.length
    let next = 0
    consumers.forEach((consumer, i) => {
      const end = next + perConsumer + (i < withExtra ? 1 : 0)
      const list = byMember.get(consumer.memberId)!
      for (; next < end; next++) list.push({ topic, partition: next })
    })
  }
  return finishAssignment(input.members, byMember)
}

export const rangeAssignor: PartitionAssignor = Object.freeze({
  name: 'range',
  protocolName: 'range',
  assign: assignRange,
})
