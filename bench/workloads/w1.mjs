#!/usr/bin/env node
// W1: append 1,000,000 × 100 B records in batches of 100, durability 'os', acks 1, one final flush,
// vs raw fs.writeSync of the same batches (target ≥ 0.6× its records/s). --quick: 200,000 records.
import { measureAppendThroughput } from '../lib/append-throughput.mjs'
import { runWorkload } from '../lib/workload.mjs'

await runWorkload('W1', (ctx) =>
  measureAppendThroughput(ctx, { records: ctx.scale(1_000_000, 200_000), recordBytes: 100, batchRecords: 100, metric: 'recordsPerSec' }),
)
