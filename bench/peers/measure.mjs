#!/usr/bin/env node
/**
 * Runs seglog's workloads W1, W2, W3 c1, W5 and W6 on one peer store, in this process (bench/peers/run.mjs
 * starts one per peer), with the same record values (bench/lib/payloads.mjs, same seed), sizes,
 * batching, rounds and read offsets as seglog's workloads, and appends one NDJSON line per case to
 * --results:
 *
 *   { run, at, quick, caseId, workload, peer, version, metric, value, records, seconds,
 *     conditions: { durability, setting, recordBytes, batchRecords, concurrency }, extra, machine }
 *
 * or, when the peer cannot be loaded, one line `{ run, at, quick, peer, skipped }`.
 *
 *   node bench/peers/measure.mjs --peer lmdb [--quick] [--results FILE] [--run ID] [--seed N]
 *
 * | case  | what (full; --quick is 10× smaller)                          | peer setting ('os' / 'fsync') |
 * |-------|--------------------------------------------------------------|-------------------------------|
 * | W1    | 1,000,000 × 100 B, batches of 100, final flush, median of 3  | adapter settings.os           |
 * | W2    | 200,000 × 1 KiB, batches of 100, final flush, median of 3    | adapter settings.os           |
 * | W3/c1 | 100 B, batches of 100, each durable before the next, 3 s in  | adapter settings.fsync        |
 * |       | 3 rounds, median round                                       |                               |
 * | W5    | replay all W1 records in order (store reopened), each record | adapter settings.read         |
 * |       | key and bytes checked, median of 3                           |                               |
 * | W6    | 100,000 random point reads (W6's seeded offsets), checked     | adapter settings.read         |
 *
 * The W5/W6 dataset is the last W1 round's store, closed and reopened (seglog's read workloads also
 * read a closed and reopened log with a warm page cache). Case ids are those of the seglog case
 * each number sits beside in the report: W5 → W5/read-native, W6 → W6/native.
 */
import { appendFileSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { median } from '../lib/clock.mjs'
import { chooseBenchRoot, machineInfo } from '../lib/machine.mjs'
import { createPayloadPool } from '../lib/payloads.mjs'
import { createPrng } from '../lib/prng.mjs'
import { newRunId } from '../lib/results.mjs'
import { makeTempDir, removeTempDir } from '../lib/temp-dir.mjs'
import { formatBytes, formatValue } from '../lib/units.mjs'

const ROUNDS = 3
const REPLAY_RUNS = 3
const WARMUP_READS = 1000
/** Same as seglog's W6 (bench/workloads/w6.mjs): prng seeded seed + 6. */
const W6_SEED_OFFSET = 6
const BATCH_RECORDS = 100

const { values: args } = parseArgs({
  options: {
    peer: { type: 'string' },
    quick: { type: 'boolean', default: false },
    results: { type: 'string' },
    run: { type: 'string' },
    seed: { type: 'string', default: '42' },
  },
})
const quick = args.quick
const seed = Number(args.seed)
const run = args.run ?? newRunId(quick)
/** Full size, or a tenth with --quick. */
const scale = (full) => (quick ? Math.round(full / 10) : full)

const { peer } = await import(`./adapters/${args.peer}.mjs`)
const benchRoot = chooseBenchRoot()
const machine = await machineInfo(benchRoot)

function write(line) {
  const full = { run, at: new Date().toISOString(), quick, ...line }
  if (args.results) appendFileSync(args.results, JSON.stringify(full) + '\n')
  return full
}

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version
  } catch {
    return null
  }
}

const version = packageVersion(peer.packageName)
const label = `${peer.name}${version ? `@${version}` : ''}`

/** Opens a store; a load failure (module missing, addon not built) becomes the skip reason. */
async function openStore(dir, mode) {
  return peer.open(dir, { mode })
}

function record({ caseId, workload, metric, value, records, seconds, what, durability, setting, recordBytes, batchRecords, extra }) {
  const line = write({
    caseId,
    workload,
    peer: peer.name,
    version,
    metric,
    value,
    records,
    seconds,
    what,
    conditions: { durability, setting, recordBytes, batchRecords, concurrency: 1 },
    extra: extra ?? {},
    machine,
  })
  const conditions = [`durability ${durability}: ${setting}`, recordBytes ? `record ${formatBytes(recordBytes)}` : null, batchRecords ? `batch ${batchRecords}` : null]
  console.log(`${caseId} ${label} ${what} [${conditions.filter(Boolean).join(', ')}] | ${formatValue(value, metric)}`)
  return line
}

/** Appends `records` pool values in batches (each awaited), then the final flush; seconds of both. */
async function appendAll(store, pool, records) {
  const start = process.hrtime.bigint()
  for (let first = 0; first < records; first += BATCH_RECORDS) {
    const count = Math.min(BATCH_RECORDS, records - first)
    const values = new Array(count)
    for (let i = 0; i < count; i++) values[i] = pool.expected(first + i)
    const last = first + count >= records
    if (store.sync) store.append(first, values, { last })
    else await store.append(first, values, { last })
  }
  if (store.sync) store.finish()
  else await store.finish()
  return Number(process.hrtime.bigint() - start) / 1e9
}

/** W1/W2: ROUNDS fresh stores; returns the median seconds and the last round's directory (kept when `keepLast`). */
async function appendThroughput({ caseId, records, recordBytes, metric, keepLast }) {
  const pool = createPayloadPool(recordBytes, seed)
  const seconds = []
  let keptDir = null
  for (let round = 0; round < ROUNDS; round++) {
    const dir = makeTempDir(benchRoot.path, `peer-${peer.name}-${caseId.toLowerCase()}`)
    const store = await openStore(dir, 'os')
    try {
      seconds.push(await appendAll(store, pool, records))
    } finally {
      await store.close()
    }
    if (keepLast && round === ROUNDS - 1) keptDir = dir
    else removeTempDir(dir)
  }
  const middle = median(seconds)
  record({
    caseId,
    workload: caseId,
    metric,
    value: metric === 'MBps' ? (records * recordBytes) / 1e6 / middle : records / middle,
    records,
    seconds: middle,
    what: `append ${records.toLocaleString('en')} × ${formatBytes(recordBytes)}, final flush, median of ${ROUNDS}`,
    durability: 'os',
    setting: peer.settings.os,
    recordBytes,
    batchRecords: BATCH_RECORDS,
    extra: { roundsSeconds: seconds },
  })
  return { dir: keptDir, pool, records }
}

/** W3 c1: batches of 100 × 100 B, each durable before the next, ROUNDS rounds of durationMs/ROUNDS. */
async function durableAppends({ durationMs }) {
  const recordBytes = 100
  const pool = createPayloadPool(recordBytes, seed)
  const dir = makeTempDir(benchRoot.path, `peer-${peer.name}-w3`)
  const store = await openStore(dir, 'fsync')
  const rates = []
  let next = 0
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const start = process.hrtime.bigint()
      const deadline = start + BigInt(Math.round((durationMs / ROUNDS) * 1e6))
      let records = 0
      while (process.hrtime.bigint() < deadline) {
        const values = new Array(BATCH_RECORDS)
        for (let i = 0; i < BATCH_RECORDS; i++) values[i] = pool.expected(next + i)
        if (store.sync) store.append(next, values)
        else await store.append(next, values)
        next += BATCH_RECORDS
        records += BATCH_RECORDS
      }
      rates.push(records / (Number(process.hrtime.bigint() - start) / 1e9))
    }
  } finally {
    await store.close()
    removeTempDir(dir)
  }
  const value = median(rates)
  record({
    caseId: 'W3/c1',
    workload: 'W3',
    metric: 'recordsPerSec',
    value,
    records: null,
    seconds: null,
    what: `durable append, 1 appender, ${ROUNDS} rounds of ${durationMs / ROUNDS / 1000} s, median round`,
    durability: 'fsync',
    setting: peer.settings.fsync,
    recordBytes,
    batchRecords: BATCH_RECORDS,
    extra: { roundsRecordsPerSec: rates },
  })
}

function checker(pool) {
  return (seq, value, index) => {
    if (seq !== index) throw new Error(`${peer.name} replay: record ${index} has sequence number ${seq}`)
    if (!pool.expected(index).equals(value)) throw new Error(`${peer.name} replay: record ${index} value differs from what was written`)
  }
}

/** W5: replay the dataset REPLAY_RUNS times, median. */
async function replay({ dir, pool, records }) {
  const store = await openStore(dir, 'read')
  const seconds = []
  try {
    const visit = checker(pool)
    for (let i = 0; i < REPLAY_RUNS; i++) {
      const start = process.hrtime.bigint()
      const count = await store.replay(visit, records)
      seconds.push(Number(process.hrtime.bigint() - start) / 1e9)
      if (count !== records) throw new Error(`${peer.name} replay: ${count} records, expected ${records}`)
    }
  } finally {
    await store.close()
  }
  const middle = median(seconds)
  record({
    caseId: 'W5/read-native',
    workload: 'W5',
    metric: 'recordsPerSec',
    value: records / middle,
    records,
    seconds: middle,
    what: `replay ${records.toLocaleString('en')} records in order, every key and value checked, median of ${REPLAY_RUNS}`,
    durability: 'os',
    setting: peer.settings.read,
    recordBytes: pool.recordBytes,
    batchRecords: BATCH_RECORDS,
    extra: { replaysSeconds: seconds },
  })
}

/** W6: random point reads at W6's seeded offsets; WARMUP_READS untimed first. */
async function pointReads({ dir, pool, records }) {
  const reads = scale(100_000)
  const prng = createPrng(seed + W6_SEED_OFFSET)
  const offsets = Array.from({ length: reads }, () => prng.nextBelow(records))
  const store = await openStore(dir, 'read')
  async function readAll(list) {
    for (const seq of list) {
      const value = store.syncReads ? store.get(seq) : await store.get(seq)
      if (!value || !pool.expected(seq).equals(value)) throw new Error(`${peer.name} point read: record ${seq} differs from what was written`)
    }
  }
  let seconds
  try {
    await readAll(offsets.slice(0, WARMUP_READS))
    const start = process.hrtime.bigint()
    await readAll(offsets)
    seconds = Number(process.hrtime.bigint() - start) / 1e9
  } finally {
    await store.close()
  }
  record({
    caseId: 'W6/native',
    workload: 'W6',
    metric: 'readsPerSec',
    value: reads / seconds,
    records: reads,
    seconds,
    what: `${reads.toLocaleString('en')} random point reads of ${records.toLocaleString('en')} records, each checked`,
    durability: 'os',
    setting: peer.settings.read,
    recordBytes: pool.recordBytes,
    batchRecords: null,
  })
}

try {
  // Loading the module is part of opening: a missing or unbuildable peer is skipped, not failed.
  const probeDir = makeTempDir(benchRoot.path, `peer-${peer.name}-probe`)
  try {
    const store = await openStore(probeDir, 'os')
    await store.close()
  } catch (err) {
    const reason = `cannot open ${label}: ${String(err?.message ?? err).replace(/\s+/g, ' ').slice(0, 300)}`
    write({ peer: peer.name, version, skipped: reason })
    console.log(`${peer.name} skipped: ${reason}`)
    process.exit(0)
  } finally {
    removeTempDir(probeDir)
  }

  console.log(`${label}${quick ? ' (quick)' : ''}`)
  const dataset = await appendThroughput({ caseId: 'W1', records: scale(1_000_000), recordBytes: 100, metric: 'recordsPerSec', keepLast: true })
  try {
    await replay(dataset)
    await pointReads(dataset)
  } finally {
    removeTempDir(dataset.dir)
  }
  await appendThroughput({ caseId: 'W2', records: scale(200_000), recordBytes: 1024, metric: 'MBps', keepLast: false })
  await durableAppends({ durationMs: scale(3000) })
} catch (err) {
  console.error(`${peer.name} failed: ${err?.stack ?? err}`)
  process.exitCode = 1
}
