/**
 * The W1 dataset the read workloads (W5, W6, W7, W9) run on: `records` × 100 B values from the
 * payload pool, written by seglog in batches of 100 with durability 'os', flushed and closed;
 * record o has timestamp timestampBaseMs + o (one distinct millisecond per record, all in the past).
 * With `raw: true`, the same records are also written as a raw length-prefixed file
 * (baselines.mjs rawAppend) for the raw read baselines.
 *
 * The dataset is written before anything is timed; it is in the page cache when the reads start
 * (the machine has far more memory than the ~130 MB it takes), which is the "warm cache" case.
 */
import { rawAppend } from './baselines.mjs'
import { createPayloadPool } from './payloads.mjs'
import { writeDataset } from './seglog.mjs'

export const DATASET_RECORD_BYTES = 100
export const DATASET_BATCH_RECORDS = 100

/** `{ pool, records, timestampBaseMs, logDir (null without Log), rawPath (null unless raw) }`. */
export async function prepareDataset(ctx, { raw }) {
  const records = ctx.scale(1_000_000, 200_000)
  const pool = createPayloadPool(DATASET_RECORD_BYTES, ctx.seed)
  // A minute before the oldest record: every timestamp is in the past, so no retention or
  // future-timestamp rule can touch them.
  const timestampBaseMs = Date.now() - records - 60_000
  let rawPath = null
  if (raw) {
    rawPath = rawAppend({ dir: ctx.tempDir('raw'), pool, batchRecords: DATASET_BATCH_RECORDS, records, sync: 'end' }).path
  }
  let logDir = null
  if (ctx.Log) {
    logDir = ctx.tempDir('dataset')
    await writeDataset(ctx.Log, logDir, {
      // Written with the fallback binding: a native open leaves a .lock file naming this live
      // process, which the fallback's pid-file lock refuses for the rest of the process, while the
      // fallback removes its file on close, so the readers can open with either binding afterwards
      // as long as the fallback ones go first. Nothing here is timed.
      openOptions: { native: false },
      pool,
      records,
      batchRecords: DATASET_BATCH_RECORDS,
      timestampBaseMs,
      onProgress: (done) => ctx.progress(`writing dataset ${done}/${records}`),
    })
  }
  return { pool, records, timestampBaseMs, logDir, rawPath }
}
