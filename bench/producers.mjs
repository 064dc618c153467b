#!/usr/bin/env node
/**
 * Idempotent producers, measured (issue 10 §7). Every case prints its durability mode, record
 * size, batch size and concurrency beside a baseline measured in the same run, and the ratio:
 *
 *   1. W11/idempotent-<os|fsync>-c<1|64>: p.append with producer fields (1 or 64 producer ids,
 *      each its own sequence, in parallel on one partition) vs plain p.append at the same
 *      concurrency; 100 B records, batches of 100; 'os' as W1 (acks 1, fixed records, final
 *      flush), 'fsync' as W3 (acks all, fixed time). Interleaved rounds, medians; target: the
 *      idempotent side at most 5% slower (producers-append.mjs).
 *   2. W11/send-<os|fsync>-linger-<0|5>: single-message producer.send (idempotent, acks all) with
 *      1,000 sends outstanding, lingerMs 0 vs 5, vs raw 1-record p.append at the same
 *      concurrency (producers-send.mjs).
 *   3. W11/open-<clean|kill9>: Log.open in a fresh process of a partition of 10,000 producers,
 *      after a clean close and after kill -9, vs the same partition without producer ids; with
 *      log.recovery's producerSnapshotOffset and producerBatchesReplayed (producers-open.mjs).
 *
 *   npx tsc -p tsconfig.build.json && node bench/producers.mjs    1.5-2 minutes on 2 cores
 *   node bench/producers.mjs --quick                             20-40 s (a smoke run: too few rounds to judge 5%)
 *   node bench/producers.mjs --only append,send,open             a subset of the parts
 *   node bench/producers.mjs --ndjson                            also one JSON line per case on stdout
 *   node bench/producers.mjs --results FILE --run ID             append the cases to a results file
 *                                                                (bench/lib/results.mjs, as bench/run.mjs's workloads do)
 *   node bench/producers.mjs --profile os:64 [--profile-ms 5000] CPU profiles of idempotent and plain
 *                                                                appends, and what idempotence adds (no cases)
 *
 * The machine is shared: the 1-minute load average is printed at the start and the end, and kept
 * per case (extra.loadAverage1m); above the core count, other processes competed for CPU and disk.
 * Data goes to temp directories under the bench root ($SEGLOG_BENCH_DIR or the OS temp dir, on disk;
 * bench/lib/machine.mjs), removed as each round ends and at exit.
 */
import os from 'node:os'
import { parseArgs } from 'node:util'
import { chooseBenchRoot, describeMachine, machineInfo } from './lib/machine.mjs'
import { createPayloadPool } from './lib/payloads.mjs'
import { clearProgress, progress } from './lib/progress.mjs'
import { measureIdempotentOverhead } from './lib/producers-append.mjs'
import { measureOpenWithProducers } from './lib/producers-open.mjs'
import { profileIdempotence } from './lib/producers-profile-report.mjs'
import { measureSendThroughput } from './lib/producers-send.mjs'
import { formatProducerCaseTable } from './lib/producers-table.mjs'
import { buildCase, createResultsWriter, newRunId } from './lib/results.mjs'
import { loadSeglog } from './lib/seglog.mjs'
import { formatCaseLine } from './lib/table.mjs'
import { makeTempDir, removeTempDir } from './lib/temp-dir.mjs'

const PARTS = {
  async append(ctx) {
    for (const durability of ['os', 'fsync']) for (const concurrency of [1, 64]) await measureIdempotentOverhead(ctx, { durability, concurrency })
  },
  async send(ctx) {
    for (const durability of ['fsync', 'os']) await measureSendThroughput(ctx, { durability })
  },
  open: (ctx) => measureOpenWithProducers(ctx),
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    ndjson: { type: 'boolean', default: false },
    only: { type: 'string' },
    results: { type: 'string' },
    run: { type: 'string' },
    seed: { type: 'string', default: '42' },
    profile: { type: 'string' },
    'profile-ms': { type: 'string', default: '5000' },
  },
})
const parts = values.only ? values.only.split(',').map((part) => part.trim()) : Object.keys(PARTS)
const unknown = parts.filter((part) => !(part in PARTS))
if (unknown.length) throw new RangeError(`--only: unknown part ${unknown.join(', ')} (known: ${Object.keys(PARTS).join(', ')})`)
const seed = Number(values.seed)
if (!Number.isSafeInteger(seed)) throw new RangeError(`--seed must be an integer, got ${values.seed}`)

const benchRoot = chooseBenchRoot()
const machine = await machineInfo(benchRoot)
const { Log, missing } = await loadSeglog()
const loadNote = () => `load average ${os.loadavg().map((load) => load.toFixed(2)).join(' / ')} (1/5/15 min) on ${machine.cores} cores`
console.log(`W11 producers on ${describeMachine(machine)}${values.quick ? ' (quick)' : ''}${missing ? ` — seglog side skipped: ${missing}` : ''}`)
console.log(`start: ${loadNote()}`)

if (values.profile) {
  for (const line of await profileIdempotence(values.profile, { durationMs: Number(values['profile-ms']), top: 15 })) console.log(line)
  process.exit(0)
}

const run = values.run ?? newRunId(values.quick)
const writer = values.results ? createResultsWriter(values.results) : null
const pools = new Map()
const cases = []
const ctx = {
  quick: values.quick,
  Log,
  seglogMissing: missing,
  scale: (full, quick) => (values.quick ? quick : full),
  pool(recordBytes) {
    if (!pools.has(recordBytes)) pools.set(recordBytes, createPayloadPool(recordBytes, seed))
    return pools.get(recordBytes)
  },
  tempDir: (label) => makeTempDir(benchRoot.path, `w11-${label}`),
  removeTempDir,
  progress: (text) => progress(`W11 ${text}`),
  record(fields) {
    const { target, met, ...rest } = fields
    const line = buildCase({ workload: 'W11', ...rest, extra: { ...rest.extra, loadAverage1m: os.loadavg()[0] } }, { run, quick: values.quick, machine })
    // Targets of this file's own cases (results.mjs looks only in targets.mjs, which is not ours).
    if (target !== undefined) Object.assign(line, { target, met: line.value === null ? null : met })
    writer?.write(line)
    cases.push(line)
    clearProgress()
    console.log(formatCaseLine(line))
    return line
  },
}

const start = process.hrtime.bigint()
try {
  for (const part of parts) await PARTS[part](ctx)
} catch (err) {
  clearProgress()
  console.error(`W11 failed: ${err?.stack ?? err}`)
  process.exitCode = 1
}
console.log('')
console.log(formatProducerCaseTable(cases))
console.log(`\n${cases.length} cases in ${(Number(process.hrtime.bigint() - start) / 1e9).toFixed(1)} s; end: ${loadNote()}`)
if (values.ndjson) for (const line of cases) console.log(JSON.stringify(line))
