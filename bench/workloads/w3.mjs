#!/usr/bin/env node
// W3: durable appends of 100 B records in batches of 100 (durability 'fsync', acks 'all') from 1, 8
// and 64 concurrent appenders, and 1 appender with Log.open's syncOnEventLoop, vs raw write +
// fdatasync per batch from one writer (target with 1 appender: ≥ 0.9× its records/s). Each case:
// 3 s per side (--quick: 0.75 s) in alternating rounds with the baseline (lib/durable-append.mjs).
import { rawAppend } from '../lib/baselines.mjs'
import { measureDurableAppends } from '../lib/durable-append.mjs'
import { createPayloadPool } from '../lib/payloads.mjs'
import { runWorkload } from '../lib/workload.mjs'

const RECORD_BYTES = 100
const BATCH_RECORDS = 100

await runWorkload('W3', async (ctx) => {
  const durationMs = ctx.scale(3000, 750)
  const pool = createPayloadPool(RECORD_BYTES, ctx.seed)
  function measureBaseline(roundMs) {
    const rawDir = ctx.tempDir('raw')
    const raw = rawAppend({ dir: rawDir, pool, batchRecords: BATCH_RECORDS, durationMs: roundMs, sync: 'batch' })
    ctx.removeTempDir(rawDir)
    return { name: raw.name, value: raw.records / raw.seconds }
  }
  for (const concurrency of [1, 8, 64]) {
    await measureDurableAppends(ctx, {
      caseId: `W3/c${concurrency}`,
      name: `durable append, ${concurrency} appender${concurrency > 1 ? 's' : ''}`,
      pool,
      batchRecords: BATCH_RECORDS,
      concurrency,
      durationMs,
      measureBaseline,
    })
  }
  // The same single appender with fdatasync on the event loop's thread (Log.open syncOnEventLoop):
  // no libuv pool round trip per sync, which is what bounds c1 above (see BENCHMARKS.md).
  await measureDurableAppends(ctx, {
    caseId: 'W3/c1-sync-on-event-loop',
    name: 'durable append, 1 appender, syncOnEventLoop',
    pool,
    batchRecords: BATCH_RECORDS,
    concurrency: 1,
    durationMs,
    measureBaseline,
    openOptions: { syncOnEventLoop: true },
  })
})
