/**
 * Counters behind `log.metrics()` (api.md "Checking and observing"): plain numbers bumped on the hot paths
 * (no allocation per append) and a fixed-bucket latency histogram for fsyncs. Snapshots are copies.
 */

/** Upper bounds (ms) of the fsync latency buckets; the last bucket is open-ended. */
export const FSYNC_LATENCY_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000] as const

/** Upper bounds of the group-commit batch-size buckets (offsets covered by one flush). */
export const GROUP_COMMIT_BUCKETS_RECORDS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096] as const

export interface Histogram {
  /** Upper bound of each bucket; a value lands in the first bucket whose bound is ≥ it. */
  bounds: readonly number[]
  /** counts[i] for bounds[i]; counts[bounds.length] counts values above the last bound. */
  counts: number[]
  count: number
  sum: number
  max: number
}

function newHistogram(bounds: readonly number[]): Histogram {
  return { bounds, counts: new Array<number>(bounds.length + 1).fill(0), count: 0, sum: 0, max: 0 }
}

export function observe(histogram: Histogram, value: number): void {
  const bounds = histogram.bounds
  let i = 0
  while (i < bounds.length && value > bounds[i]!) i++
  histogram.counts[i]!++
  histogram.count++
  histogram.sum += value
  if (value > histogram.max) histogram.max = value
}

export interface LogMetrics {
  recordsAppended: number
  bytesAppended: number
  batchesAppended: number
  recordsRead: number
  bytesRead: number
  fsyncs: number
  fsyncLatencyMs: Histogram
  /** Offsets made durable per flush: the group-commit batch size. */
  groupCommitRecords: Histogram
  segmentsRolled: number
  segmentsDeleted: number
  diskFullErrors: number
  /** Filled in by `snapshot()`: the current segment count over all partitions. */
  segments: number
  /** Open transactions (transactions are a later feature: always 0 for now). */
  openTransactions: number
  /** Sum over partitions of HW − LSO (0 until transactions exist). */
  lastStableOffsetLag: number
  /** Filled in by `snapshot()`: planted bugs active in this process (test-bugs.ts); empty in production. */
  testBugs: string[]
}

export function newLogMetrics(): LogMetrics {
  return {
    recordsAppended: 0,
    bytesAppended: 0,
    batchesAppended: 0,
    recordsRead: 0,
    bytesRead: 0,
    fsyncs: 0,
    fsyncLatencyMs: newHistogram(FSYNC_LATENCY_BUCKETS_MS),
    groupCommitRecords: newHistogram(GROUP_COMMIT_BUCKETS_RECORDS),
    segmentsRolled: 0,
    segmentsDeleted: 0,
    diskFullErrors: 0,
    segments: 0,
    openTransactions: 0,
    lastStableOffsetLag: 0,
    testBugs: [],
  }
}

/** A deep copy, so callers can diff two snapshots. */
export function snapshotMetrics(metrics: LogMetrics): LogMetrics {
  return structuredClone(metrics)
}
