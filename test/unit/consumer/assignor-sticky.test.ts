/**
 * The sticky assignor balances first, then keeps as many owned partitions as the balance allows,
 * settling conflicting claims by generation: the seed material's examples and cases ported from
 * Kafka's AbstractStickyAssignorTest and StickyAssignorTest (rack-aware cases, user-data schema
 * and cooperative `partitionsTransferringOwnership` cases left out: seglog has no racks, passes
 * ownership as plain fields and rebalances eagerly).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AssignorMember, PartitionCounts, TopicPartition } from '../../../src/consumer/assignor.js'
import { assignSticky } from '../../../src/consumer/sticky-assignor.js'
import { seedFromEnv } from '../../helpers/seeded-random.mjs'
import {
  byName,
  counts,
  expectNoSwaps,
  expectStickyBalanced,
  expectValid,
  minimumMoves,
  movedCount,
  names,
  rejoin,
  spread,
  tp,
} from './assignor-checks.js'

/** Assigns, and checks what every sticky assignment must be. */
function assignChecked(members: readonly AssignorMember[], partitionCounts: PartitionCounts) {
  const assignment = assignSticky(members, partitionCounts)
  expectValid(members, partitionCounts, assignment)
  expectStickyBalanced(members, assignment)
  return assignment
}

function owning(memberId: string, topics: string[], ownedPartitions: TopicPartition[], generation?: number): AssignorMember {
  return { memberId, topics, ownedPartitions, generation }
}

function expectContainsAll(actual: readonly TopicPartition[], expected: readonly TopicPartition[]): void {
  expect(names(actual)).toEqual(expect.arrayContaining(names(expected)))
}

describe('sticky assignor: seed material examples', () => {
  it('keeps every partition C0 and C2 had when C1 leaves (T0 of 9: C0 P0-P2, C1 P3-P5, C2 P6-P8)', () => {
    // Property: only the leaver's 3 partitions move; the result is balanced 5/4.
    const before = [
      owning('C0', ['T0'], [0, 1, 2].map((p) => tp('T0', p)), 1),
      owning('C2', ['T0'], [6, 7, 8].map((p) => tp('T0', p)), 1),
    ]
    const partitionCounts = counts({ T0: 9 })
    const assignment = assignChecked(before, partitionCounts)
    for (const m of before) expectContainsAll(assignment.get(m.memberId)!, m.ownedPartitions!)
    expect(spread(assignment)).toBe(1)
    expect(movedCount(before, assignment)).toBe(0)
    // Kafka's constrained path deals P3, P4, P5 to C0, C2, C0 (the seed's text gives P4 and P5 to
    // C2: equally sticky and balanced).
    expect(byName(assignment)).toEqual({
      C0: ['T0-0', 'T0-1', 'T0-2', 'T0-3', 'T0-5'],
      C2: ['T0-4', 'T0-6', 'T0-7', 'T0-8'],
    })
  })

  it('assigns t0..t3 (2 each) to C0, C1, C2 as the seed shows, then keeps C0 and C2 whole when C1 leaves', () => {
    // Property: the first assignment is the seed's; after C1 leaves, C0 and C2 keep all 5 of theirs.
    const all = ['t0', 't1', 't2', 't3']
    const partitionCounts = counts({ t0: 2, t1: 2, t2: 2, t3: 2 })
    const three = ['C0', 'C1', 'C2'].map((memberId) => ({ memberId, topics: all }))
    const first = assignChecked(three, partitionCounts)
    expect(byName(first)).toEqual({
      C0: ['t0-0', 't1-1', 't3-0'],
      C1: ['t0-1', 't2-0', 't3-1'],
      C2: ['t1-0', 't2-1'],
    })
    const two = rejoin(three, first, 1).filter((m) => m.memberId !== 'C1')
    const second = assignChecked(two, partitionCounts)
    for (const m of two) expectContainsAll(second.get(m.memberId)!, m.ownedPartitions!)
    expect(spread(second)).toBe(0)
    // The seed's text hands t2-0 to C0 and t0-1 to C2; Kafka's deal in sorted order gives t0-1 to
    // C0 and t2-0, t3-1 to C2. Both keep every partition C0 and C2 had.
    expect(byName(second)).toEqual({
      C0: ['t0-0', 't0-1', 't1-1', 't3-0'],
      C2: ['t1-0', 't2-0', 't2-1', 't3-1'],
    })
  })

  it('with unequal subscriptions gives C1 all of t1 and C2 all of t2, and keeps them when C0 leaves', () => {
    // Property: the seed's unequal example — C0 {t0}, C1 {t0,t1}, C2 {t0,t1,t2}, t0..t2 of 1..3 —
    // better balanced than round robin's 1/1/4, and C1, C2 keep their 5 partitions after C0 leaves.
    const members = [
      { memberId: 'C0', topics: ['t0'] },
      { memberId: 'C1', topics: ['t0', 't1'] },
      { memberId: 'C2', topics: ['t0', 't1', 't2'] },
    ]
    const partitionCounts = counts({ t0: 1, t1: 2, t2: 3 })
    const first = assignChecked(members, partitionCounts)
    expect(byName(first)).toEqual({ C0: ['t0-0'], C1: ['t1-0', 't1-1'], C2: ['t2-0', 't2-1', 't2-2'] })
    const remaining = rejoin(members, first, 1).filter((m) => m.memberId !== 'C0')
    const second = assignChecked(remaining, partitionCounts)
    expect(byName(second)).toEqual({ C1: ['t0-0', 't1-0', 't1-1'], C2: ['t2-0', 't2-1', 't2-2'] })
    expect(movedCount(remaining, second)).toBe(0)
  })
})

describe("sticky assignor: Kafka's AbstractStickyAssignorTest", () => {
  const topic = 'topic'
  const topic1 = 'topic1'
  const topic2 = 'topic2'
  const topic3 = 'topic3'
  const [consumer1, consumer2, consumer3, consumer4] = ['consumer1', 'consumer2', 'consumer3', 'consumer4']
  const generationId = 1

  it('testOneConsumerNoTopic, testOneConsumerNonexistentTopic', () => {
    // Property: nothing to assign gives the member an empty list.
    expect(byName(assignSticky([{ memberId: 'consumer', topics: [] }], new Map()))).toEqual({ consumer: [] })
    expect(byName(assignSticky([{ memberId: 'consumer', topics: [topic] }], new Map()))).toEqual({ consumer: [] })
  })

  it('testOneConsumerOneTopic, testOnlyAssignsPartitionsFromSubscribedTopics, testOneConsumerMultipleTopics', () => {
    // Property: a lone member takes all of its topics and nothing of others.
    expect(byName(assignChecked([{ memberId: 'consumer', topics: [topic] }], counts({ [topic]: 3, other: 3 })))).toEqual({
      consumer: ['topic-0', 'topic-1', 'topic-2'],
    })
    expect(byName(assignChecked([{ memberId: 'consumer', topics: [topic1, topic2] }], counts({ [topic1]: 1, [topic2]: 2 })))).toEqual({
      consumer: ['topic1-0', 'topic2-0', 'topic2-1'],
    })
  })

  it('testTwoConsumersOneTopicOnePartition, testTwoConsumersOneTopicTwoPartitions', () => {
    // Property: one partition to one member; two split one each.
    const members = [consumer1, consumer2].map((memberId) => ({ memberId, topics: [topic] }))
    expect(byName(assignChecked(members, counts({ [topic]: 1 })))).toEqual({ consumer1: ['topic-0'], consumer2: [] })
    expect(byName(assignChecked(members, counts({ [topic]: 2 })))).toEqual({ consumer1: ['topic-0'], consumer2: ['topic-1'] })
  })

  it('testMultipleConsumersMixedTopicSubscriptions', () => {
    // Property: the general path hands topic2 (one subscriber) first, then balances topic1.
    const members = [
      { memberId: consumer1, topics: [topic1] },
      { memberId: consumer2, topics: [topic1, topic2] },
      { memberId: consumer3, topics: [topic1] },
    ]
    const assignment = assignChecked(members, counts({ [topic1]: 3, [topic2]: 2 }))
    expect(byName(assignment)).toEqual({
      consumer1: ['topic1-0', 'topic1-2'],
      consumer2: ['topic2-0', 'topic2-1'],
      consumer3: ['topic1-1'],
    })
  })

  it('testTwoConsumersTwoTopicsSixPartitions', () => {
    // Property: with nothing owned the constrained path deals round robin.
    const members = [consumer1, consumer2].map((memberId) => ({ memberId, topics: [topic1, topic2] }))
    expect(byName(assignChecked(members, counts({ [topic1]: 3, [topic2]: 3 })))).toEqual({
      consumer1: ['topic1-0', 'topic1-2', 'topic2-1'],
      consumer2: ['topic1-1', 'topic2-0', 'topic2-2'],
    })
  })

  it('testConsumerOwningMinQuotaExpectedMaxQuota', () => {
    // Property: both keep their 2; the fifth partition goes to the first member at minQuota.
    const all = [topic1, topic2]
    const members = [
      owning(consumer1, all, [tp(topic1, 0), tp(topic2, 1)], generationId),
      owning(consumer2, all, [tp(topic1, 1), tp(topic2, 2)], generationId),
    ]
    expect(byName(assignChecked(members, counts({ [topic1]: 2, [topic2]: 3 })))).toEqual({
      consumer1: ['topic1-0', 'topic2-0', 'topic2-1'],
      consumer2: ['topic1-1', 'topic2-2'],
    })
  })

  it('testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers: one of two members owning maxQuota gives one up', () => {
    // Property: 4 partitions over 3 members leaves room for one at maxQuota 2; one partition moves.
    const all = [topic1, topic2]
    const members = [
      owning(consumer1, all, [tp(topic1, 0), tp(topic2, 0)], generationId),
      owning(consumer2, all, [tp(topic1, 1), tp(topic2, 1)], generationId),
      owning(consumer3, all, [], generationId),
    ]
    const assignment = assignChecked(members, counts({ [topic1]: 2, [topic2]: 2 }))
    expect(movedCount(members, assignment)).toBe(1)
    // Kafka walks the members in HashMap order (consumer2 first) and so lets consumer2 keep both;
    // memberId order lets consumer1 keep both and consumer2 give up topic2-1.
    expect(byName(assignment)).toEqual({
      consumer1: ['topic1-0', 'topic2-0'],
      consumer2: ['topic1-1'],
      consumer3: ['topic2-1'],
    })
  })

  it('testAllConsumersAreUnderMinQuota', () => {
    // Property: owners keep theirs; the 3 unowned are dealt to reach minQuota first, then maxQuota.
    const all = [topic1, topic2]
    const members = [
      owning(consumer1, all, [tp(topic1, 0)], generationId),
      owning(consumer2, all, [tp(topic1, 1)], generationId),
      owning(consumer3, all, [], generationId),
    ]
    expect(byName(assignChecked(members, counts({ [topic1]: 2, [topic2]: 3 })))).toEqual({
      consumer1: ['topic1-0', 'topic2-1'],
      consumer2: ['topic1-1', 'topic2-2'],
      consumer3: ['topic2-0'],
    })
  })

  it('testAddRemoveConsumerOneTopic', () => {
    // Property: a joiner takes one partition from the owner of all three; the last one left takes all.
    const partitionCounts = counts({ [topic]: 3 })
    const first = assignChecked([{ memberId: consumer1, topics: [topic] }], partitionCounts)
    expect(byName(first)).toEqual({ consumer1: ['topic-0', 'topic-1', 'topic-2'] })
    const joined = [owning(consumer1, [topic], first.get(consumer1)!, generationId), owning(consumer2, [topic], [], generationId)]
    const second = assignChecked(joined, partitionCounts)
    expect(byName(second)).toEqual({ consumer1: ['topic-0', 'topic-1'], consumer2: ['topic-2'] })
    const third = assignChecked([owning(consumer2, [topic], second.get(consumer2)!, generationId)], partitionCounts)
    expect(byName(third)).toEqual({ consumer2: ['topic-0', 'topic-1', 'topic-2'] })
  })

  it('testTopicBalanceAfterReassignment: every member holds as many of topic1 as of topic2 at 1, 2, 4 and 2 members', () => {
    // Property: members keep their lowest partition numbers first, so each topic stays split evenly.
    const all = [topic1, topic2]
    const partitionCounts = counts({ [topic1]: 12, [topic2]: 12 })
    const perTopic = (partitions: readonly TopicPartition[], t: string) => partitions.filter((p) => p.topic === t).length
    let members: AssignorMember[] = [{ memberId: consumer1, topics: all }]
    let assignment = assignChecked(members, partitionCounts)
    for (const [ids, each] of [
      [[consumer1, consumer2], 6],
      [[consumer1, consumer2, consumer3, consumer4], 3],
      [[consumer3, consumer4], 6],
    ] as const) {
      members = ids.map((id) => owning(id, all, assignment.get(id) ?? [], generationId))
      assignment = assignChecked(members, partitionCounts)
      for (const partitions of assignment.values()) {
        expect(perTopic(partitions, topic1)).toBe(each)
        expect(perTopic(partitions, topic2)).toBe(each)
      }
      expect(movedCount(members, assignment)).toBe(minimumMoves(members, partitionCounts))
    }
  })

  it('testAddRemoveTwoConsumersTwoTopics', () => {
    // Property: Kafka's exact assignments as two members join and then the first two leave.
    const all = [topic1, topic2]
    const partitionCounts = counts({ [topic1]: 3, [topic2]: 4 })
    const first = assignChecked([consumer1, consumer2].map((memberId) => ({ memberId, topics: all })), partitionCounts)
    expect(byName(first)).toEqual({
      consumer1: ['topic1-0', 'topic1-2', 'topic2-1', 'topic2-3'],
      consumer2: ['topic1-1', 'topic2-0', 'topic2-2'],
    })
    const four = [consumer1, consumer2, consumer3, consumer4].map((id) => owning(id, all, first.get(id) ?? [], generationId))
    const second = assignChecked(four, partitionCounts)
    expect(byName(second)).toEqual({
      consumer1: ['topic1-0', 'topic2-1'],
      consumer2: ['topic1-1', 'topic2-0'],
      consumer3: ['topic1-2', 'topic2-3'],
      consumer4: ['topic2-2'],
    })
    const two = [consumer3, consumer4].map((id) => owning(id, all, second.get(id)!, generationId))
    expect(byName(assignChecked(two, partitionCounts))).toEqual({
      consumer3: ['topic1-0', 'topic1-2', 'topic2-1', 'topic2-3'],
      consumer4: ['topic1-1', 'topic2-0', 'topic2-2'],
    })
  })

  it('testPoorRoundRobinAssignmentScenario: balances where round robin leaves consumer3 empty', () => {
    // Property: valid and balanced (every member 2) for subscriptions round robin handles poorly.
    const five = ['topic1', 'topic2', 'topic3', 'topic4', 'topic5']
    const odd = ['topic1', 'topic3', 'topic5']
    const members = [
      { memberId: 'consumer1', topics: five },
      { memberId: 'consumer2', topics: odd },
      { memberId: 'consumer3', topics: odd },
      { memberId: 'consumer4', topics: five },
    ]
    const assignment = assignChecked(members, counts({ topic1: 2, topic2: 1, topic3: 2, topic4: 1, topic5: 2 }))
    expect(spread(assignment)).toBe(0)
  })

  it('testAddRemoveTopicTwoConsumers: adding and removing a topic keeps what each member had', () => {
    // Property: stickiness across subscription changes on both paths.
    const first = assignChecked([consumer1, consumer2].map((memberId) => ({ memberId, topics: [topic] })), counts({ [topic]: 3 }))
    const c1 = first.get(consumer1)!
    const c2 = first.get(consumer2)!
    const grown = counts({ [topic]: 3, [topic2]: 3 })
    const second = assignChecked(
      [owning(consumer1, [topic, topic2], c1, generationId), owning(consumer2, [topic, topic2], c2, generationId)],
      grown,
    )
    expect(second.get(consumer1)).toHaveLength(3)
    expectContainsAll(second.get(consumer1)!, c1)
    expectContainsAll(second.get(consumer2)!, c2)
    const shrunk = counts({ [topic2]: 3 })
    const third = assignChecked(
      [owning(consumer1, [topic2], second.get(consumer1)!, generationId), owning(consumer2, [topic2], second.get(consumer2)!, generationId)],
      shrunk,
    )
    expect(spread(third)).toBe(1)
    expectContainsAll(second.get(consumer1)!, third.get(consumer1)!)
    expectContainsAll(second.get(consumer2)!, third.get(consumer2)!)
  })

  it('testReassignmentAfterOneConsumerLeaves: 19 nested subscriptions, consumer10 leaves', () => {
    // Property: valid and balanced on the general path before and after the leave.
    const partitionCounts = new Map<string, number>()
    const members: AssignorMember[] = []
    for (let i = 1; i < 20; i++) {
      partitionCounts.set(`topic${String(i).padStart(2, '0')}`, i)
      members.push({ memberId: `consumer${String(i).padStart(2, '0')}`, topics: [...partitionCounts.keys()] })
    }
    const first = assignChecked(members, partitionCounts)
    const remaining = rejoin(members, first, generationId).filter((m) => m.memberId !== 'consumer10')
    expectNoSwaps(remaining, assignChecked(remaining, partitionCounts))
  })

  it('testReassignmentAfterOneConsumerAdded, testSameSubscriptions', () => {
    // Property: equal subscriptions stay balanced within one and move the minimum on join and leave.
    const twenty = counts({ topic: 20 })
    const nine = Array.from({ length: 9 }, (_, i) => ({ memberId: `consumer${i + 1}`, topics: ['topic'] }))
    const first = assignChecked(nine, twenty)
    const ten = [...rejoin(nine, first, generationId), { memberId: 'consumer10', topics: ['topic'] }]
    const second = assignChecked(ten, twenty)
    expect(spread(second)).toBe(0)
    expect(movedCount(ten, second)).toBe(minimumMoves(ten, twenty))

    const fourteen = new Map(Array.from({ length: 14 }, (_, i) => [`topic${String(i + 1).padStart(2, '0')}`, i + 1] as const))
    const eight = Array.from({ length: 8 }, (_, i) => ({ memberId: `consumer${i + 1}`, topics: [...fourteen.keys()] }))
    const before = assignChecked(eight, fourteen)
    const seven = rejoin(eight, before, generationId).filter((m) => m.memberId !== 'consumer5')
    const after = assignChecked(seven, fourteen)
    expect(spread(after)).toBeLessThanOrEqual(1)
    expect(movedCount(seven, after)).toBe(minimumMoves(seven, fourteen))
  })

  it('testLargeAssignmentAndGroupWithUniformSubscription (scaled to 100 topics × 100 partitions, 200 members)', () => {
    // Property: a large constrained assignment completes, valid and balanced, and a rejoin moves the minimum.
    const partitionCounts = new Map(Array.from({ length: 100 }, (_, i) => [`t${i}`, 100] as const))
    const topics = [...partitionCounts.keys()]
    const members = Array.from({ length: 200 }, (_, i) => ({ memberId: `consumer${i}`, topics }))
    const first = assignChecked(members, partitionCounts)
    expect(spread(first)).toBe(0)
    const fewer = rejoin(members, first, generationId).slice(1)
    const second = assignChecked(fewer, partitionCounts)
    expect(movedCount(fewer, second)).toBe(minimumMoves(fewer, partitionCounts))
  })

  it('testLargeAssignmentAndGroupWithNonEqualSubscription (scaled to 20 topics × 20 partitions, 40 members)', () => {
    // Property: a large general-path assignment completes valid and balanced, and again after a leave.
    const partitionCounts = new Map(Array.from({ length: 20 }, (_, i) => [`t${String(i).padStart(2, '0')}`, 20] as const))
    const topics = [...partitionCounts.keys()]
    const members = Array.from({ length: 40 }, (_, i) => ({
      memberId: `consumer${String(i).padStart(2, '0')}`,
      topics: i === 0 ? topics.slice(0, 10) : topics,
    }))
    const first = assignChecked(members, partitionCounts)
    assignChecked(rejoin(members, first, generationId).slice(2), partitionCounts)
  })

  it('testSubscriptionNotEqualAndAssignSamePartitionWith3Generation: every order of three generations', () => {
    // Property: topic-2 claimed by three members in generations 1..3 in every order ends assigned once.
    const partitionCounts = counts({ [topic]: 6, [topic1]: 1 })
    for (const [g1, g2, g3] of [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]]) {
      const members = [
        owning(consumer1, [topic], [tp(topic, 0), tp(topic, 2)], g1),
        owning(consumer2, [topic], [tp(topic, 1), tp(topic, 2), tp(topic, 3)], g2),
        owning(consumer3, [topic], [tp(topic, 2), tp(topic, 4), tp(topic, 5)], g3),
        owning(consumer4, [topic1], [tp(topic1, 0)], 2),
      ]
      const assignment = assignChecked(members, partitionCounts)
      for (const partitions of assignment.values()) expect(partitions.length).toBeGreaterThanOrEqual(1)
      for (const partitions of assignment.values()) expect(partitions.length).toBeLessThanOrEqual(2)
    }
  })

  it('testNewSubscription: a member subscribing to one more topic', () => {
    // Property: valid and balanced before and after consumer0 adds topic1.
    const partitionCounts = counts({ topic1: 1, topic2: 1, topic3: 1, topic4: 1 })
    const members = [
      { memberId: 'consumer0', topics: [] as string[] },
      { memberId: 'consumer1', topics: ['topic1'] },
      { memberId: 'consumer2', topics: ['topic2', 'topic3', 'topic4'] },
    ]
    const first = assignChecked(members, partitionCounts)
    const changed = rejoin(members, first, generationId).map((m) => (m.memberId === 'consumer0' ? { ...m, topics: ['topic1'] } : m))
    expectNoSwaps(changed, assignChecked(changed, partitionCounts))
  })

  it('testReassignmentWithRandomSubscriptionsAndChanges: 20-40 members, 10-20 topics, subscriptions redrawn', () => {
    // Property: valid, balanced and swap-free after every member's subscriptions change at once.
    const topicNames = Array.from({ length: 20 }, (_, i) => `topic${String(i).padStart(2, '0')}`)
    const arb = fc
      .record({ topicCount: fc.integer({ min: 10, max: 19 }), memberCount: fc.integer({ min: 20, max: 39 }) })
      .chain(({ topicCount, memberCount }) => {
        const topics = topicNames.slice(0, topicCount)
        const subscriptions = fc.array(fc.subarray(topics, { minLength: 1 }), { minLength: memberCount, maxLength: memberCount })
        return fc.record({ topics: fc.constant(topics), before: subscriptions, after: subscriptions })
      })
    fc.assert(
      fc.property(arb, ({ topics, before, after }) => {
        const partitionCounts = new Map(topics.map((t, i) => [t, i + 1] as const))
        const memberIds = before.map((_, i) => `consumer${String(i).padStart(2, '0')}`)
        const first = assignChecked(memberIds.map((memberId, i) => ({ memberId, topics: before[i] })), partitionCounts)
        const changed = memberIds.map((memberId, i) => owning(memberId, after[i], first.get(memberId)!, generationId))
        expectNoSwaps(changed, assignChecked(changed, partitionCounts))
      }),
      { seed: seedFromEnv('SEED'), numRuns: 15 },
    )
  })

  it('testMoveExistingAssignments', () => {
    // Property: the general path produces a valid, balanced assignment from uneven ownership.
    const partitionCounts = counts({ topic1: 1, topic2: 1, topic3: 1, topic4: 1, topic5: 1, topic6: 1 })
    assignChecked(
      [
        owning(consumer1, ['topic1', 'topic2'], [tp('topic1', 0)], generationId),
        owning(consumer2, ['topic1', 'topic2', 'topic3', 'topic4'], [tp('topic2', 0), tp('topic3', 0)], generationId),
        owning(consumer3, ['topic2', 'topic3', 'topic4', 'topic5', 'topic6'], [tp('topic4', 0), tp('topic5', 0), tp('topic6', 0)], generationId),
      ],
      partitionCounts,
    )
  })

  it('testStickiness: the members left after the first leaves keep their partition', () => {
    // Property: 3 partitions over 4 members, then 3 members: every member that had one keeps it.
    const partitionCounts = counts({ [topic1]: 3 })
    const members = [consumer1, consumer2, consumer3, consumer4].map((memberId) => ({ memberId, topics: [topic1] }))
    const first = assignChecked(members, partitionCounts)
    for (const partitions of first.values()) expect(partitions.length).toBeLessThanOrEqual(1)
    const remaining = rejoin(members, first, generationId).slice(1)
    const second = assignChecked(remaining, partitionCounts)
    for (const m of remaining) {
      expect(second.get(m.memberId)).toHaveLength(1)
      expectContainsAll(second.get(m.memberId)!, m.ownedPartitions!)
    }
  })

  it('testAssignmentUpdatedForDeletedTopic, testNoExceptionThrownWhenOnlySubscribedTopicDeleted', () => {
    // Property: a subscribed topic that does not exist is skipped; claims to a deleted topic are dropped.
    const assignment = assignChecked([{ memberId: 'consumer', topics: [topic1, topic2, topic3] }], counts({ [topic1]: 1, [topic3]: 100 }))
    expect(assignment.get('consumer')).toHaveLength(101)
    const owner = owning('consumer', [topic], [0, 1, 2].map((p) => tp(topic, p)), generationId)
    expect(byName(assignSticky([owner], new Map()))).toEqual({ consumer: [] })
  })

  it('testAllConsumersReachExpectedQuotaAndAreConsideredFilled', () => {
    // Property: owners keep everything; the one free partition goes to the member with none.
    const members = [
      owning(consumer1, [topic], [tp(topic, 0), tp(topic, 1)], generationId),
      owning(consumer2, [topic], [tp(topic, 2)], generationId),
      owning(consumer3, [topic], [], generationId),
    ]
    expect(byName(assignChecked(members, counts({ [topic]: 4 })))).toEqual({
      consumer1: ['topic-0', 'topic-1'],
      consumer2: ['topic-2'],
      consumer3: ['topic-3'],
    })
  })

  it('testOwnedPartitionsAreInvalidatedForConsumerWithStaleGeneration and ...WithNoGeneration', () => {
    // Property: the same claims from an older (or no) generation lose to the current one.
    const all = [topic, topic2]
    const claimed = [tp(topic, 0), tp(topic, 2), tp(topic2, 1)]
    for (const staleGeneration of [9, undefined]) {
      const members = [owning(consumer1, all, claimed, 10), owning(consumer2, all, claimed, staleGeneration)]
      expect(byName(assignChecked(members, counts({ [topic]: 3, [topic2]: 3 })))).toEqual({
        consumer1: ['topic-0', 'topic-2', 'topic2-1'],
        consumer2: ['topic-1', 'topic2-0', 'topic2-2'],
      })
    }
  })

  it('testPartitionsTransferringOwnershipIncludeThePartitionClaimedByMultipleConsumersInSameGeneration', () => {
    // Property: topic-0, claimed by two members of one generation, goes to neither.
    const members = [
      owning(consumer1, [topic], [tp(topic, 0), tp(topic, 1)], generationId),
      owning(consumer2, [topic], [tp(topic, 0), tp(topic, 2)], generationId),
      owning(consumer3, [topic], [], generationId),
    ]
    expect(byName(assignChecked(members, counts({ [topic]: 3 })))).toEqual({
      consumer1: ['topic-1'],
      consumer2: ['topic-2'],
      consumer3: ['topic-0'],
    })
  })

  it('testEnsurePartitionsAssignedToHighestGeneration', () => {
    // Property: consumer3's claims also made by newer generations are dropped; it keeps topic3-2.
    const all = [topic, topic2, topic3]
    const members = [
      owning(consumer1, all, [tp(topic, 0), tp(topic2, 0), tp(topic3, 0)], 10),
      owning(consumer2, all, [tp(topic, 1), tp(topic2, 1), tp(topic3, 1)], 9),
      owning(consumer3, all, [tp(topic2, 1), tp(topic3, 0), tp(topic3, 2)], 8),
    ]
    expect(byName(assignChecked(members, counts({ [topic]: 3, [topic2]: 3, [topic3]: 3 })))).toEqual({
      consumer1: ['topic-0', 'topic2-0', 'topic3-0'],
      consumer2: ['topic-1', 'topic2-1', 'topic3-1'],
      consumer3: ['topic-2', 'topic2-2', 'topic3-2'],
    })
  })

  it('testNoReassignmentOnCurrentMembers', () => {
    // Property: members of several older generations keep all they own; the newcomer gets the rest.
    const all = [topic, topic2, topic3, topic1]
    const members = [
      owning(consumer1, all, [], -1),
      owning(consumer2, all, [tp(topic, 0), tp(topic2, 0), tp(topic1, 0)], 9),
      owning(consumer3, all, [tp(topic3, 2), tp(topic2, 2), tp(topic1, 1)], 8),
      owning(consumer4, all, [tp(topic3, 1), tp(topic, 1), tp(topic, 2)], 7),
    ]
    const assignment = assignChecked(members, counts({ [topic]: 3, [topic1]: 3, [topic2]: 3, [topic3]: 3 }))
    expect(names(assignment.get(consumer1)!)).toEqual(['topic1-2', 'topic2-1', 'topic3-0'])
    expect(movedCount(members, assignment)).toBe(0)
  })

  it('testOwnedPartitionsAreInvalidatedForConsumerWithMultipleGeneration', () => {
    // Property: of consumer2's older claims only the one nobody newer claims (topic2-2) is kept.
    const all = [topic, topic2]
    const members = [
      owning(consumer1, all, [tp(topic, 0), tp(topic2, 1), tp(topic, 1)], 10),
      owning(consumer2, all, [tp(topic, 0), tp(topic2, 1), tp(topic2, 2)], 8),
    ]
    expect(byName(assignChecked(members, counts({ [topic]: 3, [topic2]: 3 })))).toEqual({
      consumer1: ['topic-0', 'topic-1', 'topic2-1'],
      consumer2: ['topic-2', 'topic2-0', 'topic2-2'],
    })
  })
})

describe("sticky assignor: Kafka's StickyAssignorTest", () => {
  const topic = 'topic'
  const topic2 = 'topic2'
  const topic3 = 'topic3'
  const [consumer1, consumer2, consumer3] = ['consumer1', 'consumer2', 'consumer3']
  /** consumer1, consumer2, … subscribing to the given topics, owning nothing. */
  const subscribing = (...topicLists: string[][]): AssignorMember[] =>
    topicLists.map((topics, i) => ({ memberId: `consumer${i + 1}`, topics }))

  it('testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGeneration (equal and unequal partitions per consumer)', () => {
    // Property: topic-0, claimed twice in one generation, goes to the member with nothing.
    const claims = (n: number) => {
      const members = [
        owning(consumer1, [topic], [tp(topic, 0), tp(topic, 1)], 1),
        owning(consumer2, [topic], [tp(topic, 0), tp(topic, 2)], 1),
        owning(consumer3, [topic], [], 1),
      ]
      return byName(assignChecked(members, counts({ [topic]: n })))
    }
    expect(claims(3)).toEqual({ consumer1: ['topic-1'], consumer2: ['topic-2'], consumer3: ['topic-0'] })
    expect(claims(4)).toEqual({ consumer1: ['topic-1', 'topic-3'], consumer2: ['topic-2'], consumer3: ['topic-0'] })
  })

  for (const allEqual of [true, false]) {
    it(`testAssignmentWithMultipleGenerations1 (subscriptions ${allEqual ? 'equal' : 'unequal'})`, () => {
      // Property: a member returning with an older generation's partitions does not take them back twice.
      const all = [topic, topic2]
      const c2Topics = allEqual ? all : [topic]
      const partitionCounts = counts({ [topic]: 6, [topic2]: 6 })
      const r1 = assignChecked(subscribing(all, c2Topics, all), partitionCounts)
      for (const partitions of r1.values()) expect(partitions).toHaveLength(4)
      const r2 = assignChecked(
        [owning(consumer1, all, r1.get(consumer1)!, 1), owning(consumer2, c2Topics, r1.get(consumer2)!, 1)],
        partitionCounts,
      )
      expect(r2.get(consumer1)).toHaveLength(6)
      expect(r2.get(consumer2)).toHaveLength(6)
      if (allEqual) expectContainsAll(r2.get(consumer1)!, r1.get(consumer1)!)
      expectContainsAll(r2.get(consumer2)!, r1.get(consumer2)!)
      expect(names(r2.get(consumer2)!).some((n) => names(r1.get(consumer3)!).includes(n))).toBe(true)
      const r3 = assignChecked(
        [owning(consumer2, c2Topics, r2.get(consumer2)!, 2), owning(consumer3, all, r1.get(consumer3)!, 1)],
        partitionCounts,
      )
      expect(r3.get(consumer2)).toHaveLength(6)
      expect(r3.get(consumer3)).toHaveLength(6)
    })

    it(`testAssignmentWithMultipleGenerations2 (subscriptions ${allEqual ? 'equal' : 'unequal'})`, () => {
      // Property: members back from generation 1 beside one from generation 2 end balanced 4/4/4.
      const all = [topic, topic2, topic3]
      const c1Topics = allEqual ? all : [topic]
      const c3Topics = allEqual ? all : [topic, topic2]
      const partitionCounts = counts({ [topic]: 4, [topic2]: 4, [topic3]: 4 })
      const r1 = assignChecked(subscribing(c1Topics, all, c3Topics), partitionCounts)
      for (const partitions of r1.values()) expect(partitions).toHaveLength(4)
      const r2 = assignChecked([owning(consumer2, all, r1.get(consumer2)!, 1)], partitionCounts)
      expect(r2.get(consumer2)).toHaveLength(12)
      const r3 = assignChecked(
        [
          owning(consumer1, c1Topics, r1.get(consumer1)!, 1),
          owning(consumer2, all, r2.get(consumer2)!, 2),
          owning(consumer3, c3Topics, r1.get(consumer3)!, 1),
        ],
        partitionCounts,
      )
      for (const partitions of r3.values()) expect(partitions).toHaveLength(4)
    })

    it(`testAssignmentWithConflictingPreviousGenerations (subscriptions ${allEqual ? 'equal' : 'unequal'})`, () => {
      // Property: generation 2's claims beat generation 1's; each keeps only what it claimed.
      const t = (topicName: string, ...ps: number[]) => ps.map((p) => tp(topicName, p))
      const all = [topic, topic2, topic3]
      const c1Topics = allEqual ? all : [topic]
      const c2Topics = allEqual ? all : [topic, topic2]
      const c1Claims = allEqual ? [...t(topic, 0, 1, 2), ...t(topic2, 2, 3), ...t(topic3, 0)] : t(topic, 0, 1, 2, 3)
      const c2Claims = [...t(topic, 0, 1), ...t(topic2, 0, 1, 2, 3)]
      const c3Claims = [...t(topic, 2, 3), ...t(topic3, 0, 1, 2, 3)]
      const members = [owning(consumer1, c1Topics, c1Claims, 1), owning(consumer2, c2Topics, c2Claims, 2), owning(consumer3, all, c3Claims, 2)]
      const assignment = assignChecked(members, counts({ [topic]: 4, [topic2]: 4, [topic3]: 4 }))
      for (const partitions of assignment.values()) expect(partitions).toHaveLength(4)
      expectContainsAll(c2Claims, assignment.get(consumer2)!)
      expectContainsAll(c3Claims, assignment.get(consumer3)!)
    })
  }
})
