/**
 * Sequential header-only walk over the record batches of a `.log` (Kafka's FileLogInputStream):
 * reads through one reusable scan buffer of SCAN_BUFFER_BYTES, so a scan costs one pread per
 * 64 KiB of small batches (or one per batch for batches larger than that), never one per batch
 * header.
 *
 * `next()` returns the next batch's offsets, position, size and max timestamp, or null at the end
 * of the range. After null, `stop` says why the walk ended, with Kafka's rules:
 * - 'end': exactly at the end of the range;
 * - 'torn': 17 or fewer bytes remain (not even a header through magic), or the declared batch
 *   extends past the end — a write cut short by a crash, or zeros after a preallocated end that
 *   are too few to read a length from;
 * - 'corrupt': batchLength < 14 (so zeros after a preallocated end stop here), a batch larger
 *   than BATCH_BYTES_MAX, magic ≠ 2, a v2 batch shorter than its 61-byte header, lastOffsetDelta
 *   < 0, a base offset outside the safe integer range, a base offset that is not the previous
 *   batch's last offset + 1 (`outOfSequence` is then true), or (with `verifyCrc`) a CRC-32C
 *   mismatch.
 * Offsets must be contiguous because seglog has no log compaction: every offset of a segment is in
 * exactly one batch, so a batch that does not continue the previous one has a damaged base offset
 * (outside the CRC) or the previous one a damaged lastOffsetDelta (read here before any CRC
 * check). When compaction arrives, compacted topics must relax this to "increasing". A scan from
 * a segment's start checks its first batch against the segment's base offset (`firstBaseOffset`;
 * a damaged first base offset otherwise relabels that batch's records — found by the on-disk
 * fuzzer, SEED=2485775825 input 1225); callers that start mid-segment check the first batch
 * against the batch after it (Segment.read).
 * Whether a stop before the end is damage or just a torn tail is the caller's decision (recovery
 * truncates there; a read within the logical size treats it as CORRUPT_RECORD).
 *
 * `batchBytes()` returns the whole current batch (a view valid until the next `next()`).
 *
 * Sources: the scan reads through `mapped` (a read-only mapping of the file's first bytes) where
 * the range lies inside it — no pread and no copy, which is what makes a point read on the native
 * binding cheap — and preads into the scan buffer elsewhere (allocated on the first such read).
 * `fd` may be a function: a scan that outlives one synchronous call (`Segment.batches()`) asks
 * for the descriptor at every read, because a released segment reopens with a new one.
 * Concurrency: one scanner per scan buffer; the buffer is not shared while a scan is live.
 */
import type { CorruptionReason } from '../errors.js'
import {
  BASE_OFFSET_POS,
  BATCH_HEADER_BYTES,
  BATCH_HEADER_SCAN_BYTES,
  BATCH_LENGTH_MIN,
  BATCH_LENGTH_POS,
  LAST_OFFSET_DELTA_POS,
  LOG_OVERHEAD_BYTES,
  MAGIC_POS,
  MAGIC_V2,
  MAX_TIMESTAMP_POS,
  isBatchCrcValid,
  readInt64,
} from '../format/batch-header.js'
import { SeglogError } from '../errors.js'
import type { FileSystem } from '../io/file.js'
import { BATCH_BYTES_MAX, SCAN_BUFFER_BYTES } from '../limits.js'

/** Where one batch sits in a segment, from its header alone. */
export interface BatchPosition {
  baseOffset: number
  lastOffset: number
  /** Byte position of the batch's first byte in the `.log`. */
  position: number
  sizeBytes: number
  maxTimestamp: number
}

export type ScanStopReason = 'end' | 'torn' | 'corrupt'

export interface ScanStop {
  reason: ScanStopReason
  /** Position of the first byte not covered by a valid batch. */
  position: number
  detail: string
  /** For 'corrupt' stops: the kind of damage (CORRUPT_RECORD's `reason`). Default 'invalid-batch'. */
  damage?: CorruptionReason
}

export interface BatchScanRange {
  fs: FileSystem
  /** The `.log` descriptor, or a function returning the current one (see the header). */
  fd: number | (() => number)
  /** For error messages. */
  path: string
  fromPosition: number
  /** Exclusive end of the range: the logical size of the segment, or the file size in recovery. */
  endPosition: number
  /** A scan buffer to reuse; one of SCAN_BUFFER_BYTES is allocated if absent. */
  buffer?: Buffer
  /** Also check each batch's CRC-32C (recovery). */
  verifyCrc?: boolean
  /**
   * Bytes the first read fetches (at least one header; default the whole buffer). A lookup that
   * expects to stop within about indexIntervalBytes asks for that much instead of 64 KiB; later
   * reads of a scan that goes on fill the whole buffer.
   */
  firstReadBytes?: number
  /** A mapping of the file's first `mapped.length` bytes to read from instead of pread (see the header). */
  mapped?: Buffer | null
  /**
   * The base offset the first batch must have: the segment's, when the scan starts at position 0
   * (a segment's first batch starts at its base offset, as nothing is compacted). Unchecked when
   * absent.
   */
  firstBaseOffset?: number
}

const EMPTY = Buffer.alloc(0)

export class BatchScanner {
  stop: ScanStop | null = null
  /** The walk stopped at a batch whose base offset does not follow the previous batch's last offset. */
  outOfSequence = false
  /** Batches returned so far: from the second on, each was checked to follow the one before. */
  batchesReturned = 0
  private readonly fs: FileSystem
  private readonly fd: number | (() => number)
  private readonly path: string
  private readonly endPosition: number
  private readonly mapped: Buffer | null
  private buf: Buffer | null
  private readonly bufCapacity: number
  /** What `ensureBuffered` indexes into: the mapping or the scan buffer. */
  private view: Buffer
  private readonly verifyCrc: boolean
  private nextReadBytes: number
  private position: number
  private bufStart = 0
  private bufLength = 0
  private current: BatchPosition | null = null
  /** Last offset of the previous batch returned (or the segment's base − 1, see firstBaseOffset). */
  private lastOffset = -1
  /** Whether the first batch is checked against BatchScanRange.firstBaseOffset. */
  private readonly firstChecked: boolean

  constructor(range: BatchScanRange) {
    this.fs = range.fs
    this.fd = range.fd
    this.path = range.path
    this.position = range.fromPosition
    this.endPosition = range.endPosition
    this.mapped = range.mapped ?? null
    this.buf = range.buffer ?? null
    this.bufCapacity = this.buf?.length ?? SCAN_BUFFER_BYTES
    this.view = this.mapped ?? EMPTY
    this.verifyCrc = range.verifyCrc ?? false
    this.nextReadBytes = Math.min(this.bufCapacity, range.firstReadBytes ?? this.bufCapacity)
    this.lastOffset = range.firstBaseOffset === undefined ? -1 : range.firstBaseOffset - 1
    this.firstChecked = range.firstBaseOffset !== undefined
  }

  /** The next batch, or null with `stop` set. */
  next(): BatchPosition | null {
    if (this.stop !== null) return null
    const position = this.position
    const remaining = this.endPosition - position
    if (remaining <= 0) return this.halt('end', position, 'end of range')
    if (remaining <= BATCH_HEADER_SCAN_BYTES) return this.halt('torn', position, `only ${remaining} bytes remain`)
    const at = this.ensureBuffered(position, Math.min(remaining, BATCH_HEADER_BYTES))
    const batchLength = this.view.readInt32BE(at + BATCH_LENGTH_POS)
    if (batchLength < BATCH_LENGTH_MIN) return this.halt('corrupt', position, `batchLength ${batchLength} < ${BATCH_LENGTH_MIN}`)
    const sizeBytes = batchLength + LOG_OVERHEAD_BYTES
    if (sizeBytes > remaining) return this.halt('torn', position, `batch of ${sizeBytes} bytes extends past the ${remaining} bytes left`)
    if (sizeBytes > BATCH_BYTES_MAX) return this.halt('corrupt', position, `batch of ${sizeBytes} bytes exceeds ${BATCH_BYTES_MAX}`)
    const magic = this.view.readInt8(at + MAGIC_POS)
    if (magic !== MAGIC_V2) return this.halt('corrupt', position, `magic ${magic} is not ${MAGIC_V2}`)
    if (sizeBytes < BATCH_HEADER_BYTES) return this.halt('corrupt', position, `batch of ${sizeBytes} bytes is shorter than its header`)
    const baseOffset = readInt64(this.view, at + BASE_OFFSET_POS)
    const lastOffsetDelta = this.view.readInt32BE(at + LAST_OFFSET_DELTA_POS)
    if (!Number.isSafeInteger(baseOffset) || baseOffset < 0 || lastOffsetDelta < 0) {
      return this.halt('corrupt', position, `base offset ${baseOffset} / lastOffsetDelta ${lastOffsetDelta} out of range`)
    }
    if ((this.batchesReturned > 0 || this.firstChecked) && baseOffset !== this.lastOffset + 1) {
      this.outOfSequence = true
      const expected = this.batchesReturned > 0 ? `the previous batch's last offset ${this.lastOffset}` : `the segment's base offset ${this.lastOffset + 1}`
      return this.halt('corrupt', position, `base offset ${baseOffset} does not follow ${expected}`, 'offset-out-of-sequence')
    }
    // Inside the CRC, but read here before any CRC check: a damaged one must not become the
    // segment's max timestamp (an int64 outside the safe range failed the time index write at
    // close; found by the on-disk fuzzer, SEED=1863601842 input 1562).
    const maxTimestamp = readInt64(this.view, at + MAX_TIMESTAMP_POS)
    if (!Number.isSafeInteger(maxTimestamp) || maxTimestamp < -1) return this.halt('corrupt', position, `max timestamp ${maxTimestamp} out of range`)
    const batch: BatchPosition = {
      baseOffset,
      lastOffset: baseOffset + lastOffsetDelta,
      position,
      sizeBytes,
      maxTimestamp,
    }
    this.current = batch
    if (this.verifyCrc) {
      const bytes = this.batchBytes()
      if (!isBatchCrcValid(bytes, 0, sizeBytes)) return this.halt('corrupt', position, 'CRC-32C mismatch', 'crc-mismatch')
    }
    this.position = position + sizeBytes
    this.lastOffset = batch.lastOffset
    this.batchesReturned++
    return batch
  }

  /**
   * The current batch's 61-byte header (producer id, epoch, sequence, attributes: what producer
   * state replay reads); a view valid until the next call to `next()`. No read when the header is
   * still buffered, which it is right after `next()`.
   */
  headerBytes(): Buffer {
    const batch = this.current
    if (batch === null) throw new Error('headerBytes() called with no current batch')
    const at = this.ensureBuffered(batch.position, BATCH_HEADER_BYTES)
    return this.view.subarray(at, at + BATCH_HEADER_BYTES)
  }

  /** The whole current batch; a view valid until the next call to `next()`. */
  batchBytes(): Buffer {
    const batch = this.current
    if (batch === null) throw new Error('batchBytes() called with no current batch')
    if (batch.sizeBytes <= this.bufCapacity || this.isMapped(batch.position, batch.sizeBytes)) {
      const at = this.ensureBuffered(batch.position, batch.sizeBytes)
      return this.view.subarray(at, at + batch.sizeBytes)
    }
    // Larger than the scan buffer: one read of its own (bounded by BATCH_BYTES_MAX).
    const bytes = Buffer.allocUnsafe(batch.sizeBytes)
    this.readFully(bytes, batch.sizeBytes, batch.position)
    return bytes
  }

  private halt(reason: ScanStopReason, position: number, detail: string, damage?: CorruptionReason): null {
    this.stop = damage === undefined ? { reason, position, detail } : { reason, position, detail, damage }
    this.current = null
    return null
  }

  private isMapped(position: number, length: number): boolean {
    return this.mapped !== null && position + length <= this.mapped.length
  }

  /** Makes [position, position + length) readable in `view` (the mapping, else the scan buffer); returns its index there. */
  private ensureBuffered(position: number, length: number): number {
    if (this.isMapped(position, length)) {
      this.view = this.mapped!
      return position
    }
    if (this.buf !== null && position >= this.bufStart && position + length <= this.bufStart + this.bufLength) {
      this.view = this.buf
      return position - this.bufStart
    }
    this.buf ??= Buffer.allocUnsafe(this.bufCapacity)
    const want = Math.min(Math.max(length, this.nextReadBytes), this.endPosition - position)
    this.nextReadBytes = this.bufCapacity
    this.readFully(this.buf, want, position)
    this.view = this.buf
    this.bufStart = position
    this.bufLength = want
    return 0
  }

  private readFully(target: Buffer, length: number, position: number): void {
    const fd = typeof this.fd === 'number' ? this.fd : this.fd()
    const read = this.fs.pread(fd, target, length, position)
    // The range was sized from the file's length: a short read means the file shrank under us.
    if (read !== length) {
      throw new SeglogError('STORAGE_ERROR', `${this.path}: short read, ${read} of ${length} bytes at position ${position}`)
    }
  }
}
