/**
 * Kafka record batch v2 (`DefaultRecordBatch`, magic 2): encoding a list of records into one
 * batch and decoding a batch back into records. Pure: no I/O, no clock except the default
 * timestamp. The 61-byte header layout and the header-only readers live in batch-header.ts; the
 * per-record layout in record.ts.
 *
 * Encoding (uncompressed only):
 * - One exactly-sized Buffer: a first pass validates every input and measures every field, then
 *   one `Buffer.allocUnsafe(sizeBytes)` and a second pass writes header, records and the CRC-32C
 *   over [21, end). Invalid input throws before anything is allocated: never a half-written batch.
 * - baseTimestamp = first record's timestamp (later records may go backwards: deltas are signed);
 *   maxTimestamp = the largest record timestamp (CreateTime) or the append time (LogAppendTime,
 *   attribute bit 3). lastOffsetDelta = count − 1; record i has offsetDelta i.
 * - baseOffset defaults to 0: the log assigns offsets later with `setBaseOffset`, which patches
 *   bytes 0–7 outside the CRC.
 *
 * Decoding validates, in this order, and throws SeglogError('CORRUPT_RECORD') naming the position:
 * header fits the buffer, magic 2, batch size ≥ 61 and within the buffer, CRC (unless
 * `verifyCrc: false`), int64 fields within the safe integer range, lastOffsetDelta ≥ 0,
 * recordsCount ≥ 0 and plausible for the bytes present, every record (record.ts) and its offset
 * delta (record.ts checkOffsetDelta: record i has delta i unless records were compacted out), and no bytes left
 * over after the declared records (Kafka's "Incorrect declared batch size"). A compressed batch
 * (codec 1–4) is SeglogError('UNSUPPORTED_COMPRESSION_TYPE'); codec 5–7 is corrupt. Decoded
 * keys, values and header values are views into `buf`.
 *
 * Concurrency: none; functions are synchronous and keep no state between calls.
 */
import { invalidArgType, invalidArgValue, outOfRange, SeglogError, assertSafeNonNegativeInteger } from '../errors.js'
import { BATCH_BYTES_MAX, BATCH_RECORDS_MAX } from '../limits.js'
import {
  ATTRIBUTES_POS,
  BASE_OFFSET_POS,
  BATCH_HEADER_BYTES,
  BATCH_LENGTH_POS,
  BASE_SEQUENCE_POS,
  BASE_TIMESTAMP_POS,
  COMPRESSION_CODEC_MASK,
  CONTROL_FLAG_MASK,
  CRC_POS,
  LAST_OFFSET_DELTA_POS,
  LOG_OVERHEAD_BYTES,
  MAGIC_POS,
  MAGIC_V2,
  MAX_TIMESTAMP_POS,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  PARTITION_LEADER_EPOCH_POS,
  PRODUCER_EPOCH_POS,
  PRODUCER_ID_POS,
  RECORDS_COUNT_POS,
  RECORDS_POS,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_FLAG_MASK,
  computeBatchCrc,
  readBatchHeader,
  readInt64,
  setBaseOffset,
  writeInt64,
  type BatchHeader,
} from './batch-header.js'
import { corruptRecord } from './corrupt-record.js'
import {
  RECORD_BYTES_MIN,
  bytesFieldSize,
  checkOffsetDelta,
  newRecordFields,
  headersSize,
  readRecord,
  recordFixedBodySize,
  valueByteLength,
  writeBytesField,
  writeHeaders,
  writeRecordPrefix,
  type DecodedRecord,
  type RecordContext,
  type RecordInput,
} from './record.js'
import { varintSize, type Cursor } from './varint.js'

export type { DecodedRecord, HeaderInput, RecordInput, RecordValue } from './record.js'

export type TimestampType = 'CreateTime' | 'LogAppendTime'
export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

/** Codec id (attributes bits 0–2) → name; ids 5–7 are undefined in Kafka. */
const COMPRESSION_BY_ID: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

export interface EncodeBatchOptions {
  /** Default 0: the log patches the real offset in with `setBaseOffset`. */
  baseOffset?: number
  /** Default `Date.now()`: the timestamp of records that have none, and the LogAppendTime. */
  timestamp?: number
  /** Default 'CreateTime'. */
  timestampType?: TimestampType
  /** Default −1 (none). */
  producerId?: number
  /** Default −1 (none). */
  producerEpoch?: number
  /** Default −1 (none). */
  baseSequence?: number
  /** Default false; true requires a producerId ≥ 0. */
  transactional?: boolean
  /** Default −1 (none). */
  partitionLeaderEpoch?: number
  /** Only 'none' is supported; the other codecs throw UNSUPPORTED_COMPRESSION_TYPE. */
  compression?: CompressionType
}

export interface DecodedBatch extends BatchHeader {
  /** batchLength + 12: the bytes this batch occupies from its start. */
  sizeBytes: number
  /** baseOffset + lastOffsetDelta. */
  lastOffset: number
  isControl: boolean
  isTransactional: boolean
  timestampType: TimestampType
  compression: CompressionType
  records: DecodedRecord[]
}

export interface DecodeBatchOptions {
  /** Default true. False skips the CRC-32C, for bytes already validated (e.g. below the recovery point). */
  verifyCrc?: boolean
}

const INT16_MIN = -0x8000
const INT16_MAX = 0x7fff
const INT32_MIN = -0x8000_0000
const INT32_MAX = 0x7fff_ffff

/** Slots per record in the sizes table of the encoder's first pass. */
const SLOT_BODY_BYTES = 0
const SLOT_KEY_BYTES = 1
const SLOT_VALUE_BYTES = 2
const SLOT_HEADERS_COUNT = 3
const SLOTS_PER_RECORD = 4

/**
 * The sizes table reused by every encode of up to SCRATCH_SIZES_RECORDS_MAX records: allocating
 * one per batch (an off-heap ArrayBuffer above 64 bytes) cost a fifth of encoding 100 records
 * (bench W1 line profile). Larger batches, and an encode that starts while another is running (a
 * record getter that encodes), get a table of their own. The bound keeps the reused table at
 * 256 KiB whatever batch sizes a process has seen.
 */
const SCRATCH_SIZES_RECORDS_MAX = 16_384
let scratchSizes = new Int32Array(256 * SLOTS_PER_RECORD)
let scratchSizesInUse = false

function assertIntegerInRange(name: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < min || value > max) throw outOfRange(name, `an integer >= ${min} and <= ${max}`, value)
}

/** Timestamps are safe integers ≥ −1 (−1 = Kafka's NO_TIMESTAMP). */
function assertTimestamp(name: string, value: unknown): asserts value is number {
  assertIntegerInRange(name, value, -1, Number.MAX_SAFE_INTEGER)
}

interface ResolvedOptions {
  baseOffset: number
  timestamp: number
  logAppendTime: boolean
  producerId: number
  producerEpoch: number
  baseSequence: number
  transactional: boolean
  partitionLeaderEpoch: number
}

function resolveOptions(options: EncodeBatchOptions | undefined): ResolvedOptions {
  if (options === undefined) options = {}
  else if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'of type object', options)
  const { baseOffset = 0, timestampType = 'CreateTime', compression = 'none' } = options
  const { producerId = NO_PRODUCER_ID, producerEpoch = NO_PRODUCER_EPOCH, baseSequence = NO_SEQUENCE } = options
  const { transactional = false, partitionLeaderEpoch = NO_PARTITION_LEADER_EPOCH } = options
  const timestamp = options.timestamp ?? Date.now()
  assertSafeNonNegativeInteger('options.baseOffset', baseOffset)
  assertTimestamp('options.timestamp', timestamp)
  if (timestampType !== 'CreateTime' && timestampType !== 'LogAppendTime') {
    throw invalidArgValue('options.timestampType', timestampType, "must be 'CreateTime' or 'LogAppendTime'")
  }
  assertIntegerInRange('options.producerId', producerId, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
  assertIntegerInRange('options.producerEpoch', producerEpoch, INT16_MIN, INT16_MAX)
  assertIntegerInRange('options.baseSequence', baseSequence, INT32_MIN, INT32_MAX)
  assertIntegerInRange('options.partitionLeaderEpoch', partitionLeaderEpoch, INT32_MIN, INT32_MAX)
  if (typeof transactional !== 'boolean') throw invalidArgType('options.transactional', 'of type boolean', transactional)
  if (transactional && producerId < 0) {
    throw invalidArgValue('options.producerId', producerId, 'must be >= 0 for a transactional batch')
  }
  const codecId = COMPRESSION_BY_ID.indexOf(compression)
  if (codecId < 0) throw invalidArgValue('options.compression', compression, `must be one of ${COMPRESSION_BY_ID.join(', ')}`)
  if (codecId !== 0) {
    throw new SeglogError('UNSUPPORTED_COMPRESSION_TYPE', `Compression '${compression}' is not supported yet; only 'none' is`)
  }
  const logAppendTime = timestampType === 'LogAppendTime'
  return { baseOffset, timestamp, logAppendTime, producerId, producerEpoch, baseSequence, transactional, partitionLeaderEpoch }
}

/**
 * Encodes `records` as one uncompressed v2 batch. Shared by `encodeBatch`, control.ts
 * (`isControl` sets attribute bit 5) and the partition's append path, which passes `allocate`
 * to encode into reused memory (batch-arena.ts); not part of the public API. `allocate` is called
 * once, after every input has been validated.
 */
export function encodeRecordBatch(
  records: readonly RecordInput[],
  options: EncodeBatchOptions | undefined,
  isControl: boolean,
  allocate: (sizeBytes: number) => Buffer = Buffer.allocUnsafe,
): Buffer {
  if (!Array.isArray(records)) throw invalidArgType('records', 'an instance of Array', records)
  const count = records.length
  if (count === 0) throw invalidArgValue('records', records, 'must contain at least one record')
  if (count > BATCH_RECORDS_MAX) throw outOfRange('records.length', `<= ${BATCH_RECORDS_MAX}`, count)
  const o = resolveOptions(options)

  const slots = count * SLOTS_PER_RECORD
  if (scratchSizesInUse || count > SCRATCH_SIZES_RECORDS_MAX) return encodeWithSizes(records, count, o, isControl, allocate, new Int32Array(slots))
  if (scratchSizes.length < slots) scratchSizes = new Int32Array(slots)
  scratchSizesInUse = true
  try {
    return encodeWithSizes(records, count, o, isControl, allocate, scratchSizes)
  } finally {
    scratchSizesInUse = false
  }
}

/** encodeRecordBatch after its argument checks, with a sizes table of at least count × SLOTS_PER_RECORD. */
function encodeWithSizes(
  records: readonly RecordInput[],
  count: number,
  o: ResolvedOptions,
  isControl: boolean,
  allocate: (sizeBytes: number) => Buffer,
  sizes: Int32Array,
): Buffer {
  // Pass 1: validate and measure, into `sizes` (no allocation besides the batch).
  let sizeBytes = BATCH_HEADER_BYTES
  let baseTimestamp = 0
  let maxTimestamp = -1
  for (let i = 0; i < count; i++) {
    const record: RecordInput = records[i]
    if (typeof record !== 'object' || record === null) throw invalidArgType(`records[${i}]`, 'of type object', record)
    let timestamp = record.timestamp
    if (timestamp === undefined) timestamp = o.timestamp
    else assertTimestamp(`records[${i}].timestamp`, timestamp)
    if (i === 0) baseTimestamp = timestamp
    if (timestamp > maxTimestamp) maxTimestamp = timestamp
    const timestampDelta = timestamp - baseTimestamp
    if (!Number.isSafeInteger(timestampDelta)) {
      throw outOfRange(`records[${i}].timestamp`, `within 2^53 - 1 of the first record's timestamp ${baseTimestamp}`, timestamp)
    }
    const keyBytes = record.key === undefined ? -1 : valueByteLength(record.key, i, 'key')
    const valueBytes = valueByteLength(record.value, i, 'value')
    const slot = i * SLOTS_PER_RECORD
    const bodyBytes =
      recordFixedBodySize(timestampDelta, i) +
      bytesFieldSize(keyBytes) +
      bytesFieldSize(valueBytes) +
      headersSize(record.headers, i, sizes, slot + SLOT_HEADERS_COUNT)
    sizeBytes += bodyBytes + (bodyBytes <= INT32_MAX ? varintSize(bodyBytes) : 5)
    if (sizeBytes > BATCH_BYTES_MAX) {
      throw new SeglogError('RECORD_TOO_LARGE', `Record batch exceeds ${BATCH_BYTES_MAX} bytes at record ${i} (${sizeBytes} bytes so far)`)
    }
    sizes[slot + SLOT_BODY_BYTES] = bodyBytes
    sizes[slot + SLOT_KEY_BYTES] = keyBytes
    sizes[slot + SLOT_VALUE_BYTES] = valueBytes
  }
  if (o.logAppendTime) maxTimestamp = o.timestamp

  // Pass 2: write.
  const buf = allocate(sizeBytes)
  setBaseOffset(buf, o.baseOffset)
  buf.writeInt32BE(sizeBytes - LOG_OVERHEAD_BYTES, BATCH_LENGTH_POS)
  buf.writeInt32BE(o.partitionLeaderEpoch, PARTITION_LEADER_EPOCH_POS)
  buf.writeInt8(MAGIC_V2, MAGIC_POS)
  const attributes =
    (o.logAppendTime ? TIMESTAMP_TYPE_MASK : 0) | (o.transactional || isControl ? TRANSACTIONAL_FLAG_MASK : 0) | (isControl ? CONTROL_FLAG_MASK : 0)
  buf.writeInt16BE(attributes, ATTRIBUTES_POS)
  buf.writeInt32BE(count - 1, LAST_OFFSET_DELTA_POS)
  writeInt64(buf, BASE_TIMESTAMP_POS, baseTimestamp)
  writeInt64(buf, MAX_TIMESTAMP_POS, maxTimestamp)
  writeInt64(buf, PRODUCER_ID_POS, o.producerId)
  buf.writeInt16BE(o.producerEpoch, PRODUCER_EPOCH_POS)
  buf.writeInt32BE(o.baseSequence, BASE_SEQUENCE_POS)
  buf.writeInt32BE(count, RECORDS_COUNT_POS)
  let pos = RECORDS_POS
  for (let i = 0; i < count; i++) {
    const record = records[i]
    const slot = i * SLOTS_PER_RECORD
    const timestamp = record.timestamp === undefined ? o.timestamp : record.timestamp
    pos = writeRecordPrefix(buf, pos, sizes[slot + SLOT_BODY_BYTES], timestamp - baseTimestamp, i)
    pos = writeBytesField(buf, pos, record.key ?? null, sizes[slot + SLOT_KEY_BYTES])
    pos = writeBytesField(buf, pos, record.value, sizes[slot + SLOT_VALUE_BYTES])
    pos = writeHeaders(buf, pos, record.headers, sizes[slot + SLOT_HEADERS_COUNT])
  }
  // Write/measure pairing: a mismatch means an input changed between the passes (a getter).
  if (pos !== sizeBytes) throw new Error(`encodeBatch wrote ${pos} bytes into a batch measured at ${sizeBytes}`)
  buf.writeUInt32BE(computeBatchCrc(buf, 0, sizeBytes), CRC_POS)
  return buf
}

/** Encodes `records` as one uncompressed Kafka v2 record batch (see the file header). */
export function encodeBatch(records: readonly RecordInput[], options?: EncodeBatchOptions): Buffer {
  return encodeRecordBatch(records, options, false)
}

/**
 * Size of the v2 batch at `pos` after checking that its header fits in `buf`, its magic is 2
 * (bytes 12–16 mean something else in older formats) and its batchLength keeps it within `buf`.
 */
function checkedBatchSizeAt(buf: Buffer, pos: number): number {
  const available = buf.length - pos
  if (available < BATCH_HEADER_BYTES) {
    throw corruptRecord(pos, `${Math.max(available, 0)} bytes remain, fewer than the ${BATCH_HEADER_BYTES}-byte batch header`)
  }
  const magic = buf.readInt8(pos + MAGIC_POS)
  if (magic !== MAGIC_V2) throw corruptRecord(pos, `magic ${magic} is not ${MAGIC_V2}`)
  const batchLength = buf.readInt32BE(pos + BATCH_LENGTH_POS)
  const sizeBytes = batchLength + LOG_OVERHEAD_BYTES
  if (sizeBytes < BATCH_HEADER_BYTES) {
    throw corruptRecord(pos, `batchLength ${batchLength} gives ${sizeBytes} bytes, fewer than the ${BATCH_HEADER_BYTES}-byte header`)
  }
  if (sizeBytes > available) {
    throw corruptRecord(pos, `batch of ${sizeBytes} bytes (batchLength ${batchLength}) extends past the ${available} bytes available`)
  }
  return sizeBytes
}

/**
 * Checks everything decoding needs before the records (see the file header: size, magic, CRC
 * unless `verifyCrc` is false, codec, int64 ranges, lastOffsetDelta, recordsCount) and returns the
 * batch size. Reads single fields rather than a header object: the read path calls this per batch.
 */
export function checkBatchAt(buf: Buffer, pos: number, verifyCrc: boolean): number {
  const sizeBytes = checkedBatchSizeAt(buf, pos)
  if (verifyCrc) {
    const stored = buf.readUInt32BE(pos + CRC_POS)
    const computed = computeBatchCrc(buf, pos, sizeBytes)
    if (computed !== stored) {
      throw corruptRecord(pos, `stored CRC 0x${stored.toString(16).padStart(8, '0')} != computed 0x${computed.toString(16).padStart(8, '0')} over ${sizeBytes} bytes`, 'crc-mismatch')
    }
  }
  const codecId = buf.readInt16BE(pos + ATTRIBUTES_POS) & COMPRESSION_CODEC_MASK
  const compression = COMPRESSION_BY_ID[codecId]
  if (compression === undefined) throw corruptRecord(pos, `unknown compression codec id ${codecId}`)
  if (codecId !== 0) {
    throw new SeglogError('UNSUPPORTED_COMPRESSION_TYPE', `Record batch at position ${pos} is compressed with ${compression}, which is not supported yet`)
  }
  const baseOffset = readInt64(buf, pos + BASE_OFFSET_POS)
  const baseTimestamp = readInt64(buf, pos + BASE_TIMESTAMP_POS)
  const maxTimestamp = readInt64(buf, pos + MAX_TIMESTAMP_POS)
  const producerId = readInt64(buf, pos + PRODUCER_ID_POS)
  if (!Number.isSafeInteger(baseOffset) || !Number.isSafeInteger(baseTimestamp) || !Number.isSafeInteger(maxTimestamp) || !Number.isSafeInteger(producerId)) {
    throw corruptRecord(pos, `baseOffset ${baseOffset}, baseTimestamp ${baseTimestamp}, maxTimestamp ${maxTimestamp} or producerId ${producerId} is outside the safe integer range`)
  }
  const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA_POS)
  if (lastOffsetDelta < 0) throw corruptRecord(pos, `lastOffsetDelta ${lastOffsetDelta} is negative`)
  // Bound the count by the bytes present before anything is allocated per record.
  const recordsCount = buf.readInt32BE(pos + RECORDS_COUNT_POS)
  if (recordsCount < 0 || recordsCount > (sizeBytes - BATCH_HEADER_BYTES) / RECORD_BYTES_MIN) {
    throw corruptRecord(pos, `recordsCount ${recordsCount} does not fit the ${sizeBytes - BATCH_HEADER_BYTES} bytes of records`)
  }
  return sizeBytes
}

/** What a record needs from the header of the batch at `pos` (checked by checkBatchAt). */
export function recordContextAt(buf: Buffer, pos: number): RecordContext {
  const logAppendTime = (buf.readInt16BE(pos + ATTRIBUTES_POS) & TIMESTAMP_TYPE_MASK) !== 0
  return {
    baseOffset: readInt64(buf, pos + BASE_OFFSET_POS),
    baseTimestamp: readInt64(buf, pos + BASE_TIMESTAMP_POS),
    logAppendTime: logAppendTime ? readInt64(buf, pos + MAX_TIMESTAMP_POS) : null,
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE_POS),
  }
}

/** Throws CORRUPT_RECORD if the records parsed from the batch at `pos` ended before `end`. */
export function checkRecordsEnd(cursorPos: number, end: number, pos: number, recordsCount: number): void {
  if (cursorPos !== end) {
    throw corruptRecord(pos, `${end - cursorPos} bytes remain after the ${recordsCount} declared records (batch of ${end - pos} bytes)`)
  }
}

/** Validates and decodes the batch starting at `pos` of `buf` (see the file header). */
export function decodeBatch(buf: Buffer, pos = 0, options?: DecodeBatchOptions): DecodedBatch {
  if (!Buffer.isBuffer(buf)) throw invalidArgType('buf', 'an instance of Buffer', buf)
  assertSafeNonNegativeInteger('pos', pos)
  const sizeBytes = checkBatchAt(buf, pos, options?.verifyCrc ?? true)
  const header = readBatchHeader(buf, pos)
  const context = recordContextAt(buf, pos)
  const end = pos + sizeBytes
  const cursor: Cursor = { pos: pos + RECORDS_POS }
  const fields = newRecordFields()
  const records = new Array<DecodedRecord>(header.recordsCount)
  for (let i = 0; i < header.recordsCount; i++) {
    const start = cursor.pos
    records[i] = readRecord(buf, cursor, end, context, fields)
    checkOffsetDelta(fields.offsetDelta, i, i === 0 ? -1 : records[i - 1]!.offset - header.baseOffset, header.lastOffsetDelta, header.recordsCount, start)
  }
  checkRecordsEnd(cursor.pos, end, pos, header.recordsCount)

  return {
    ...header,
    sizeBytes,
    lastOffset: header.baseOffset + header.lastOffsetDelta,
    isControl: (header.attributes & CONTROL_FLAG_MASK) !== 0,
    isTransactional: (header.attributes & TRANSACTIONAL_FLAG_MASK) !== 0,
    timestampType: context.logAppendTime === null ? 'CreateTime' : 'LogAppendTime',
    compression: 'none',
    records,
  }
}

/**
 * Turns the batch at `pos` into a LogAppendTime batch stamped `timestamp`: sets attribute bit 3,
 * writes maxTimestamp and recomputes the CRC (Kafka's `setMaxTimestamp`; attributes and
 * maxTimestamp are inside the CRC, unlike baseOffset). Every record then reads as `timestamp`.
 */
export function setLogAppendTime(buf: Buffer, timestamp: number, pos = 0): void {
  if (!Buffer.isBuffer(buf)) throw invalidArgType('buf', 'an instance of Buffer', buf)
  assertSafeNonNegativeInteger('pos', pos)
  assertTimestamp('timestamp', timestamp)
  const sizeBytes = checkedBatchSizeAt(buf, pos)
  buf.writeInt16BE(buf.readInt16BE(pos + ATTRIBUTES_POS) | TIMESTAMP_TYPE_MASK, pos + ATTRIBUTES_POS)
  writeInt64(buf, pos + MAX_TIMESTAMP_POS, timestamp)
  buf.writeUInt32BE(computeBatchCrc(buf, pos, sizeBytes), pos + CRC_POS)
}
