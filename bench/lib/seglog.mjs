/**
 * Loads seglog's public API from dist/index.js (the build, `npx tsc -p tsconfig.build.json`), as a
 * user would. Benchmarks run on the build, never on src through a TypeScript loader, so the numbers
 * are for the code that ships.
 *
 * When the build has no `Log` yet, workloads still measure and record their baselines, and record
 * the seglog side as skipped with the reason returned here.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const DIST_INDEX_PATH = fileURLToPath(new URL('../../dist/index.js', import.meta.url))

/** `{ Log, missing: null }`, or `{ Log: null, missing: reason }`. */
export async function loadSeglog() {
  if (!existsSync(DIST_INDEX_PATH)) return { Log: null, missing: 'dist/index.js not built' }
  const api = await import(pathToFileURL(DIST_INDEX_PATH).href)
  if (typeof api.Log?.open !== 'function') return { Log: null, missing: 'dist/index.js exports no Log.open' }
  return { Log: api.Log, missing: null }
}

/**
 * `{ fsyncs, fsyncMs }` from `log.metrics()`: the fsync count and the total time spent in them (the
 * latency histogram's sum), for diffing two snapshots; null fields when the metrics lack them.
 */
export function fsyncTotals(metrics) {
  return {
    fsyncs: typeof metrics?.fsyncs === 'number' ? metrics.fsyncs : null,
    fsyncMs: typeof metrics?.fsyncLatencyMs?.sum === 'number' ? metrics.fsyncLatencyMs.sum : null,
  }
}

/** The topic every workload writes: one partition, so a case measures one partition's path. */
export const BENCH_TOPIC = 'bench'

/** Opens a log in `dir` and creates BENCH_TOPIC with `topicConfig`: `{ log, partition }`. */
export async function openBenchTopic(Log, dir, topicConfig, openOptions = {}) {
  const log = await Log.open(dir, openOptions)
  await log.createTopic(BENCH_TOPIC, { partitions: 1, ...topicConfig })
  return { log, partition: log.partition(BENCH_TOPIC, 0) }
}

/** Reopens an existing log and its BENCH_TOPIC partition: `{ log, partition }`. */
export async function reopenBenchTopic(Log, dir, openOptions = {}) {
  const log = await Log.open(dir, openOptions)
  return { log, partition: log.partition(BENCH_TOPIC, 0) }
}

/**
 * Appends `records` records from `pool` in batches of `batchRecords`, one `append` at a time
 * (each awaited, as a single producer does), then one `flush()`. Returns the seconds from the
 * first append to the flush resolving. With `timestampBaseMs` the record at offset o gets
 * timestamp base + o (payloads.mjs).
 */
export async function appendSequentially(partition, { pool, records, batchRecords, acks, timestampBaseMs, onProgress }) {
  const start = process.hrtime.bigint()
  for (let offset = 0; offset < records; offset += batchRecords) {
    const count = Math.min(batchRecords, records - offset)
    await partition.append(pool.records(offset, count, timestampBaseMs), { acks })
    onProgress?.(offset + count)
  }
  await partition.flush()
  return Number(process.hrtime.bigint() - start) / 1e9
}

/**
 * `concurrency` appenders on one partition, each looping `await append(batch of batchRecords)`
 * until `durationMs` has passed; returns `{ records, seconds }` (seconds until the last append
 * resolved). Record values are the pool's, in append-call order, not checked (write workloads).
 */
export async function appendConcurrently(partition, { pool, batchRecords, concurrency, durationMs, acks }) {
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(Math.round(durationMs * 1e6))
  let records = 0
  let calls = 0
  async function appender() {
    while (process.hrtime.bigint() < deadline) {
      const first = calls++ * batchRecords
      await partition.append(pool.records(first, batchRecords), { acks })
      records += batchRecords
    }
  }
  await Promise.all(Array.from({ length: concurrency }, appender))
  return { records, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
}

/**
 * Writes the W1 dataset (records × recordBytes in batches, durability 'os', timestamps base + offset,
 * segments of `segmentBytes`) into `dir` and closes the log: the data the read workloads (W5, W6, W7, W9) replay.
 */
export async function writeDataset(Log, dir, { pool, records, batchRecords, timestampBaseMs, segmentBytes, onProgress, openOptions }) {
  const { log, partition } = await openBenchTopic(Log, dir, { durability: 'os', segmentBytes }, openOptions)
  try {
    await appendSequentially(partition, { pool, records, batchRecords, acks: 1, timestampBaseMs, onProgress })
  } finally {
    await log.close()
  }
}

/**
 * The bindings a read workload compares: the native addon (the default binding, when it loaded)
 * and the pure-JS fallback (`Log.open(dir, { native: false })`). Each: `{ label, openOptions,
 * missing }`, `missing` saying why the native side cannot run (then it is recorded as skipped).
 * Fallback first: after a native open and close, a fallback open in the same process is refused
 * (dataset.mjs explains).
 */
function bindingsToCompare(machine) {
  return [
    { label: 'fallback', openOptions: { native: false }, missing: null },
    {
      label: 'native',
      openOptions: {},
      missing: machine.binding === 'native' ? null : `native addon not loaded: ${machine.nativeLoadError ?? machine.binding}`,
    },
  ]
}

/**
 * For each binding, opens the log in `logDir` once and records each of `cases`:
 * `{ ...conditions(label), binding: label, ...(await measure(partition)) }`, where `conditions`
 * gives the results.mjs fields known up front (case, name, metric, baseline…) and `measure` the
 * measured ones (records, bytes, seconds, extra). Without a Log, or a binding, the cases are
 * recorded as skipped with the reason.
 */
export async function measureOnEachBinding(ctx, logDir, cases) {
  for (const { label, openOptions, missing } of bindingsToCompare(ctx.machine)) {
    const reason = ctx.seglogMissing ?? missing
    if (reason) {
      for (const { conditions } of cases) ctx.record({ ...conditions(label), binding: label, skipped: reason })
      continue
    }
    const { log, partition } = await reopenBenchTopic(ctx.Log, logDir, openOptions)
    try {
      for (const { conditions, measure } of cases) {
        const fields = { ...conditions(label), binding: label }
        ctx.progress(fields.case)
        ctx.record({ ...fields, ...(await measure(partition)) })
      }
    } finally {
      await log.close()
    }
  }
}

/** Throws unless `record` is the record written at `offset` (payloads.mjs). */
export function checkRecord(record, offset, pool) {
  if (record.offset !== offset) throw new Error(`Replay: expected offset ${offset}, got ${record.offset}`)
  if (!record.value?.equals(pool.expected(offset))) throw new Error(`Replay: record ${offset} value differs from what was written`)
}
