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

const LOST_OFFSETS_REPORTED = /^\S+: records \[(\d+), \d+\) vanished .*\(recovery reported lost offsets \[(\d+), \d+\)\)$/

export const KNOWN_BUGS: readonly KnownBug[] = [
  {
    id: 'repair-under-reports-lost-offsets',
    summary: 'with repair, log.recovery.lostOffsets starts at the gap or damage it found first, while the cut made by Segment.recover starts earlier',
    explains: (message, _partition, ctx) => {
      const match = LOST_OFFSETS_REPORTED.exec(message)
      return ctx.repair && match !== null && Number(match[2]) > Number(match[1])
    },
  },
  {
    id: 'log-end-below-recovery-point-unnoticed',
    summary:
      'the log end is never checked against the checkpointed recovery point: an active segment truncated at a batch boundary or missing goes unnoticed, and after a clean shutdown any damage in the active segment ends the log there — without an error or a recovery report',
    explains: (message, partition, ctx) =>
      partition !== undefined &&
      ctx.facts.changedFiles.has(partition.logFiles[partition.logFiles.length - 1]!) &&
      / vanished without an error, and (the copy was cleanly shut down|the cut is below the recovery point \d+)$/.test(message),
  },
  {
    id: 'log-start-unverified',
    summary:
      'the log start offset is taken from log-start-offset-checkpoint unchecked (no checksum; a larger number hides or deletes records) and from the first segment left, so a missing first segment moves it up silently',
    explains: (message, partition, ctx) =>
      partition !== undefined &&
      (ctx.facts.changedFiles.has('log-start-offset-checkpoint') || ctx.facts.changedFiles.has(partition.logFiles[0]!)) &&
      / vanished below the log start \d+ without an error$/.test(message),
  },
]

/** The partition's files with `suffix` that the mutations changed or removed. */
function changedFilesOf(ctx: KnownBugContext, partition: OriginalPartition, suffix: string): string[] {
  return [...ctx.facts.changedFiles].filter((f) => f.startsWith(`${partition.topic}-${partition.partition}/`) && f.endsWith(suffix))
}

/** The known bug explaining `message`, or null when it is a new violation. */
export function knownBugFor(message: string, ctx: KnownBugContext): KnownBug | null {
  const name = /^(\S+)-(\d+): /.exec(message)
  const partition = name === null ? undefined : ctx.fixture.partitions.find((p) => p.topic === name[1] && p.partition === Number(name[2]))
  return KNOWN_BUGS.find((bug) => bug.explains(message, partition, ctx)) ?? null
}
