/**
 * The round-robin assignor deals all subscribed partitions, sorted, to the members in turn
 * (static ones by groupInstanceId first), skipping a member not subscribed to the partition's
 * topic: the seed material's examples and cases ported from Kafka's RoundRobinAssignorTest.
 */
import { describe, expect, it } from 'vitest'
import { assignRoundRobin } from '../../../src/consumer/round-robin-assignor.js'
import { byName, counts, expectValid } from './assignor-checks.js'

describe('round-robin assignor: seed material examples', () => {
  it('interleaves 10 partitions over 3 consumers: C0 takes 0,3,6,9', () => {
    // Property: partition i goes to consumer i mod 3.
    const members = ['C0', 'C1', 'C2'].map((memberId) => ({ memberId, topics: ['T0'] }))
    expect(byName(assignRoundRobin(members, counts({ T0: 10 })))).toEqual({
      C0: ['T0-0', 'T0-3', 'T0-6', 'T0-9'],
      C1: ['T0-1', 'T0-4', 'T0-7'],
      C2: ['T0-2', 'T0-5', 'T0-8'],
    })
  })

  it('skips members not subscribed to a topic, leaving A one partition and C four (t0, t1, t2 of 1, 2, 3)', () => {
    // Property: the turn passes over a member without the topic and does not come back to it.
    // (The seed text says every topic has 3 partitions, but its result is Kafka's javadoc example,
    // whose topics have 1, 2 and 3.)
    const members = [
      { memberId: 'A', topics: ['t0'] },
      { memberId: 'B', topics: ['t0', 't1'] },
      { memberId: 'C', topics: ['t0', 't1', 't2'] },
    ]
    const partitionCounts = counts({ t0: 1, t1: 2, t2: 3 })
    const assignment = assignRoundRobin(members, partitionCounts)
    expectValid(members, partitionCounts, assignment)
    expect(byName(assignment)).toEqual({ A: ['t0-0'], B: ['t1-0'], C: ['t1-1', 't2-0', 't2-1', 't2-2'] })
  })

  it('deals the 8 partitions of t0..t3 (2 each) to C0, C1, C2 in turn, and to C0, C2 after C1 leaves', () => {
    // Property: the seed's round-robin results for its sticky comparison.
    const all = ['t0', 't1', 't2', 't3']
    const partitionCounts = counts({ t0: 2, t1: 2, t2: 2, t3: 2 })
    const three = ['C0', 'C1', 'C2'].map((memberId) => ({ memberId, topics: all }))
    expect(byName(assignRoundRobin(three, partitionCounts))).toEqual({
      C0: ['t0-0', 't1-1', 't3-0'],
      C1: ['t0-1', 't2-0', 't3-1'],
      C2: ['t1-0', 't2-1'],
    })
    const two = ['C0', 'C2'].map((memberId) => ({ memberId, topics: all }))
    expect(byName(assignRoundRobin(two, partitionCounts))).toEqual({
      C0: ['t0-0', 't1-0', 't2-0', 't3-0'],
      C2: ['t0-1', 't1-1', 't2-1', 't3-1'],
    })
  })
})

describe("round-robin assignor: Kafka's RoundRobinAssignorTest", () => {
  const topic1 = 'topic1'
  const topic2 = 'topic2'

  it('testOneConsumerNoTopic, testOneConsumerNonexistentTopic', () => {
    // Property: nothing to assign leaves the member with an empty list.
    expect(byName(assignRoundRobin([{ memberId: 'consumer', topics: [] }], new Map()))).toEqual({ consumer: [] })
    expect(byName(assignRoundRobin([{ memberId: 'consumer', topics: [topic1] }], new Map()))).toEqual({ consumer: [] })
  })

  it('testOneConsumerOneTopic, testOnlyAssignsPartitionsFromSubscribedTopics, testOneConsumerMultipleTopics', () => {
    // Property: a lone member takes every partition of its topics and nothing else.
    expect(byName(assignRoundRobin([{ memberId: 'consumer', topics: [topic1] }], counts({ [topic1]: 3, other: 3 })))).toEqual({
      consumer: ['topic1-0', 'topic1-1', 'topic1-2'],
    })
    expect(byName(assignRoundRobin([{ memberId: 'consumer', topics: [topic1, topic2] }], counts({ [topic1]: 1, [topic2]: 2 })))).toEqual({
      consumer: ['topic1-0', 'topic2-0', 'topic2-1'],
    })
  })

  it('testTwoConsumersOneTopicOnePartition, testTwoConsumersOneTopicTwoPartitions', () => {
    // Property: the first member by id goes first.
    const members = ['consumer1', 'consumer2'].map((memberId) => ({ memberId, topics: [topic1] }))
    expect(byName(assignRoundRobin(members, counts({ [topic1]: 1 })))).toEqual({ consumer1: ['topic1-0'], consumer2: [] })
    expect(byName(assignRoundRobin(members, counts({ [topic1]: 2 })))).toEqual({ consumer1: ['topic1-0'], consumer2: ['topic1-1'] })
  })

  it('testMultipleConsumersMixedTopics', () => {
    // Property: topic2 partitions skip the members that do not subscribe to it.
    const members = [
      { memberId: 'consumer1', topics: [topic1] },
      { memberId: 'consumer2', topics: [topic1, topic2] },
      { memberId: 'consumer3', topics: [topic1] },
    ]
    expect(byName(assignRoundRobin(members, counts({ [topic1]: 3, [topic2]: 2 })))).toEqual({
      consumer1: ['topic1-0'],
      consumer2: ['topic1-1', 'topic2-0', 'topic2-1'],
      consumer3: ['topic1-2'],
    })
  })

  it('testTwoDynamicConsumersTwoTopicsSixPartitions', () => {
    // Property: the deal continues across topics (topic2-0 goes to consumer2, after topic1-2 to consumer1).
    const members = ['consumer1', 'consumer2'].map((memberId) => ({ memberId, topics: [topic1, topic2] }))
    expect(byName(assignRoundRobin(members, counts({ [topic1]: 3, [topic2]: 3 })))).toEqual({
      consumer1: ['topic1-0', 'topic1-2', 'topic2-1'],
      consumer2: ['topic1-1', 'topic2-0', 'topic2-2'],
    })
  })

  it('testTwoStaticConsumersTwoTopicsSixPartitions, testOneStaticConsumerAndOneDynamicConsumerTwoTopicsSixPartitions', () => {
    // Property: consumer-b goes first, by its groupInstanceId or for being the static one.
    const expected = {
      'consumer-a': ['topic1-1', 'topic2-0', 'topic2-2'],
      'consumer-b': ['topic1-0', 'topic1-2', 'topic2-1'],
    }
    const partitionCounts = counts({ [topic1]: 3, [topic2]: 3 })
    const bothStatic = [
      { memberId: 'consumer-b', groupInstanceId: 'instance1', topics: [topic1, topic2] },
      { memberId: 'consumer-a', groupInstanceId: 'instance2', topics: [topic1, topic2] },
    ]
    expect(byName(assignRoundRobin(bothStatic, partitionCounts))).toEqual(expected)
    const oneStatic = [
      { memberId: 'consumer-b', groupInstanceId: 'instance1', topics: [topic1, topic2] },
      { memberId: 'consumer-a', topics: [topic1, topic2] },
    ]
    expect(byName(assignRoundRobin(oneStatic, partitionCounts))).toEqual(expected)
  })

  it('testStaticMemberRoundRobinAssignmentPersistent: replacing the dynamic member leaves the static members alone', () => {
    // Property: the dynamic member sorts last, so its replacement takes exactly its partitions.
    const statics = [1, 2, 3].map((i) => ({ memberId: `consumer${i}`, groupInstanceId: `instance${i}`, topics: [topic1, topic2] }))
    const partitionCounts = counts({ [topic1]: 3, [topic2]: 3 })
    const expected = { consumer1: ['topic1-0', 'topic2-1'], consumer2: ['topic1-1', 'topic2-2'], consumer3: ['topic1-2'] }
    const first = assignRoundRobin([...statics, { memberId: 'consumer4', topics: [topic1, topic2] }], partitionCounts)
    expect(byName(first)).toEqual({ ...expected, consumer4: ['topic2-0'] })
    const second = assignRoundRobin([...statics, { memberId: 'consumer5', topics: [topic1, topic2] }], partitionCounts)
    expect(byName(second)).toEqual({ ...expected, consumer5: ['topic2-0'] })
  })

  it('testStaticMemberRoundRobinAssignmentPersistentAfterMemberIdChanges', () => {
    // Property: the assignment per groupInstanceId survives new memberIds.
    const partitionCounts = counts({ [topic1]: 5, [topic2]: 5 })
    const byInstance = (ids: string[]) => {
      const members = ids.map((memberId, i) => ({ memberId, groupInstanceId: `instance${i + 1}`, topics: [topic1, topic2] }))
      const assignment = byName(assignRoundRobin(members, partitionCounts))
      return Object.fromEntries(members.map((m) => [m.groupInstanceId, assignment[m.memberId]]))
    }
    const expected = {
      instance1: ['topic1-0', 'topic1-3', 'topic2-1', 'topic2-4'],
      instance2: ['topic1-1', 'topic1-4', 'topic2-2'],
      instance3: ['topic1-2', 'topic2-0', 'topic2-3'],
    }
    expect(byInstance(['consumer1', 'consumer2', 'consumer3'])).toEqual(expected)
    expect(byInstance(['consumer5', 'consumer4', 'consumer0'])).toEqual(expected)
  })
})
