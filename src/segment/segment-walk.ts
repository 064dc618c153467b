/**
 * Header walks over a segment's `.log`: the scanner every scan of the segment uses (loading,
 * rebuilding, reading, rolling, timestamp lookup, recovery), and the checked seek from the offset
 * index's floor entry to the batch holding an offset.
 *
 * A walk within the logical size must end exactly there: a header that does not parse, or a batch
 * whose base offset does not follow the one before, is CORRUPT_RECORD naming the position (the
 * bytes are below the logical end, so this is damage, not a torn tail). Scans that decide where
 * the data ends (open, rebuild, recovery) read the stop reason themselves instead.
 */
import { SeglogError } from '../errors.js'
import { SCAN_BUFFER_BYTES } from '../limits.js'
import { BatchScanner, type BatchPosition, type ScanStop } from './batch-scanner.js'
import { logFdForIo, markUsed } from './segment-files.js'
import type { SegmentState } from './segment-state.js'

/**
 * A scanner over the segment's scan buffer, or over `mapped` where that covers the range (then no
 * scan buffer is needed). Only for scans that run to completion inside one synchronous call (they
 * never interleave, and no other segment is used meanwhile, so the descriptor stays open);
 * `Segment.batches()` makes its own. `fromSegmentStart`: the scan covers the segment from its
 * first byte and checks that the first batch starts at the segment's base offset (recovery, index
 * rebuilds and their damage check: the scans that decide where a segment's data ends).
 */
export function scanner(
  s: SegmentState,
  fromPosition: number,
  endPosition: number,
  verifyCrc = false,
  mapped: Buffer | null = null,
  fd = logFdForIo(s),
  fromSegmentStart = false,
): BatchScanner {
  const covered = mapped !== null && endPosition <= mapped.length
  if (!covered && s.scanBuffer === null) {
    s.scanBuffer = Buffer.allocUnsafe(SCAN_BUFFER_BYTES)
    markUsed(s) // the cache counts the buffer from now on
  }
  return new BatchScanner({
    fs: s.fs,
    fd,
    path: s.logPath,
    fromPosition,
    endPosition,
    buffer: covered ? undefined : s.scanBuffer!,
    verifyCrc,
    firstReadBytes: verifyCrc ? SCAN_BUFFER_BYTES : s.lookupReadBytes,
    mapped,
    firstBaseOffset: fromSegmentStart ? s.baseOffset : undefined,
  })
}

/**
 * The batch holding `offset`, scanning from the offset index's floor entry — checked, since an
 * index entry that passed the open-time checks can still be wrong (FM-4): if the scan from it
 * meets a bad header or lands past the batch holding `offset`, the segment is scanned again from
 * its start (the `.log` is the truth; the index only saves time). The offset index must be
 * resident (segment-load.ts ensureIndexes).
 */
export function seekChecked(
  s: SegmentState,
  offset: number,
  startingPosition: number,
  mapped: Buffer | null,
  fd: number,
): { scanner: BatchScanner; start: BatchPosition | null } {
  const from = Math.max(s.offsetIndex.lookup(offset).position, startingPosition)
  if (from > startingPosition) {
    const fromFloor = scanner(s, from, s.logicalSizeBytes, false, mapped, fd)
    try {
      const start = seek(s, fromFloor, offset)
      if (start === null || start.baseOffset <= offset) return { scanner: fromFloor, start }
    } catch (err) {
      if (!(err instanceof SeglogError) || err.code !== 'CORRUPT_RECORD') throw err
    }
  }
  const fromStart = scanner(s, startingPosition, s.logicalSizeBytes, false, mapped, fd)
  return { scanner: fromStart, start: seek(s, fromStart, offset) }
}

/** The first batch from `scanner` whose last offset is ≥ `offset`, or null; CORRUPT_RECORD on a bad header. */
export function seek(s: SegmentState, scanner: BatchScanner, offset: number): BatchPosition | null {
  for (let batch = scanner.next(); batch !== null; batch = scanner.next()) if (batch.lastOffset >= offset) return batch
  checkScanEnd(s, scanner)
  return null
}

/** The batches `scanner` returns, to the end of its range (the logical end); CORRUPT_RECORD on a bad header. */
export function* walk(s: SegmentState, scanner: BatchScanner): Generator<BatchPosition> {
  for (let batch = scanner.next(); batch !== null; batch = scanner.next()) yield batch
  checkScanEnd(s, scanner)
}

/** A scan within the logical size must end exactly at its end: anything else is CORRUPT_RECORD. */
function checkScanEnd(s: SegmentState, scanner: BatchScanner): void {
  const stop = scanner.stop!
  if (stop.reason !== 'end') throw corruptWithin(s, stop)
}

export function corruptWithin(s: SegmentState, stop: Pick<ScanStop, 'position' | 'detail' | 'damage'>): SeglogError {
  return new SeglogError(
    'CORRUPT_RECORD',
    `${s.logPath}: invalid batch at position ${stop.position} within the logical size ${s.logicalSizeBytes}: ${stop.detail}`,
    { path: s.logPath, position: stop.position, reason: stop.damage ?? 'invalid-batch' },
  )
}

/** The stop of a walk at a batch whose base offset does not continue the previous batch. */
export function outOfSequence(position: number, baseOffset: number, previousLastOffset: number): Pick<ScanStop, 'position' | 'detail' | 'damage'> {
  return {
    position,
    detail: `base offset ${baseOffset} does not follow the previous batch's last offset ${previousLastOffset}`,
    damage: 'offset-out-of-sequence',
  }
}
