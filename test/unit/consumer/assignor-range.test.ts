/**
 * The range assignor gives each member consecutive partitions of each topic, the first
 * `partitions % members` members (static ones by groupInstanceId first) one extra: the seed
 * material's examples and cases ported from Kafka's RangeAssignorTest (rack-aware cases left out:
 * seglog has no racks).
 */
import { describe, expect, it } from 'vitest'
import { assignRange } from '../../../src/consumer/range-assignor.js'
import { byName, counts, expectValid } from './assignor-checks.js'

describe('range assignor: seed material examples', () => {
  it('splits 10 partitions over 3 consumers as 4/3/3, the extra one to the first consumer', () => {
    // Property: ⌊10/3⌋ = 3 each, 10 mod 3 = 1 extra to C0, ranges consecutive.
    const members = ['C0', 'C1', 'C2'].map((memberId) => ({ memberId, topics: ['T0'] }))
    const assignment = assignRange(members, counts({ T0: 10 }))
    expect(byName(assignment)).toEqual({
      C0: ['T0-0', 'T0-1', 'T0-2', 'T0-3'],
      C1: ['T0-4', 'T0-5', 'T0-6'],
      C2: ['T0-7', 'T0-8', 'T0-9'],
    })
  })

  it('gives the first consumer the extra partition of every topic (2 consumers, t0 and t1 of 3)', () => {
    // Property: the per-topic split repeats, so the imbalance adds up across topics.
    const members = ['A', 'B'].map((memberId) => ({ memberId, topics: ['t0', 't1'] }))
    expect(byName(assignRange(members, counts({ t0: 3, t1: 3 })))).toEqual({
      A: ['t0-0', 't0-1', 't1-0', 't1-1'],
      B: ['t0-2', 't1-2'],
    })
  })
})

describe("range assignor: Kafka's RangeAssignorTest", () => {
  const topic1 = 'topic1'
  const topic2 = 'topic2'

  it('testOneConsumerNoTopic: a member subscribing to nothing gets an empty list', () => {
    // Property: every member is in the output, even with nothing to assign.
    expect(byName(assignRange([{ memberId: 'consumer1', topics: [] }], new Map()))).toEqual({ consumer1: [] })
  })

  it('testOneConsumerNonexistentTopic: a topic missing from the counts is skipped', () => {
    // Property: subscribing to a topic that does not exist assigns nothing.
    expect(byName(assignRange([{ memberId: 'consumer1', topics: [topic1] }], new Map()))).toEqual({ consumer1: [] })
  })

  it('testOneConsumerOneTopic and testOnlyAssignsPartitionsFromSubscribedTopics', () => {
    // Property: a lone member takes every partition of its topic and none of another topic.
    const assignment = assignRange([{ memberId: 'consumer1', topics: [topic1] }], counts({ [topic1]: 3, other: 3 }))
    expect(byName(assignment)).toEqual({ consumer1: ['topic1-0', 'topic1-1', 'topic1-2'] })
  })

  it('testOneConsumerMultipleTopics', () => {
    // Property: a lone member takes every partition of all its topics.
    const assignment = assignRange([{ memberId: 'consumer1', topics: [topic1, topic2] }], counts({ [topic1]: 1, [topic2]: 2 }))
    expect(byName(assignment)).toEqual({ consumer1: ['topic1-0', 'topic2-0', 'topic2-1'] })
  })

  it('testTwoConsumersOneTopicOnePartition and testTwoConsumersOneTopicTwoPartitions', () => {
    // Property: one partition goes to the first member; two split one each.
    const members = ['consumer1', 'consumer2'].map((memberId) => ({ memberId, topics: [topic1] }))
    expect(byName(assignRange(members, counts({ [topic1]: 1 })))).toEqual({ consumer1: ['topic1-0'], consumer2: [] })
    expect(byName(assignRange(members, counts({ [topic1]: 2 })))).toEqual({ consumer1: ['topic1-0'], consumer2: ['topic1-1'] })
  })

  it('testMultipleConsumersMixedTopics', () => {
    // Property: each topic is split only among its own subscribers.
    const members = [
      { memberId: 'consumer1', topics: [topic1] },
      { memberId: 'consumer2', topics: [topic1, topic2] },
      { memberId: 'consumer3', topics: [topic1] },
    ]
    const partitionCounts = counts({ [topic1]: 3, [topic2]: 2 })
    const assignment = assignRange(members, partitionCounts)
    expectValid(members, partitionCounts, assignment)
    expect(byName(assignment)).toEqual({
      consumer1: ['topic1-0'],
      consumer2: ['topic1-1', 'topic2-0', 'topic2-1'],
      consumer3: ['topic1-2'],
    })
  })

  it('testTwoConsumersTwoTopicsSixPartitions', () => {
    // Property: the first member by id takes the extra partition of each topic.
    const members = ['consumer1', 'consumer2'].map((memberId) => ({ memberId, topics: [topic1, topic2] }))
    expect(byName(assignRange(members, counts({ [topic1]: 3, [topic2]: 3 })))).toEqual({
      consumer1: ['topic1-0', 'topic1-1', 'topic2-0', 'topic2-1'],
      consumer2: ['topic1-2', 'topic2-2'],
    })
  })

  it('testTwoStaticConsumersTwoTopicsSixPartitions: static members are ordered by groupInstanceId, not memberId', () => {
    // Property: consumer-b (instance1) sorts before consumer-a (instance2).
    const members = [
      { memberId: 'consumer-b', groupInstanceId: 'instance1', topics: [topic1, topic2] },
      { memberId: 'consumer-a', groupInstanceId: 'instance2', topics: [topic1, topic2] },
    ]
    expect(byName(assignRange(members, counts({ [topic1]: 3, [topic2]: 3 })))).toEqual({
      'consumer-a': ['topic1-2', 'topic2-2'],
      'consumer-b': ['topic1-0', 'topic1-1', 'topic2-0', 'topic2-1'],
    })
  })

  it('testOneStaticConsumerAndOneDynamicConsumerTwoTopicsSixPartitions: static members sort before dynamic ones', () => {
    // Property: a member with a groupInstanceId comes first whatever the memberIds.
    const members = [
      { memberId: 'consumer-b', groupInstanceId: 'instance1', topics: [topic1, topic2] },
      { memberId: 'consumer-a', topics: [topic1, topic2] },
    ]
    expect(byName(assignRange(members, counts({ [topic1]: 3, [topic2]: 3 })))).toEqual({
      'consumer-a': ['topic1-2', 'topic2-2'],
      'consumer-b': ['topic1-0', 'topic1-1', 'topic2-0', 'topic2-1'],
    })
  })

  it('testStaticMemberRangeAssignmentPersistent: replacing the dynamic member leaves the static members alone', () => {
    // Property: the dynamic member sorts last, so its replacement takes exactly its partitions.
    const statics = [1, 2, 3].map((i) => ({ memberId: `consumer${i}`, groupInstanceId: `instance${i}`, topics: [topic1, topic2] }))
    const partitionCounts = counts({ [topic1]: 5, [topic2]: 4 })
    const expected = {
      consumer1: ['topic1-0', 'topic1-1', 'topic2-0'],
      consumer2: ['topic1-2', 'topic2-1'],
      consumer3: ['topic1-3', 'topic2-2'],
    }
    const first = assignRange([...statics, { memberId: 'consumer4', topics: [topic1, topic2] }], partitionCounts)
    expect(byName(first)).toEqual({ ...expected, consumer4: ['topic1-4', 'topic2-3'] })
    const second = assignRange([...statics, { memberId: 'consumer5', topics: [topic1, topic2] }], partitionCounts)
    expect(byName(second)).toEqual({ ...expected, consumer5: ['topic1-4', 'topic2-3'] })
  })

  it('testStaticMemberRangeAssignmentPersistentAfterMemberIdChanges: instances keep their partitions under new memberIds', () => {
    // Property: the assignment per groupInstanceId is the same before and after the memberIds change.
    const partitionCounts = counts({ [topic1]: 5, [topic2]: 5 })
    const byInstance = (ids: string[]) => {
      const members = ids.map((memberId, i) => ({ memberId, groupInstanceId: `instance${i + 1}`, topics: [topic1, topic2] }))
      const assignment = byName(assignRange(members, partitionCounts))
      return Object.fromEntries(members.map((m) => [m.groupInstanceId, assignment[m.memberId]]))
    }
    const expected = {
      instance1: ['topic1-0', 'topic1-1', 'topic2-0', 'topic2-1'],
      instance2: ['topic1-2', 'topic1-3', 'topic2-2', 'topic2-3'],
      instance3: ['topic1-4', 'topic2-4'],
    }
    expect(byInstance(['consumer1', 'consumer2', 'consumer3'])).toEqual(expected)
    expect(byInstance(['consumer1', 'consumer5', 'consumer4'])).toEqual(expected)
  })
})
