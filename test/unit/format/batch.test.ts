import { describe, expect, it } from 'vitest'
import { SeglogError } from '../../../src/errors.js'
import { BATCH_BYTES_MAX } from '../../../src/limits.js'
import {
  BATCH_HEADER_BYTES,
  CRC_POS,
  isBatchCrcValid,
  readBatchHeader,
  setBaseOffset,
  setPartitionLeaderEpoch,
} from '../../../src/format/batch-header.js'
import { decodeBatch, encodeBatch, setLogAppendTime, type RecordInput } from '../../../src/format/batch.js'

const T0 = 1_700_000_000_000

function bytes(value: Buffer | null): string | null {
  return value === null ? null : value.toString('hex')
}

function expectCorrupt(fn: () => unknown, message?: RegExp): void {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(SeglogError)
    expect((err as SeglogError).code).toBe('CORRUPT_RECORD')
    if (message) expect((err as Error).message).toMatch(message)
    return
  }
  throw new Error('expected CORRUPT_RECORD, nothing was thrown')
}

describe('encodeBatch → decodeBatch', () => {
  it('round-trips null, empty, binary and string keys and values', () => {
    // Property: every RecordValue shape decodes to the same bytes, null stays null, and offsets count from the base.
    const binary = Buffer.from([0, 1, 2, 0xff, 0x80, 0x7f])
    const records: RecordInput[] = [
      { key: null, value: null },
      { key: Buffer.alloc(0), value: '' },
      { key: binary, value: new Uint8Array([9, 8, 7]) },
      { key: 'κλειδί', value: 'värde ✓' },
      { value: 'no key given' },
    ]
    const batch = decodeBatch(encodeBatch(records, { timestamp: T0, baseOffset: 40 }))
    expect(batch.records.map((r) => [bytes(r.key), bytes(r.value)])).toEqual([
      [null, null],
      ['', ''],
      [binary.toString('hex'), '090807'],
      [Buffer.from('κλειδί').toString('hex'), Buffer.from('värde ✓').toString('hex')],
      [null, Buffer.from('no key given').toString('hex')],
    ])
    expect(batch.records.map((r) => r.offset)).toEqual([40, 41, 42, 43, 44])
    expect(batch.baseOffset).toBe(40)
    expect(batch.lastOffset).toBe(44)
    expect(batch.lastOffsetDelta).toBe(4)
    expect(batch.recordsCount).toBe(5)
  })

  it('writes strings as UTF-8 whatever their length and content, lone surrogates included', () => {
    // Property: the short-ASCII fast path and the Buffer.write path both produce Buffer.from(string) bytes.
    const strings = ['', 'ascii', 'x'.repeat(64), 'x'.repeat(65), 'é', 'é'.repeat(70), 'a\uD800b', '\uDC00', '😀'.repeat(40), '\x7f\x80']
    const batch = decodeBatch(encodeBatch(strings.map((s) => ({ key: s, value: s, headers: { [s]: s } }))))
    batch.records.forEach((r, i) => {
      const expected = Buffer.from(strings[i]).toString('hex')
      expect([bytes(r.key), bytes(r.value), bytes(r.headers[0][1])], strings[i]).toEqual([expected, expected, expected])
      expect(r.headers[0][0]).toBe(Buffer.from(strings[i]).toString('utf8'))
    })
  })

  it('round-trips headers given as an object and as entries, with null values and repeated keys', () => {
    // Property: header order, repeated keys and null header values survive; keys decode as strings.
    const batch = decodeBatch(
      encodeBatch(
        [
          { value: 'a', headers: { trace: 'abc', empty: '', none: null, bin: Buffer.from([1, 2]) } },
          { value: 'b', headers: [['k', 'v1'], ['k', null], ['ключ', new Uint8Array([3])]] },
          { value: 'c', headers: [] },
        ],
        { timestamp: T0 },
      ),
    )
    const headers = batch.records.map((r) => r.headers.map(([k, v]) => [k, bytes(v)]))
    expect(headers).toEqual([
      [['trace', '616263'], ['empty', ''], ['none', null], ['bin', '0102']],
      [['k', '7631'], ['k', null], ['ключ', '03']],
      [],
    ])
  })

  it('round-trips one record and many records', () => {
    // Property: batch sizes from 1 to 1000 records decode to the same values in order.
    for (const count of [1, 2, 127, 128, 1000]) {
      const records = Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(i % 17, i) }))
      const batch = decodeBatch(encodeBatch(records, { timestamp: T0 }))
      expect(batch.records).toHaveLength(count)
      batch.records.forEach((r, i) => {
        expect(r.key?.toString()).toBe(`k${i}`)
        expect(r.value?.equals(Buffer.alloc(i % 17, i))).toBe(true)
        expect(r.offset).toBe(i)
      })
    }
  })

  it('keeps per-record timestamps, including timestamps that go backwards', () => {
    // Property: signed timestamp deltas round-trip; baseTimestamp is the first record's, maxTimestamp the largest.
    const stamps = [T0, T0 - 5000, T0 + 1, -1, 0, T0 + 2 ** 40]
    const batch = decodeBatch(encodeBatch(stamps.map((timestamp) => ({ value: 'x', timestamp })), { timestamp: 7 }))
    expect(batch.records.map((r) => r.timestamp)).toEqual(stamps)
    expect(batch.baseTimestamp).toBe(T0)
    expect(batch.maxTimestamp).toBe(T0 + 2 ** 40)
    expect(batch.timestampType).toBe('CreateTime')
  })

  it('uses the batch timestamp option for records without one', () => {
    // Property: options.timestamp fills in missing record timestamps.
    const batch = decodeBatch(encodeBatch([{ value: 'a' }, { value: 'b', timestamp: T0 + 3 }], { timestamp: T0 }))
    expect(batch.records.map((r) => r.timestamp)).toEqual([T0, T0 + 3])
  })

  it('round-trips a 1 MiB value as a view into the input buffer', () => {
    // Property: large values survive intact and decoding does not copy them.
    const value = Buffer.alloc(1024 * 1024)
    for (let i = 0; i < value.length; i++) value[i] = (i * 31) & 0xff
    const encoded = encodeBatch([{ key: 'big', value }], { timestamp: T0 })
    const [record] = decodeBatch(encoded).records
    expect(record.value?.equals(value)).toBe(true)
    expect(record.value?.buffer).toBe(encoded.buffer)
    encoded[encoded.length - 2] ^= 0xff // headers count is last; the byte before it is the value's last byte
    expect(record.value?.[value.length - 1]).toBe(value[value.length - 1] ^ 0xff)
  })

  it('round-trips producer id, epoch, sequences and the transactional flag', () => {
    // Property: producer fields land in the header and each record's sequence is baseSequence + offsetDelta, wrapping.
    const batch = decodeBatch(
      encodeBatch([{ value: 'a' }, { value: 'b' }, { value: 'c' }], {
        timestamp: T0,
        producerId: 2 ** 40 + 7,
        producerEpoch: 32767,
        baseSequence: 2 ** 31 - 2,
        transactional: true,
        partitionLeaderEpoch: 12,
      }),
    )
    expect(batch.producerId).toBe(2 ** 40 + 7)
    expect(batch.producerEpoch).toBe(32767)
    expect(batch.baseSequence).toBe(2 ** 31 - 2)
    expect(batch.records.map((r) => r.sequence)).toEqual([2 ** 31 - 2, 2 ** 31 - 1, 0])
    expect(batch.isTransactional).toBe(true)
    expect(batch.isControl).toBe(false)
    expect(batch.partitionLeaderEpoch).toBe(12)
  })

  it('writes Kafka’s "none" values for producer fields by default', () => {
    // Property: an idempotence-free batch has producerId/epoch/sequence −1 and records report sequence −1.
    const batch = decodeBatch(encodeBatch([{ value: 'a' }], { timestamp: T0 }))
    expect([batch.producerId, batch.producerEpoch, batch.baseSequence, batch.partitionLeaderEpoch]).toEqual([-1, -1, -1, -1])
    expect(batch.records[0].sequence).toBe(-1)
    expect(batch.isTransactional).toBe(false)
    expect(batch.compression).toBe('none')
  })

  it('encodes LogAppendTime with maxTimestamp = the append time, and every record reads it', () => {
    // Property: LogAppendTime sets attribute bit 3 and overrides the record timestamps on read.
    const encoded = encodeBatch([{ value: 'a', timestamp: 5 }, { value: 'b', timestamp: 9 }], { timestamp: T0, timestampType: 'LogAppendTime' })
    const batch = decodeBatch(encoded)
    expect(batch.attributes & 0x08).toBe(0x08)
    expect(batch.timestampType).toBe('LogAppendTime')
    expect(batch.maxTimestamp).toBe(T0)
    expect(batch.baseTimestamp).toBe(5)
    expect(batch.records.map((r) => r.timestamp)).toEqual([T0, T0])
  })

  it('setLogAppendTime stamps an existing batch and recomputes its CRC', () => {
    // Property: after setLogAppendTime the batch is LogAppendTime, records read the new time, and the CRC still verifies.
    const encoded = encodeBatch([{ value: 'a', timestamp: 5 }, { value: 'b', timestamp: 9 }], { timestamp: 1 })
    const crcBefore = encoded.readUInt32BE(CRC_POS)
    setLogAppendTime(encoded, T0)
    expect(encoded.readUInt32BE(CRC_POS)).not.toBe(crcBefore)
    const batch = decodeBatch(encoded)
    expect(batch.timestampType).toBe('LogAppendTime')
    expect(batch.records.map((r) => r.timestamp)).toEqual([T0, T0])
  })

  it('decodes a batch in the middle of a larger buffer', () => {
    // Property: `pos` selects the batch; sizeBytes tells the caller where the next one starts.
    const a = encodeBatch([{ value: 'first' }], { timestamp: T0, baseOffset: 0 })
    const b = encodeBatch([{ value: 'second' }, { value: 'third' }], { timestamp: T0, baseOffset: 1 })
    const log = Buffer.concat([a, b, Buffer.alloc(5)])
    const first = decodeBatch(log, 0)
    const second = decodeBatch(log, first.sizeBytes)
    expect(first.sizeBytes).toBe(a.length)
    expect(second.records.map((r) => [r.offset, r.value?.toString()])).toEqual([[1, 'second'], [2, 'third']])
  })

  it('encodes correctly when a record getter encodes another batch, and for batches past the reused sizes table', () => {
    // Property: the sizes table reused between encodes is never shared by two encodes at once, and
    // batches too large for it get their own; both decode to exactly their input.
    const inner: Buffer[] = []
    const tricky = Array.from({ length: 300 }, (_, i) => ({
      get value() {
        if (i % 50 === 0) inner.push(encodeBatch([{ value: 'x'.repeat(i + 1) }, { key: 'k', value: null }], { timestamp: T0 }))
        return `outer-${i}`
      },
    }))
    const outer = decodeBatch(encodeBatch(tricky, { timestamp: T0 }))
    expect(outer.records.map((r) => r.value!.toString())).toEqual(tricky.map((_, i) => `outer-${i}`))
    for (const batch of inner) expect(decodeBatch(batch).records.map((r) => r.key?.toString() ?? null)).toEqual([null, 'k'])
    const many = Array.from({ length: 20_000 }, (_, i) => ({ value: i % 3 === 0 ? null : String(i) }))
    expect(decodeBatch(encodeBatch(many)).records.map((r) => r.value?.toString() ?? null)).toEqual(many.map((r) => r.value))
  })

  it('encodes exactly the size written in batchLength', () => {
    // Property: the Buffer is exactly sized: batchLength + 12 equals its length.
    const encoded = encodeBatch([{ key: 'k', value: 'v', headers: { h: 'x' } }], { timestamp: T0 })
    expect(encoded.readInt32BE(8) + 12).toBe(encoded.length)
  })
})

describe('Kafka DefaultRecordBatchTest ports', () => {
  it('testInvalidCrc: a flipped byte inside the CRC range is CORRUPT_RECORD naming both CRCs', () => {
    // Property: any change to bytes [21, end) is detected by the CRC check.
    const encoded = encodeBatch([{ key: 'k', value: 'value' }], { timestamp: T0 })
    for (const at of [21, 30, 60, encoded.length - 1]) {
      const copy = Buffer.from(encoded)
      copy[at] ^= 0x01
      expectCorrupt(() => decodeBatch(copy), /stored CRC 0x[0-9a-f]{8} != computed 0x[0-9a-f]{8}/)
    }
  })

  it('testSetPartitionLeaderEpoch and setBaseOffset: patching bytes outside the CRC keeps the stored CRC valid', () => {
    // Property: baseOffset and partitionLeaderEpoch are outside the CRC, so patching them needs no recompute.
    const encoded = encodeBatch([{ value: 'a' }, { value: 'b' }], { timestamp: T0 })
    const crc = encoded.readUInt32BE(CRC_POS)
    setBaseOffset(encoded, 2 ** 40)
    setPartitionLeaderEpoch(encoded, 15)
    expect(encoded.readUInt32BE(CRC_POS)).toBe(crc)
    expect(isBatchCrcValid(encoded, 0, encoded.length)).toBe(true)
    const batch = decodeBatch(encoded)
    expect(batch.records.map((r) => r.offset)).toEqual([2 ** 40, 2 ** 40 + 1])
    expect(batch.partitionLeaderEpoch).toBe(15)
    expect(readBatchHeader(encoded).baseOffset).toBe(2 ** 40)
  })
})

describe('encodeBatch validation', () => {
  it('rejects non-array and empty record lists with Node-style argument errors', () => {
    // Property: programmer errors are TypeErrors with Node codes, not SeglogErrors.
    expect(() => encodeBatch('x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    expect(() => encodeBatch([])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    expect(() => encodeBatch([null as never])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
  })

  it('rejects values that are not Buffer, Uint8Array, string or null, including undefined', () => {
    // Property: each bad field is named in the error.
    expect(() => encodeBatch([{ value: undefined as never }])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('records[0].value') }))
    expect(() => encodeBatch([{ value: 'a' }, { value: 42 as never }])).toThrow(expect.objectContaining({ message: expect.stringContaining('records[1].value') }))
    expect(() => encodeBatch([{ key: {} as never, value: 'a' }])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('records[0].key') }))
    expect(() => encodeBatch([{ value: 'a', headers: { h: 1 as never } }])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('records[0].headers.h value') }))
    expect(() => encodeBatch([{ value: 'a', headers: [[7 as never, 'v']] }])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('records[0].headers[0] key') }))
  })

  it('rejects timestamps that are not safe integers ≥ −1', () => {
    // Property: timestamps below −1, fractional or unsafe are out of range.
    for (const timestamp of [-2, 1.5, 2 ** 53, Number.NaN]) {
      expect(() => encodeBatch([{ value: 'a', timestamp }])).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
      expect(() => encodeBatch([{ value: 'a' }], { timestamp })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    }
  })

  it('rejects producer fields outside their int widths', () => {
    // Property: epoch is int16, sequence and leader epoch int32, producerId a safe integer.
    expect(() => encodeBatch([{ value: 'a' }], { producerEpoch: 32768 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(() => encodeBatch([{ value: 'a' }], { baseSequence: 2 ** 31 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(() => encodeBatch([{ value: 'a' }], { partitionLeaderEpoch: -(2 ** 31) - 1 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(() => encodeBatch([{ value: 'a' }], { producerId: 2 ** 53 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(() => encodeBatch([{ value: 'a' }], { transactional: true })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
  })

  it('refuses compressed batches with UNSUPPORTED_COMPRESSION_TYPE', () => {
    // Property: compression codecs other than none are typed errors on encode and decode.
    expect(() => encodeBatch([{ value: 'a' }], { compression: 'gzip' })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_COMPRESSION_TYPE' }))
    const encoded = encodeBatch([{ value: 'a' }])
    encoded.writeInt16BE(4, 21) // zstd
    expect(() => decodeBatch(encoded, 0, { verifyCrc: false })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_COMPRESSION_TYPE' }))
  })

  it('refuses a batch over BATCH_BYTES_MAX with RECORD_TOO_LARGE before allocating it', () => {
    // Property: the size limit is checked in the measuring pass (one shared 1 MiB value measured many times).
    const value = Buffer.alloc(1024 * 1024)
    const records = Array.from({ length: BATCH_BYTES_MAX / value.length + 1 }, () => ({ value }))
    expect(() => encodeBatch(records)).toThrow(expect.objectContaining({ code: 'RECORD_TOO_LARGE' }))
  })
})

describe('decodeBatch validation', () => {
  const valid = (): Buffer => encodeBatch([{ key: 'k', value: 'v', headers: { h: 'x' } }, { value: null }], { timestamp: T0 })

  it('rejects a buffer shorter than the header, a wrong magic and a batchLength past the buffer', () => {
    // Property: header-level damage is CORRUPT_RECORD with the numbers in the message.
    expectCorrupt(() => decodeBatch(valid().subarray(0, BATCH_HEADER_BYTES - 1)), /fewer than the 61-byte/)
    const badMagic = valid()
    badMagic[16] = 1
    expectCorrupt(() => decodeBatch(badMagic), /magic 1 is not 2/)
    const truncated = valid()
    expectCorrupt(() => decodeBatch(truncated.subarray(0, truncated.length - 1)), /extends past/)
    const tooShort = valid()
    tooShort.writeInt32BE(10, 8)
    expectCorrupt(() => decodeBatch(tooShort), /fewer than the 61-byte header/)
  })

  it('rejects a recordsCount that disagrees with the records present', () => {
    // Property: too few declared records leaves bytes over; too many runs out of bytes.
    const fewer = valid()
    fewer.writeInt32BE(1, 57)
    expectCorrupt(() => decodeBatch(fewer, 0, { verifyCrc: false }), /bytes remain after the 1 declared records/)
    const more = valid()
    more.writeInt32BE(3, 57)
    expectCorrupt(() => decodeBatch(more, 0, { verifyCrc: false }))
    const negative = valid()
    negative.writeInt32BE(-1, 57)
    expectCorrupt(() => decodeBatch(negative, 0, { verifyCrc: false }), /recordsCount -1/)
  })

  it('rejects a record whose declared length disagrees with its fields', () => {
    // Property: Kafka's "Invalid record size" check — exactly `length` body bytes must be consumed.
    const encoded = encodeBatch([{ value: 'abc' }, { value: 'd' }], { timestamp: T0 })
    const longer = Buffer.from(encoded)
    longer[61] += 2 // zig-zag: +1 body byte
    expectCorrupt(() => decodeBatch(longer, 0, { verifyCrc: false }))
  })

  it('rejects a value length that runs past the end of its record', () => {
    // Property: no field is read across its record's declared end, even when the batch has more bytes.
    const encoded = encodeBatch([{ key: null, value: 'abc' }, { value: 'next record' }], { timestamp: T0 })
    // record 0: length@61 attributes@62 tsDelta@63 offsetDelta@64 keyLength@65 valueLength@66
    expect(encoded[66]).toBe(6) // zig-zag 3
    encoded[66] = 10 // zig-zag 5: two bytes more than the record holds
    expectCorrupt(() => decodeBatch(encoded, 0, { verifyCrc: false }), /value of 5 bytes runs past the record end/)
  })

  it('rejects a negative header count and a null header key', () => {
    // Property: headersCount ≥ 0 and header keys non-null, as Kafka's DefaultRecord.readFrom requires.
    const encoded = encodeBatch([{ value: null, headers: [['a', null]] }], { timestamp: T0 })
    // record: len, attrs, tsDelta, offDelta, key(-1), value(-1), headersCount, keyLen, 'a', valueLen
    const countPos = 61 + 6
    const negativeCount = Buffer.from(encoded)
    negativeCount[countPos] = 0x01 // zig-zag −1
    expectCorrupt(() => decodeBatch(negativeCount, 0, { verifyCrc: false }), /headers count -1/)
    const nullKey = Buffer.from(encoded)
    nullKey[countPos + 1] = 0x01 // key length −1
    expectCorrupt(() => decodeBatch(nullKey, 0, { verifyCrc: false }), /header key is null/)
  })
})
