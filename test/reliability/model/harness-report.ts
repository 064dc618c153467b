/**
 * The closing report every reliability harness writes (reliability.md "Budgets"): one summary line
 * on stdout (`H7 fuzz: 1000 inputs, seed …, violations 0`) and, when the env var
 * SEGLOG_RELIABILITY_REPORT names a file, one JSON line appended to it —
 * `{ harness, <countName>: count, faultKinds, seed, violations, counters?, plantedBugsCaught? }` —
 * which `npm run test:reliability -- --report` (scripts/reliability.mjs) aggregates. Also the iteration knob: SEGLOG_ITERS
 * overrides a harness's default count for soak runs.
 *
 * Shared by H6 (test/reliability/h6-*.test.ts) and H7 (h7-fuzz.test.ts).
 */
import { reportReliability } from '../../helpers/reliability-report.js'

export interface HarnessReport {
  /** 'H6 model', 'H7 fuzz', … */
  harness: string
  /** What was counted: 'iterations', 'inputs', 'crashes', … */
  countName: 'iterations' | 'points' | 'cuts' | 'crashes' | 'inputs' | 'runs'
  count: number
  /** The fault or mutation kinds exercised (for the aggregate report). */
  faultKinds: readonly string[]
  seed: number
  violations: number
  /** Named counts for the aggregate line (scripts/reliability.mjs), e.g. violations of known bugs. */
  counters?: Record<string, number>
  /** Planted bug → whether this harness caught it. */
  plantedBugsCaught?: Record<string, boolean>
  /** Extra words for the stdout line only (e.g. "1,412 opens refused with CORRUPT_RECORD"). */
  detail?: string
}

export function writeHarnessReport(report: HarnessReport): void {
  const detail = report.detail === undefined ? '' : `, ${report.detail}`
  reportReliability(`${report.harness}: ${report.count} ${report.countName}, seed ${report.seed}, violations ${report.violations}${detail}`, {
    harness: report.harness,
    [report.countName]: report.count,
    faultKinds: report.faultKinds,
    seed: report.seed,
    violations: report.violations,
    ...(report.counters === undefined ? {} : { counters: report.counters }),
    ...(report.plantedBugsCaught === undefined ? {} : { plantedBugsCaught: report.plantedBugsCaught }),
  })
}

/**
 * The harness's count: `soakScale × SEGLOG_ITERS` when SEGLOG_ITERS is set (soak runs; a harness
 * whose unit is cheap scales it up), else `defaultCount` — or `fallbackCount` on the pure-JS
 * binding, where every open costs more and the budget is the same.
 */
export function iterationsFromEnv(defaultCount: number, fallbackCount = defaultCount, soakScale = 1): number {
  const raw = process.env.SEGLOG_ITERS
  if (raw !== undefined && raw !== '') {
    const count = Number(raw)
    if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`SEGLOG_ITERS=${raw} is not a positive integer`)
    return count * soakScale
  }
  return process.env.SEGLOG_NO_NATIVE === '1' ? fallbackCount : defaultCount
}

/**
 * The env prefix that replays this run's counts and binding: `SEGLOG_NO_NATIVE=1 ` on the fallback
 * binding, `SEGLOG_ITERS=<n> ` when it was set.
 */
export function bindingEnvPrefix(): string {
  const iters = process.env.SEGLOG_ITERS
  return `${process.env.SEGLOG_NO_NATIVE === '1' ? 'SEGLOG_NO_NATIVE=1 ' : ''}${iters !== undefined && iters !== '' ? `SEGLOG_ITERS=${iters} ` : ''}`
}
