/**
 * One record inside a v2 batch (Kafka `DefaultRecord`): sizing, writing and parsing. batch.ts
 * owns the batch around it.
 *
 * | field                 | type    | notes                                                     |
 * |-----------------------|---------|-----------------------------------------------------------|
 * | length                | varint  | bytes of the body that follows (attributes … headers)     |
 * | attributes            | int8    | unused, written 0, ignored on read                        |
 * | timestampDelta        | varlong | timestamp − batch baseTimestamp (may be negative)         |
 * | offsetDelta           | varint  | offset − batch baseOffset                                 |
 * | keyLength             | varint  | −1 = null key                                             |
 * | key                   | bytes   |                                                           |
 * | valueLength           | varint  | −1 = null value (a tombstone)                             |
 * | value                 | bytes   |                                                           |
 * | headersCount          | varint  | ≥ 0 and ≤ the bytes left in the record                    |
 * | header[i].keyLength   | varint  | ≥ 0: a null header key is invalid                         |
 * | header[i].key         | UTF-8   |                                                           |
 * | header[i].valueLength | varint  | −1 = null                                                 |
 * | header[i].value       | bytes   |                                                           |
 *
 * Invariants: a parsed record consumes exactly `length` body bytes (Kafka's "Invalid record size"
 * check) and no read crosses the record's end; any violation is SeglogError('CORRUPT_RECORD').
 * Decoded keys, values and header values are views into the input buffer, not copies: they keep
 * it (possibly a file mapping) alive and see later writes to it. Header keys become strings.
 *
 * Encoding is two passes over the same inputs, driven by batch.ts: `*ByteLength`/`*Size`
 * validate and measure, the `write*` functions fill an exactly-sized buffer. Strings are written
 * in place with `buf.write`, never converted to an intermediate Buffer.
 */
import { invalidArgType, outOfRange, type SeglogError } from '../errors.js'
import { HEADER_KEY_BYTES_MAX } from '../limits.js'
import { corruptRecord } from './corrupt-record.js'
import { incrementSequence } from './sequence.js'
import { readVarintAt, readVarlongAt, varintSize, varlongSize, writeVarint, writeVarlong, type Cursor } from './varint.js'

export type RecordValue = Buffer | Uint8Array | string | null
export type HeaderInput = Record<string, RecordValue> | ReadonlyArray<readonly [string, RecordValue]>

export interface RecordInput {
  key?: RecordValue
  value: RecordValue
  headers?: HeaderInput
  /** Milliseconds since the epoch; defaults to the batch's `timestamp` option. */
  timestamp?: number
}

export interface DecodedRecord {
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: [string, Buffer | null][]
  /** baseSequence + offsetDelta (wrapping at Int32.MAX); −1 when the batch has no baseSequence. */
  sequence: number
}

/**
 * Kafka's `DefaultRecord.MAX_RECORD_OVERHEAD`: length (5) + attributes (1) + timestampDelta (10)
 * + offsetDelta (5), the most a record adds beyond its key, value and headers fields.
 */
export const RECORD_OVERHEAD_BYTES_MAX = 21

/** Smallest record: a 1-byte length and a 6-byte body (all fields 0 or −1, no headers). */
export const RECORD_BYTES_MIN = 7

/** What a decoded record needs from its batch header. */
export interface RecordContext {
  baseOffset: number
  baseTimestamp: number
  /** The batch's maxTimestamp for LogAppendTime batches (every record reads it), else null. */
  logAppendTime: number | null
  baseSequence: number
}

const VALUE_TYPES = 'of type string or an instance of Buffer or Uint8Array, or null'

/**
 * Strings up to this length are measured and copied in JS when they are ASCII: for short keys and
 * header names, the native round trip of Buffer.byteLength / buf.write costs more than the loop
 * (bench/encode.mjs: string keys cost ~35% of encode throughput before this).
 */
const SHORT_STRING_CHARS = 64

/** UTF-8 byte length of `s`. */
function utf8ByteLength(s: string): number {
  if (s.length > SHORT_STRING_CHARS) return Buffer.byteLength(s, 'utf8')
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8')
  }
  return s.length
}

/** Writes `s` (whose UTF-8 length is `byteLength`) at `pos`. */
function writeUtf8(buf: Buffer, pos: number, s: string, byteLength: number): void {
  // byteLength === length only for ASCII: every other code unit takes 2 or 3 bytes.
  if (byteLength === s.length && byteLength <= SHORT_STRING_CHARS) {
    for (let i = 0; i < byteLength; i++) buf[pos + i] = s.charCodeAt(i)
  } else {
    buf.write(s, pos, byteLength, 'utf8')
  }
}

/** `byteLengthOf` result for a value that is not a RecordValue. */
const NOT_A_VALUE = -2

/** Byte length of a key, value or header value, −1 for null, NOT_A_VALUE for anything else. */
function byteLengthOf(value: unknown): number {
  if (value === null) return -1
  if (typeof value === 'string') return utf8ByteLength(value)
  if (value instanceof Uint8Array) return value.byteLength
  return NOT_A_VALUE
}

/**
 * Validates the key or value (`field`) of `records[recordIndex]` and returns its byte length,
 * −1 for null. Names are built only on the error path: this runs per record.
 */
export function valueByteLength(value: unknown, recordIndex: number, field: 'key' | 'value'): number {
  const byteLength = byteLengthOf(value)
  if (byteLength === NOT_A_VALUE) throw invalidArgType(`records[${recordIndex}].${field}`, VALUE_TYPES, value)
  return byteLength
}

/** Bytes of a length-prefixed field of `byteLength` bytes (−1 = null). */
export function bytesFieldSize(byteLength: number): number {
  return varintSize(byteLength) + (byteLength > 0 ? byteLength : 0)
}

function headerName(recordIndex: number, header: string | number): string {
  return `records[${recordIndex}].headers${typeof header === 'number' ? `[${header}]` : `.${header}`}`
}

function headerFieldsSize(key: unknown, value: unknown, recordIndex: number, header: string | number): number {
  if (typeof key !== 'string') throw invalidArgType(`${headerName(recordIndex, header)} key`, 'of type string', key)
  const keyBytes = utf8ByteLength(key)
  if (keyBytes > HEADER_KEY_BYTES_MAX) {
    throw outOfRange(`${headerName(recordIndex, header)} key`, `at most ${HEADER_KEY_BYTES_MAX} UTF-8 bytes`, keyBytes)
  }
  const valueBytes = byteLengthOf(value)
  if (valueBytes === NOT_A_VALUE) throw invalidArgType(`${headerName(recordIndex, header)} value`, VALUE_TYPES, value)
  return bytesFieldSize(keyBytes) + bytesFieldSize(valueBytes)
}

/**
 * Validates the headers of `records[recordIndex]` and returns the bytes of the headers section
 * (count varint included); stores the header count in `counts[slot]` for the write pass.
 */
export function headersSize(headers: unknown, recordIndex: number, counts: Int32Array, slot: number): number {
  let count = 0
  let size = 0
  if (headers === undefined || headers === null) {
    // no headers
  } else if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i++) {
      const entry: unknown = headers[i]
      if (!Array.isArray(entry)) throw invalidArgType(`records[${recordIndex}].headers[${i}]`, 'a [key, value] array', entry)
      size += headerFieldsSize(entry[0], entry[1], recordIndex, i)
    }
    count = headers.length
  } else if (typeof headers === 'object') {
    const object = headers as Record<string, unknown>
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue
      size += headerFieldsSize(key, object[key], recordIndex, key)
      count++
    }
  } else {
    throw invalidArgType(`records[${recordIndex}].headers`, 'an object or an array of [key, value] entries', headers)
  }
  counts[slot] = count
  return varintSize(count) + size
}

/** Writes a length-prefixed field whose byte length (−1 = null) was measured by `valueByteLength`. */
export function writeBytesField(buf: Buffer, pos: number, value: RecordValue, byteLength: number): number {
  pos = writeVarint(buf, pos, byteLength)
  if (byteLength <= 0) return pos
  if (typeof value === 'string') writeUtf8(buf, pos, value, byteLength)
  else buf.set(value as Uint8Array, pos)
  return pos + byteLength
}

/** Writes the headers section validated by `headersSize`, which counted `count` headers. */
export function writeHeaders(buf: Buffer, pos: number, headers: HeaderInput | undefined, count: number): number {
  pos = writeVarint(buf, pos, count)
  if (count === 0) return pos
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i++) {
      const entry = headers[i] as readonly [string, RecordValue]
      pos = writeHeader(buf, pos, entry[0], entry[1])
    }
  } else {
    const object = headers as Record<string, RecordValue>
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue
      pos = writeHeader(buf, pos, key, object[key])
    }
  }
  return pos
}

function writeHeader(buf: Buffer, pos: number, key: string, value: RecordValue): number {
  pos = writeBytesField(buf, pos, key, utf8ByteLength(key))
  return writeBytesField(buf, pos, value, byteLengthOf(value))
}

/** Bytes of a record body without its key, value and headers sections. */
export function recordFixedBodySize(timestampDelta: number, offsetDelta: number): number {
  return 1 + varlongSize(timestampDelta) + varintSize(offsetDelta)
}

/** Writes a record's length, attributes, timestampDelta and offsetDelta; returns the position of its key. */
export function writeRecordPrefix(buf: Buffer, pos: number, bodyBytes: number, timestampDelta: number, offsetDelta: number): number {
  pos = writeVarint(buf, pos, bodyBytes)
  buf[pos++] = 0 // attributes: unused
  pos = writeVarlong(buf, pos, timestampDelta)
  return writeVarint(buf, pos, offsetDelta)
}

/** Moves past the record at `cursor.pos` by its length alone, checking only that it fits before `batchEnd`. */
export function skipRecordFrame(buf: Buffer, cursor: Cursor, batchEnd: number): void {
  const start = cursor.pos
  const bodyBytes = readVarintAt(buf, cursor, batchEnd)
  const bodyStart = cursor.pos
  if (bodyBytes < 1 || bodyBytes > batchEnd - bodyStart) throw badRecordLength(start, bodyBytes, batchEnd - bodyStart)
  cursor.pos = bodyStart + bodyBytes
}

/** Moves past a length-prefixed byte field after readBytesField's checks; false for length −1 (null). */
function skipBytesField(buf: Buffer, cursor: Cursor, end: number, what: string): boolean {
  const start = cursor.pos
  const length = readVarintAt(buf, cursor, end)
  if (length === -1) return false
  const pos = cursor.pos
  if (length < 0 || length > end - pos) throw badFieldLength(start, what, length, end)
  cursor.pos = pos + length
  return true
}

/** Reads a length-prefixed byte field as a view, or null for length −1. */
function readBytesField(buf: Buffer, cursor: Cursor, end: number, what: string): Buffer | null {
  const start = cursor.pos
  const length = readVarintAt(buf, cursor, end)
  if (length === -1) return null
  const pos = cursor.pos
  if (length < 0 || length > end - pos) throw badFieldLength(start, what, length, end)
  cursor.pos = pos + length
  return buf.subarray(pos, pos + length)
}

// Errors are built in functions of their own so that the parsing functions stay small enough for
// V8 to inline into the per-record loop.

function badFieldLength(start: number, what: string, length: number, end: number): SeglogError {
  if (length < 0) return corruptRecord(start, `${what} length ${length} is negative`)
  return corruptRecord(start, `${what} of ${length} bytes runs past the record end at ${end}`)
}

function badRecordLength(start: number, bodyBytes: number, bytesLeft: number): SeglogError {
  if (bodyBytes < 0 || bodyBytes > bytesLeft) {
    return corruptRecord(start, `record length ${bodyBytes} does not fit the ${bytesLeft} bytes left in the batch`)
  }
  return corruptRecord(start, 'record body is empty')
}

function badHeadersCount(countPos: number, headersCount: number, bytesLeft: number): SeglogError {
  return corruptRecord(countPos, `headers count ${headersCount} is negative or exceeds the ${bytesLeft} bytes left in the record`)
}

function badRecordEnd(start: number, bodyBytes: number, used: number): SeglogError {
  return corruptRecord(start, `record declares ${bodyBytes} body bytes but its fields use ${used}`)
}

/**
 * The fields of one record as `parseRecord` leaves them: deltas still relative to the batch, key,
 * value and header values as views. One caller-owned object is refilled per record, so parsing
 * allocates nothing but the views and the headers array that the returned record keeps anyway.
 */
export interface RecordFields {
  offsetDelta: number
  timestampDelta: number
  key: Buffer | null
  value: Buffer | null
  headers: [string, Buffer | null][]
  /** Where the record being parsed starts, its body starts and ends (set by readRecordHead). */
  start: number
  bodyStart: number
  bodyEnd: number
}

/** A RecordFields to refill. */
export function newRecordFields(): RecordFields {
  return { offsetDelta: 0, timestampDelta: 0, key: null, value: null, headers: [], start: 0, bodyStart: 0, bodyEnd: 0 }
}

/**
 * Parses and validates the record at `cursor.pos`, which must end by `batchEnd`, into `fields`;
 * advances the cursor past it. Throws CORRUPT_RECORD naming the position (see the file header).
 */
export function parseRecord(buf: Buffer, cursor: Cursor, batchEnd: number, fields: RecordFields): void {
  readRecordHead(buf, cursor, batchEnd, fields)
  readRecordBody(buf, cursor, fields)
}

/**
 * The first half of parseRecord: the record's length (checked against `batchEnd`), attributes,
 * timestamp and offset deltas into `fields`. Follow with readRecordBody or skipRecordBody.
 */
export function readRecordHead(buf: Buffer, cursor: Cursor, batchEnd: number, fields: RecordFields): void {
  const start = cursor.pos
  const bodyBytes = readVarintAt(buf, cursor, batchEnd)
  const bodyStart = cursor.pos
  if (bodyBytes < 1 || bodyBytes > batchEnd - bodyStart) throw badRecordLength(start, bodyBytes, batchEnd - bodyStart)
  const end = bodyStart + bodyBytes
  fields.start = start
  fields.bodyStart = bodyStart
  fields.bodyEnd = end
  cursor.pos++ // attributes: unused
  fields.timestampDelta = readVarlongAt(buf, cursor, end)
  fields.offsetDelta = readVarintAt(buf, cursor, end)
}

/** The second half of parseRecord: key, value and headers as views into `buf`. */
export function readRecordBody(buf: Buffer, cursor: Cursor, fields: RecordFields): void {
  const end = fields.bodyEnd
  fields.key = readBytesField(buf, cursor, end, 'key')
  fields.value = readBytesField(buf, cursor, end, 'value')
  const headersCount = readHeadersCount(buf, cursor, end)
  fields.headers = headersCount === 0 ? [] : readHeaders(buf, cursor, end, headersCount)
  checkRecordEnd(cursor, fields)
}

/**
 * readRecordBody's checks without building anything: for records a read passes over. A point read
 * in a batch of 100 spent a third of its time creating views of records it then dropped (bench W6
 * profile); the batch is still validated whole. Leaves `fields.key/value/headers` stale.
 */
export function skipRecordBody(buf: Buffer, cursor: Cursor, fields: RecordFields): void {
  const end = fields.bodyEnd
  skipBytesField(buf, cursor, end, 'key')
  skipBytesField(buf, cursor, end, 'value')
  const headersCount = readHeadersCount(buf, cursor, end)
  for (let i = 0; i < headersCount; i++) {
    const keyPos = cursor.pos
    if (!skipBytesField(buf, cursor, end, 'header key')) throw corruptRecord(keyPos, 'header key is null')
    skipBytesField(buf, cursor, end, 'header value')
  }
  checkRecordEnd(cursor, fields)
}

function readHeadersCount(buf: Buffer, cursor: Cursor, end: number): number {
  const countPos = cursor.pos
  const headersCount = readVarintAt(buf, cursor, end)
  if (headersCount < 0 || headersCount > end - cursor.pos) throw badHeadersCount(countPos, headersCount, end - cursor.pos)
  return headersCount
}

function checkRecordEnd(cursor: Cursor, fields: RecordFields): void {
  if (cursor.pos !== fields.bodyEnd) throw badRecordEnd(fields.start, fields.bodyEnd - fields.bodyStart, cursor.pos - fields.bodyStart)
}

function readHeaders(buf: Buffer, cursor: Cursor, end: number, count: number): [string, Buffer | null][] {
  const headers = new Array<[string, Buffer | null]>(count)
  for (let i = 0; i < count; i++) {
    const keyPos = cursor.pos
    const headerKey = readBytesField(buf, cursor, end, 'header key')
    if (headerKey === null) throw corruptRecord(keyPos, 'header key is null')
    headers[i] = [headerKey.toString('utf8'), readBytesField(buf, cursor, end, 'header value')]
  }
  return headers
}

/**
 * Throws CORRUPT_RECORD unless record `index` may have offset delta `delta`. In a batch whose
 * lastOffsetDelta is recordsCount − 1 (every batch seglog writes, and any batch nothing was
 * compacted out of) record i has delta i, which lets a point read pass over the records before the
 * one it wants by their lengths alone (batch-records.ts). In other batches (Kafka's compaction drops
 * records but keeps the batch's offset range) deltas strictly increase within [0, lastOffsetDelta].
 * Anything else would hand out an offset outside the batch's range, or the same offset twice.
 */
export function checkOffsetDelta(delta: number, index: number, previousDelta: number, lastOffsetDelta: number, recordsCount: number, position: number): void {
  const ok = lastOffsetDelta === recordsCount - 1 ? delta === index : delta > previousDelta && delta <= lastOffsetDelta
  if (!ok) throw corruptRecord(position, `record ${index} has offset delta ${delta} in a batch of ${recordsCount} records with last offset delta ${lastOffsetDelta}`)
}

/** Throws CORRUPT_RECORD unless a record's absolute offset and timestamp are safe integers. */
export function checkRecordNumbers(offset: number, timestamp: number, position: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(timestamp)) {
    throw corruptRecord(position, `record offset ${offset} or timestamp ${timestamp} is outside the safe integer range`)
  }
}

/**
 * Parses the record at `cursor.pos`, which must end by `batchEnd`; advances the cursor past it.
 * `fields` is scratch space the caller may reuse for the next record of the same batch (it is not
 * module-level, so no view outlives the batch's decoding through it).
 */
export function readRecord(buf: Buffer, cursor: Cursor, batchEnd: number, context: RecordContext, fields = newRecordFields()): DecodedRecord {
  const start = cursor.pos
  parseRecord(buf, cursor, batchEnd, fields)
  const offset = context.baseOffset + fields.offsetDelta
  const timestamp = context.logAppendTime ?? context.baseTimestamp + fields.timestampDelta
  checkRecordNumbers(offset, timestamp, start)
  const sequence = context.baseSequence < 0 ? -1 : incrementSequence(context.baseSequence, fields.offsetDelta)
  return { offset, timestamp, key: fields.key, value: fields.value, headers: fields.headers, sequence }
}
