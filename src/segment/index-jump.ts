/**
 * A point read's shortcut to the batch holding an offset: straight from two offset-index entries,
 * without the header scan from the floor entry.
 *
 * Every offset-index key is a batch's last offset and its value that batch's start (offset-index.ts).
 * So when the floor entry of `offset` names a batch ending at F, the next entry a batch at P ending
 * at N, F < offset ≤ N, and the header at P says its batch runs from F + 1 to N, then that batch
 * holds `offset`. The scan it replaces reads the header of the floor entry's batch first — a
 * cache miss on a random read of mapped data (bench W6 profile: the scanner and its int64 reads
 * were a fifth of a point read).
 *
 * The base offset lies outside the batch's CRC; a scan checks it against the batch before it.
 * Here two index entries written independently of the batch stand in for that neighbour: a batch
 * whose header agrees with both on where it starts and ends is where the scan would have landed.
 * Anything else — entries sparser than batches, a damaged entry or header, a batch past the
 * mapping or the logical end — returns null and the caller scans as before. The batch's CRC and
 * records are checked by the reader as for any batch.
 */
import { BATCH_HEADER_BYTES, BATCH_LENGTH_POS, LAST_OFFSET_DELTA_POS, LOG_OVERHEAD_BYTES, MAGIC_POS, MAGIC_V2, MAX_TIMESTAMP_POS, readInt64 } from '../format/batch-header.js'
import type { OffsetIndex } from '../index/offset-index.js'
import type { BatchPosition } from './batch-scanner.js'

/** The batch holding `offset` in `mapped` (the segment's first bytes, ending by `logicalEnd`), or null: scan instead. */
export function batchFromIndex(index: OffsetIndex, mapped: Buffer, logicalEnd: number, offset: number): BatchPosition | null {
  const bracket = index.bracket(offset)
  if (bracket === null || offset === bracket.floorOffset) return null
  const position = bracket.nextPosition
  const end = Math.min(mapped.length, logicalEnd)
  if (position + BATCH_HEADER_BYTES > end) return null
  const sizeBytes = mapped.readInt32BE(position + BATCH_LENGTH_POS) + LOG_OVERHEAD_BYTES
  if (sizeBytes < BATCH_HEADER_BYTES || position + sizeBytes > end || mapped.readInt8(position + MAGIC_POS) !== MAGIC_V2) return null
  const baseOffset = readInt64(mapped, position)
  const lastOffset = baseOffset + mapped.readInt32BE(position + LAST_OFFSET_DELTA_POS)
  if (baseOffset !== bracket.floorOffset + 1 || lastOffset !== bracket.nextOffset) return null
  const maxTimestamp = readInt64(mapped, position + MAX_TIMESTAMP_POS)
  if (!Number.isSafeInteger(maxTimestamp) || maxTimestamp < -1) return null
  return { baseOffset, lastOffset, position, sizeBytes, maxTimestamp }
}
