#!/usr/bin/env node
// Append records/s for 100 B records with acks 1 and acks 'all' (durability 'fsync') at 1, 8 and
// 64 concurrent appenders, single-record appends and batches of 100, with fsyncs/s from
// log.metrics() — beside the disk's fdatasync rate measured in the same run (the bound for
// one-record-per-fsync) so the group-commit gain reads as a ratio.
// Usage: npx tsc -p tsconfig.build.json && node bench/acks.mjs [--seconds 1]
import { diskFdatasyncRate } from './lib/baselines.mjs'
import { chooseBenchRoot, describeMachine, machineInfo } from './lib/machine.mjs'
import { createPayloadPool } from './lib/payloads.mjs'
import { appendConcurrently, fsyncTotals, loadSeglog, openBenchTopic } from './lib/seglog.mjs'
import { makeTempDir, removeTempDir } from './lib/temp-dir.mjs'

const secondsArg = process.argv.indexOf('--seconds')
const durationMs = 1000 * (secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 1)
const root = chooseBenchRoot().path
console.log(describeMachine(await machineInfo(chooseBenchRoot())))
const { Log } = await loadSeglog()
const pool = createPayloadPool(100, 1)
const rateDir = makeTempDir(root, 'fdatasync')
const disk = diskFdatasyncRate({ dir: rateDir, durationMs: 2000 })
removeTempDir(rateDir)
console.log(`baseline: ${disk.name}: ${Math.round(disk.syncsPerSec)}/s`)
console.log('durability | acks | record B | batch | appenders | records/s | fsyncs/s | records/fsync | × disk fdatasync rate')
for (const batchRecords of [1, 100]) {
  for (const acks of [1, 'all']) {
    for (const concurrency of [1, 8, 64]) {
      const dir = makeTempDir(root, 'acks')
      const { log, partition } = await openBenchTopic(Log, dir, { durability: 'fsync' })
      const before = fsyncTotals(log.metrics())
      const { records, seconds } = await appendConcurrently(partition, { pool, batchRecords, concurrency, durationMs, acks })
      await partition.flush()
      const after = fsyncTotals(log.metrics())
      await log.close()
      removeTempDir(dir)
      const fsyncs = after.fsyncs - before.fsyncs
      const rate = records / seconds
      console.log(
        `fsync | ${acks} | 100 | ${batchRecords} | ${concurrency} | ${Math.round(rate).toLocaleString('en-US')} | ${Math.round(fsyncs / seconds)} | ${acks === 1 ? '— (acks 1 waits for no fsync)' : (records / Math.max(fsyncs, 1)).toFixed(1)} | ${(rate / disk.syncsPerSec).toFixed(1)}×`,
      )
    }
  }
}
