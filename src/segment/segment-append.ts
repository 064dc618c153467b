/**
 * The append path of the active segment.
 *
 * Append (`append`): whole batches whose offsets are already assigned, as one pwritev at the
 * logical end, checked for a short count; on failure the file is truncated back and nothing in
 * memory changes (DISK_FULL / STORAGE_ERROR). Index entries follow Kafka's rule (kafka-storage.md §3.2): when more
 * than indexIntervalBytes were appended since the last entry (checked before counting this chunk),
 * add (chunk's largest offset → chunk start) to the offset index and (max timestamp so far →
 * its offset) to the time index. Before the first append over a region past the logical end (a
 * torn tail, or what follows preallocated zeros), that region is cut off (`discardTrailingBytes`).
 */
import { baseOffsetAt } from '../format/batch-header.js'
import { SeglogError, outOfRange } from '../errors.js'
import type { AbortedTxn } from '../index/txn-index.js'
import { writeFullyAt } from '../io/positional-write.js'
import { RELATIVE_OFFSET_MAX, SCAN_BUFFER_BYTES, SEGMENT_BYTES_MAX } from '../limits.js'
import { BatchScanner, type BatchPosition } from './batch-scanner.js'
import { checkWritable, logFdForIo } from './segment-files.js'
import { ensureLoaded } from './segment-load.js'
import type { SegmentState } from './segment-state.js'

/** Whole batches to append, offsets already patched in. */
export interface AppendChunk {
  buffers: readonly Buffer[]
  sizeBytes: number
  largestOffset: number
  maxTimestamp: number
  offsetOfMaxTimestamp: number
}

/** An open `.log` to copy batches from (`appendFromFile`). */
export interface LogFileRange {
  fd: number
  path: string
  /** Bytes of the source to consider. */
  sizeBytes: number
}

/** Whether `offset` fits this segment's 32-bit relative offsets. */
export function canConvertToRelativeOffset(s: SegmentState, offset: number): boolean {
  const relative = offset - s.baseOffset
  return relative >= 0 && relative <= RELATIVE_OFFSET_MAX
}

/**
 * Appends whole batches at the logical end (see the header). Throws SEGMENT_SEALED unless the
 * segment is the active one, SEGMENT_OFFSET_OVERFLOW if the largest offset does not fit,
 * INVALID_OFFSET if the first batch's offset is below the next offset, INDEX_FULL if an index
 * entry is due and an index is full (roll first), DISK_FULL / STORAGE_ERROR if the write fails —
 * in every case with nothing changed.
 */
export function append(s: SegmentState, chunk: AppendChunk): void {
  checkWritable(s)
  ensureLoaded(s)
  const position = s.logicalSizeBytes
  checkChunk(chunk, s.logPath)
  if (!canConvertToRelativeOffset(s, chunk.largestOffset)) {
    throw new SeglogError(
      'SEGMENT_OFFSET_OVERFLOW',
      `${s.logPath}: largest offset ${chunk.largestOffset} does not fit a relative offset from base offset ${s.baseOffset}`,
    )
  }
  const firstOffset = chunk.buffers[0]!.length >= 8 ? baseOffsetAt(chunk.buffers[0]!, 0) : chunk.largestOffset
  if (firstOffset < s.endOffset || firstOffset > chunk.largestOffset) {
    throw new SeglogError(
      'INVALID_OFFSET',
      `${s.logPath}: batch at offset ${firstOffset} (largest ${chunk.largestOffset}) appended after next offset ${s.endOffset}`,
    )
  }
  if (position + chunk.sizeBytes > SEGMENT_BYTES_MAX) {
    throw outOfRange('chunk.sizeBytes', `<= ${SEGMENT_BYTES_MAX - position} for ${s.logPath} (roll first)`, chunk.sizeBytes)
  }
  const indexEntryDue = s.bytesSinceLastIndexEntry > s.config.indexIntervalBytes
  if (indexEntryDue && (s.offsetIndex.isFull || s.timeIndex.isFull)) {
    throw new SeglogError('INDEX_FULL', `${s.logPath}: an index entry is due but an index is full; roll the segment`)
  }
  discardTrailingBytes(s)

  const fd = logFdForIo(s)
  try {
    writeFullyAt(s.fs, fd, s.logPath, chunk.buffers, chunk.sizeBytes, position)
  } catch (err) {
    // writeFullyAt truncated the file back to `position`.
    s.fileSizeBytes = Math.min(s.fileSizeBytes, position)
    throw err
  }

  const previous = { maxTimestamp: s.maxTimestamp, offsetOfMaxTimestamp: s.offsetOfMaxTimestamp }
  if (chunk.maxTimestamp > s.maxTimestamp) {
    s.maxTimestamp = chunk.maxTimestamp
    s.offsetOfMaxTimestamp = chunk.offsetOfMaxTimestamp
  }
  if (indexEntryDue) {
    const offsetEntries = s.offsetIndex.entries
    try {
      s.offsetIndex.append(chunk.largestOffset, position)
      s.appendTimeIndexEntry(false)
    } catch (err) {
      // Keep the append all-or-nothing: the log bytes go too.
      if (s.offsetIndex.entries > offsetEntries) s.offsetIndex.truncateTo(chunk.largestOffset)
      s.maxTimestamp = previous.maxTimestamp
      s.offsetOfMaxTimestamp = previous.offsetOfMaxTimestamp
      s.fs.ftruncate(fd, position)
      s.fileSizeBytes = Math.min(s.fileSizeBytes, position)
      throw err
    }
    s.bytesSinceLastIndexEntry = 0
  }
  if (position === 0) s.rollingBasedTimestamp = chunk.maxTimestamp
  s.bytesSinceLastIndexEntry += chunk.sizeBytes
  s.logicalSizeBytes = position + chunk.sizeBytes
  s.fileSizeBytes = Math.max(s.fileSizeBytes, s.logicalSizeBytes)
  s.endOffset = chunk.largestOffset + 1
}

/**
 * Copies whole batches from another `.log` (an open descriptor, read through this segment's
 * FileSystem) starting at `startPosition`, until the end of `source` or the first batch whose
 * last offset does not fit this segment's relative offsets (Kafka's appendFromFile, used to
 * split a segment whose offsets overflow). Copies in runs of up to SCAN_BUFFER_BYTES (or one
 * larger batch). Returns the bytes appended.
 */
export function appendFromFile(s: SegmentState, source: LogFileRange, startPosition: number): number {
  checkWritable(s)
  const scanner = new BatchScanner({ ...source, fs: s.fs, fromPosition: startPosition, endPosition: source.sizeBytes })
  let appended = 0
  let run: BatchPosition[] = []
  let runBytes = 0
  const appendRun = (): void => {
    if (run.length === 0) return
    const bytes = Buffer.allocUnsafe(runBytes)
    const read = s.fs.pread(source.fd, bytes, runBytes, run[0]!.position)
    if (read !== runBytes) throw new SeglogError('STORAGE_ERROR', `${source.path}: short read, ${read} of ${runBytes} bytes`)
    let max = run[0]!
    for (const batch of run) if (batch.maxTimestamp > max.maxTimestamp) max = batch
    const largestOffset = run[run.length - 1]!.lastOffset
    append(s, { buffers: [bytes], sizeBytes: runBytes, largestOffset, maxTimestamp: max.maxTimestamp, offsetOfMaxTimestamp: max.lastOffset })
    appended += runBytes
    run = []
    runBytes = 0
  }
  for (let batch = scanner.next(); batch !== null; batch = scanner.next()) {
    if (!canConvertToRelativeOffset(s, batch.lastOffset)) break
    if (runBytes > 0 && runBytes + batch.sizeBytes > SCAN_BUFFER_BYTES) appendRun()
    run.push(batch)
    runBytes += batch.sizeBytes
  }
  appendRun()
  return appended
}

/** Records an aborted transaction whose ABORT marker was appended to this segment. */
export function appendAbortedTxn(s: SegmentState, txn: AbortedTxn): void {
  checkWritable(s)
  s.txnIndex.append(txn)
}

function checkChunk(chunk: AppendChunk, logPath: string): void {
  let total = 0
  for (const buffer of chunk.buffers) total += buffer.length
  if (chunk.buffers.length === 0 || total !== chunk.sizeBytes || chunk.sizeBytes === 0) {
    throw outOfRange('chunk.sizeBytes', `the ${total} bytes of chunk.buffers (> 0) appended to ${logPath}`, chunk.sizeBytes)
  }
}

/** Cuts bytes past the logical end before the first append over them (see the header). */
function discardTrailingBytes(s: SegmentState): void {
  if (s.tailIsClean) return
  // Cuts at the logical end: a mapping never reaches past it (log-view.ts), so it stays valid.
  const fd = logFdForIo(s)
  s.fs.ftruncate(fd, s.logicalSizeBytes)
  s.fileSizeBytes = s.logicalSizeBytes
  if (s.config.preallocate === true && s.logicalSizeBytes < s.config.segmentBytes) {
    s.fs.fallocate(fd, s.logicalSizeBytes, s.config.segmentBytes - s.logicalSizeBytes)
    s.fileSizeBytes = s.config.segmentBytes
  }
  s.tailIsClean = true
  s.invalidTailStop = null
}
