import { describe, expect, it } from 'vitest'
import { ATTRIBUTES_POS, BATCH_LENGTH_POS, CRC_POS, RECORDS_POS, computeBatchCrc, setBaseOffset } from '../../../src/format/batch-header.js'
import { decodeBatch, encodeBatch } from '../../../src/format/batch.js'
import { appendBatchRecords, type LogRecord } from '../../../src/format/batch-records.js'

const T0 = 1_700_000_000_000

/** A batch of `count` records at base offset `baseOffset`, record i carrying value `v<i>`. */
function batchOf(count: number, baseOffset: number, options: Parameters<typeof encodeBatch>[1] = {}): Buffer {
  const batch = encodeBatch(
    Array.from({ length: count }, (_, i) => ({ key: i % 2 === 0 ? `k${i}` : null, value: `v${i}`, timestamp: T0 + i, headers: i === 1 ? { h: 'x' } : undefined })),
    options,
  )
  setBaseOffset(batch, baseOffset)
  return batch
}

/** Re-seals a batch whose bytes were edited on purpose: length and CRC made consistent again. */
function reseal(batch: Buffer): Buffer {
  batch.writeInt32BE(batch.length - 12, BATCH_LENGTH_POS)
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), CRC_POS)
  return batch
}

describe('appendBatchRecords', () => {
  it('returns the public record shape, the same records decodeBatch finds', () => {
    // Property: each record is exactly { offset, timestamp, key, value, headers } (no producer fields
    // without a producer id) and agrees field by field with the full decoder.
    const batch = batchOf(4, 100)
    const out: LogRecord[] = []
    expect(appendBatchRecords(batch, 0, out, 100, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)).toBe(104)
    const decoded = decodeBatch(batch).records
    expect(out).toEqual(decoded.map(({ offset, timestamp, key, value, headers }) => ({ offset, timestamp, key, value, headers })))
    for (const record of out) expect(Object.keys(record)).toEqual(['offset', 'timestamp', 'key', 'value', 'headers'])
    expect(out[1]!.headers).toEqual([['h', Buffer.from('x')]])
  })

  it('adds producerId and sequence to the records of a producer batch', () => {
    // Property: api.md's producerId/sequence appear exactly when the batch carries a producer id.
    const batch = batchOf(3, 0, { producerId: 42, producerEpoch: 1, baseSequence: 2 ** 31 - 2 })
    const out: LogRecord[] = []
    appendBatchRecords(batch, 0, out, 0, 10, 10)
    expect(out.map((r) => [r.producerId, r.sequence])).toEqual([
      [42, 2 ** 31 - 2],
      [42, 2 ** 31 - 1],
      [42, 0],
    ])
  })

  it('appends only offsets in [fromOffset, toOffset), at most maxRecords in all, and returns the next offset', () => {
    // Property: a read starting mid-batch, bounded by the HW, or limited by maxRecords gets exactly its slice.
    const batch = batchOf(10, 50)
    const offsets = (from: number, to: number, max: number, already = 0): [number[], number] => {
      const out: LogRecord[] = Array.from({ length: already }, () => ({}) as LogRecord)
      const next = appendBatchRecords(batch, 0, out, from, to, max)
      return [out.slice(already).map((r) => r.offset), next]
    }
    expect(offsets(53, 1000, 1000)).toEqual([[53, 54, 55, 56, 57, 58, 59], 60])
    expect(offsets(50, 55, 1000)).toEqual([[50, 51, 52, 53, 54], 55])
    expect(offsets(52, 1000, 3)).toEqual([[52, 53, 54], 55])
    expect(offsets(50, 1000, 5, 3)).toEqual([[50, 51], 52])
    expect(offsets(50, 1000, 3, 3)).toEqual([[], 50])
    expect(offsets(60, 1000, 1000)).toEqual([[], 60])
  })

  it('reads a batch in the middle of a buffer and returns views of its bytes, not copies', () => {
    // Property: zero-copy — a value shares memory with the buffer it was read from.
    const first = batchOf(2, 0)
    const second = batchOf(2, 2)
    const buf = Buffer.concat([first, second])
    const out: LogRecord[] = []
    appendBatchRecords(buf, first.length, out, 0, 100, 100)
    expect(out.map((r) => r.value!.toString())).toEqual(['v0', 'v1'])
    const value = out[0]!.value!
    expect(value.buffer).toBe(buf.buffer)
    buf[value.byteOffset - buf.byteOffset] = 'X'.charCodeAt(0)
    expect(value.toString()).toBe('X0')
  })

  it('checks the CRC before appending any record of the batch', () => {
    // Property: a batch whose bytes do not match its CRC yields no records at all.
    const batch = batchOf(3, 0)
    batch[batch.indexOf('v2')] ^= 0xff // a value byte: the records still parse, only the CRC can tell
    const out: LogRecord[] = []
    expect(() => appendBatchRecords(batch, 0, out, 0, 100, 100)).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD', message: expect.stringMatching(/stored CRC/) }))
    expect(out).toEqual([])
    expect(appendBatchRecords(batch, 0, out, 0, 100, 100, false)).toBe(3)
  })

  it('checks the whole batch before any record, and the records end at the batch end once it reaches them', () => {
    // Property: the CRC, codec and header are checked whatever slice is asked for; bytes left over
    // after the declared records fail a read that reaches the batch's last record, while a read
    // that stops earlier does not walk the records after the ones it returns.
    const trailing = reseal(Buffer.concat([batchOf(3, 0), Buffer.from([0])]))
    for (const [from, max] of [[0, 100], [2, 1]] as const) {
      expect(() => appendBatchRecords(trailing, 0, [], from, 100, max)).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD', message: expect.stringMatching(/1 bytes remain/) }))
    }
    expect(appendBatchRecords(trailing, 0, [], 0, 100, 1)).toBe(1)
    const damaged = batchOf(3, 0)
    damaged[damaged.length - 1] ^= 1
    expect(() => appendBatchRecords(damaged, 0, [], 0, 100, 1)).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD', message: expect.stringMatching(/CRC/) }))
    const compressed = batchOf(1, 0)
    compressed.writeInt16BE(compressed.readInt16BE(ATTRIBUTES_POS) | 1, ATTRIBUTES_POS)
    expect(() => appendBatchRecords(reseal(compressed), 0, [], 0, 100, 0)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_COMPRESSION_TYPE' }))
  })

  it('checks the framing of records it passes over and every field of those it returns', () => {
    // Property: in a batch whose record i has offset delta i, a record before the range is passed
    // over by its length and one after it is not walked (the CRC vouches for their bytes), so a
    // bad field there does not fail a read that does not return it, and does fail the read that
    // does; a length running past the batch fails every read that reaches it.
    const batch = encodeBatch([{ value: 'a' }, { value: 'b' }, { value: 'ccc', headers: { hk: 'hv' } }], {})
    const nullHeaderKey = Buffer.from(batch)
    nullHeaderKey[nullHeaderKey.indexOf('hk') - 1] = 0x01 // zig-zag varint −1: a null header key
    const longValue = Buffer.from(batch)
    longValue[longValue.indexOf('ccc') - 1] = 0x0a // value length 5 where 3 bytes and a header follow
    for (const [bad, message] of [[nullHeaderKey, /header key is null/], [longValue, /./]] as const) {
      reseal(bad)
      const out: LogRecord[] = []
      expect(appendBatchRecords(bad, 0, out, 0, 100, 1)).toBe(1)
      expect(out.map((r) => r.value?.toString())).toEqual(['a'])
      expect(appendBatchRecords(bad, 0, [], 0, 2, 100)).toBe(2)
      for (const [from, to, max] of [[2, 100, 1], [0, 100, 100]] as const) {
        expect(() => appendBatchRecords(bad, 0, [], from, to, max)).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD', message: expect.stringMatching(message) }))
      }
    }
    const longRecord = Buffer.from(batch)
    longRecord[RECORDS_POS] = 0x7e // record 0's length 63: past the batch's end
    reseal(longRecord)
    for (const [from, to, max] of [[0, 100, 1], [1, 100, 1], [2, 100, 1], [0, 100, 100]] as const) {
      expect(() => appendBatchRecords(longRecord, 0, [], from, to, max), `${from} ${to} ${max}`).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD', message: expect.stringMatching(/record length/) }))
    }
  })

  it('refuses a returned record whose offset delta is not its place in the batch', () => {
    // Property: record i of a batch of deltas 0..n-1 must say delta i; otherwise a point read that
    // passed over the records before it by length would return the wrong offset.
    const batch = encodeBatch([{ value: 'aaaa' }, { value: 'bbbb' }, { value: 'cccc' }], { baseOffset: 10 })
    const swapped = Buffer.from(batch)
    const second = swapped.indexOf('bbbb') - 3 // …, offsetDelta, key length (null), value length, value
    expect(swapped[second]).toBe(2) // zig-zag 1
    swapped[second] = 4 // delta 2
    reseal(swapped)
    expect(() => appendBatchRecords(swapped, 0, [], 11, 100, 1)).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD', message: expect.stringMatching(/record 1 has offset delta 2/) }))
    expect(() => decodeBatch(swapped)).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD', message: expect.stringMatching(/record 1 has offset delta 2/) }))
    const out: LogRecord[] = []
    expect(appendBatchRecords(swapped, 0, out, 12, 100, 1)).toBe(13)
    expect(out[0]!.offset).toBe(12)
  })
})
