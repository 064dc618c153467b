/**
 * The size in bytes of the uncompressed record batch v2 that one `append` writes, computed from
 * the records alone (Kafka's DefaultRecordBatch / DefaultRecord layout, kafka-storage.md §2.1–2.2),
 * so the model knows segment sizes, rolls, size-based retention and `maxBytes` read limits without
 * asking the engine:
 *
 *   batch  = 61-byte header + records
 *   record = varint(bodyBytes) + body
 *   body   = attributes (1) + varlong(timestampDelta) + varint(offsetDelta)
 *            + varint(keyBytes | -1) + key + varint(valueBytes | -1) + value
 *            + varint(headerCount) + per header: varint(keyBytes) + key + varint(valueBytes | -1) + value
 *
 * Varints are zigzag-encoded base-128; timestampDelta is relative to the first record's timestamp
 * (the batch's baseTimestamp) and may be negative.
 */
import type { StoredRecord } from './stored-record.js'

const BATCH_HEADER_BYTES = 61

/** Bytes of the zigzag varint (or varlong) encoding of `n`. */
export function zigzagVarintBytes(n: number): number {
  let zigzag = n >= 0 ? BigInt(n) * 2n : -BigInt(n) * 2n - 1n
  let bytes = 1
  while (zigzag >= 0x80n) {
    zigzag >>= 7n
    bytes++
  }
  return bytes
}

function fieldBytes(bytes: Buffer | null): number {
  return bytes === null ? zigzagVarintBytes(-1) : zigzagVarintBytes(bytes.length) + bytes.length
}

/**
 * Size of the batch holding `records`, each encoded with `encodedTimestamps[i]` (the timestamp the
 * producer side wrote: a LogAppendTime topic stamps the append time over it only in the header).
 */
export function batchSizeBytes(records: readonly StoredRecord[], encodedTimestamps: readonly number[]): number {
  let total = BATCH_HEADER_BYTES
  const baseTimestamp = encodedTimestamps[0]!
  records.forEach((record, i) => {
    let body = 1 + zigzagVarintBytes(encodedTimestamps[i]! - baseTimestamp) + zigzagVarintBytes(i)
    body += fieldBytes(record.key) + fieldBytes(record.value)
    body += zigzagVarintBytes(record.headers.length)
    for (const [key, value] of record.headers) body += fieldBytes(Buffer.from(key, 'utf8')) + fieldBytes(value)
    total += zigzagVarintBytes(body) + body
  })
  return total
}
