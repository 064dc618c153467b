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
    id: 'read-error-names-no-file',
    summary: 'a CRC failure found by read() is CORRUPT_RECORD "Corrupt record batch data at position N" with neither the segment file nor the file position',
    explains: (message) => / read at offset \d+: CORRUPT_RECORD that names no file of the log directory: Corrupt record batch data at position \d+/.test(message),
  },
  {
    id: 'unchecked-batch-headers',
    summary:
      'batch header fields (base offset, length, magic outside the CRC; last offset delta inside it, read before the CRC is checked) of segments open does not re-validate — sealed ones, and the active one after a clean shutdown — are trusted: reads skip records or the rest of a segment, return records at wrong offsets, or stop making progress below the HW; point reads disagree with scans',
    explains: (message, partition, ctx) =>
      partition !== undefined &&
      ctx.facts.unvalidatedHeaderDamage.has(partition.key) &&
      /was read where \d+ was next|a point read at offset|offsetForTimestamp\(|returned with bytes other than those written|was returned but never written|the full read ended at offset|made no progress below the HW/.test(message),
  },
  {
    id: 'offset-index-trusted',
    summary:
      'a damaged offset index entry that passes the open-time checks is trusted at lookup (FM-4 says re-check the batch it lands on and fall back to a scan): reads from it skip records without an error, or fail with CORRUPT_RECORD on data that is intact',
    explains: (message, partition, ctx) =>
      partition !== undefined &&
      changedFilesOf(ctx, partition, '.index').length > 0 &&
      /was read where \d+ was next|a point read at offset|the full read ended at offset|made no progress below the HW|offsetForTimestamp\(/.test(message),
  },
  {
    id: 'read-loops-forever-on-bad-base-offset',
    summary:
      'a read whose next batch claims a base offset at or past the HW (a damaged base offset) spins forever in partition/reader.ts collectRecords: the slice yields no batch below the bound, nothing advances, and the synchronous loop blocks the event loop',
    explains: (message, _partition, ctx) => message.startsWith('no answer within') && ctx.facts.unvalidatedHeaderDamage.size > 0,
  },
  {
    id: 'time-index-trusted',
    summary:
      'offsetForTimestamp returns a later offset than the first with a timestamp at or above the target when a time index entry is damaged (entries are not checked against the batches they name) or a batch of the segment below the log start is damaged',
    explains: (message, partition, ctx) =>
      partition !== undefined &&
      (changedFilesOf(ctx, partition, '.timeindex').length > 0 || changedFilesOf(ctx, partition, '.log').some((f) => f !== partition.logFiles[partition.logFiles.length - 1])) &&
      / offsetForTimestamp\(-?\d+\) = /.test(message),
  },
  {
    id: 'torn-tail-check-reads-first-batch-only',
    summary:
      'recovery calls damage a torn tail when the next segment\'s first batch is also damaged, without looking for valid batches after it in that segment (partition-log.ts recover: later.validate()?.position !== 0), so it cuts records that valid batches follow',
    explains: (message, partition, ctx) => {
      const match = /^\S+: records \[(\d+), \d+\) vanished without an error, and the original batch at offset (\d+) after the cut is intact/.exec(message)
      if (partition === undefined || match === null) return false
      const cutBatch = partition.batches.find((b) => b.baseOffset <= Number(match[1]) && Number(match[1]) <= b.lastOffset)
      const survivor = partition.batches.find((b) => b.baseOffset === Number(match[2]))
      if (cutBatch === undefined || survivor === undefined || survivor.file === cutBatch.file) return false
      const firstOfSurvivorSegment = partition.batches.find((b) => b.file === survivor.file)!
      return !(ctx.facts.intactBaseOffsets.get(partition.key) ?? []).includes(firstOfSurvivorSegment.baseOffset)
    },
  },
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
    id: 'topic-metadata-loss-deletes-data',
    summary: 'a missing topics/<topic>.json, or one whose partition count went down, makes open delete the partition directories as orphans: every record gone without an error',
    explains: (message, partition, ctx) =>
      partition !== undefined && ctx.facts.changedFiles.has(`topics/${partition.topic}.json`) && / the partition vanished, and records /.test(message),
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
