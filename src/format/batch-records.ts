/**
 * The read path's decoder: the records of one v2 batch appended straight onto the caller's array
 * in the public read shape (api.md "Reading": `{ offset, timestamp, key, value, headers }`, plus
 * `producerId` and `sequence` when the batch has a producer id), with no intermediate objects.
 * decodeBatch (batch.ts) builds a DecodedBatch of DecodedRecords, for tools and tests; a replay
 * that copied each of those into a second object spent a third of its time collecting them
 * (bench W5 profile).
 *
 * Validation: the CRC-32C of the whole batch is checked before any of its records is appended
 * (checkBatchAt), and every record returned is parsed and checked as decodeBatch checks it
 * (record.ts `readRecordHead`/`readRecordBody`, `checkOffsetDelta`). In a batch whose record i has
 * offset delta i (all that seglog writes), the records before the range are passed over by their
 * lengths alone (each must fit the batch), and those after the last one returned are not walked:
 * with the CRC matching their bytes are the writer's, and their fields are checked when a read
 * returns them; a read that reaches the batch's last record also checks that the records end
 * exactly at the batch end. A point read in a batch of 100 spent most of its time checking the 99
 * records it did not return (bench W6 profile: ~100k → ~175k reads/s under load). In compacted
 * batches every record is parsed, since offsets come from the deltas (`skipRecordBody` makes no
 * views of those not returned). After a throw `out` may hold records of the failed batch: the
 * caller discards it.
 *
 * Keys, values and header values are views into `buf`, not copies, so `buf` must be memory the
 * reader may hand out: reader.ts passes a private copy of each mapped batch, never the mapping.
 *
 * Concurrency: none; synchronous, no state between calls.
 */
import { LAST_OFFSET_DELTA_POS, PRODUCER_ID_POS, RECORDS_COUNT_POS, RECORDS_POS, readInt64 } from './batch-header.js'
import { checkBatchAt, checkRecordsEnd, recordContextAt } from './batch.js'
import { checkOffsetDelta, checkRecordNumbers, newRecordFields, readRecordBody, readRecordHead, skipRecordBody, skipRecordFrame } from './record.js'
import { incrementSequence } from './sequence.js'
import type { Cursor } from './varint.js'

/** A record as `read` and `stream` return it (api.md "Reading"). */
export interface LogRecord {
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: [string, Buffer | null][]
  /** Present on records written with a producer id. */
  producerId?: number
  sequence?: number
}

/**
 * Validates the batch at `pos` (CRC-32C unless `verifyCrc` is false) and appends to `out` its
 * records with `fromOffset ≤ offset < toOffset`, in batch order, stopping at the first record at
 * or past `toOffset` or once `out` holds `maxRecords`. Returns the offset after the last record
 * appended, or `fromOffset` if none was.
 */
export function appendBatchRecords(
  buf: Buffer,
  pos: number,
  out: LogRecord[],
  fromOffset: number,
  toOffset: number,
  maxRecords: number,
  verifyCrc = true,
): number {
  const end = pos + checkBatchAt(buf, pos, verifyCrc)
  const context = recordContextAt(buf, pos)
  const producerId = readInt64(buf, pos + PRODUCER_ID_POS)
  const recordsCount = buf.readInt32BE(pos + RECORDS_COUNT_POS)
  const lastOffsetDelta = buf.readInt32BE(pos + LAST_OFFSET_DELTA_POS)
  // Record i is at baseOffset + i (checkOffsetDelta), so records before the range are passed over
  // by their lengths alone and those after it are left alone (see the header).
  const dense = lastOffsetDelta === recordsCount - 1
  const cursor: Cursor = { pos: pos + RECORDS_POS }
  const fields = newRecordFields()
  const { baseOffset, baseTimestamp, logAppendTime } = context
  let nextOffset = fromOffset
  let appending = out.length < maxRecords
  let previousDelta = -1
  for (let i = 0; i < recordsCount; i++) {
    if (dense) {
      const offset = baseOffset + i
      if (appending && offset >= toOffset) appending = false
      if (!appending) return nextOffset
      if (offset < nextOffset) {
        skipRecordFrame(buf, cursor, end)
        continue
      }
    }
    readRecordHead(buf, cursor, end, fields)
    checkOffsetDelta(fields.offsetDelta, i, previousDelta, lastOffsetDelta, recordsCount, fields.start)
    previousDelta = fields.offsetDelta
    const offset = baseOffset + fields.offsetDelta
    const timestamp = logAppendTime ?? baseTimestamp + fields.timestampDelta
    checkRecordNumbers(offset, timestamp, fields.start)
    if (appending && offset >= toOffset) appending = false
    if (!appending || offset < nextOffset) {
      // A compacted batch's records are checked like the others, but no views are made of a record that is not returned.
      skipRecordBody(buf, cursor, fields)
      continue
    }
    readRecordBody(buf, cursor, fields)
    const record: LogRecord = { offset, timestamp, key: fields.key, value: fields.value, headers: fields.headers }
    if (producerId >= 0) {
      record.producerId = producerId
      record.sequence = context.baseSequence < 0 ? -1 : incrementSequence(context.baseSequence, fields.offsetDelta)
    }
    out.push(record)
    nextOffset = offset + 1
    if (out.length >= maxRecords) appending = false
  }
  checkRecordsEnd(cursor.pos, end, pos, recordsCount)
  return nextOffset
}
