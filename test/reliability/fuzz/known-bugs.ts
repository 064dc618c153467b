/**
 * Engine bugs H7 found that are not fixed yet. Each entry says exactly which violations it
 * explains — by the shape of the message and by facts about the input (which files the mutations
 * changed) — so the fuzz run can keep failing on anything new while these are open. Every entry has
 * a skipped regression case in h7-fuzz.test.ts ('known engine bugs'), reproducing it on a fixed
 * mutation: when the engine is fixed, unskip the case and delete the entry here.
 *
 * Known violations are never hidden: the run counts them per bug in its summary line and in the
 * report's counters.
 */
import type { Fixture, OriginalPartition } from './fixture.js'
import type { MutantFacts } from './verdict.js'

export interface KnownBugContext {
  fixture: Fixture
  facts: MutantFacts
  repair: boolean
}

export interface KnownBug {
  id: string
  summary: string
  /** Whether `message` — one violation, `<topic>-<partition>: …` — is this bug on this input. */
  explains(message: string, partition: OriginalPartition | undefined, ctx: KnownBugContext): boolean
}

export const KNOWN_BUGS: readonly KnownBug[] = [
]

/** The known bug explaining `message`, or null when it is a new violation. */
export function knownBugFor(message: string, ctx: KnownBugContext): KnownBug | null {
  const name = /^(\S+)-(\d+): /.exec(message)
  const partition = name === null ? undefined : ctx.fixture.partitions.find((p) => p.topic === name[1] && p.partition === Number(name[2]))
  return KNOWN_BUGS.find((bug) => bug.explains(message, partition, ctx)) ?? null
}
