#!/usr/bin/env node
// W5: replay all of W1's data (1,000,000 × 100 B; --quick 200,000) from offset 0 with a warm page
// cache, every record's offset and bytes checked, by read() in 1 MiB fetches and by stream(), on
// the native binding (mmap) and the pure-JS fallback, median of 3 replays each. Baseline: raw
// sequential readSync of the same records in 1 MiB chunks walking length prefixes and comparing
// every value, median of 3 (target, native: ≥ 1× its records/s).
import { rawSequentialRead } from '../lib/baselines.mjs'
import { median, medianRun } from '../lib/clock.mjs'
import { DATASET_BATCH_RECORDS, DATASET_RECORD_BYTES, prepareDataset } from '../lib/dataset.mjs'
import { replayByRead, replayByStream } from '../lib/replay.mjs'
import { measureOnEachBinding } from '../lib/seglog.mjs'
import { runWorkload } from '../lib/workload.mjs'

/** Runs per side, median kept: each is about a second or less, and one can hit a neighbour's burst. */
const BASELINE_RUNS = 3
const REPLAY_RUNS = 3

const REPLAYS = [
  { method: 'read', replay: replayByRead, describe: 'read() 1 MiB fetches' },
  { method: 'stream', replay: replayByStream, describe: 'for await stream()' },
]

await runWorkload('W5', async (ctx) => {
  const { pool, records, logDir, rawPath } = await prepareDataset(ctx, { raw: true })
  const baseline = medianRun(BASELINE_RUNS, () => rawSequentialRead({ path: rawPath, pool, records }))
  await measureOnEachBinding(
    ctx,
    logDir,
    REPLAYS.map(({ method, replay, describe }) => ({
      conditions: (label) => ({
        case: `W5/${method}-${label}`,
        name: `replay ${records.toLocaleString('en')} records from offset 0, ${describe}, every record checked`,
        recordBytes: DATASET_RECORD_BYTES,
        batchRecords: DATASET_BATCH_RECORDS,
        concurrency: 1,
        metric: 'recordsPerSec',
        baselineName: baseline.name,
        baselineValue: baseline.records / baseline.seconds,
      }),
      async measure(partition) {
        const replays = []
        for (let i = 0; i < REPLAY_RUNS; i++) replays.push(await replay(partition, { pool, records }))
        const seconds = median(replays.map((r) => r.seconds))
        return { records, bytes: records * pool.recordBytes, seconds, extra: { replaysSeconds: replays.map((r) => r.seconds) } }
      },
    })),
  )
})
