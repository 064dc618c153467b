import { describe, expect, it } from 'vitest'
import { SeglogError } from '../../../src/errors.js'
import {
  readVarint,
  readVarintAt,
  readVarlong,
  varintSize,
  varlongSize,
  writeVarint,
  writeVarlong,
} from '../../../src/format/varint.js'

const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

/** Reference zig-zag LEB128 with BigInt: the protobuf sint64 definition, independent of the code under test. */
function referenceBytes(v: number | bigint, bits: 32n | 64n): number[] {
  const value = BigInt(v)
  let z = ((value << 1n) ^ (value >> (bits - 1n))) & ((1n << bits) - 1n)
  const out: number[] = []
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80)
    z >>= 7n
  }
  out.push(Number(z))
  return out
}

const varintBoundaries = [0, 1, -1, 63, -64, 64, -65, 8191, -8192, 8192, 2 ** 20, -(2 ** 27), 2 ** 28, INT32_MAX, INT32_MIN]
const varlongBoundaries = [
  ...varintBoundaries,
  INT32_MAX + 1,
  INT32_MIN - 1,
  2 ** 32,
  -(2 ** 32),
  2 ** 35 - 1,
  -(2 ** 35),
  2 ** 49,
  -(2 ** 49) - 1,
  2 ** 52 + 1,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
]

const codecs = [
  { name: 'varint', reference: 'sint32', bits: 32n, maxBytes: 5, boundaries: varintBoundaries, size: varintSize, write: writeVarint, read: readVarint },
  { name: 'varlong', reference: 'sint64', bits: 64n, maxBytes: 10, boundaries: varlongBoundaries, size: varlongSize, write: writeVarlong, read: readVarlong },
] as const

describe.each(codecs)('$name', ({ reference, bits, maxBytes, boundaries, size, write, read }) => {
  it(`writes the protobuf ${reference} bytes and reads them back at every size boundary`, () => {
    // Property: each boundary (for varlong up to ±(2^53 − 1), whose zig-zag form exceeds 2^53) encodes to the
    // BigInt reference bytes, with the size the size function predicts, and round-trips from a non-zero position.
    for (const v of boundaries) {
      const buf = Buffer.alloc(12, 0xee)
      const next = write(buf, 1, v)
      const expected = referenceBytes(v, bits)
      expect([...buf.subarray(1, next)], `value ${v}`).toEqual(expected)
      expect(size(v), `size of ${v}`).toBe(expected.length)
      expect(read(buf, 1), `read ${v}`).toEqual({ value: v, next })
    }
  })

  it(`rejects more than ${maxBytes} bytes as corrupt`, () => {
    // Property: a value still continuing after its maximum byte count is refused, not wrapped.
    const buf = Buffer.from([...Array(maxBytes).fill(0xff), 0x01])
    expect(() => read(buf, 0)).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD', message: expect.stringMatching(`longer than ${maxBytes} bytes`) }))
  })
})

describe('varint bounds', () => {
  it('rejects a varint that runs past its end bound', () => {
    // Property: the reader never reads at or beyond `end`, even when the buffer continues.
    const buf = Buffer.from([0x80, 0x80, 0x01])
    const cursor = { pos: 0 }
    expect(() => readVarintAt(buf, cursor, 2)).toThrow(SeglogError)
    expect(cursor.pos).toBe(0)
    expect(readVarintAt(buf, cursor, 3)).toBe(8192) // zig-zag 2^14 → 2^13
    expect(cursor.pos).toBe(3)
  })
})

describe('varlong range', () => {
  it('round-trips random safe integers of every magnitude', () => {
    // Property: write ∘ read is the identity over the safe range (seeded, so failures reproduce).
    let seed = 12345
    const random = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32)
    const buf = Buffer.alloc(10)
    for (let i = 0; i < 5000; i++) {
      const magnitude = Math.floor(random() * 2 ** Math.floor(random() * 54))
      const v = Math.min(magnitude, Number.MAX_SAFE_INTEGER) * (random() < 0.5 ? -1 : 1)
      const next = writeVarlong(buf, 0, v)
      expect(readVarlong(buf, 0)).toEqual({ value: v === 0 ? 0 : v, next })
    }
  })

  it('rejects a valid Kafka varlong outside the safe integer range', () => {
    // Property: 2^53 (legal int64, not representable exactly in JS) is corruption for seglog, never a rounded number.
    const out = referenceBytes(2n ** 53n, 64n)
    expect(() => readVarlong(Buffer.from(out), 0)).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD' }))
    const negative = Buffer.from(out)
    negative[0] |= 1 // zig-zag odd: -(2^53) - 1
    expect(() => readVarlong(negative, 0)).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD' }))
  })
})
