/**
 * What an index's entries are checked against when it is opened: the segment's `.log` they point
 * into. The checks are how seglog refuses to trust an index that a crash left untrimmed,
 * zero-padded or stale (KAFKA-10207, KAFKA-12734): an entry that could not have been written for
 * this log makes the whole index CORRUPT_INDEX, and the segment rebuilds it from the log.
 */
import { BATCH_HEADER_BYTES } from '../format/batch-header.js'

export interface IndexBounds {
  /** Bytes in the `.log`: every position must be below this. */
  logSizeBytes: number
  /**
   * Last offset in the `.log`, when already known: every offset must be ≤ this. Left out on the
   * first pass of an open, which learns it from a scan that itself starts at an index entry.
   */
  lastOffset?: number
}

/**
 * Most entries an index of this log can hold: each entry points at (or was taken at) a distinct
 * batch, and a batch is at least BATCH_HEADER_BYTES long. `extraEntries` allows the time index's
 * final entry written on roll.
 */
export function maxIndexBytesFor(bounds: IndexBounds, entrySizeBytes: number, extraEntries = 0): number {
  return (Math.ceil(bounds.logSizeBytes / BATCH_HEADER_BYTES) + extraEntries) * entrySizeBytes
}
