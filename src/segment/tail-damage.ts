/**
 * Torn tail or corruption? (reliability.md FM-1 vs FM-2.) After an unclean shutdown, bytes that
 * fail validation can be a torn tail — written but never fsynced, so never acknowledged — or damage
 * to acknowledged data. Recovery may cut only what it can prove was never acknowledged: the damage
 * must be past the recovery point AND no valid batch may follow it (a valid later batch was written
 * after the damaged one; if that later one was fsynced, so was the damaged one, and cutting would
 * drop acknowledged records). This file answers "does a valid batch follow?" by searching the
 * bytes after the damage for a batch header that parses and passes its CRC-32C.
 *
 * Cost: a byte-by-byte candidate search over the rest of the segment, only on the rare path where
 * recovery found damage. Candidates are filtered by magic, length bounds and an offset range
 * before a CRC is computed, so garbage and zeros are skipped cheaply.
 */
import {
  BASE_OFFSET_POS,
  BATCH_HEADER_BYTES,
  BATCH_LENGTH_MIN,
  BATCH_LENGTH_POS,
  LOG_OVERHEAD_BYTES,
  MAGIC_POS,
  MAGIC_V2,
  isBatchCrcValid,
  readInt64,
} from '../format/batch-header.js'
import type { FileSystem } from '../io/file.js'
import { BATCH_BYTES_MAX, RELATIVE_OFFSET_MAX, SCAN_BUFFER_BYTES } from '../limits.js'

/**
 * Whether any valid batch with base offset ≥ `minBaseOffset` starts at or after `fromPosition` in
 * the file `fd` of `fileSizeBytes` bytes.
 */
export function hasValidBatchAfter(fs: FileSystem, fd: number, fileSizeBytes: number, fromPosition: number, minBaseOffset: number): boolean {
  const window = Buffer.allocUnsafe(SCAN_BUFFER_BYTES + BATCH_HEADER_BYTES)
  const maxBaseOffset = minBaseOffset + RELATIVE_OFFSET_MAX
  for (let start = fromPosition + 1; start + BATCH_HEADER_BYTES <= fileSizeBytes; start += SCAN_BUFFER_BYTES) {
    const length = Math.min(window.length, fileSizeBytes - start)
    const read = fs.pread(fd, window, length, start)
    const candidates = Math.min(read - BATCH_HEADER_BYTES, SCAN_BUFFER_BYTES - 1)
    for (let i = 0; i <= candidates; i++) {
      if (window[i + MAGIC_POS] !== MAGIC_V2) continue
      const batchLength = window.readInt32BE(i + BATCH_LENGTH_POS)
      if (batchLength < Math.max(BATCH_LENGTH_MIN, BATCH_HEADER_BYTES - LOG_OVERHEAD_BYTES) || batchLength > BATCH_BYTES_MAX) continue
      const sizeBytes = batchLength + LOG_OVERHEAD_BYTES
      if (start + i + sizeBytes > fileSizeBytes) continue
      const baseOffset = readInt64(window, i + BASE_OFFSET_POS)
      if (!(baseOffset >= minBaseOffset && baseOffset <= maxBaseOffset)) continue
      const batch = Buffer.allocUnsafe(sizeBytes)
      if (fs.pread(fd, batch, sizeBytes, start + i) !== sizeBytes) continue
      if (isBatchCrcValid(batch, 0, sizeBytes)) return true
    }
  }
  return false
}
