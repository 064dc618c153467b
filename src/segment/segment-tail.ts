/**
 * The bounded scan that opens a segment without reading all of it (Kafka's readNextOffset and
 * loadLargestTimestamp, plus the cross-checks Kafka dropped with lazy indexes, KAFKA-12734).
 *
 * It walks batch headers from the earlier of the last offset-index entry and the floor entry of
 * the time index's last offset, to the end of the file — about indexIntervalBytes plus a batch
 * when the indexes are intact — and learns the next offset, the largest timestamp and the
 * logical end (where the headers stop being valid: the file may continue with preallocated
 * zeros or a torn tail). It also checks that the indexes describe this log:
 * - a batch starts exactly at the last offset-index entry's position, and some batch's last
 *   offset is that entry's offset (entries are keyed by a chunk's largest offset);
 * - a scanned batch holds the time index's last offset, and the scanned maximum timestamp is at
 *   least that entry's timestamp (the maximum was first seen in the batch holding that offset);
 * - offsets never go back (an entry pointing mid-batch lands on bytes that only look like one).
 * Any disagreement is CORRUPT_INDEX: the segment then rebuilds its indexes from the whole log.
 */
import { SeglogError } from '../errors.js'
import { NO_TIMESTAMP } from '../format/batch-header.js'
import type { OffsetPosition } from '../index/offset-index.js'
import type { TimestampOffset } from '../index/time-index.js'
import type { BatchScanner, ScanStop } from './batch-scanner.js'

export interface TailExpectations {
  baseOffset: number
  /** The offset index's last entry, or null when it is empty. */
  lastOffsetEntry: OffsetPosition | null
  /** The time index's last entry, or null when it is empty. */
  lastTimeEntry: TimestampOffset | null
  /** Names the index files in CORRUPT_INDEX messages. */
  indexPaths: string
}

export interface TailState {
  /** Where valid headers end; `stop.reason` says whether that is the end of the file. */
  stop: ScanStop
  endOffset: number
  maxTimestamp: number
  offsetOfMaxTimestamp: number
}

export function scanTail(scanner: BatchScanner, expect: TailExpectations): TailState {
  const { lastOffsetEntry, lastTimeEntry } = expect
  let endOffset = expect.baseOffset
  let maxTimestamp = NO_TIMESTAMP
  let offsetOfMaxTimestamp = -1
  let sawOffsetEntryStart = lastOffsetEntry === null
  let sawOffsetEntryOffset = lastOffsetEntry === null
  let sawTimeEntryBatch = lastTimeEntry === null
  for (let batch = scanner.next(); batch !== null; batch = scanner.next()) {
    if (batch.baseOffset < endOffset) {
      throw corrupt(expect, `the log's offsets go back at position ${batch.position}: an index points mid-batch`)
    }
    endOffset = batch.lastOffset + 1
    if (batch.maxTimestamp > maxTimestamp) {
      maxTimestamp = batch.maxTimestamp
      offsetOfMaxTimestamp = batch.lastOffset
    }
    if (lastOffsetEntry !== null) {
      if (batch.position === lastOffsetEntry.position) sawOffsetEntryStart = batch.baseOffset <= lastOffsetEntry.offset
      if (batch.lastOffset === lastOffsetEntry.offset) sawOffsetEntryOffset = true
    }
    // A time index entry is (the max timestamp so far, the last offset of the batch that has it):
    // both must match that batch exactly. An entry that merely falls inside some batch (a time
    // index copied from another segment, found by the on-disk fuzzer) would make the segment's max
    // timestamp too small, and timestamp lookups skip it.
    if (lastTimeEntry !== null && batch.lastOffset === lastTimeEntry.offset && batch.maxTimestamp === lastTimeEntry.timestamp) {
      sawTimeEntryBatch = true
    }
  }
  if (!sawOffsetEntryStart || !sawOffsetEntryOffset) {
    throw corrupt(expect, `the last offset index entry (${lastOffsetEntry!.offset} at ${lastOffsetEntry!.position}) matches no batch`)
  }
  if (lastTimeEntry !== null) {
    if (!sawTimeEntryBatch || maxTimestamp < lastTimeEntry.timestamp) {
      throw corrupt(expect, `the last time index entry (${lastTimeEntry.timestamp} at offset ${lastTimeEntry.offset}) matches no batch`)
    }
    // The time index covers the batches before the scan: its maximum may still be the largest.
    if (lastTimeEntry.timestamp >= maxTimestamp) {
      maxTimestamp = lastTimeEntry.timestamp
      offsetOfMaxTimestamp = lastTimeEntry.offset
    }
  }
  return { stop: scanner.stop!, endOffset, maxTimestamp, offsetOfMaxTimestamp }
}

function corrupt(expect: TailExpectations, what: string): SeglogError {
  return new SeglogError('CORRUPT_INDEX', `Corrupt index ${expect.indexPaths}: ${what}`)
}
