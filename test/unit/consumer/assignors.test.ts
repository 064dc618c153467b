/**
 * The assignors by name and protocol name, Kafka's rule for the group's choice among the members'
 * preferences, and the input checks every assignor shares (a bad input is a TypeError/RangeError
 * with Node's code, never a wrong assignment).
 */
import { describe, expect, it } from 'vitest'
import type { AssignorMember, PartitionCounts } from '../../../src/consumer/assignor.js'
import { ASSIGNOR_NAMES, assignorFor, assignorForProtocol, selectGroupAssignor } from '../../../src/consumer/assignors.js'
import { byName, counts } from './assignor-checks.js'

describe('assignors by name', () => {
  it('maps each seglog name and each Kafka protocol name to its assignor', () => {
    // Property: the names the consumer option and JoinGroup use lead to the same assignor.
    expect(ASSIGNOR_NAMES).toEqual(['range', 'roundRobin', 'sticky'])
    expect(ASSIGNOR_NAMES.map((n) => assignorFor(n).protocolName)).toEqual(['range', 'roundrobin', 'sticky'])
    for (const name of ASSIGNOR_NAMES) expect(assignorForProtocol(assignorFor(name).protocolName)).toBe(assignorFor(name))
    expect(assignorForProtocol('cooperative-sticky')).toBeUndefined()
    expect(() => assignorFor('roundrobin' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
  })

  it('the three assignors differ where Kafka says they do (one topic of 3, two members)', () => {
    // Property: range gives consecutive partitions, round robin alternates, sticky keeps ownership.
    const members: AssignorMember[] = [
      { memberId: 'a', topics: ['t'], ownedPartitions: [{ topic: 't', partition: 1 }, { topic: 't', partition: 2 }], generation: 4 },
      { memberId: 'b', topics: ['t'] },
    ]
    const partitionCounts = counts({ t: 3 })
    expect(byName(assignorFor('range').assign(members, partitionCounts))).toEqual({ a: ['t-0', 't-1'], b: ['t-2'] })
    expect(byName(assignorFor('roundRobin').assign(members, partitionCounts))).toEqual({ a: ['t-0', 't-2'], b: ['t-1'] })
    expect(byName(assignorFor('sticky').assign(members, partitionCounts))).toEqual({ a: ['t-1', 't-2'], b: ['t-0'] })
  })
})

describe('selectGroupAssignor', () => {
  it('picks the candidate most members prefer among those every member lists', () => {
    // Property: Kafka's vote — each member votes its first choice among the common candidates.
    expect(
      selectGroupAssignor([
        { memberId: 'm1', assignors: ['sticky', 'range'] },
        { memberId: 'm2', assignors: ['range', 'sticky'] },
        { memberId: 'm3', assignors: ['roundRobin', 'range', 'sticky'] },
      ]),
    ).toBe('range')
  })

  it('breaks a tie by the vote of the member first by memberId, in any input order', () => {
    // Property: one sticky vote (from a) against one range vote (from b): a sorts first.
    const preferences = [
      { memberId: 'b', assignors: ['range', 'sticky'] },
      { memberId: 'a', assignors: ['sticky', 'range'] },
    ]
    expect(selectGroupAssignor(preferences)).toBe('sticky')
    expect(selectGroupAssignor([...preferences].reverse())).toBe('sticky')
  })

  it('returns undefined when no assignor is common to all members, or there are no members', () => {
    // Property: no common candidate is Kafka's INCONSISTENT_GROUP_PROTOCOL, left to the caller.
    expect(selectGroupAssignor([{ memberId: 'a', assignors: ['range'] }, { memberId: 'b', assignors: ['sticky'] }])).toBeUndefined()
    expect(selectGroupAssignor([])).toBeUndefined()
  })
})

describe('assignor input checks', () => {
  const ok: AssignorMember = { memberId: 'a', topics: ['t'] }
  const partitionCounts: PartitionCounts = counts({ t: 2 })
  const cases: [string, unknown, unknown, string][] = [
    ['members not an array', 'a', partitionCounts, 'ERR_INVALID_ARG_TYPE'],
    ['partitionCounts not a Map', [ok], { t: 2 }, 'ERR_INVALID_ARG_TYPE'],
    ['an empty memberId', [{ memberId: '', topics: [] }], partitionCounts, 'ERR_INVALID_ARG_VALUE'],
    ['a repeated memberId', [ok, ok], partitionCounts, 'ERR_INVALID_ARG_VALUE'],
    ['a repeated groupInstanceId', [{ ...ok, groupInstanceId: 'i' }, { memberId: 'b', topics: [], groupInstanceId: 'i' }], partitionCounts, 'ERR_INVALID_ARG_VALUE'],
    ['topics not an array', [{ memberId: 'a', topics: 't' }], partitionCounts, 'ERR_INVALID_ARG_TYPE'],
    ['a negative partition count', [ok], counts({ t: -1 }), 'ERR_OUT_OF_RANGE'],
    ['a fractional partition count', [ok], counts({ t: 1.5 }), 'ERR_OUT_OF_RANGE'],
    ['an owned partition beyond int32', [{ ...ok, ownedPartitions: [{ topic: 't', partition: 2 ** 31 }] }], partitionCounts, 'ERR_OUT_OF_RANGE'],
    ['a generation below -1', [{ ...ok, generation: -2 }], partitionCounts, 'ERR_OUT_OF_RANGE'],
  ]
  for (const name of ASSIGNOR_NAMES) {
    it(`${name} refuses bad input with Node's argument error codes`, () => {
      // Property: each malformed input throws its code instead of assigning.
      for (const [what, members, countsArg, code] of cases) {
        expect(() => assignorFor(name).assign(members as AssignorMember[], countsArg as PartitionCounts), what).toThrow(
          expect.objectContaining({ code }),
        )
      }
    })
  }

  it('ignores repeats in a member’s topics and owned partitions, and claims beyond a topic’s partitions', () => {
    // Property: repeated subscriptions count once; a claim to t-5 of a 2-partition topic is dropped.
    const members: AssignorMember[] = [
      { memberId: 'a', topics: ['t', 't'], ownedPartitions: [{ topic: 't', partition: 5 }, { topic: 't', partition: 1 }, { topic: 't', partition: 1 }], generation: 1 },
      { memberId: 'b', topics: ['t'] },
    ]
    for (const name of ASSIGNOR_NAMES) {
      const assignment = assignorFor(name).assign(members, partitionCounts)
      expect([...assignment.values()].flat()).toHaveLength(2)
    }
    expect(byName(assignorFor('sticky').assign(members, partitionCounts))).toEqual({ a: ['t-1'], b: ['t-0'] })
  })
})
