import { describe, expect, it } from 'vitest'
import { CRC_POS } from '../../src/format/batch-header.js'
import { decodeBatch, encodeBatch, type RecordInput } from '../../src/format/batch.js'
import { decodeControlRecord, encodeControlBatch } from '../../src/format/control.js'
import { Long, kafkaJsControlBatch, kafkaJsCrc32c, kafkaJsDecodeBatch, kafkaJsEncodeBatch, type KafkaJsRecordInput } from './kafkajs.js'

const T0 = 1_700_000_000_000

function hex(b: Buffer | null | undefined): string | null {
  return b == null ? null : b.toString('hex')
}

describe('seglog → kafkajs', () => {
  it('kafkajs decodes seglog batches: records, keys, values, headers, timestamps, offsets', async () => {
    // Property: an independent decoder reads every field seglog writes, including null and repeated headers.
    const records: RecordInput[] = [
      { key: 'k0', value: 'v0', timestamp: T0, headers: { trace: 'abc', none: null } },
      { key: null, value: Buffer.from([0, 0xff]), timestamp: T0 - 10_000 },
      { key: Buffer.alloc(0), value: null, timestamp: T0 + 5, headers: [['dup', 'a'], ['dup', 'b']] },
      { value: 'x'.repeat(300), timestamp: T0 + 2 ** 33 },
    ]
    const encoded = encodeBatch(records, { baseOffset: 1000, timestamp: T0, partitionLeaderEpoch: 7 })
    const batch = await kafkaJsDecodeBatch(encoded)
    expect(batch.firstOffset).toBe('1000')
    expect(batch.partitionLeaderEpoch).toBe(7)
    expect(batch.lastOffsetDelta).toBe(3)
    expect(batch.firstTimestamp).toBe(String(T0))
    expect(batch.maxTimestamp).toBe(String(T0 + 2 ** 33))
    expect(batch.timestampType).toBe(0)
    expect(batch.records.map((r) => [r.offset, r.timestamp])).toEqual([
      ['1000', String(T0)],
      ['1001', String(T0 - 10_000)],
      ['1002', String(T0 + 5)],
      ['1003', String(T0 + 2 ** 33)],
    ])
    expect(batch.records.map((r) => [hex(r.key), hex(r.value)])).toEqual([
      [Buffer.from('k0').toString('hex'), Buffer.from('v0').toString('hex')],
      [null, '00ff'],
      ['', null],
      [null, Buffer.from('x'.repeat(300)).toString('hex')],
    ])
    expect(batch.records[0].headers).toEqual({ trace: Buffer.from('abc'), none: null })
    expect(batch.records[2].headers).toEqual({ dup: [Buffer.from('a'), Buffer.from('b')] })
  })

  it('kafkajs reads producer id, epoch, sequence, transactional flag and LogAppendTime', async () => {
    // Property: header fields beyond the records agree with an independent decoder.
    const encoded = encodeBatch([{ value: 'a' }, { value: 'b' }], {
      timestamp: T0,
      timestampType: 'LogAppendTime',
      producerId: 2 ** 45 + 3,
      producerEpoch: 9,
      baseSequence: 77,
      transactional: true,
    })
    const batch = await kafkaJsDecodeBatch(encoded)
    expect([batch.producerId, batch.producerEpoch, batch.firstSequence]).toEqual([String(2 ** 45 + 3), 9, 77])
    expect(batch.inTransaction).toBe(true)
    expect(batch.isControlBatch).toBe(false)
    expect(batch.timestampType).toBe(1)
    expect(batch.records.map((r) => r.timestamp)).toEqual([String(T0), String(T0)])
  })

  it('kafkajs sees seglog markers as control records in a transactional batch', async () => {
    // Property: COMMIT/ABORT markers carry the flags and key/value bytes a Kafka client filters on.
    for (const [type, typeId] of [['ABORT', '0000'], ['COMMIT', '0001']] as const) {
      const encoded = encodeControlBatch({ type, producerId: 55, producerEpoch: 2, coordinatorEpoch: 8, timestamp: T0, baseOffset: 12 })
      const batch = await kafkaJsDecodeBatch(encoded)
      expect(batch.isControlBatch).toBe(true)
      expect(batch.inTransaction).toBe(true)
      expect([batch.producerId, batch.producerEpoch, batch.firstSequence]).toEqual(['55', 2, -1])
      expect(batch.records).toHaveLength(1)
      expect(batch.records[0].isControlRecord).toBe(true)
      expect(batch.records[0].offset).toBe('12')
      expect(hex(batch.records[0].key)).toBe('0000' + typeId)
      expect(hex(batch.records[0].value)).toBe('0000' + '00000008')
    }
  })

  it('seglog CRC-32C equals kafkajs’s own crc32c over the same bytes', () => {
    // Property: the stored CRC is CRC-32C as an independent implementation computes it over [21, end).
    for (const count of [1, 3, 50]) {
      const encoded = encodeBatch(
        Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(i * 3, i) })),
        { timestamp: T0 },
      )
      expect(encoded.readUInt32BE(CRC_POS)).toBe(kafkaJsCrc32c(encoded.subarray(21)))
    }
  })
})

describe('kafkajs → seglog', () => {
  const inputs: KafkaJsRecordInput[] = [
    { offsetDelta: 0, timestampDelta: 0, key: 'key-0', value: 'value-0', headers: { a: '1', b: Buffer.from([2]) } },
    { offsetDelta: 1, timestampDelta: -3600_000, key: null, value: Buffer.from([1, 2, 3]) },
    { offsetDelta: 2, timestampDelta: 2 ** 36, key: Buffer.alloc(0), value: null },
    { offsetDelta: 3, timestampDelta: 1, key: 'ключ', value: 'z'.repeat(200), headers: { 'é': '' } },
  ]

  it('seglog decodes (and CRC-verifies) kafkajs batches field for field', async () => {
    // Property: seglog reads what an independent encoder writes, and kafkajs's CRC validates under seglog.
    const encoded = await kafkaJsEncodeBatch(inputs, {
      firstOffset: Long.fromValue(500),
      firstTimestamp: T0,
      maxTimestamp: T0 + 2 ** 36,
      partitionLeaderEpoch: 3,
      producerId: Long.fromValue(2 ** 40),
      producerEpoch: 4,
      firstSequence: 2 ** 31 - 2,
      transactional: true,
    })
    const batch = decodeBatch(encoded) // verifyCrc defaults to true
    expect([batch.baseOffset, batch.lastOffset, batch.partitionLeaderEpoch]).toEqual([500, 503, 3])
    expect([batch.producerId, batch.producerEpoch, batch.baseSequence]).toEqual([2 ** 40, 4, 2 ** 31 - 2])
    expect(batch.isTransactional).toBe(true)
    expect(batch.isControl).toBe(false)
    expect(batch.maxTimestamp).toBe(T0 + 2 ** 36)
    expect(batch.records.map((r) => [r.offset, r.timestamp, r.sequence])).toEqual([
      [500, T0, 2 ** 31 - 2],
      [501, T0 - 3600_000, 2 ** 31 - 1],
      [502, T0 + 2 ** 36, 0],
      [503, T0 + 1, 1],
    ])
    expect(batch.records.map((r) => [hex(r.key), hex(r.value)])).toEqual([
      [Buffer.from('key-0').toString('hex'), Buffer.from('value-0').toString('hex')],
      [null, '010203'],
      ['', null],
      [Buffer.from('ключ').toString('hex'), Buffer.from('z'.repeat(200)).toString('hex')],
    ])
    expect(batch.records.map((r) => r.headers.map(([k, v]) => [k, hex(v)]))).toEqual([
      [['a', '31'], ['b', '02']],
      [],
      [],
      [['é', '']],
    ])
  })

  it('seglog encodes byte for byte what kafkajs encodes for the same input', async () => {
    // Property: identical inputs give identical bytes, CRC included (kafkajs writes leader epoch 0 by default).
    const kafkajs = await kafkaJsEncodeBatch(inputs, {
      firstTimestamp: T0,
      maxTimestamp: T0 + 2 ** 36,
      producerId: Long.fromValue(9),
      producerEpoch: 1,
      firstSequence: 10,
    })
    const seglog = encodeBatch(
      inputs.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: T0 + r.timestampDelta })),
      { partitionLeaderEpoch: 0, producerId: 9, producerEpoch: 1, baseSequence: 10 },
    )
    expect(seglog.toString('hex')).toBe(kafkajs.toString('hex'))
  })

  it('seglog decodes markers built from kafkajs encoders, and encodes the same 78 bytes', () => {
    // Property: the control batch layout agrees with an independent construction, CRC included.
    for (const [type, typeId] of [['ABORT', 0], ['COMMIT', 1]] as const) {
      const marker = { producerId: 2 ** 33, producerEpoch: 5, coordinatorEpoch: 7, timestamp: T0, baseOffset: 77 }
      const theirs = kafkaJsControlBatch({ ...marker, typeId })
      const batch = decodeBatch(theirs)
      expect([batch.isControl, batch.isTransactional, batch.producerId, batch.producerEpoch]).toEqual([true, true, 2 ** 33, 5])
      expect(decodeControlRecord(batch)).toEqual({ type, version: 0, coordinatorEpoch: 7 })
      expect(encodeControlBatch({ ...marker, type }).toString('hex')).toBe(theirs.toString('hex'))
    }
  })
})
