import { describe, expect, it } from 'vitest'
import { encodeBatch, decodeBatch, type RecordInput } from '../../../src/format/batch.js'
import { BATCH_HEADER_BYTES } from '../../../src/format/batch-header.js'
import { RECORD_BYTES_MIN, RECORD_OVERHEAD_BYTES_MAX } from '../../../src/format/record.js'

/** Bytes record `records[last]` takes: the batch with it minus the batch without it (the header is fixed). */
function lastRecordBytes(records: RecordInput[]): number {
  return encodeBatch(records).length - (records.length > 1 ? encodeBatch(records.slice(0, -1)).length : BATCH_HEADER_BYTES)
}

describe('record layout', () => {
  it('writes the smallest record, all null and no headers, in RECORD_BYTES_MIN bytes', () => {
    // Property: the decoder's recordsCount bound (RECORD_BYTES_MIN per record) is the true minimum.
    expect(lastRecordBytes([{ key: null, value: null, timestamp: 0 }])).toBe(RECORD_BYTES_MIN)
  })

  it('adds at most RECORD_OVERHEAD_BYTES_MAX bytes beyond the key, value and headers sections', () => {
    // Property: Kafka's MAX_RECORD_OVERHEAD (21) bounds length + attributes + timestampDelta + offsetDelta,
    // here with the largest timestamp delta seglog can write and a 2-byte offsetDelta.
    const filler = Array.from({ length: 200 }, () => ({ value: null, timestamp: 0 }))
    const value = Buffer.alloc(300)
    const record = { key: 'k', value, timestamp: Number.MAX_SAFE_INTEGER, headers: { h: 'v' } }
    const recordBytes = lastRecordBytes([...filler, record])
    const sections = 1 + 1 + (2 + 300) + (1 + 1 + 1 + 1 + 1) // key len+bytes, value len+bytes, headers count+key+value
    const overhead = recordBytes - sections
    expect(overhead).toBeLessThanOrEqual(RECORD_OVERHEAD_BYTES_MAX)
    expect(overhead).toBe(2 /* length 3xx */ + 1 /* attributes */ + 8 /* delta 2^53 − 1 */ + 2 /* offsetDelta 200 */)
    expect(decodeBatch(encodeBatch([...filler, record])).records[200].timestamp).toBe(Number.MAX_SAFE_INTEGER)
  })

  it('rejects a timestamp further than 2^53 − 1 from the first record', () => {
    // Property: a delta that JS cannot represent exactly is refused at encode, not silently rounded.
    expect(() => encodeBatch([{ value: 'a', timestamp: -1 }, { value: 'b', timestamp: Number.MAX_SAFE_INTEGER }])).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    )
  })
})
