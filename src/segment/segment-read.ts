/**
 * The read path: from an offset to the whole batches a fetch returns, and the header-only
 * iteration callers walk a segment with.
 *
 * Reads (log-view.ts) are views of a read-only mapping of the `.log` on the native binding —
 * active segments included, up to their logical size at the time of mapping (log-view.ts has the
 * argument for why nothing ever truncates below it) — and pread copies of exactly the batches
 * returned in the fallback. A read first finds the batch from the offset index's floor entry and
 * a header scan (through the mapping when there is one; segment-walk.ts), or from the mapping
 * straight through two index entries (index-jump.ts), then returns whole batches up to maxBytes,
 * stopping early at the batch holding `maxOffset` when the caller needs only a few records; CRCs
 * are checked by the caller before records are decoded (reader.ts, send-to.ts).
 *
 * `read` → `readMapped` is the hot path of point and sequential reads (bench W5, W6): what is
 * added there is paid on every fetch.
 */
import { BATCH_HEADER_BYTES, BATCH_LENGTH_POS, LOG_OVERHEAD_BYTES, baseOffsetAt, lastOffsetAt } from '../format/batch-header.js'
import { SeglogError, assertSafeNonNegativeInteger } from '../errors.js'
import type { OffsetPosition } from '../index/offset-index.js'
import type { AbortedTxn, TxnIndexSearchResult } from '../index/txn-index.js'
import { SCAN_BUFFER_BYTES } from '../limits.js'
import { BatchScanner, type BatchPosition } from './batch-scanner.js'
import { batchFromIndex } from './index-jump.js'
import { checkOpen, logFdForIo, markUsed } from './segment-files.js'
import { ensureIndexes, ensureLoaded } from './segment-load.js'
import type { SegmentState } from './segment-state.js'
import { corruptWithin, outOfSequence, seekChecked, walk } from './segment-walk.js'

export interface SegmentRead {
  /** The offset asked for. */
  offset: number
  /** Base offset of the first batch returned (may be below `offset`: reads start at a batch). */
  firstOffset: number
  /** Position of that batch in the `.log`. */
  position: number
  /** Whole batches; empty when maxBytes or maxPosition leave no room for the first one. */
  bytes: Buffer
  /**
   * Whether `bytes` is a view of the segment's mapping, memory every reader of the segment shares
   * and that is read-only (a write into it is a SIGSEGV): whoever hands these bytes to a user must
   * copy them first (reader.ts). False for a pread copy, which belongs to this read alone.
   */
  shared: boolean
}

export interface SegmentReadOptions {
  /** Do not read at or past this position (e.g. the high watermark's). Default: the segment's size. */
  maxPosition?: number
  /** Return the first batch even if it is larger than maxBytes (Kafka's minOneMessage). */
  minOneMessage?: boolean
  /**
   * Stop after the batch holding this offset: the caller needs nothing past it (a read of a few
   * records), so no more bytes are fetched. Default: whole batches up to maxBytes.
   */
  maxOffset?: number
}

/**
 * The first batch holding an offset ≥ `offset`: the offset index's floor entry, then a header
 * scan. Null when no batch in this segment reaches `offset`.
 */
export function translateOffset(s: SegmentState, offset: number, startingPosition: number): BatchPosition | null {
  ensureIndexes(s)
  const fd = logFdForIo(s)
  return seekChecked(s, offset, startingPosition, s.logView.prefix(fd, s.logicalSizeBytes), fd).start
}

/**
 * Whole batches from the one holding `offset` (or the next one after a gap), at most `maxBytes`
 * (at least the first batch with `minOneMessage`), never at or past `maxPosition`, none after
 * the one holding `maxOffset`. Null when the segment has nothing at or after `offset`. The bytes
 * are a view of the mapping (native) or a copy of exactly those batches.
 */
export function read(s: SegmentState, offset: number, maxBytes: number, options: SegmentReadOptions): SegmentRead | null {
  assertSafeNonNegativeInteger('maxBytes', maxBytes)
  ensureIndexes(s)
  const fd = logFdForIo(s)
  const logicalEnd = s.logicalSizeBytes
  const mapped = s.logView.prefix(fd, logicalEnd)
  const maxPosition = Math.min(options.maxPosition ?? logicalEnd, logicalEnd)
  const maxOffset = options.maxOffset ?? Number.MAX_SAFE_INTEGER
  const rangeEndFrom = (start: BatchPosition): number =>
    Math.min(maxPosition, start.position + (options.minOneMessage === true ? Math.max(maxBytes, start.sizeBytes) : maxBytes))
  if (mapped !== null) {
    // From the mapping, a read may land on its batch through the index (index-jump.ts), which
    // checked the batch's base offset against the index entry of the batch before it.
    const direct = batchFromIndex(s.offsetIndex, mapped, logicalEnd, offset)
    const directEnd = direct === null ? 0 : rangeEndFrom(direct)
    if (direct !== null && directEnd <= mapped.length) return readMapped(s, offset, direct, directEnd, maxOffset, mapped, fd, true)
  }
  const { scanner, start } = seekChecked(s, offset, 0, mapped, fd)
  if (start === null) return null
  // From the second batch on, the scan checked each one's base offset against the one before.
  const startChecked = scanner.batchesReturned > 1
  const rangeEnd = rangeEndFrom(start)
  if (mapped !== null && rangeEnd <= mapped.length) return readMapped(s, offset, start, rangeEnd, maxOffset, mapped, fd, startChecked)
  const result: SegmentRead = { offset, firstOffset: start.baseOffset, position: start.position, bytes: EMPTY, shared: false }
  if (rangeEnd <= start.position) return result
  let end: number
  if (options.maxOffset !== undefined) {
    // Copying: learn where the wanted batches end from their headers, then copy only those.
    end = scanWholeBatchesEnd(scanner, start, rangeEnd, maxOffset)
    if (scanner.outOfSequence) throw corruptWithin(s, scanner.stop!)
  } else {
    // Copying a bulk read: one pread of the range, trimmed to whole batches.
    const bytes = s.logView.bytes(fd, s.logPath, mapped, start.position, rangeEnd - start.position)
    end = wholeBatchesEnd(bytes, start.position, start.position, rangeEnd, maxOffset, s.logPath)
    if (!startChecked && end === start.position + start.sizeBytes) checkFollowed(s, start, mapped, fd)
    result.bytes = bytes.subarray(0, end - start.position)
    result.shared = mapped !== null && bytes.buffer === mapped.buffer
    return result
  }
  if (!startChecked && end === start.position + start.sizeBytes) checkFollowed(s, start, mapped, fd)
  if (end > start.position) result.bytes = s.logView.bytes(fd, s.logPath, mapped, start.position, end - start.position)
  result.shared = mapped !== null && result.bytes.buffer === mapped.buffer
  return result
}

/** `read` from the mapping: the whole batches from `start` that end by `rangeEnd`, none after the one holding `maxOffset`, as a view. */
function readMapped(
  s: SegmentState,
  offset: number,
  start: BatchPosition,
  rangeEnd: number,
  maxOffset: number,
  mapped: Buffer,
  fd: number,
  startChecked: boolean,
): SegmentRead {
  const result: SegmentRead = { offset, firstOffset: start.baseOffset, position: start.position, bytes: EMPTY, shared: false }
  if (rangeEnd <= start.position) return result
  const end = wholeBatchesEnd(mapped, 0, start.position, rangeEnd, maxOffset, s.logPath)
  if (!startChecked && end === start.position + start.sizeBytes) checkFollowed(s, start, mapped, fd)
  if (end > start.position) {
    result.bytes = mapped.subarray(start.position, end)
    result.shared = true
  }
  return result
}

/**
 * Header-only iteration over the batches from `fromPosition` (a batch start) to the logical
 * end, through a scan buffer of its own. A damaged header inside the logical size is
 * CORRUPT_RECORD.
 */
export function* batches(s: SegmentState, fromPosition: number): Generator<BatchPosition> {
  checkOpen(s)
  ensureLoaded(s)
  // Lives across yields, when another segment's use may release this one: the descriptor is
  // asked for at every read.
  const scanner = new BatchScanner({
    fs: s.fs,
    fd: () => logFdForIo(s),
    path: s.logPath,
    fromPosition,
    endPosition: s.logicalSizeBytes,
    buffer: Buffer.allocUnsafe(SCAN_BUFFER_BYTES),
  })
  yield* walk(s, scanner)
}

/** First index entry at or past `startPosition + fetchSizeBytes` (read_committed upper bound). */
export function fetchUpperBoundOffset(s: SegmentState, startPosition: number, fetchSizeBytes: number): OffsetPosition | null {
  ensureIndexes(s)
  return s.offsetIndex.fetchUpperBoundOffset(startPosition, fetchSizeBytes)
}

/** Aborted transactions overlapping [fetchOffset, upperBoundOffset) (txn-index.ts). */
export function collectAbortedTxns(s: SegmentState, fetchOffset: number, upperBoundOffset: number): TxnIndexSearchResult {
  checkOpen(s)
  const result = s.txnIndex.collectAbortedTxns(fetchOffset, upperBoundOffset)
  markUsed(s)
  return result
}

export function allAbortedTxns(s: SegmentState): AbortedTxn[] {
  checkOpen(s)
  const all = s.txnIndex.allAbortedTxns()
  markUsed(s)
  return all
}

/**
 * A read's first batch that no scan checked against the batch before it (its scan started at
 * it), and that is the only batch the read returns, is checked against the batch after it: its
 * base offset lies outside the CRC, so only a neighbour can tell it jumped. One 8-byte read.
 * The segment's last batch needs no check here; it was checked when the segment loaded: the
 * tail scan checks it against the batch before it or, when the scan starts at it, against the
 * last offset index entry (keyed by its last offset), and a sealed segment's next offset is
 * checked against the next segment's base offset when the partition opens.
 */
function checkFollowed(s: SegmentState, start: BatchPosition, mapped: Buffer | null, fd: number): void {
  const position = start.position + start.sizeBytes
  if (position + BATCH_HEADER_BYTES > s.logicalSizeBytes) return
  const next = baseOffsetAt(s.logView.bytes(fd, s.logPath, mapped, position, BASE_OFFSET_BYTES), 0)
  if (next !== start.lastOffset + 1) throw corruptWithin(s, outOfSequence(position, next, start.lastOffset))
}

const EMPTY = Buffer.alloc(0)

/** The int64 base offset that starts a batch header. */
const BASE_OFFSET_BYTES = 8

/**
 * End position of the whole batches from position `from` up to `to` (a read may end mid-batch),
 * stopping after the first one whose last offset reaches `maxOffset`. `buf` holds the file from
 * position `bufStart` on, at least up to `to`. A header too damaged to size its batch ends the
 * run; the next read starting there reports it. A header whose base offset does not follow the
 * previous batch's last offset (batch-scanner.ts: no compaction, so offsets are contiguous) is
 * CORRUPT_RECORD naming `path`: one of the two headers is damaged, and the earlier one may be
 * the read's first batch, which nothing else checked.
 */
function wholeBatchesEnd(buf: Buffer, bufStart: number, from: number, to: number, maxOffset: number, path: string): number {
  let end = from
  let lastOffset = -1
  while (end + BATCH_HEADER_BYTES <= to) {
    const at = end - bufStart
    const baseOffset = baseOffsetAt(buf, at)
    if (end > from && baseOffset !== lastOffset + 1) {
      throw new SeglogError('CORRUPT_RECORD', `${path}: invalid batch at position ${end}: ${outOfSequence(end, baseOffset, lastOffset).detail}`, {
        path,
        position: end,
        offset: baseOffset,
        reason: 'offset-out-of-sequence',
      })
    }
    const size = buf.readInt32BE(at + BATCH_LENGTH_POS) + LOG_OVERHEAD_BYTES
    if (size < BATCH_HEADER_BYTES || end + size > to) break
    end += size
    lastOffset = lastOffsetAt(buf, at)
    if (lastOffset >= maxOffset) break
  }
  return end
}

/**
 * `wholeBatchesEnd` by header scan, for a read that copies: `scanner` has just returned `first`;
 * later headers are read only while the run has not reached `maxOffset`.
 */
function scanWholeBatchesEnd(scanner: BatchScanner, first: BatchPosition, to: number, maxOffset: number): number {
  let end = first.position
  for (let batch: BatchPosition | null = first; batch !== null; batch = scanner.next()) {
    if (batch.position + batch.sizeBytes > to) break
    end = batch.position + batch.sizeBytes
    if (batch.lastOffset >= maxOffset) break
  }
  return end
}
