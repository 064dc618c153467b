/**
 * Timestamp lookup (Kafka's LogSegment.findOffsetByTimestamp): the first record at or after a
 * timestamp, starting from the time index's floor entry, checked against the batch it names.
 */
import { NO_TIMESTAMP } from '../format/batch-header.js'
import { decodeBatch } from '../format/batch.js'
import { checkOpen, logFdForIo } from './segment-files.js'
import { ensureIndexes, ensureMaxTimestamp } from './segment-load.js'
import type { SegmentState } from './segment-state.js'
import { scanner, seekChecked, walk } from './segment-walk.js'

/**
 * The first record with timestamp ≥ `timestamp` and offset ≥ `startingOffset`, or null. Correct
 * when timestamps go backwards: the time index holds max-so-far timestamps, batches whose max
 * timestamp is below the target are skipped by header, and only the batch that can hold the
 * answer is decoded (and CRC-checked).
 */
export function findOffsetByTimestamp(s: SegmentState, timestamp: number, startingOffset: number): { offset: number; timestamp: number } | null {
  checkOpen(s)
  // Cross-checks the time index against the log before trusting its entries.
  ensureMaxTimestamp(s)
  ensureIndexes(s)
  const fd = logFdForIo(s)
  const mapped = s.logView.prefix(fd, s.logicalSizeBytes)
  const from = timeScanStart(s, timestamp, startingOffset, mapped, fd)
  if (from === null) return null
  for (const batch of walk(s, scanner(s, from, s.logicalSizeBytes, false, mapped, fd))) {
    if (batch.maxTimestamp < timestamp || batch.lastOffset < startingOffset) continue
    const decoded = decodeBatch(s.logView.bytes(fd, s.logPath, mapped, batch.position, batch.sizeBytes), 0)
    for (const record of decoded.records) {
      if (record.timestamp >= timestamp && record.offset >= startingOffset) return { offset: record.offset, timestamp: record.timestamp }
    }
  }
  return null
}

/**
 * Where a timestamp search may start: the batch named by the time index's floor entry, found
 * through the checked offset lookup, and only if that batch is the one the entry describes (its
 * last offset and max timestamp): a damaged entry or offset index must never start the scan past
 * a batch that holds the answer (found by the on-disk fuzzer), so a mismatch scans the segment
 * from its start. Null when no batch reaches `startingOffset`.
 */
function timeScanStart(s: SegmentState, timestamp: number, startingOffset: number, mapped: Buffer | null, fd: number): number | null {
  const floor = s.timeIndex.lookup(timestamp)
  let from = 0
  if (floor.timestamp !== NO_TIMESTAMP && floor.offset > startingOffset) {
    const named = seekChecked(s, floor.offset, 0, mapped, fd).start
    if (named !== null && named.lastOffset === floor.offset && named.maxTimestamp === floor.timestamp) from = named.position
  }
  if (startingOffset > s.baseOffset) {
    const first = seekChecked(s, startingOffset, 0, mapped, fd).start
    if (first === null) return null
    from = Math.max(from, first.position)
  }
  return from
}
