/**
 * Reads everything a partition serves — every record from logStartOffset up to the high
 * watermark — through the public `read` API, for the ledger checker (ledger-check.ts).
 *
 * Typed structurally against api.md's read result, so it works with the Partition of src/ (in the
 * test process) and needs nothing but `read`.
 */
import type { PartitionSnapshot, ReadRecord } from './ledger-check.js'

export interface ReadablePartition {
  read(options: { offset: number; maxBytes?: number }): Promise<{
    records: ReadRecord[]
    nextOffset: number
    highWatermark: number
    logStartOffset: number
  }>
}

/** One read's worth: large enough that a check is a handful of reads, small enough to stay cheap. */
const READ_MAX_BYTES = 1 << 20

/**
 * Reads [logStartOffset, highWatermark) as the partition reports them at the first read. Throws if
 * a read makes no progress below the high watermark (a reader stuck there is itself a failure).
 */
export async function readWholePartition(partition: ReadablePartition, logStartOffset: number): Promise<PartitionSnapshot> {
  const first = await partition.read({ offset: logStartOffset, maxBytes: READ_MAX_BYTES })
  const { highWatermark } = first
  const records: ReadRecord[] = [...first.records]
  let nextOffset = first.nextOffset
  while (nextOffset < highWatermark) {
    const result = await partition.read({ offset: nextOffset, maxBytes: READ_MAX_BYTES })
    if (result.records.length === 0 || result.nextOffset <= nextOffset) {
      throw new Error(`read({ offset: ${nextOffset} }) returned no records below the high watermark ${highWatermark}`)
    }
    records.push(...result.records)
    nextOffset = result.nextOffset
  }
  return { logStartOffset: first.logStartOffset, highWatermark, records }
}
