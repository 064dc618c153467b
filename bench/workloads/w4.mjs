#!/usr/bin/env node
// W4: durable single-record appends (100 B, durability 'fsync', acks 'all') from 1, 64 and 1,024
// concurrent appenders: group commit must turn one fdatasync into many acknowledged records.
// Baseline: the disk's fdatasync rate (128 B append + fdatasync loop); target with 64 appenders:
// ≥ 20× that rate in records/s. Also reports fsyncs/s from log.metrics(). Each case: 3 s per side
// (--quick: 0.75 s) in alternating rounds with the baseline (lib/durable-append.mjs).
import { diskFdatasyncRate } from '../lib/baselines.mjs'
import { measureDurableAppends } from '../lib/durable-append.mjs'
import { createPayloadPool } from '../lib/payloads.mjs'
import { runWorkload } from '../lib/workload.mjs'

const RECORD_BYTES = 100

await runWorkload('W4', async (ctx) => {
  const durationMs = ctx.scale(3000, 750)
  const pool = createPayloadPool(RECORD_BYTES, ctx.seed)
  function measureBaseline(roundMs) {
    const probeDir = ctx.tempDir('probe')
    const disk = diskFdatasyncRate({ dir: probeDir, durationMs: roundMs })
    ctx.removeTempDir(probeDir)
    return { name: disk.name, value: disk.syncsPerSec }
  }
  for (const concurrency of [1, 64, 1024]) {
    await measureDurableAppends(ctx, {
      caseId: `W4/c${concurrency}`,
      name: `durable single-record append, ${concurrency} appender${concurrency > 1 ? 's' : ''}`,
      pool,
      batchRecords: 1,
      concurrency,
      durationMs,
      measureBaseline,
    })
  }
})
