import { describe, expect, it } from 'vitest'
import { SeglogError } from '../../../src/errors.js'
import { decodeBatch, encodeBatch } from '../../../src/format/batch.js'
import { CONTROL_BATCH_BYTES, decodeControlRecord, encodeControlBatch } from '../../../src/format/control.js'
import { CRC_POS, computeBatchCrc } from '../../../src/format/batch-header.js'

const marker = { producerId: 4242, producerEpoch: 3, coordinatorEpoch: 17, timestamp: 1_700_000_000_000 }

/** Rewrites the control record's key or value bytes in place and re-signs the batch. */
function patchMarker(buf: Buffer, patch: (keyPos: number, valuePos: number) => void): Buffer {
  // record at 61: length(1) attrs(1) tsDelta(1) offDelta(1) keyLen(1) key(4) valueLen(1) value(6) headers(1)
  patch(61 + 5, 61 + 10)
  buf.writeUInt32BE(computeBatchCrc(buf, 0, buf.length), CRC_POS)
  return buf
}

describe('control batches', () => {
  it('encodes COMMIT and ABORT markers as 78-byte control+transactional batches', () => {
    // Property: the marker layout matches Kafka's (kafka-storage.md §2.3): flags, baseSequence −1, key/value bytes, one record.
    for (const type of ['COMMIT', 'ABORT'] as const) {
      const encoded = encodeControlBatch({ ...marker, type, baseOffset: 99, partitionLeaderEpoch: 4 })
      expect(encoded.length).toBe(CONTROL_BATCH_BYTES)
      const batch = decodeBatch(encoded)
      expect(batch.isControl).toBe(true)
      expect(batch.isTransactional).toBe(true)
      expect(batch.attributes).toBe(0x30)
      expect([batch.producerId, batch.producerEpoch, batch.baseSequence]).toEqual([4242, 3, -1])
      expect([batch.baseOffset, batch.partitionLeaderEpoch, batch.maxTimestamp]).toEqual([99, 4, marker.timestamp])
      expect(batch.records).toHaveLength(1)
      expect(batch.records[0].key?.toString('hex')).toBe(type === 'COMMIT' ? '00000001' : '00000000')
      expect(batch.records[0].value?.toString('hex')).toBe('000000000011')
      expect(decodeControlRecord(batch)).toEqual({ type, version: 0, coordinatorEpoch: 17 })
    }
  })

  it('reads a higher control key version as version 0 and rejects a negative one', () => {
    // Property: forward compatibility (only appended fields) and corruption detection, as in ControlRecordType.parse.
    const newerBuf = encodeControlBatch({ ...marker, type: 'COMMIT' })
    patchMarker(newerBuf, (keyPos) => newerBuf.writeInt16BE(3, keyPos))
    expect(decodeControlRecord(decodeBatch(newerBuf))).toEqual({ type: 'COMMIT', version: 3, coordinatorEpoch: 17 })

    const negative = encodeControlBatch({ ...marker, type: 'ABORT' })
    patchMarker(negative, (keyPos) => negative.writeInt16BE(-1, keyPos))
    expect(() => decodeControlRecord(decodeBatch(negative))).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD', message: expect.stringMatching(/negative version -1/) }))

    const negativeMarker = encodeControlBatch({ ...marker, type: 'ABORT' })
    patchMarker(negativeMarker, (_keyPos, valuePos) => negativeMarker.writeInt16BE(-2, valuePos))
    expect(() => decodeControlRecord(decodeBatch(negativeMarker))).toThrow(SeglogError)
  })

  it('decodes KRaft and unknown control types as UNKNOWN', () => {
    // Property: types other than 0/1 are not mistaken for transaction markers.
    const leaderChange = encodeControlBatch({ ...marker, type: 'COMMIT' })
    patchMarker(leaderChange, (keyPos) => leaderChange.writeInt16BE(2, keyPos + 2))
    expect(decodeControlRecord(decodeBatch(leaderChange))).toEqual({ type: 'UNKNOWN', version: 0, coordinatorEpoch: -1 })
  })

  it('refuses to read a marker from a data batch and rejects a short marker key', () => {
    // Property: decodeControlRecord only accepts one-record control batches, and checks key size.
    const data = decodeBatch(encodeBatch([{ value: 'x' }]))
    expect(() => decodeControlRecord(data)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    const shortKey = decodeBatch(encodeControlBatch({ ...marker, type: 'ABORT' }))
    shortKey.records[0].key = shortKey.records[0].key!.subarray(0, 3)
    expect(() => decodeControlRecord(shortKey)).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD' }))
  })

  it('rejects markers without a valid producer id or type', () => {
    // Property: a marker always names a real producer and a COMMIT/ABORT type.
    expect(() => encodeControlBatch({ ...marker, producerId: -1, type: 'COMMIT' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    expect(() => encodeControlBatch({ ...marker, type: 'PREPARE' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
  })
})
