/**
 * The assignors by name, and how a group picks one (issue 11 §3: the `partitionAssigners` option of
 * the consumer groups still to be built; docs/api.md "Not built yet").
 *
 * Picking is Kafka's group coordinator rule (`GroupMetadata.selectProtocol`): the candidates are
 * the assignors every member lists; each member votes for the first candidate in its own list; the
 * candidate with the most votes wins. Kafka breaks a tie by HashMap order; here a tie goes to the
 * vote of the member that sorts first by memberId among the tied candidates' voters, so every
 * member computing it agrees.
 */
import { invalidArgType, invalidArgValue } from '../errors.js'
import { compareStrings, type AssignorName, type PartitionAssignor } from './assignor.js'
import { rangeAssignor } from './range-assignor.js'
import { roundRobinAssignor } from './round-robin-assignor.js'
import { stickyAssignor } from './sticky-assignor.js'

const ASSIGNORS: ReadonlyMap<AssignorName, PartitionAssignor> = new Map([
  ['range', rangeAssignor],
  ['roundRobin', roundRobinAssignor],
  ['sticky', stickyAssignor],
])

export const ASSIGNOR_NAMES: readonly AssignorName[] = Object.freeze([...ASSIGNORS.keys()])

/** The assignor called `name`; a name seglog does not know is ERR_INVALID_ARG_VALUE. */
export function assignorFor(name: AssignorName): PartitionAssignor {
  const assignor = ASSIGNORS.get(name)
  if (assignor === undefined) {
    throw invalidArgValue('name', name, `must be one of ${ASSIGNOR_NAMES.map((n) => `'${n}'`).join(', ')}`)
  }
  return assignor
}

/** The assignor a Kafka JoinGroup protocol name stands for ('range', 'roundrobin', 'sticky'), if any. */
export function assignorForProtocol(protocolName: string): PartitionAssignor | undefined {
  for (const assignor of ASSIGNORS.values()) if (assignor.protocolName === protocolName) return assignor
  return undefined
}

export interface AssignorPreference {
  readonly memberId: string
  /** The assignors the member supports, most preferred first. */
  readonly assignors: readonly string[]
}

/**
 * The assignor name the group uses, or undefined when no name is listed by every member (Kafka
 * refuses such a member at JoinGroup with INCONSISTENT_GROUP_PROTOCOL). Names are compared as
 * given, so the same call serves seglog names and Kafka protocol names.
 */
export function selectGroupAssignor(preferences: readonly AssignorPreference[]): string | undefined {
  if (!Array.isArray(preferences)) throw invalidArgType('preferences', 'an array', preferences)
  if (preferences.length === 0) return undefined
  const members: AssignorPreference[] = [...(preferences as readonly AssignorPreference[])].sort((a, b) => compareStrings(a.memberId, b.memberId))
  const candidates = new Set(members[0].assignors)
  for (const member of members.slice(1)) {
    const listed = new Set(member.assignors)
    for (const name of candidates) if (!listed.has(name)) candidates.delete(name)
  }
  if (candidates.size === 0) return undefined
  // Votes in member order, so the first voter of each candidate is the lowest memberId.
  const votes = new Map<string, number>()
  for (const member of members) {
    const vote = member.assignors.find((name) => candidates.has(name))!
    votes.set(vote, (votes.get(vote) ?? 0) + 1)
  }
  let best: string | undefined
  for (const [name, count] of votes) if (best === undefined || count > votes.get(best)!) best = name
  return best
}
