/**
 * Zig-zag LEB128 variable-length integers, as Kafka's `ByteUtils` writes them inside v2 records
 * (the protobuf sint32 / sint64 encoding).
 *
 * | type    | value range                 | zig-zag                     | bytes |
 * |---------|-----------------------------|-----------------------------|------:|
 * | varint  | int32                       | (v << 1) ^ (v >> 31)        |  1–5  |
 * | varlong | int64, here |v| <= 2^53 - 1 | (v << 1) ^ (v >> 63)        |  1–10 |
 *
 * Each byte carries 7 bits, least significant group first; the high bit says "more follows".
 * A varint of 5 bytes or a varlong of 10 whose last byte still has the high bit set is corrupt
 * (Kafka: "Varint is too long"), as is a varlong whose value is outside JS's safe integer range:
 * offsets and timestamps stay below 2^53 by contract (api.md), so such a value cannot be ours.
 *
 * Readers take an explicit `end` (the end of the record or batch being parsed, never past the
 * buffer) and throw SeglogError('CORRUPT_RECORD') instead of reading past it. The hot-path
 * readers (`readVarintAt`, `readVarlongAt`) advance a caller-owned `Cursor` and allocate nothing;
 * `readVarint`/`readVarlong` are the convenient `{ value, next }` forms.
 *
 * Writers assume the caller validated the range (int32 for varint, safe integer for varlong) and
 * that `buf` has room: sizes are computed first with `varintSize`/`varlongSize`.
 */
import { corruptRecord } from './corrupt-record.js'

/** A read position that the allocation-free readers advance in place. */
export interface Cursor {
  pos: number
}

const INT32_MIN = -0x8000_0000
const INT32_MAX = 0x7fff_ffff
/** 2^31: splits a safe integer's magnitude into the 32-bit halves of its zig-zag form. */
const TWO_POW_31 = 0x8000_0000
/** A safe magnitude is below 2^53, so the high half of its zig-zag form (z >>> 32) is below 2^22. */
const ZIGZAG_HIGH_LIMIT = 0x40_0000

/** Bytes `writeVarint` uses for the int32 `v`. */
export function varintSize(v: number): number {
  const z = ((v << 1) ^ (v >> 31)) >>> 0
  if (z < 0x80) return 1
  if (z < 0x4000) return 2
  if (z < 0x20_0000) return 3
  if (z < 0x1000_0000) return 4
  return 5
}

/** Bytes `writeVarlong` uses for the safe integer `v`. */
export function varlongSize(v: number): number {
  if (v >= INT32_MIN && v <= INT32_MAX) return varintSize(v)
  // z rounds for odd values above 2^53, but no 7-bit group boundary (2^56) lies in that range.
  let z = v >= 0 ? 2 * v : -2 * v - 1
  let size = 1
  while (z >= 0x80) {
    z = Math.floor(z / 0x80)
    size++
  }
  return size
}

/** Writes the int32 `v` at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, v: number): number {
  let z = ((v << 1) ^ (v >> 31)) >>> 0
  while (z >= 0x80) {
    buf[pos++] = (z & 0x7f) | 0x80
    z >>>= 7
  }
  buf[pos++] = z
  return pos
}

/** Writes the safe integer `v` at `pos`; returns the position after it. */
export function writeVarlong(buf: Buffer, pos: number, v: number): number {
  // An int32 has the same zig-zag bytes as a varint and as a varlong.
  if (v >= INT32_MIN && v <= INT32_MAX) return writeVarint(buf, pos, v)
  // z = 2|v| (v >= 0) or 2|v| - 1 (v < 0), built as two exact 32-bit halves: z may exceed 2^53.
  const magnitude = Math.abs(v)
  let high = Math.floor(magnitude / TWO_POW_31)
  let low = (magnitude % TWO_POW_31) * 2
  if (v < 0) {
    if (low === 0) {
      high -= 1
      low = 0xffff_ffff
    } else {
      low -= 1
    }
  }
  while (high !== 0 || low >= 0x80) {
    buf[pos++] = (low & 0x7f) | 0x80
    low = ((low >>> 7) | ((high & 0x7f) << 25)) >>> 0
    high >>>= 7
  }
  buf[pos++] = low
  return pos
}

/**
 * A one- or two-byte varint or varlong at `cursor.pos` (their zig-zag bytes are the same), with
 * the cursor advanced past it; NaN, cursor unmoved, when it is longer or `end` cuts it. Record
 * lengths, deltas and key/value lengths below 8 KiB all take this path, which skips the loops:
 * the read path parses half a dozen per record (bench W5 profile).
 */
function readShortZigzag(buf: Buffer, cursor: Cursor, end: number): number {
  const pos = cursor.pos
  if (pos + 1 >= end) return NaN // one byte left at most: the loop handles it
  const b0 = buf[pos]
  if (b0 < 0x80) {
    cursor.pos = pos + 1
    return (b0 >>> 1) ^ -(b0 & 1)
  }
  const b1 = buf[pos + 1]
  if (b1 >= 0x80) return NaN
  const raw = (b0 & 0x7f) | (b1 << 7)
  cursor.pos = pos + 2
  return (raw >>> 1) ^ -(raw & 1)
}

/** Reads a varint at `cursor.pos` (not reaching `end`), advancing the cursor past it. */
export function readVarintAt(buf: Buffer, cursor: Cursor, end: number): number {
  const short = readShortZigzag(buf, cursor, end)
  return Number.isNaN(short) ? readVarintLoop(buf, cursor, end) : short
}

function readVarintLoop(buf: Buffer, cursor: Cursor, end: number): number {
  const start = cursor.pos
  let pos = start
  let raw = 0
  let shift = 0
  for (;;) {
    if (pos >= end) throw corruptRecord(start, `varint runs past the end of its field at ${end}`)
    const byte = buf[pos++]
    raw |= (byte & 0x7f) << shift
    if (byte < 0x80) break
    shift += 7
    if (shift > 28) throw corruptRecord(start, 'varint is longer than 5 bytes')
  }
  cursor.pos = pos
  return (raw >>> 1) ^ -(raw & 1)
}

/** Reads a varlong at `cursor.pos` (not reaching `end`), advancing the cursor past it. */
export function readVarlongAt(buf: Buffer, cursor: Cursor, end: number): number {
  const short = readShortZigzag(buf, cursor, end)
  return Number.isNaN(short) ? readVarlongLoop(buf, cursor, end) : short
}

function readVarlongLoop(buf: Buffer, cursor: Cursor, end: number): number {
  const start = cursor.pos
  let pos = start
  let low = 0
  let high = 0
  let shift = 0
  for (;;) {
    if (pos >= end) throw corruptRecord(start, `varlong runs past the end of its field at ${end}`)
    const byte = buf[pos++]
    const bits = byte & 0x7f
    if (shift < 28) {
      low |= bits << shift
    } else if (shift === 28) {
      low |= bits << 28 // the low 4 bits land in bits 28–31; the rest start the high half
      high |= bits >>> 4
    } else {
      high |= bits << (shift - 32) // bits past 63 fall off, as in Java's long shift
    }
    if (byte < 0x80) break
    shift += 7
    if (shift > 63) throw corruptRecord(start, 'varlong is longer than 10 bytes')
  }
  cursor.pos = pos
  high >>>= 0
  if (high >= ZIGZAG_HIGH_LIMIT) throw corruptRecord(start, 'varlong is outside the safe integer range (|v| < 2^53)')
  const half = high * TWO_POW_31 + (low >>> 1) // floor(z / 2), exact
  if ((low & 1) === 0) return half
  const value = -(half + 1)
  if (!Number.isSafeInteger(value)) throw corruptRecord(start, 'varlong is outside the safe integer range (|v| < 2^53)')
  return value
}

/** Reads a varint at `pos`; `next` is the position after it. */
export function readVarint(buf: Buffer, pos: number): { value: number; next: number } {
  const cursor = { pos }
  const value = readVarintAt(buf, cursor, buf.length)
  return { value, next: cursor.pos }
}

/** Reads a varlong at `pos`; `next` is the position after it. */
export function readVarlong(buf: Buffer, pos: number): { value: number; next: number } {
  const cursor = { pos }
  const value = readVarlongAt(buf, cursor, buf.length)
  return { value, next: cursor.pos }
}
