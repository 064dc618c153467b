/**
 * The read path's decoder: the records of one v2 batch appended straight onto the caller's array
 * in the public read shape (api.md "Reading": `{ offset, timestamp, key, value, headers }`, plus
 * `producerId` and `sequence` when the batch has a producer id), with no intermediate objects.
 * decodeBatch (batch.ts) builds a DecodedBatch of DecodedRecords, for tools and tests; a replay
 * that copied each of those into a second object spent a third of its time collecting them
 * (bench W5 profile).
 *
 * Validation is decodeBatch's (batch.ts `checkBatchAt`, record.ts `parseRecord`; records outside
 * the range are checked by `skipRecordBody`, which makes no views): the CRC-32C of the whole batch is checked before any of its records is
 * appended, and every record of the batch is parsed and checked, also those outside the requested
 * range, so a batch is either wholly valid or CORRUPT_RECORD. After a throw `out` may hold records
 * of the failed batch: the caller discards it.
 *
 * Keys, values and header values are views into `buf`, not copies: on a file mapping they keep
 * the mapping alive for as long as they are referenced.
 *
 * Concurrency: none; synchronous, no state between calls.
 */
import { PRODUCER_ID_POS, RECORDS_COUNT_POS, RECORDS_POS, readInt64 } from './batch-header.js'
import { checkBatchAt, checkRecordsEnd, recordContextAt } from './batch.js'
import { checkRecordNumbers, newRecordFields, readRecordBody, readRecordHead, skipRecordBody } from './record.js'
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
  const cursor: Cursor = { pos: pos + RECORDS_POS }
  const fields = newRecordFields()
  const { baseOffset, baseTimestamp, logAppendTime } = context
  let nextOffset = fromOffset
  let appending = out.length < maxRecords
  for (let i = 0; i < recordsCount; i++) {
    readRecordHead(buf, cursor, end, fields)
    const offset = baseOffset + fields.offsetDelta
    const timestamp = logAppendTime ?? baseTimestamp + fields.timestampDelta
    checkRecordNumbers(offset, timestamp, fields.start)
    if (appending && offset >= toOffset) appending = false
    if (!appending || offset < nextOffset) {
      // Checked like the others, but no views are made of a record that is not returned.
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
