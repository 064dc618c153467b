/**
 * The end-of-run report of a reliability harness (reliability issue): one summary line on stdout,
 * and, when env SEGLOG_RELIABILITY_REPORT names a file, one JSON line appended to it, which
 * `node scripts/reliability.mjs --report` aggregates into the run's one-line summary.
 *
 * JSON line: { harness, iterations | points | cuts | crashes | inputs, faultKinds, seed,
 * violations, counters? } — `counters` breaks violations down by kind (acknowledged records lost,
 * duplicates, inconsistent offsets, …) so the summary can show each zero; keys are the
 * VIOLATION_KINDS names. Extra fields are allowed (the runner ignores what it does not know).
 *
 * Appending one short line with appendFileSync is atomic enough for test files running in
 * parallel: each line is one write(2) of well under PIPE_BUF-sized data on a local file.
 */
import { appendFileSync } from 'node:fs'

export const REPORT_ENV = 'SEGLOG_RELIABILITY_REPORT'

/** The kinds a ledger violation message is counted under (the first pattern that matches), in report order. */
const VIOLATION_KINDS: readonly (readonly [string, RegExp])[] = [
  ['lost', /is not below the high watermark|but is missing after the crash|of its records are missing|high watermark \d+ < \d+, the end of the last acknowledged/],
  ['inconsistentOffsets', /digest \w+ != acknowledged|a hole, a repeat or a reorder|records end at offset|high watermark \d+ < logStartOffset/],
  ['duplicates', /duplicate of offset/],
  ['pastHighWatermark', /at or past the high watermark|read at the high watermark|read past the high watermark/],
  ['tornBatches', /a torn batch|disagree on the batch size|batch .*: record \d+ at offset/],
  ['alteredRecords', /is not the bytes that were written/],
  ['indexMismatches', /offset index disagrees|offsetForTimestamp/],
  ['logStartMismatches', /log start offset \d+ is outside/],
  ['openFailures', /open failed: |open with repair after |did not finish within/],
]

export type ViolationCounters = Record<string, number>

/** Counts `violations` by kind; anything unrecognised is `other`. Every kind is present, zeros included. */
export function countViolations(violations: readonly string[], into: ViolationCounters = emptyCounters()): ViolationCounters {
  for (const message of violations) {
    const kind = VIOLATION_KINDS.find(([, pattern]) => pattern.test(message))?.[0] ?? 'other'
    into[kind] = (into[kind] ?? 0) + 1
  }
  return into
}

export function emptyCounters(): ViolationCounters {
  return Object.fromEntries([...VIOLATION_KINDS.map(([kind]) => [kind, 0]), ['other', 0]])
}

export interface ReliabilityReportLine {
  harness: string
  iterations?: number
  points?: number
  cuts?: number
  crashes?: number
  inputs?: number
  faultKinds: readonly string[]
  seed: number | string
  violations: number
  counters?: ViolationCounters
  [extra: string]: unknown
}

/** Prints `summary` and appends `line` to the report file if one is set. */
export function reportReliability(summary: string, line: ReliabilityReportLine): void {
  console.log(summary)
  appendReliabilityLine(line)
}

/** Appends `line` to the report file (env SEGLOG_RELIABILITY_REPORT) if one is set; every harness's JSON line goes through here. */
export function appendReliabilityLine(line: ReliabilityReportLine): void {
  const file = process.env[REPORT_ENV]
  if (file !== undefined && file !== '') appendFileSync(file, `${JSON.stringify(line)}\n`)
}
