#!/usr/bin/env node
// W5: replay all of W1's data (1,000,000 × 100 B; --quick 200,000) from offset 0 with a warm page
// cache, every record's offset and bytes checked, by read() in 1 MiB fetches and by stream(), on
// the native binding (mmap) and the pure-JS fallback. Baseline: raw sequential readSync of the
// same records in 1 MiB chunks walking length prefixes and comparing every value (target, native:
// ≥ 1× its records/s).
import { rawSequentialRead } from '../lib/baselines.mjs'
import { DATASET_BATCH_RECORDS, DATASET_RECORD_BYTES, prepareDataset } from '../lib/dataset.mjs'
import { replayByRead, replayByStream } from '../lib/replay.mjs'
import { bindingsToCompare, reopenBenchTopic } from '../lib/seglog.mjs'
import { runWorkload } from '../lib/workload.mjs'

const REPLAYS = [
  { method: 'read', replay: replayByRead, describe: 'read() 1 MiB fetches' },
  { method: 'stream', replay: replayByStream, describe: 'for await stream()' },
]

await runWorkload('W5', async (ctx) => {
  const { pool, records, logDir, rawPath } = await prepareDataset(ctx, { raw: true })
  const baseline = rawSequentialRead({ path: rawPath, pool, records })
  // Fallback first: after a native open and close, a fallback open in the same process is refused
  // (dataset.mjs explains).
  for (const { label, openOptions, missing } of bindingsToCompare(ctx.machine).reverse()) {
    for (const { method, replay, describe } of REPLAYS) {
      const conditions = {
        case: `W5/${method}-${label}`,
        name: `replay ${records.toLocaleString('en')} records from offset 0, ${describe}, every record checked`,
        recordBytes: DATASET_RECORD_BYTES,
        batchRecords: DATASET_BATCH_RECORDS,
        concurrency: 1,
        binding: label,
        metric: 'recordsPerSec',
        baselineName: baseline.name,
        baselineValue: baseline.records / baseline.seconds,
      }
      if (!ctx.Log || missing) {
        ctx.record({ ...conditions, skipped: ctx.seglogMissing ?? missing })
        continue
      }
      const { log, partition } = await reopenBenchTopic(ctx.Log, logDir, openOptions)
      try {
        ctx.progress(`${method} ${label}`)
        const measured = await replay(partition, { pool, records })
        ctx.record({ ...conditions, records: measured.records, bytes: measured.records * pool.recordBytes, seconds: measured.seconds })
      } finally {
        await log.close()
      }
    }
  }
})
