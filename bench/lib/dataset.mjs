/**
 * The W1 dataset the read workloads (W5, W6, W7, W9) run on: `records` × 100 B values from the
 * payload pool, written by seglog in batches of 100 with durability 'os', flushed and closed;
 * record o has timestamp timestampBaseMs + o (one distinct millisecond per record, all in the past).
 * With `raw: true`, the same records are also written as a raw length-prefixed file
 * (baselines.mjs rawAppend) for the raw read baselines.
 *
 * Segments are DATASET_SEGMENT_BYTES, not the 128 MiB default, so that most of the data sits in
 * sealed segments: those are what the native binding maps (mmap), while the active segment is read
 * with pread on both bindings; with the default the whole ~110 MB dataset would be one active
 * segment and "native vs fallback" would compare pread with pread.
 *
 * The dataset is written before anything is timed; it is in the page cache when the reads start
 * (the machine has far more memory than the ~130 MB it takes), which is the "warm cache" case.
 */
import { rawAppend } from './baselines.mjs'
import { createPayloadPool } from './payloads.mjs'
import { writeDataset } from './seglog.mjs'

export const DATASET_RECORD_BYTES = 100
export const DATASET_BATCH_RECORDS = 100
/** ~7 sealed segments and an active one for the full dataset, ~2 sealed for --quick. */
export const DATASET_SEGMENT_BYTES = 16 * 1024 * 1024

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
      segmentBytes: DATASET_SEGMENT_BYTES,
      timestampBaseMs,
      onProgress: (done) => ctx.progress(`writing dataset ${done}/${records}`),
    })
  }
  return { pool, records, timestampBaseMs, logDir, rawPath }
}
