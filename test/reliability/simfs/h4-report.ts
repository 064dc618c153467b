/**
 * How an H4 run reports itself (reliability-common: one summary line on stdout, and a JSON line
 * appended to the file named by SEGLOG_RELIABILITY_REPORT for the lead's aggregate report).
 *
 * JSON line: { harness, crashes, faultKinds, seed, violations, … } where `faultKinds` uses the
 * names of reliability.md "The checks after every fault" ("power loss", "torn tail",
 * "dir-entry loss", "fdatasync EIO", "fsync (dir) EIO") and
 * `damage` counts every choice the crash images made (crash-image.ts).
 */
import { appendReliabilityLine } from '../../helpers/reliability-report.js'
import type { H4Result } from './harness.js'

export const H4_HARNESS_NAME = 'H4 simfs'

/** The fault kinds (reliability.md "The checks after every fault") the run actually injected. */
export function faultKinds(result: H4Result): string[] {
  const kinds: string[] = []
  const d = result.damage
  if (result.crashes > 0) kinds.push('power loss')
  if (d['tear-512'] + d['tear-4096'] > 0) kinds.push('torn tail')
  if (d['dir-revert'] + d['dir-subset'] > 0) kinds.push('dir-entry loss')
  if (result.crashesDuringOpen > 0) kinds.push('power loss during recovery')
  if (result.syncFailures.file > 0) kinds.push('fdatasync EIO')
  if (result.syncFailures.dir > 0) kinds.push('fsync (dir) EIO')
  return kinds
}

export function summaryLine(result: H4Result): string {
  return (
    `${H4_HARNESS_NAME}: ${result.crashes} crashes (${result.crashesDuringOpen} during recovery, ${result.cleanCloses} right after a clean close), ` +
    `${result.acknowledgedBatches} acknowledged batches checked, ${result.recoveriesThatTruncated} recoveries cut a torn tail, ` +
    `${result.indexRebuilds} index rebuilds, ${result.syncFailures.file + result.syncFailures.dir} syncs failed with EIO ` +
    `(${result.syncFailuresDuringOpen} in recovery), longest open ${result.maxOpenEvents} file-system events, seed ${result.seed}, violations ${result.violations.length}`
  )
}

/** Appends the run's JSON line to the SEGLOG_RELIABILITY_REPORT file, if one is set. */
export function appendReportLine(result: H4Result): void {
  appendReliabilityLine({
    harness: H4_HARNESS_NAME,
    crashes: result.crashes,
    faultKinds: faultKinds(result),
    seed: result.seed,
    violations: result.violations.length,
    crashesDuringRecovery: result.crashesDuringOpen,
    cleanCloses: result.cleanCloses,
    syncFailures: result.syncFailures,
    acknowledgedBatches: result.acknowledgedBatches,
    crashPoints: result.crashPoints,
    damage: result.damage,
  })
}
