/**
 * The one way the format layer reports malformed bytes: SeglogError('CORRUPT_RECORD') whose
 * message names the byte position inside the caller's buffer and the numbers that failed. The
 * format layer never sees file names; the segment layer adds the path when it rethrows.
 */
import { SeglogError, type CorruptionReason } from '../errors.js'

/** `position` is in the caller's buffer; the layer that knows the file replaces it with the file position. */
export function corruptRecord(position: number, detail: string, reason: CorruptionReason = 'invalid-batch'): SeglogError {
  return new SeglogError('CORRUPT_RECORD', `Corrupt record batch data at position ${position}: ${detail}`, { position, reason })
}
