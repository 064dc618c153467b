import { describe, expect, it } from 'vitest'
import { SeglogError } from '../../../src/errors.js'
import { decodeBatch, encodeBatch } from '../../../src/format/batch.js'
import { appendBatchRecords, type LogRecord } from '../../../src/format/batch-records.js'
import { encodeControlBatch } from '../../../src/format/control.js'

/** mulberry32: a seeded generator, so any failing iteration can be replayed from its number. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

const T0 = 1_700_000_000_000
const samples = [
  encodeBatch(
    [
      { key: 'k1', value: 'value one', headers: { a: 'x', b: null }, timestamp: T0 },
      { key: null, value: Buffer.alloc(40, 7), timestamp: T0 - 99 },
      { key: Buffer.from([1]), value: null, headers: [['h', 'v'], ['h', '']], timestamp: T0 + 2 ** 34 },
    ],
    { producerId: 5, producerEpoch: 1, baseSequence: 3 },
  ),
  encodeControlBatch({ type: 'ABORT', producerId: 5, producerEpoch: 1, coordinatorEpoch: 2, timestamp: T0 }),
]

/** One random damage: byte flips, random bytes, truncation, or bytes inserted/removed with batchLength kept consistent. */
function mutate(original: Buffer, random: () => number): Buffer {
  const pick = (n: number): number => Math.floor(random() * n)
  let buf = Buffer.from(original)
  switch (pick(5)) {
    case 0: // flip 1–4 bits anywhere
      for (let i = 0, n = 1 + pick(4); i < n; i++) buf[pick(buf.length)] ^= 1 << pick(8)
      break
    case 1: // overwrite 1–4 bytes in the records region (most structure lives there)
      for (let i = 0, n = 1 + pick(4); i < n; i++) buf[61 + pick(buf.length - 61)] = pick(256)
      break
    case 2: // truncate, sometimes keeping batchLength consistent with the shorter buffer
      buf = buf.subarray(0, pick(buf.length))
      if (buf.length >= 12 && random() < 0.5) buf.writeInt32BE(buf.length - 12, 8)
      break
    case 3: { // insert random bytes inside the records and fix batchLength
      const at = 61 + pick(buf.length - 61)
      const extra = Buffer.from(Array.from({ length: 1 + pick(6) }, () => pick(256)))
      buf = Buffer.concat([buf.subarray(0, at), extra, buf.subarray(at)])
      buf.writeInt32BE(buf.length - 12, 8)
      break
    }
    default: { // remove bytes inside the records and fix batchLength
      const at = 61 + pick(buf.length - 62)
      buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1 + pick(4))])
      buf.writeInt32BE(buf.length - 12, 8)
      break
    }
  }
  return buf
}

describe('decodeBatch robustness', () => {
  it('answers 2,000 seeded mutations with a valid decode or a typed SeglogError, never another exception', () => {
    // Property: no malformed input escapes as a RangeError or crash; failures are CORRUPT_RECORD
    // (or UNSUPPORTED_COMPRESSION_TYPE when the damage sets the codec bits), and a successful decode is self-consistent.
    const random = seeded(20240601)
    const outcomes = { decoded: 0, corrupt: 0, compressed: 0 }
    for (let i = 0; i < 2000; i++) {
      const damaged = mutate(samples[i % samples.length], random)
      try {
        const batch = decodeBatch(damaged, 0, { verifyCrc: false })
        expect(batch.records.length, `iteration ${i}`).toBe(batch.recordsCount)
        expect(batch.sizeBytes, `iteration ${i}`).toBeLessThanOrEqual(damaged.length)
        outcomes.decoded++
      } catch (err) {
        if (!(err instanceof SeglogError)) throw new Error(`iteration ${i}: untyped ${String(err)}`, { cause: err })
        if (err.code === 'CORRUPT_RECORD') outcomes.corrupt++
        else if (err.code === 'UNSUPPORTED_COMPRESSION_TYPE') outcomes.compressed++
        else throw new Error(`iteration ${i}: unexpected code ${err.code}`, { cause: err })
      }
    }
    // Both branches must really be exercised for the property to mean anything.
    expect(outcomes.corrupt).toBeGreaterThan(500)
    expect(outcomes.decoded).toBeGreaterThan(50)
  })

  it('detects every mutation inside the CRC range when verifying', () => {
    // Property: with the CRC on, damage to bytes [21, end) never decodes.
    const random = seeded(7)
    for (let i = 0; i < 500; i++) {
      const buf = Buffer.from(samples[0])
      buf[21 + Math.floor(random() * (buf.length - 21))] ^= 1 + Math.floor(random() * 255)
      expect(() => decodeBatch(buf), `iteration ${i}`).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD' }))
    }
  })

  it("gives the read path's decoder the same verdict as decodeBatch on every seeded mutation", () => {
    // Property: appendBatchRecords (reads) validates exactly like decodeBatch: the same error code
    // for damaged input, the same records for input that still decodes.
    const random = seeded(99)
    const outcome = (run: () => unknown[]): string => {
      try {
        return JSON.stringify(run())
      } catch (err) {
        if (!(err instanceof SeglogError)) throw err
        return err.code
      }
    }
    let decoded = 0
    for (let i = 0; i < 2000; i++) {
      const damaged = mutate(samples[i % samples.length], random)
      const verifyCrc = i % 2 === 0
      const full = outcome(() => {
        // A read never goes back: a record whose offset is below one already returned is skipped.
        let next = Number.MIN_SAFE_INTEGER
        return decodeBatch(damaged, 0, { verifyCrc })
          .records.filter((r) => {
            if (r.offset < next) return false
            next = r.offset + 1
            return true
          })
          .map(({ offset, timestamp, key, value, headers }) => [offset, timestamp, key, value, headers])
      })
      const lean = outcome(() => {
        const out: LogRecord[] = []
        appendBatchRecords(damaged, 0, out, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, verifyCrc)
        return out.map(({ offset, timestamp, key, value, headers }) => [offset, timestamp, key, value, headers])
      })
      expect(lean, `iteration ${i}`).toBe(full)
      if (full.startsWith('[')) decoded++
    }
    expect(decoded).toBeGreaterThan(50)
  })
})
