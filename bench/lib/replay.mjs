/**
 * W5: replay a partition from offset 0 to its end, checking every record's offset and value
 * (payloads.mjs), in the two ways an application reads: `read()` in 1 MiB fetches (a consumer's
 * poll loop) and `for await … stream()` (one record per iteration). Both return
 * `{ records, seconds }`; both throw on the first wrong record or a short replay.
 */
import { checkRecord } from './seglog.mjs'

/** Bytes per read() call: Kafka's default max.partition.fetch.bytes. */
export const FETCH_MAX_BYTES = 1024 * 1024

export async function replayByRead(partition, { pool, records }) {
  const start = process.hrtime.bigint()
  let offset = 0
  while (offset < records) {
    const result = await partition.read({ offset, maxBytes: FETCH_MAX_BYTES })
    if (result.records.length === 0) throw new Error(`Replay by read: no records at offset ${offset} of ${records}`)
    for (const record of result.records) checkRecord(record, offset++, pool)
    if (result.nextOffset !== offset) throw new Error(`Replay by read: nextOffset ${result.nextOffset} after record ${offset - 1}`)
  }
  return { records: offset, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
}

export async function replayByStream(partition, { pool, records }) {
  const start = process.hrtime.bigint()
  let offset = 0
  for await (const record of partition.stream({ from: 0 })) {
    checkRecord(record, offset++, pool)
    if (offset === records) break
  }
  if (offset !== records) throw new Error(`Replay by stream: ended after ${offset} of ${records} records`)
  return { records: offset, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
}
