/**
 * Kafka's `RoundRobinAssignor` ('roundRobin'; protocol name 'roundrobin'): every partition of every
 * subscribed topic, sorted by topic then partition, is dealt in turn to the members in Kafka's
 * member order (static members by groupInstanceId first, then dynamic ones by memberId); a member
 * that does not subscribe to a partition's topic is skipped and the turn passes on.
 *
 * With equal subscriptions the counts differ by at most one overall; with unequal ones it can do
 * much worse (a member skipped for a topic does not get a turn back), which is what the sticky
 * assignor improves on.
 */
import { finishAssignment, startAssignment } from './assignor.js'
import type { AssignorMember, GroupAssignment, PartitionAssignor, PartitionCounts } from './assignor.js'

export function assignRoundRobin(members: readonly AssignorMember[], partitionCounts: PartitionCounts): GroupAssignment {
  const { input, byMember, ordered } = startAssignment(members, partitionCounts)
  // Kafka's CircularIterator: `turn` is the member whose turn it is; every topic here has a
  // subscriber, so the skipping loop ends.
  let turn = 0
  for (const topic of input.topics) {
    const partitionCount = input.partitionCounts.get(topic)!
    for (let partition = 0; partition < partitionCount; partition++) {
      while (!ordered[turn].topics.has(topic)) turn = (turn + 1) % ordered.length
      byMember.get(ordered[turn].memberId)!.push({ topic, partition })
      turn = (turn + 1) % ordered.length
    }
  }
  return finishAssignment(input.members, byMember)
}

export const roundRobinAssignor: PartitionAssignor = Object.freeze({
  name: 'roundRobin',
  protocolName: 'roundrobin',
  assign: assignRoundRobin,
})
