#!/usr/bin/env node
// W6: 100,000 random point reads by offset (--quick 20,000), `read({ offset, maxRecords: 1 })`, on
// W1's data (1,000,000 × 100 B, warm page cache), each record's offset and bytes checked, on the
// native binding and the pure-JS fallback. Target (native): ≥ 300,000 reads/s. Context baseline:
// one raw pread per read at a computed position in a file of fixed-size records (no index can beat
// it; median of 3). The same seeded offsets on every side; the first WARMUP_READS are read once, untimed.
import { rawPointReads } from '../lib/baselines.mjs'
import { medianRun } from '../lib/clock.mjs'
import { DATASET_RECORD_BYTES, prepareDataset } from '../lib/dataset.mjs'
import { createPrng } from '../lib/prng.mjs'
import { checkRecord, measureOnEachBinding } from '../lib/seglog.mjs'
import { runWorkload } from '../lib/workload.mjs'

/** Baseline runs, median kept: each takes a fraction of a second, and one can hit a neighbour's burst. */
const BASELINE_RUNS = 3
/** Untimed reads first on each side: JIT, index files and lazily opened segments warm up. */
const WARMUP_READS = 1000

async function pointReads(partition, { pool, offsets }) {
  for (const offset of offsets) {
    const { records } = await partition.read({ offset, maxRecords: 1 })
    if (records.length !== 1) throw new Error(`W6: read at offset ${offset} returned ${records.length} records, expected 1`)
    checkRecord(records[0], offset, pool)
  }
}

await runWorkload('W6', async (ctx) => {
  const { pool, records, logDir, rawPath } = await prepareDataset(ctx, { raw: true })
  const reads = ctx.scale(100_000, 20_000)
  const prng = createPrng(ctx.seed + 6)
  const offsets = Array.from({ length: reads }, () => prng.nextBelow(records))
  const warmup = offsets.slice(0, WARMUP_READS)

  rawPointReads({ path: rawPath, pool, offsets: warmup })
  const baseline = medianRun(BASELINE_RUNS, () => rawPointReads({ path: rawPath, pool, offsets }))
  await measureOnEachBinding(ctx, logDir, [
    {
      conditions: (label) => ({
        case: `W6/${label}`,
        name: `${reads.toLocaleString('en')} random point reads of ${records.toLocaleString('en')} records, read({ offset, maxRecords: 1 })`,
        recordBytes: DATASET_RECORD_BYTES,
        concurrency: 1,
        metric: 'readsPerSec',
        baselineName: baseline.name,
        baselineValue: baseline.records / baseline.seconds,
      }),
      async measure(partition) {
        await pointReads(partition, { pool, offsets: warmup })
        const start = process.hrtime.bigint()
        await pointReads(partition, { pool, offsets })
        return { records: reads, bytes: reads * pool.recordBytes, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
      },
    },
  ])
})
