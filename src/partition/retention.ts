/**
 * Which segments of a partition retention removes (Kafka's, kafka-storage.md §3.9), in one place for every caller:
 * `deleteRecords`, the retention pass (`log.runRetention` and its timer) and the open path
 * (finishing a deletion a crash interrupted).
 *
 * The rules:
 * - below the log start (Kafka's deleteLogStartOffsetBreachedSegments): a segment goes once the
 *   next segment starts at or below logStartOffset — so every offset it holds is below it. The
 *   last (active) segment never goes by this rule: it keeps the log end, and a retention pass or
 *   the next roll removes it once it is sealed.
 * - by size and time (cleanup policies with 'delete'): from the oldest, while the partition is
 *   still larger than retentionBytes without the segment, or the segment is older than
 *   retentionMs (by `retentionTimestamp`). Only segments wholly below the HW qualify, and an empty
 *   segment stops the walk.
 * The log start moves past what a pass removes, durably, before any file goes; deleting all
 * segments leaves a new empty active segment at LEO (PartitionLog.deleteLeadingSegments).
 * Producer state survives: before the log start passes the newest producer snapshot one is taken,
 * and the snapshots left below the log start are deleted after the segments.
 */
import type { TopicConfig } from '../options.js'
import type { PartitionLog } from './partition-log.js'

/**
 * The timestamp time-based retention uses for a segment: its largest record timestamp, but never
 * later than when the file was last written — so one record dated in the far future cannot pin a
 * segment forever (reliability.md FM-17), while replayed old data still ages by its timestamps.
 */
export function retentionTimestamp(maxTimestamp: number, lastModifiedMs: number, nowMs: number): number {
  if (maxTimestamp < 0) return lastModifiedMs
  return Math.min(maxTimestamp, lastModifiedMs, nowMs)
}

/** End (exclusive) of the offsets segment `index` holds. */
function upperBound(log: PartitionLog, index: number): number {
  const segments = log.segments
  return index + 1 < segments.length ? segments[index + 1]!.baseOffset : log.logEndOffset
}

/** Leading segments wholly below the log start, never the last one. */
export function countSegmentsBelowLogStart(log: PartitionLog): number {
  const segments = log.segments
  let count = 0
  while (count + 1 < segments.length && segments[count + 1]!.baseOffset <= log.logStartOffset) count++
  return count
}

/** Removes the segments wholly below the log start; returns how many went. */
export async function deleteSegmentsBelowLogStart(log: PartitionLog, nowMs: number): Promise<number> {
  return (await log.deleteLeadingSegments(countSegmentsBelowLogStart(log), nowMs)).length
}

/** Leading segments past the size or time limit of a 'delete' policy, all below `highWatermark`. */
export function countSegmentsPastRetention(log: PartitionLog, config: Readonly<TopicConfig>, highWatermark: number, nowMs: number): number {
  if (!config.cleanupPolicy.includes('delete')) return 0
  const segments = log.segments
  let count = 0
  let excess = config.retentionBytes >= 0 ? log.sizeBytes - config.retentionBytes : -1
  while (count < segments.length) {
    const segment = segments[count]!
    if (upperBound(log, count) > highWatermark || segment.sizeBytes === 0) break
    const bySize = excess >= 0 && excess - segment.sizeBytes >= 0
    const byTime =
      config.retentionMs >= 0 && nowMs - retentionTimestamp(segment.maxTimestampSoFar, log.lastModifiedMs(segment), nowMs) > config.retentionMs
    if (!bySize && !byTime) break
    if (bySize) excess -= segment.sizeBytes
    count++
  }
  return count
}

/**
 * One retention pass: what lies below the log start, then what a size or time limit breaches —
 * moving the log start past those segments durably (`persistLogStart`) before they go. Returns the
 * segments removed (counted once).
 */
export async function runRetentionPass(
  log: PartitionLog,
  config: Readonly<TopicConfig>,
  highWatermark: number,
  nowMs: number,
  persistLogStart: () => Promise<void>,
): Promise<number> {
  let deleted = await deleteSegmentsBelowLogStart(log, nowMs)
  const count = countSegmentsPastRetention(log, config, highWatermark, nowMs)
  if (count === 0) return deleted
  const segments = log.segments
  const newStart = count < segments.length ? segments[count]!.baseOffset : log.logEndOffset
  if (newStart > log.logStartOffset) {
    await log.snapshotBeforeLogStartMoves(newStart, nowMs)
    log.logStartOffset = newStart
    await persistLogStart()
  }
  deleted += (await log.deleteLeadingSegments(count, nowMs)).length
  await log.dropProducerSnapshotsBelowLogStart()
  return deleted
}
