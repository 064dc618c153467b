/**
 * The fixed 61-byte header of a Kafka record batch, magic v2 (`DefaultRecordBatch`): field
 * positions, attribute bits, and header-only reads used by scans (recovery, index lookup) that
 * must not decode records.
 *
 * | pos | size | field                | notes                                                       |
 * |----:|-----:|----------------------|-------------------------------------------------------------|
 * |   0 |    8 | baseOffset int64     | outside the CRC: patched when offsets are assigned          |
 * |   8 |    4 | batchLength int32    | bytes after this field; batch size = batchLength + 12       |
 * |  12 |    4 | partitionLeaderEpoch | outside the CRC; -1 = none                                  |
 * |  16 |    1 | magic int8           | 2                                                           |
 * |  17 |    4 | crc uint32           | CRC-32C over [21, end of batch)                             |
 * |  21 |    2 | attributes int16     | codec 0-2, timestampType 3, transactional 4, control 5, 6   |
 * |  23 |    4 | lastOffsetDelta      |                                                             |
 * |  27 |    8 | baseTimestamp int64  |                                                             |
 * |  35 |    8 | maxTimestamp int64   |                                                             |
 * |  43 |    8 | producerId int64     | -1 = none                                                   |
 * |  51 |    2 | producerEpoch int16  | -1 = none                                                   |
 * |  53 |    4 | baseSequence int32   | -1 = none                                                   |
 * |  57 |    4 | recordsCount int32   |                                                             |
 * |  61 |    … | records              |                                                             |
 *
 * All integers big-endian. int64 fields are read as JS numbers: offsets and timestamps stay within
 * 2^53 by contract (api.md), so a value outside the safe range is treated as corruption by callers.
 */
import { crc32c } from './crc32c.js'

export const BASE_OFFSET_POS = 0
export const BATCH_LENGTH_POS = 8
export const PARTITION_LEADER_EPOCH_POS = 12
export const MAGIC_POS = 16
export const CRC_POS = 17
export const ATTRIBUTES_POS = 21
export const LAST_OFFSET_DELTA_POS = 23
export const BASE_TIMESTAMP_POS = 27
export const MAX_TIMESTAMP_POS = 35
export const PRODUCER_ID_POS = 43
export const PRODUCER_EPOCH_POS = 51
export const BASE_SEQUENCE_POS = 53
export const RECORDS_COUNT_POS = 57
export const RECORDS_POS = 61

/** Size of the header; the smallest valid batch. */
export const BATCH_HEADER_BYTES = 61
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD_BYTES = 12
/** Bytes a header-only scan needs to know a batch's offsets, size and magic. */
export const BATCH_HEADER_SCAN_BYTES = LOG_OVERHEAD_BYTES + 5 // through magic
/** Kafka's file reader rejects a batchLength below this legacy minimum as corrupt. */
export const BATCH_LENGTH_MIN = 14

export const MAGIC_V2 = 2

export const COMPRESSION_CODEC_MASK = 0x07
export const TIMESTAMP_TYPE_MASK = 0x08
export const TRANSACTIONAL_FLAG_MASK = 0x10
export const CONTROL_FLAG_MASK = 0x20
export const DELETE_HORIZON_FLAG_MASK = 0x40

export const NO_PRODUCER_ID = -1
export const NO_PRODUCER_EPOCH = -1
export const NO_SEQUENCE = -1
export const NO_PARTITION_LEADER_EPOCH = -1
export const NO_TIMESTAMP = -1

/** Compression codec ids in attributes bits 0–2. */
export const CompressionCodec = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const

/** Everything in the 61-byte header, as numbers. */
export interface BatchHeader {
  baseOffset: number
  batchLength: number
  partitionLeaderEpoch: number
  magic: number
  crc: number
  attributes: number
  lastOffsetDelta: number
  baseTimestamp: number
  maxTimestamp: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  recordsCount: number
}

/**
 * Reads a big-endian int64 as a JS number (exact below 2^53; callers check the value's range).
 * RangeError if the 8 bytes are not all inside `buf`. Byte reads rather than a Buffer view and two
 * readInt32BE calls: every batch header read goes through here (a few per point read, bench W6).
 */
export function readInt64(buf: Uint8Array, pos: number): number {
  if (!(pos >= 0 && pos + 8 <= buf.length)) throw new RangeError(`int64 at ${pos} is outside the ${buf.length} bytes`)
  const high = (buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!
  const low = ((buf[pos + 4]! << 24) | (buf[pos + 5]! << 16) | (buf[pos + 6]! << 8) | buf[pos + 7]!) >>> 0
  return high * 0x1_0000_0000 + low
}

/** Writes a JS integer (|v| < 2^53) as a big-endian int64. */
export function writeInt64(buf: Buffer, pos: number, value: number): void {
  const high = Math.floor(value / 0x1_0000_0000)
  const low = value - high * 0x1_0000_0000
  buf.writeInt32BE(high, pos)
  buf.writeUInt32BE(low >>> 0, pos + 4)
}

export function readBatchHeader(buf: Buffer, pos = 0): BatchHeader {
  return {
    baseOffset: readInt64(buf, pos + BASE_OFFSET_POS),
    batchLength: buf.readInt32BE(pos + BATCH_LENGTH_POS),
    partitionLeaderEpoch: buf.readInt32BE(pos + PARTITION_LEADER_EPOCH_POS),
    magic: buf.readInt8(pos + MAGIC_POS),
    crc: buf.readUInt32BE(pos + CRC_POS),
    attributes: buf.readInt16BE(pos + ATTRIBUTES_POS),
    lastOffsetDelta: buf.readInt32BE(pos + LAST_OFFSET_DELTA_POS),
    baseTimestamp: readInt64(buf, pos + BASE_TIMESTAMP_POS),
    maxTimestamp: readInt64(buf, pos + MAX_TIMESTAMP_POS),
    producerId: readInt64(buf, pos + PRODUCER_ID_POS),
    producerEpoch: buf.readInt16BE(pos + PRODUCER_EPOCH_POS),
    baseSequence: buf.readInt32BE(pos + BASE_SEQUENCE_POS),
    recordsCount: buf.readInt32BE(pos + RECORDS_COUNT_POS),
  }
}

/** Total bytes of the batch starting at `pos` (batchLength + 12). */
export function batchSizeAt(buf: Buffer, pos = 0): number {
  return buf.readInt32BE(pos + BATCH_LENGTH_POS) + LOG_OVERHEAD_BYTES
}

export function baseOffsetAt(buf: Buffer, pos = 0): number {
  return readInt64(buf, pos + BASE_OFFSET_POS)
}

export function lastOffsetAt(buf: Buffer, pos = 0): number {
  return readInt64(buf, pos + BASE_OFFSET_POS) + buf.readInt32BE(pos + LAST_OFFSET_DELTA_POS)
}

export function maxTimestampAt(buf: Buffer, pos = 0): number {
  return readInt64(buf, pos + MAX_TIMESTAMP_POS)
}

/**
 * Assigns offsets by patching bytes 0–7 (baseOffset is outside the CRC: no re-encode, no CRC
 * recompute — Kafka's LogValidator.assignOffsetsNonCompressed).
 */
export function setBaseOffset(buf: Buffer, baseOffset: number, pos = 0): void {
  writeInt64(buf, pos + BASE_OFFSET_POS, baseOffset)
}

/** Stamps the partition leader epoch (bytes 12–15, also outside the CRC). */
export function setPartitionLeaderEpoch(buf: Buffer, epoch: number, pos = 0): void {
  buf.writeInt32BE(epoch, pos + PARTITION_LEADER_EPOCH_POS)
}

/** CRC-32C over [21, end) of the batch at `pos` whose total size is `sizeBytes`. */
export function computeBatchCrc(buf: Buffer, pos: number, sizeBytes: number): number {
  return crc32c(buf.subarray(pos + ATTRIBUTES_POS, pos + sizeBytes))
}

/** True when the stored CRC matches the bytes (DefaultRecordBatch.isValid, given size ≥ 61). */
export function isBatchCrcValid(buf: Buffer, pos: number, sizeBytes: number): boolean {
  return sizeBytes >= BATCH_HEADER_BYTES && buf.readUInt32BE(pos + CRC_POS) === computeBatchCrc(buf, pos, sizeBytes)
}

export function isControlBatch(attributes: number): boolean {
  return (attributes & CONTROL_FLAG_MASK) !== 0
}

export function isTransactionalBatch(attributes: number): boolean {
  return (attributes & TRANSACTIONAL_FLAG_MASK) !== 0
}
