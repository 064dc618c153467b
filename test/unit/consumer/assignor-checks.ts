/**
 * Checks shared by the assignor tests: what every assignment must be (Kafka's
 * `verifyValidityAndBalance`, made stricter), how balanced it is, and how many partitions a
 * rebalance moved against the fewest a balanced assignment must move.
 */
import { expect } from 'vitest'
import type { AssignorMember, GroupAssignment, PartitionCounts, TopicPartition } from '../../../src/consumer/assignor.js'

export function tp(topic: string, partition: number): TopicPartition {
  return { topic, partition }
}

/** `t-p` names, e.g. `t0-3`, for compact expectations. */
export function names(partitions: readonly TopicPartition[]): string[] {
  return partitions.map((p) => `${p.topic}-${p.partition}`)
}

/** The assignment as memberId → sorted `t-p` names. */
export function byName(assignment: GroupAssignment): Record<string, string[]> {
  return Object.fromEntries([...assignment].map(([member, partitions]) => [member, names(partitions)]))
}

export function counts(entries: Record<string, number>): PartitionCounts {
  return new Map(Object.entries(entries))
}

/** The topics a member subscribes to that exist: the partitions it may hold. */
function subscribedPartitions(member: AssignorMember, partitionCounts: PartitionCounts): TopicPartition[] {
  const out: TopicPartition[] = []
  for (const topic of new Set(member.topics)) {
    for (let p = 0; p < (partitionCounts.get(topic) ?? 0); p++) out.push(tp(topic, p))
  }
  return out
}

/**
 * Every member has a sorted list; every partition of a subscribed topic is assigned exactly once,
 * to a member subscribing to its topic; nothing else is assigned.
 */
export function expectValid(members: readonly AssignorMember[], partitionCounts: PartitionCounts, assignment: GroupAssignment): void {
  // Problems are collected and asserted once: an expect per partition is slow on large groups.
  const problems: string[] = []
  expect([...assignment.keys()].sort()).toEqual(members.map((m) => m.memberId).sort())
  const owner = new Map<string, string>()
  for (const member of members) {
    const partitions = assignment.get(member.memberId)!
    const topics = new Set(member.topics)
    partitions.forEach((p, i) => {
      const key = `${p.topic}-${p.partition}`
      const previous = partitions[i - 1]
      if (previous !== undefined && (previous.topic > p.topic || (previous.topic === p.topic && previous.partition >= p.partition))) {
        problems.push(`${member.memberId}: ${key} out of order`)
      }
      if (!topics.has(p.topic)) problems.push(`${member.memberId} holds ${key} without subscribing`)
      if (p.partition >= (partitionCounts.get(p.topic) ?? 0)) problems.push(`${member.memberId} holds ${key}, beyond the topic`)
      if (owner.has(key)) problems.push(`${key} assigned to ${owner.get(key)} and ${member.memberId}`)
      owner.set(key, member.memberId)
    })
  }
  for (const member of members) {
    for (const p of subscribedPartitions(member, partitionCounts)) {
      if (!owner.has(`${p.topic}-${p.partition}`)) problems.push(`${p.topic}-${p.partition} not assigned`)
    }
  }
  expect(problems).toEqual([])
}

/**
 * Kafka's `isSticky` check: no two partitions of one topic moved in opposite directions between
 * the same two members (a swap that moving neither would have avoided).
 */
export function expectNoSwaps(members: readonly AssignorMember[], assignment: GroupAssignment): void {
  const before = previousOwners(members)
  const moves = new Set<string>()
  for (const [member, partitions] of assignment) {
    for (const p of partitions) {
      const from = before.get(`${p.topic}-${p.partition}`)
      if (from !== undefined && from !== member) moves.add(JSON.stringify([p.topic, from, member]))
    }
  }
  const swaps = [...moves].filter((m) => {
    const [topic, from, to] = JSON.parse(m) as string[]
    return moves.has(JSON.stringify([topic, to, from]))
  })
  expect(swaps).toEqual([])
}

/** Largest minus smallest partition count over the members. */
export function spread(assignment: GroupAssignment): number {
  const sizes = [...assignment.values()].map((p) => p.length)
  return sizes.length === 0 ? 0 : Math.max(...sizes) - Math.min(...sizes)
}

/**
 * Balanced as the sticky assignor means it with unequal subscriptions: no member holds two or
 * more partitions more than a member that subscribes to the topic of one of them (Kafka's
 * `isBalanced`; its test helper checks the weaker "holds no topic in common").
 */
export function expectStickyBalanced(members: readonly AssignorMember[], assignment: GroupAssignment): void {
  for (const heavy of members) {
    const heavyPartitions = assignment.get(heavy.memberId)!
    for (const light of members) {
      const lightCount = assignment.get(light.memberId)!.length
      if (heavyPartitions.length <= lightCount + 1) continue
      const movable = heavyPartitions.filter((p) => light.topics.includes(p.topic))
      expect(movable, `${names(movable)} could move from ${heavy.memberId} to ${light.memberId}`).toEqual([])
    }
  }
}

/** The previous owner of each partition, from the members' ownedPartitions (assumed disjoint). */
function previousOwners(members: readonly AssignorMember[]): Map<string, string> {
  const owners = new Map<string, string>()
  for (const m of members) for (const p of m.ownedPartitions ?? []) owners.set(`${p.topic}-${p.partition}`, m.memberId)
  return owners
}

/** Partitions owned before by a member still in the group that now belong to another member. */
export function movedCount(members: readonly AssignorMember[], assignment: GroupAssignment): number {
  const before = previousOwners(members)
  let moved = 0
  for (const [member, partitions] of assignment) {
    for (const p of partitions) {
      const owner = before.get(`${p.topic}-${p.partition}`)
      if (owner !== undefined && owner !== member) moved++
    }
  }
  return moved
}

/**
 * The fewest moves any assignment balanced within one needs, for members with equal
 * subscriptions and disjoint valid ownedPartitions: each member keeps at most its quota (⌊P/M⌋,
 * or ⌈P/M⌉ for P mod M of them), and the larger quotas go best to members owning that many.
 */
export function minimumMoves(members: readonly AssignorMember[], partitionCounts: PartitionCounts): number {
  let total = 0
  for (const count of partitionCounts.values()) total += count
  const minQuota = Math.floor(total / members.length)
  const extraPlaces = total % members.length
  let owned = 0
  let kept = 0
  let ownersOfMoreThanMin = 0
  for (const m of members) {
    const n = m.ownedPartitions?.length ?? 0
    owned += n
    kept += Math.min(n, minQuota)
    if (n > minQuota) ownersOfMoreThanMin++
  }
  return owned - kept - Math.min(extraPlaces, ownersOfMoreThanMin)
}

/** The members as they rejoin after `assignment` in `generation`: each owning what it was given. */
export function rejoin(
  members: readonly AssignorMember[],
  assignment: GroupAssignment,
  generation: number,
): AssignorMember[] {
  return members.map((m) => ({ ...m, ownedPartitions: assignment.get(m.memberId) ?? [], generation }))
}
