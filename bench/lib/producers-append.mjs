/**
 * bench/producers.mjs part 1: idempotent vs plain appends on one partition, the same records in
 * the same batches at the same concurrency, in interleaved rounds (producers-rounds.mjs).
 *
 * - `concurrency` appenders, each looping `await p.append(batch)`; on the idempotent side appender
 *   i is producer id PRODUCER_ID_BASE + i, epoch 0, with its own sequence (`baseSequence` grows by
 *   the batch's record count), so 64 appenders are 64 producers pipelined into one partition. The
 *   producer fields are passed to `p.append` directly: this measures the partition's dedupe check
 *   and producer-state bookkeeping, not the Producer class (part 2 measures that).
 * - durability 'os' as W1: acks 1, a fixed number of records, one final flush inside the time
 *   (the flush's share is also taken out: `appendOnly` rates, the time to the last append's answer).
 *   durability 'fsync' as W3: acks 'all', a fixed time per round, every append fsynced.
 * - Before the clock starts, every appender appends one batch and the partition is flushed: the
 *   first batch of a new producer id waits for the partition's first (empty) producer snapshot to
 *   be durable, a one-off per partition that is not the steady-state cost being compared.
 * - Each round opens a fresh log in a fresh directory, so both sides start from the same state.
 *   The high watermark is checked against the records acknowledged.
 * - Many short rounds (15) rather than a few long ones: on the shared 2-core machine one side's
 *   round rate swings by 2× within a minute; the median of many adjacent pairs moves less. Beside
 *   the wall-clock overhead (the headline and the target), extra holds the median of the per-round
 *   paired ratios and the process's CPU time per record (user + system), which a neighbour's load
 *   moves least.
 */
import { formatBytes } from './units.mjs'
import { medianRound, pairedRatioMedian, roundRate, runInterleaved } from './producers-rounds.mjs'
import { openBenchTopic } from './seglog.mjs'
import { median } from './clock.mjs'

/** Producer ids for raw idempotent appends: any id is accepted; nonzero to catch a default. */
export const PRODUCER_ID_BASE = 1000
export const APPEND_RECORD_BYTES = 100
export const APPEND_BATCH_RECORDS = 100
/** The target of issue 10 §7: idempotent appends at most 5% slower than plain ones. */
export const OVERHEAD_TARGET_PCT = 5

const appendOnlyRate = (result) => result.records / result.appendSeconds
/** ns of this process's CPU (user + system, every thread) per record appended. */
const cpuNsPerRecord = (result) => (result.cpuUs * 1000) / result.records

/**
 * One side of one round in `dir`: `{ records, seconds, appendSeconds }`. Stops issuing appends at
 * `records` records (if given) or after `durationMs` (if given), whichever comes first; `seconds`
 * runs until the final flush resolved, `appendSeconds` until the last append resolved.
 */
export async function timedAppends(Log, dir, { durability, idempotent, concurrency, pool, batchRecords, records = Infinity, durationMs = Infinity }) {
  const acks = durability === 'os' ? 1 : 'all'
  const { log, partition } = await openBenchTopic(Log, dir, { durability })
  try {
    const sequences = new Array(concurrency).fill(0)
    let issued = 0
    const appendBatch = async (appender, count) => {
      const batch = pool.records(issued, count)
      issued += count
      const options = idempotent ? { acks, producerId: PRODUCER_ID_BASE + appender, producerEpoch: 0, baseSequence: sequences[appender] } : { acks }
      sequences[appender] += count
      await partition.append(batch, options)
    }
    await Promise.all(Array.from({ length: concurrency }, (_, appender) => appendBatch(appender, batchRecords)))
    await partition.flush()
    const warmUpRecords = issued
    issued = 0
    const cpuStart = process.cpuUsage()
    const start = process.hrtime.bigint()
    const deadline = durationMs === Infinity ? null : start + BigInt(Math.round(durationMs * 1e6))
    let acknowledged = 0
    const appender = async (index) => {
      while (issued < records && (deadline === null || process.hrtime.bigint() < deadline)) {
        const count = Math.min(batchRecords, records - issued)
        await appendBatch(index, count)
        acknowledged += count
      }
    }
    await Promise.all(Array.from({ length: concurrency }, (_, index) => appender(index)))
    const appendSeconds = Number(process.hrtime.bigint() - start) / 1e9
    await partition.flush()
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    const cpu = process.cpuUsage(cpuStart)
    const { highWatermark } = await partition.read({ offset: 0, maxRecords: 1 })
    if (highWatermark !== warmUpRecords + acknowledged) {
      throw new Error(`${idempotent ? 'idempotent' : 'plain'} appends: high watermark ${highWatermark}, expected ${warmUpRecords + acknowledged}`)
    }
    return { records: acknowledged, seconds, appendSeconds, cpuUs: cpu.user + cpu.system }
  } finally {
    await log.close()
  }
}

/** Records case `W11/idempotent-<durability>-c<concurrency>` (idempotent vs plain, same run). */
export async function measureIdempotentOverhead(ctx, { durability, concurrency }) {
  const rounds = ctx.scale(15, 5)
  const pool = ctx.pool(APPEND_RECORD_BYTES)
  const size = durability === 'os' ? { records: ctx.scale(500_000, 300_000) } : { durationMs: ctx.scale(500, 300) }
  const what = durability === 'os' ? `${size.records.toLocaleString('en')} records, acks 1, final flush` : `${size.durationMs / 1000} s, acks all`
  const conditions = {
    case: `W11/idempotent-${durability}-c${concurrency}`,
    name: `idempotent p.append (${concurrency} producer id${concurrency === 1 ? '' : 's'}, own sequences) vs plain, ${formatBytes(APPEND_RECORD_BYTES)}, ${what}, ${rounds} interleaved rounds, medians`,
    durability,
    recordBytes: APPEND_RECORD_BYTES,
    batchRecords: APPEND_BATCH_RECORDS,
    concurrency,
    metric: 'recordsPerSec',
    baselineName: `plain p.append, same records, batches and concurrency`,
  }
  if (!ctx.Log) return ctx.record({ ...conditions, skipped: ctx.seglogMissing })
  const sides = await runInterleaved(['plain', 'idempotent'], rounds, async (side, round) => {
    ctx.progress(`${conditions.case}: ${round < 0 ? 'warm-up' : `round ${round + 1}/${rounds}`}, ${side}`)
    const dir = ctx.tempDir(`append-${side}`)
    try {
      return await timedAppends(ctx.Log, dir, { durability, idempotent: side === 'idempotent', concurrency, pool, batchRecords: APPEND_BATCH_RECORDS, ...size })
    } finally {
      ctx.removeTempDir(dir)
    }
  })
  const plain = sides.get('plain')
  const idempotent = sides.get('idempotent')
  const middle = medianRound(idempotent)
  const baselineValue = median(plain.map(roundRate))
  const value = median(idempotent.map(roundRate))
  const overheadPct = (baselineValue / value - 1) * 100
  return ctx.record({
    ...conditions,
    records: middle.records,
    bytes: middle.records * APPEND_RECORD_BYTES,
    seconds: middle.seconds,
    value,
    baselineValue,
    target: `overhead < ${OVERHEAD_TARGET_PCT}% (ratio ≥ ${(1 / (1 + OVERHEAD_TARGET_PCT / 100)).toFixed(3)})`,
    met: overheadPct < OVERHEAD_TARGET_PCT,
    extra: {
      overheadPct,
      pairedOverheadPct: (1 / pairedRatioMedian(idempotent, plain) - 1) * 100,
      appendOnlyOverheadPct: (median(plain.map(appendOnlyRate)) / median(idempotent.map(appendOnlyRate)) - 1) * 100,
      // CPU time is what idempotence adds, and what a neighbour's load on a shared machine moves
      // least: a second view of the overhead beside the wall-clock one.
      cpuNsPerRecord: median(idempotent.map(cpuNsPerRecord)),
      plainCpuNsPerRecord: median(plain.map(cpuNsPerRecord)),
      cpuOverheadPct: (median(idempotent.map(cpuNsPerRecord)) / median(plain.map(cpuNsPerRecord)) - 1) * 100,
      idempotentRoundsRecordsPerSec: idempotent.map(roundRate),
      plainRoundsRecordsPerSec: plain.map(roundRate),
    },
  })
}
