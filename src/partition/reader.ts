/**
 * The read path of one partition (design.md "Read path"): from a start offset, walk segments by
 * floor of base offset, take whole batches up to `maxBytes` (at least one batch), never past the
 * upper bound (the high watermark), check each batch's CRC-32C before any of its records is
 * returned, skip control batches, and turn records into the public `Record` shape, whose Buffers
 * are views of memory that belongs to this read alone. On the native binding the segment bytes are
 * a read-only mapping every reader shares, so each batch decoded is first copied into memory of its
 * own (read-copies.ts), its CRC-32C checked in the same pass (copyWithCrc32c): a program may write
 * into any Buffer it is handed without crashing the process or changing what anyone else reads
 * (api.md "Reading"; decisions.md "Readers get private copies"). A pread copy (fallback binding,
 * bytes past the mapping) already belongs to the read and is used as it is.
 *
 * Pure with respect to partition state: the caller passes the bounds it read under.
 */
import { batchSizeAt, isBatchCrcValid, isControlBatch, ATTRIBUTES_POS, BATCH_HEADER_BYTES, CRC_POS, RECORDS_COUNT_POS, baseOffsetAt, lastOffsetAt } from '../format/batch-header.js'
import { appendBatchRecords, type LogRecord } from '../format/batch-records.js'
import { checkBatchAt } from '../format/batch.js'
import { copyWithCrc32c } from '../format/crc32c.js'
import { SeglogError, type CorruptionReason } from '../errors.js'
import type { PartitionLog } from './partition-log.js'
import { hasTestBug } from '../test-bugs.js'
import { readCopies } from './read-copies.js'

/** Planted bug (test-bugs.ts): records returned without their CRC checked. */
const NO_CRC_ON_READ = hasTestBug('no-crc-on-read')
/** A read that wants fewer than 1/FEW_RECORDS_FRACTION of a mapped batch's records copies just those. */
const FEW_RECORDS_FRACTION = 4
/** Planted bug (test-bugs.ts): records handed out as views of the shared read-only mapping. */
const SHARED_READ_BUFFERS = hasTestBug('shared-read-buffers')

export type { LogRecord }

/** Where the readable data ends: the HW offset and its byte position in its segment. */
export interface ReadBound {
  offset: number
  segmentBaseOffset: number
  position: number
}

export interface CollectResult {
  records: LogRecord[]
  nextOffset: number
  /** Bytes of the batches the records came from. */
  bytes: number
}

/** CORRUPT_RECORD for damage at `position` of the segment file `path`. */
function corruptAt(path: string, position: number, detail: string, reason: CorruptionReason, cause?: unknown): SeglogError {
  return new SeglogError('CORRUPT_RECORD', `Corrupt record batch in ${path} at position ${position}: ${detail}`, { cause, path, position, reason })
}

/**
 * appendBatchRecords for the batch at `pos` of the shared `bytes` (a mapping), with records whose
 * Buffers are private copies. A read that wants few of the batch's records (a point read: fewer
 * than a quarter) checks the CRC in place and copies just those records' fields; any other copies
 * the whole batch, its CRC-32C computed while copying, so the checksum vouches for the copy the
 * records are views of. The point read's way copies ~100 bytes where the batch's copies ~10 KiB
 * (bench W6); the replay's way is one native call per batch where field copies are three per record
 * (bench W5).
 */
function appendCopiedBatchRecords(
  bytes: Buffer,
  pos: number,
  sizeBytes: number,
  records: LogRecord[],
  fromOffset: number,
  toOffset: number,
  maxRecords: number,
): number {
  if ((maxRecords - records.length) * FEW_RECORDS_FRACTION < bytes.readInt32BE(pos + RECORDS_COUNT_POS)) {
    const first = records.length
    const nextOffset = appendBatchRecords(bytes, pos, records, fromOffset, toOffset, maxRecords, !NO_CRC_ON_READ)
    readCopies.copyRecordFields(records, first)
    return nextOffset
  }
  if (sizeBytes < BATCH_HEADER_BYTES || sizeBytes > bytes.length - pos) {
    checkBatchAt(bytes, pos, false) // throws CORRUPT_RECORD for exactly these sizes
    throw new SeglogError('CORRUPT_RECORD', `batch size ${sizeBytes} does not fit at position ${pos}`, { reason: 'invalid-batch' })
  }
  const slab = readCopies.reserve(sizeBytes)
  const start = readCopies.start
  const computed = copyWithCrc32c(bytes, pos, pos + sizeBytes, slab, start, pos + ATTRIBUTES_POS)
  // One view per batch, so positions in errors are within the batch, as in the copying path's.
  const batch = slab.subarray(start, start + sizeBytes)
  const stored = batch.readUInt32BE(CRC_POS)
  if (computed !== stored && !NO_CRC_ON_READ) {
    const hex = (crc: number): string => `0x${crc.toString(16).padStart(8, '0')}`
    throw new SeglogError('CORRUPT_RECORD', `stored CRC ${hex(stored)} != computed ${hex(computed)} over ${sizeBytes} bytes`, { reason: 'crc-mismatch' })
  }
  return appendBatchRecords(batch, 0, records, fromOffset, toOffset, maxRecords, false)
}

/**
 * Records from `offset` (inclusive) below `bound.offset`, at most `maxRecords`, from batches
 * totalling at most `maxBytes` (the first batch is returned whatever its size, like Kafka's
 * minOneMessage). Throws CORRUPT_RECORD for a batch that fails its CRC.
 */
export function collectRecords(log: PartitionLog, offset: number, bound: ReadBound, maxBytes: number, maxRecords: number): CollectResult {
  const records: LogRecord[] = []
  let nextOffset = offset
  let bytesLeft = maxBytes
  let bytesRead = 0
  let index = log.floorIndex(offset)
  if (index < 0) index = 0
  const segments = log.segments
  while (index < segments.length && nextOffset < bound.offset && records.length < maxRecords) {
    const segment = segments[index]!
    if (segment.baseOffset > bound.segmentBaseOffset) break
    const maxPosition = segment.baseOffset === bound.segmentBaseOffset ? bound.position : undefined
    // Records have distinct offsets: the ones still wanted lie at or below this, so no batch past
    // the one holding it is fetched (a point read copies one batch, not maxBytes).
    const maxOffset = Math.min(nextOffset + (maxRecords - records.length) - 1, Number.MAX_SAFE_INTEGER)
    const slice = segment.read(nextOffset, Math.max(bytesLeft, 0), { maxPosition, minOneMessage: bytesRead === 0, maxOffset })
    if (slice === null || slice.bytes.length === 0) {
      if (slice !== null && bytesRead > 0) break // maxBytes reached before the next batch
      index++
      continue
    }
    const bytes = slice.bytes
    let pos = 0
    let previousLastOffset = -1
    while (pos + BATCH_HEADER_BYTES <= bytes.length && records.length < maxRecords) {
      const sizeBytes = batchSizeAt(bytes, pos)
      const baseOffset = baseOffsetAt(bytes, pos)
      const lastOffset = lastOffsetAt(bytes, pos)
      // The base offset and length sit outside the CRC. With no log compaction every offset below
      // the bound is in exactly one batch: the first batch holds the offset asked for (also when
      // the read continues into the next segment: offsets never skip a gap between segments),
      // each next one continues the one before. Anything else is damage — a hole or records at
      // wrong offsets would be worse than an error.
      if ((pos === 0 ? baseOffset > nextOffset : baseOffset !== previousLastOffset + 1) || lastOffset < baseOffset) {
        const after = pos === 0 ? `the read of offset ${nextOffset}` : `offset ${previousLastOffset}`
        throw corruptAt(segment.path, slice.position + pos, `batch offsets ${baseOffset}..${lastOffset} after ${after}`, 'offset-out-of-sequence')
      }
      if (baseOffset >= bound.offset) break
      previousLastOffset = lastOffset
      if (isControlBatch(bytes.readInt16BE(pos + ATTRIBUTES_POS))) {
        // Markers take an offset but are never returned. The control bit is inside the CRC, so it
        // is checked before the batch is skipped: a data batch whose attributes were damaged into
        // a marker's would otherwise vanish as a hole (found by the on-disk fuzzer, SEED=2129207310
        // input 1918 and SEED=2980498393 input 1051). Markers are small; the check costs little.
        if (!NO_CRC_ON_READ && !isBatchCrcValid(bytes, pos, sizeBytes)) {
          throw corruptAt(segment.path, slice.position + pos, 'CRC-32C mismatch in a batch marked as a control batch', 'crc-mismatch')
        }
        nextOffset = Math.max(nextOffset, lastOffset + 1)
        pos += sizeBytes
        continue
      }
      try {
        if (slice.shared && !SHARED_READ_BUFFERS) {
          nextOffset = appendCopiedBatchRecords(bytes, pos, sizeBytes, records, nextOffset, bound.offset, maxRecords)
        } else {
          nextOffset = appendBatchRecords(bytes, pos, records, nextOffset, bound.offset, maxRecords, !NO_CRC_ON_READ)
        }
      } catch (err) {
        if (err instanceof SeglogError && err.code === 'CORRUPT_RECORD') throw corruptAt(segment.path, slice.position + pos, err.message, err.reason ?? 'invalid-batch', err)
        throw err
      }
      if (records.length < maxRecords) nextOffset = Math.max(nextOffset, Math.min(lastOffset + 1, bound.offset))
      pos += sizeBytes
    }
    if (pos === 0) {
      // Nothing below the bound here. In a segment wholly below the HW's segment that can only be a
      // damaged base offset claiming to be past the HW: an error, never a loop that cannot advance.
      if (segment.baseOffset < bound.segmentBaseOffset) {
        throw corruptAt(segment.path, slice.position, `batch base offset ${baseOffsetAt(bytes, 0)} is past the high watermark ${bound.offset}`, 'offset-out-of-sequence')
      }
      break
    }
    bytesRead += pos
    bytesLeft -= pos
    if (bytesLeft <= 0) break
    // The slice ended at the segment's end (or the bound): continue in the next segment.
    if (segment.baseOffset === bound.segmentBaseOffset || slice.position + bytes.length >= segment.sizeBytes) index++
  }
  return { records, nextOffset, bytes: bytesRead }
}
