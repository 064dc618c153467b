/**
 * Kafka's `StickyAssignor` ('sticky'), the eager version of `AbstractStickyAssignor` without rack
 * awareness: first as balanced as possible, then as few partitions moved as possible.
 *
 * - Balanced: with equal subscriptions the members' counts differ by at most one; with unequal
 *   ones no member holds two or more partitions more than a member that subscribes to the topic of
 *   one of them (Kafka's own measure; it can stop short of the best balance on some inputs).
 * - Sticky: each member's `ownedPartitions` (its assignment in `generation`) are kept where the
 *   balance allows. With equal subscriptions exactly as many partitions move as a balanced
 *   assignment must move; a member that left frees its partitions to the others and the rest keep
 *   everything they had while the counts allow it.
 * - Conflicting claims (sticky-assignor-input.ts): the higher generation wins; a tie at the highest
 *   generation invalidates the partition for every claimant. Claims to partitions of deleted or no
 *   longer subscribed topics, or beyond a topic's count, are dropped.
 *
 * Which path runs is Kafka's choice: all members subscribing to the same topic names takes the
 * constrained path (sticky-assignor-constrained.ts), anything else the general path
 * (sticky-assignor-general.ts).
 */
import { finishAssignment, normalizeAssignorInput } from './assignor.js'
import type { AssignorMember, GroupAssignment, PartitionAssignor, PartitionCounts } from './assignor.js'
import { assignConstrained } from './sticky-assignor-constrained.js'
import { assignGeneral } from './sticky-assignor-general.js'
import { settleOwnership } from './sticky-assignor-input.js'

export function assignSticky(members: readonly AssignorMember[], partitionCounts: PartitionCounts): GroupAssignment {
  const input = settleOwnership(normalizeAssignorInput(members, partitionCounts))
  if (input.members.length === 0) return new Map()
  const byMember = input.subscriptionsEqual ? assignConstrained(input) : assignGeneral(input)
  return finishAssignment(input.members, byMember)
}

export const stickyAssignor: PartitionAssignor = Object.freeze({
  name: 'sticky',
  protocolName: 'sticky',
  assign: assignSticky,
})
