/**
 * The performance targets of the "Performance" issue, keyed by case id (`W3/c1`) or workload id
 * (`W1`), and the check of a result against its target. A target is either a ratio to the
 * baseline measured in the same run (so a slow or noisy machine moves both sides) or an absolute
 * bound where no fair baseline exists (point reads, open time).
 *
 * `met` is true/false when the case has the number the target needs, null when it does not (the
 * seglog side was skipped, or the baseline is missing).
 */

export const TARGETS = {
  W1: { ratioMin: 0.6, text: '≥ 0.6× raw fs rec/s' },
  W2: { ratioMin: 0.85, text: '≥ 0.85× raw fs MB/s' },
  'W3/c1': { ratioMin: 0.9, text: '≥ 0.9× raw write+fdatasync per batch' },
  'W3/c1-sync-on-event-loop': { ratioMin: 0.9, text: '≥ 0.9× raw write+fdatasync per batch' },
  'W4/c64': { ratioMin: 20, text: '≥ 20× disk fdatasync rate (rec/s)' },
  'W5/read-native': { ratioMin: 1, text: '≥ 1× raw sequential read rec/s' },
  'W5/stream-native': { ratioMin: 1, text: '≥ 1× raw sequential read rec/s' },
  'W6/native': { valueMin: 300_000, text: '≥ 300,000 reads/s' },
  'W8/clean': { valueMax: 50, text: '< 50 ms' },
  W10: { valueMax: 64, text: 'RSS growth < 64 MiB while writing 10 GiB' },
}

/** The target for a case, or null. */
export function targetFor(caseId, workload) {
  return TARGETS[caseId] ?? TARGETS[workload] ?? null
}

/** true/false, or null when the number the target needs is missing. */
export function targetMet(target, { value, ratio }) {
  if (!target) return null
  if (target.ratioMin !== undefined) return ratio === null || ratio === undefined ? null : ratio >= target.ratioMin
  if (value === null || value === undefined) return null
  if (target.valueMin !== undefined) return value >= target.valueMin
  if (target.valueMax !== undefined) return value < target.valueMax
  return null
}
