/**
 * Properties of the three assignors over random groups (fast-check; SEED=… replays a run):
 * every subscribed partition is assigned exactly once and only to a subscriber; range is balanced
 * within one per topic, round robin and sticky overall for equal subscriptions; sticky with unequal
 * subscriptions leaves no partition movable to a member two or more lighter; sticky moves exactly
 * as many partitions as a balanced assignment must after members join or leave; the output does not
 * depend on the order of the input.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AssignorMember, GroupAssignment, PartitionCounts, TopicPartition } from '../../../src/consumer/assignor.js'
import { assignRange } from '../../../src/consumer/range-assignor.js'
import { assignRoundRobin } from '../../../src/consumer/round-robin-assignor.js'
import { assignSticky } from '../../../src/consumer/sticky-assignor.js'
import { seedFromEnv } from '../../helpers/seeded-random.mjs'
import { expectStickyBalanced, expectValid, minimumMoves, movedCount, rejoin, spread } from './assignor-checks.js'

const SEED = seedFromEnv('SEED')
const RUNS = 200
const TOPICS = ['t0', 't1', 't2', 't3']
/** A topic some members subscribe to that does not exist. */
const MISSING_TOPIC = 'missing'

interface Group {
  members: AssignorMember[]
  partitionCounts: PartitionCounts
}

const partitionCountsArb: fc.Arbitrary<PartitionCounts> = fc
  .tuple(...TOPICS.map(() => fc.integer({ min: 0, max: 9 })))
  .map((ns) => new Map(TOPICS.map((t, i) => [t, ns[i]] as const)))

const memberIdsArb = fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 8 }).map((ns) => ns.map((n) => `m${n}`))

/** Members with random subscriptions (any subset of the topics, sometimes a missing one), some static. */
const unequalGroupArb: fc.Arbitrary<Group> = fc
  .tuple(memberIdsArb, partitionCountsArb)
  .chain(([ids, partitionCounts]) =>
    fc
      .tuple(
        fc.array(fc.subarray([...TOPICS, MISSING_TOPIC]), { minLength: ids.length, maxLength: ids.length }),
        fc.array(fc.boolean(), { minLength: ids.length, maxLength: ids.length }),
      )
      .map(([subscriptions, isStatic]) => ({
        partitionCounts,
        members: ids.map((memberId, i) => ({
          memberId,
          topics: subscriptions[i],
          ...(isStatic[i] ? { groupInstanceId: `instance-${(i * 7) % ids.length}-${memberId}` } : {}),
        })),
      })),
  )

/** Members that all subscribe to the same topics. */
const equalGroupArb: fc.Arbitrary<Group> = fc
  .tuple(memberIdsArb, partitionCountsArb, fc.subarray(TOPICS, { minLength: 1 }))
  .map(([ids, partitionCounts, topics]) => ({ partitionCounts, members: ids.map((memberId) => ({ memberId, topics })) }))

/** Every partition of the subscribed topics, in order. */
function allPartitions(group: Group): TopicPartition[] {
  const topics = new Set(group.members.flatMap((m) => m.topics))
  const out: TopicPartition[] = []
  for (const topic of TOPICS) {
    if (!topics.has(topic)) continue
    for (let p = 0; p < (group.partitionCounts.get(topic) ?? 0); p++) out.push({ topic, partition: p })
  }
  return out
}

/**
 * The group with random previous ownership: each partition owned by one of the members or by
 * nobody (unowned, or owned by a member that has left), in generation `generation`.
 */
function withOwnershipArb(group: Group): fc.Arbitrary<AssignorMember[]> {
  const partitions = allPartitions(group)
  return fc
    .array(fc.integer({ min: -1, max: group.members.length - 1 }), { minLength: partitions.length, maxLength: partitions.length })
    .map((owners) =>
      group.members.map((m, i) => ({
        ...m,
        ownedPartitions: partitions.filter((_, j) => owners[j] === i),
        generation: 3,
      })),
    )
}

/** The same group with members, subscriptions, owned partitions and topic counts in another order. */
function shuffledArb(group: Group): fc.Arbitrary<Group> {
  return fc.tuple(fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true }))).map(([randoms]) => {
    const it = randoms[Symbol.iterator]()
    const shuffle = <T>(xs: readonly T[]): T[] =>
      xs
        .map((x) => [it.next().value as number, x] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, x]) => x)
    return {
      partitionCounts: new Map(shuffle([...group.partitionCounts])),
      members: shuffle(group.members).map((m) => ({
        ...m,
        topics: shuffle(m.topics),
        ...(m.ownedPartitions === undefined ? {} : { ownedPartitions: shuffle(m.ownedPartitions) }),
      })),
    }
  })
}

const ASSIGNORS = [
  ['range', assignRange],
  ['roundRobin', assignRoundRobin],
  ['sticky', assignSticky],
] as const

function entries(assignment: GroupAssignment): [string, TopicPartition[]][] {
  return [...assignment]
}

describe('assignor properties', () => {
  for (const [name, assign] of ASSIGNORS) {
    it(`${name}: assigns every subscribed partition exactly once, only to a member subscribing to its topic`, () => {
      // Property: validity for any subscriptions (and, for sticky, any previous ownership).
      const arb = unequalGroupArb.chain((group) => withOwnershipArb(group).map((members) => ({ ...group, members })))
      fc.assert(
        fc.property(arb, (group) => expectValid(group.members, group.partitionCounts, assign(group.members, group.partitionCounts))),
        { seed: SEED, numRuns: RUNS },
      )
    })

    it(`${name}: gives the same output for the same input in any order`, () => {
      // Property: determinism — shuffled members, subscriptions, owned partitions and counts change nothing.
      const arb = unequalGroupArb
        .chain((group) => withOwnershipArb(group).map((members) => ({ ...group, members })))
        .chain((group) => shuffledArb(group).map((shuffled) => [group, shuffled] as const))
      fc.assert(
        fc.property(arb, ([group, shuffled]) => {
          const a = assign(group.members, group.partitionCounts)
          expect(entries(assign(shuffled.members, shuffled.partitionCounts))).toEqual(entries(a))
        }),
        { seed: SEED, numRuns: RUNS },
      )
    })
  }

  it('range: the subscribers of each topic hold its partitions within one of each other', () => {
    // Property: per-topic balance, whatever the subscriptions.
    fc.assert(
      fc.property(unequalGroupArb, (group) => {
        const assignment = assignRange(group.members, group.partitionCounts)
        for (const topic of TOPICS) {
          const held = group.members
            .filter((m) => m.topics.includes(topic))
            .map((m) => assignment.get(m.memberId)!.filter((p) => p.topic === topic).length)
          if (held.length > 0) expect(Math.max(...held) - Math.min(...held)).toBeLessThanOrEqual(1)
        }
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })

  for (const [name, assign] of [
    ['roundRobin', assignRoundRobin],
    ['sticky', assignSticky],
  ] as const) {
    it(`${name}: members with equal subscriptions hold counts within one overall`, () => {
      // Property: overall balance for equal subscriptions (sticky: from any previous ownership).
      const arb = equalGroupArb.chain((group) => withOwnershipArb(group).map((members) => ({ ...group, members })))
      fc.assert(
        fc.property(arb, (group) => {
          expect(spread(assign(group.members, group.partitionCounts))).toBeLessThanOrEqual(1)
        }),
        { seed: SEED, numRuns: RUNS },
      )
    })
  }

  it('sticky: with unequal subscriptions no member holds a partition a member two or more lighter could take', () => {
    // Property: Kafka's balance measure holds from any previous ownership.
    const arb = unequalGroupArb.chain((group) => withOwnershipArb(group).map((members) => ({ ...group, members })))
    fc.assert(
      fc.property(arb, (group) => expectStickyBalanced(group.members, assignSticky(group.members, group.partitionCounts))),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it('sticky: from any previous ownership with equal subscriptions, moves exactly the minimum a balanced assignment needs', () => {
    // Property: stickiness is optimal on the constrained path.
    const arb = equalGroupArb.chain((group) => withOwnershipArb(group).map((members) => ({ ...group, members })))
    fc.assert(
      fc.property(arb, (group) => {
        const assignment = assignSticky(group.members, group.partitionCounts)
        const subscribed = new Map(group.members[0].topics.map((t) => [t, group.partitionCounts.get(t)!] as const))
        expect(movedCount(group.members, assignment)).toBe(minimumMoves(group.members, subscribed))
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it('sticky: after members join or leave a settled group, moves exactly the minimum and the stayers keep the rest', () => {
    // Property: a rebalance after joins/leaves moves only what balance requires.
    const arb = equalGroupArb.chain((group) =>
      fc.record({
        group: fc.constant(group),
        leaving: fc.subarray(group.members.map((m) => m.memberId), { maxLength: group.members.length - 1 }),
        joining: fc.uniqueArray(fc.integer({ min: 31, max: 40 }), { maxLength: 3 }).map((ns) => ns.map((n) => `m${n}`)),
      }),
    )
    fc.assert(
      fc.property(arb, ({ group, leaving, joining }) => {
        const { members, partitionCounts } = group
        const first = assignSticky(members, partitionCounts)
        const next = [
          ...rejoin(members, first, 1).filter((m) => !leaving.includes(m.memberId)),
          ...joining.map((memberId) => ({ memberId, topics: members[0].topics })),
        ]
        const second = assignSticky(next, partitionCounts)
        expectValid(next, partitionCounts, second)
        expect(spread(second)).toBeLessThanOrEqual(1)
        const subscribed = new Map(members[0].topics.map((t) => [t, partitionCounts.get(t)!] as const))
        expect(movedCount(next, second)).toBe(minimumMoves(next, subscribed))
        // Leaves alone: nobody gives anything up — the leavers' partitions are spread over the stayers.
        if (joining.length === 0) expect(movedCount(next, second)).toBe(0)
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })

  it('sticky: overlapping claims from several generations still give a valid, balanced assignment', () => {
    // Property: any mix of claims (shared, stale, no generation) is settled without breaking validity or balance.
    const arb = unequalGroupArb.chain((group) => {
      const partitions = allPartitions(group)
      return fc
        .array(
          fc.record({
            owned: fc.subarray(partitions),
            generation: fc.option(fc.integer({ min: -1, max: 3 }), { nil: undefined }),
          }),
          { minLength: group.members.length, maxLength: group.members.length },
        )
        .map((claims) => ({
          ...group,
          members: group.members.map((m, i) => ({ ...m, ownedPartitions: claims[i].owned, generation: claims[i].generation })),
        }))
    })
    fc.assert(
      fc.property(arb, (group) => {
        const assignment = assignSticky(group.members, group.partitionCounts)
        expectValid(group.members, group.partitionCounts, assignment)
        expectStickyBalanced(group.members, assignment)
      }),
      { seed: SEED, numRuns: RUNS },
    )
  })
})
