#!/usr/bin/env node
/**
 * CPU profiles of the workloads whose targets bound the engine (issue 4: "performance work starts
 * from a profile"): the workload's measured part runs under the V8 profiler (node:inspector, the
 * same sampler as `node --cpu-prof`), set-up untouched by it, and the top of the profile is
 * printed: functions by self time, then the inclusive time of the engine's layers on that path.
 *
 *   node bench/profile.mjs W6            # W1 | W2 | W3 | W3-sync | W5 | W5-stream | W6
 *   node bench/profile.mjs W6 --top 40
 *
 * Each run prints the durability mode, record size and batch size with its throughput, and writes
 * the raw profile to bench/results/profiles/<case>-<time>.cpuprofile (open it in Chrome DevTools or
 * speedscope). Sizes follow bench/run.mjs's workloads (W5/W6 on a W1-style dataset of 1,000,000 ×
 * 100 B in 16 MiB segments), so the proportions carry over; the absolute rates are not the
 * benchmark's (no baseline, one run, profiler attached): measure those with `npm run bench`.
 * Needs dist/ (`npx tsc -p tsconfig.build.json`).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { summarizeCpuProfile, topLines } from './lib/cpu-profile.mjs'
import { chooseBenchRoot } from './lib/machine.mjs'
import { createPayloadPool } from './lib/payloads.mjs'
import { createPrng } from './lib/prng.mjs'
import { replayByRead, replayByStream } from './lib/replay.mjs'
import { appendConcurrently, appendSequentially, checkRecord, loadSeglog, openBenchTopic, reopenBenchTopic, writeDataset } from './lib/seglog.mjs'
import { makeTempDir } from './lib/temp-dir.mjs'

const PROFILES_DIR = fileURLToPath(new URL('./results/profiles/', import.meta.url))
const DATASET = { records: 1_000_000, recordBytes: 100, batchRecords: 100, segmentBytes: 16 * 1024 * 1024 }
const POINT_READS = 200_000

/** Engine functions whose inclusive time says which layer a workload spends in. */
const LAYERS = {
  write: ['append', 'drain', 'writeBatches', 'writeRun', 'prepareAppend', 'encodeRecordBatch', 'computeBatchCrc', 'crc32c', 'writeFullyAt', 'pwrite', 'pwritev', 'fdatasync', 'flushNow'],
  read: ['read', 'collectRecords', 'appendBatchRecords', 'checkBatchAt', 'crc32c', 'batchFromIndex', 'seekChecked', 'readMapped', 'readRecordBody', 'next'],
}

/** Each case: what it runs (`conditions` printed beside the rate), its set-up and its measured part. */
const CASES = {
  W1: appendCase(100, 1_000_000),
  W2: appendCase(1024, 200_000),
  W3: durableCase({}),
  'W3-sync': durableCase({ syncOnEventLoop: true }),
  W5: replayCase(replayByRead),
  'W5-stream': replayCase(replayByStream),
  W6: {
    conditions: `native binding, ${POINT_READS.toLocaleString('en')} random read({ offset, maxRecords: 1 }) over ${DATASET.records.toLocaleString('en')} × 100 B (batches of 100)`,
    layers: LAYERS.read,
    async setup(Log, dir) {
      const prng = createPrng(6)
      return { ...(await openDataset(Log, dir)), offsets: Array.from({ length: POINT_READS }, () => prng.nextBelow(DATASET.records)) }
    },
    async measure({ partition, pool, offsets }) {
      const start = process.hrtime.bigint()
      for (const offset of offsets) {
        const { records } = await partition.read({ offset, maxRecords: 1 })
        checkRecord(records[0], offset, pool)
      }
      return `${Math.round(POINT_READS / (Number(process.hrtime.bigint() - start) / 1e9)).toLocaleString('en')} reads/s`
    },
  },
}

/** W1 and W2: `records` appends of 100 records of `recordBytes`, one at a time, then a flush (as bench/lib/append-throughput.mjs). */
function appendCase(recordBytes, records) {
  return {
    conditions: `durability 'os', record ${recordBytes} B, batch 100, ${records.toLocaleString('en')} records, acks 1, final flush`,
    layers: LAYERS.write,
    async setup(Log, dir) {
      return { ...(await openBenchTopic(Log, dir, { durability: 'os' })), pool: createPayloadPool(recordBytes, 1) }
    },
    async measure({ partition, pool }) {
      const seconds = await appendSequentially(partition, { pool, records, batchRecords: 100, acks: 1 })
      return `${((records * recordBytes) / 1e6 / seconds).toFixed(0)} MB/s, ${Math.round(records / seconds).toLocaleString('en')} rec/s`
    },
  }
}

function durableCase(openOptions) {
  const label = openOptions.syncOnEventLoop ? ', syncOnEventLoop' : ''
  return {
    conditions: `durability 'fsync', acks 'all', record 100 B, batch 100, 1 appender for 3 s${label}`,
    layers: LAYERS.write,
    async setup(Log, dir) {
      return { ...(await openBenchTopic(Log, dir, { durability: 'fsync' }, openOptions)), pool: createPayloadPool(100, 1) }
    },
    async measure({ partition, pool }) {
      const { records, seconds } = await appendConcurrently(partition, { pool, batchRecords: 100, concurrency: 1, durationMs: 3000, acks: 'all' })
      return `${Math.round(records / seconds).toLocaleString('en')} rec/s`
    },
  }
}

function replayCase(replay) {
  return {
    conditions: `native binding, replay of ${DATASET.records.toLocaleString('en')} × 100 B (batches of 100) ${replay === replayByRead ? 'by read() in 1 MiB fetches' : 'by stream()'}, every record checked`,
    layers: LAYERS.read,
    setup: openDataset,
    async measure({ partition, pool }) {
      const { records, seconds } = await replay(partition, { pool, records: DATASET.records })
      return `${Math.round(records / seconds).toLocaleString('en')} rec/s`
    },
  }
}

/** Writes the W1-style dataset (unprofiled), reopens it, and warms the read path once. */
async function openDataset(Log, dir) {
  const pool = createPayloadPool(DATASET.recordBytes, 1)
  await writeDataset(Log, dir, { pool, records: DATASET.records, batchRecords: DATASET.batchRecords, segmentBytes: DATASET.segmentBytes, timestampBaseMs: Date.now() - 2 * DATASET.records })
  const opened = await reopenBenchTopic(Log, dir)
  await replayByRead(opened.partition, { pool, records: DATASET.records })
  return { ...opened, pool }
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } })
const caseId = positionals[0]
const selected = CASES[caseId]
if (!selected || positionals.length !== 1) {
  console.error(`usage: node bench/profile.mjs <${Object.keys(CASES).join('|')}> [--top N]`)
  process.exit(2)
}
const { Log, missing } = await loadSeglog()
if (!Log) {
  console.error(`bench/profile.mjs: ${missing} (build with npx tsc -p tsconfig.build.json)`)
  process.exit(1)
}

const dir = makeTempDir(chooseBenchRoot().path, `profile-${caseId}`)
const state = await selected.setup(Log, join(dir, 'log'))
const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.start')
const rate = await selected.measure(state)
const { profile } = await session.post('Profiler.stop')
session.disconnect()
await state.log?.close()

mkdirSync(PROFILES_DIR, { recursive: true })
const profilePath = join(PROFILES_DIR, `${caseId}-${new Date().toISOString().replace(/[:.]/g, '')}.cpuprofile`)
writeFileSync(profilePath, JSON.stringify(profile))
const top = Number(values.top)
const { total, self, inclusive } = summarizeCpuProfile(profilePath)
const layers = new Map([...inclusive].filter(([key]) => selected.layers.includes(key.split(' ')[0]) && !key.includes('node:')))
console.log(`${caseId}: ${selected.conditions}: ${rate} (profiler attached)`)
console.log(`profile: ${profilePath}`)
console.log(`\nself time (of ${(total / 1e6).toFixed(2)} s sampled):`)
for (const line of topLines(self, total, top)) console.log(line)
console.log('\ninclusive time of the engine functions on this path:')
for (const line of topLines(layers, total, top)) console.log(line)
