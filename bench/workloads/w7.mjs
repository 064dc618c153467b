#!/usr/bin/env node
// W7: seek by timestamp: 10,000 random `offsetForTimestamp(ms)` lookups (--quick 2,000) on W1's
// data, where record o has timestamp base + o, so every answer is known and checked. Native and
// fallback bindings; no baseline (nothing raw answers the question without an index) and no target.
import { prepareDataset } from '../lib/dataset.mjs'
import { createPrng } from '../lib/prng.mjs'
import { measureOnEachBinding } from '../lib/seglog.mjs'
import { runWorkload } from '../lib/workload.mjs'

/** Untimed lookups first: JIT and lazily opened time indexes warm up. */
const WARMUP_LOOKUPS = 200

async function lookups(partition, { timestamps, timestampBaseMs }) {
  for (const timestampMs of timestamps) {
    const offset = await partition.offsetForTimestamp(timestampMs)
    const expected = timestampMs - timestampBaseMs
    if (offset !== expected) throw new Error(`W7: offsetForTimestamp(${timestampMs}) returned ${offset}, expected ${expected}`)
  }
}

await runWorkload('W7', async (ctx) => {
  const { records, timestampBaseMs, logDir } = await prepareDataset(ctx, { raw: false })
  const count = ctx.scale(10_000, 2_000)
  const prng = createPrng(ctx.seed + 7)
  const timestamps = Array.from({ length: count }, () => timestampBaseMs + prng.nextBelow(records))
  await measureOnEachBinding(ctx, logDir, [
    {
      conditions: (label) => ({
        case: `W7/${label}`,
        name: `${count.toLocaleString('en')} random offsetForTimestamp lookups in ${records.toLocaleString('en')} records`,
        concurrency: 1,
        metric: 'lookupsPerSec',
      }),
      async measure(partition) {
        await lookups(partition, { timestamps: timestamps.slice(0, WARMUP_LOOKUPS), timestampBaseMs })
        const start = process.hrtime.bigint()
        await lookups(partition, { timestamps, timestampBaseMs })
        return { records: count, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
      },
    },
  ])
})
