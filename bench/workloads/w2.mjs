#!/usr/bin/env node
// W2: append 200,000 × 1 KiB records in batches of 100, durability 'os', acks 1, one final flush,
// vs raw fs.writeSync of the same batches (target ≥ 0.85× its MB/s). --quick: 50,000 records.
import { measureAppendThroughput } from '../lib/append-throughput.mjs'
import { runWorkload } from '../lib/workload.mjs'

await runWorkload('W2', (ctx) =>
  measureAppendThroughput(ctx, { records: ctx.scale(200_000, 50_000), recordBytes: 1024, batchRecords: 100, metric: 'MBps' }),
)
