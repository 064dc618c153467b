/**
 * W3 and W4: durable appends (`durability: 'fsync'`, acks 'all') from `concurrency` appenders on
 * one partition for a fixed time, so group commit can share one fdatasync among the appends that
 * arrive while the previous one runs. Each case opens a fresh log; records/s counts appends that
 * resolved (i.e. were fsynced) within the time.
 *
 * The case's time is split into ROUNDS rounds that alternate baseline (`measureBaseline(ms)`) and
 * seglog, and each side reports its median round: a shared disk's fdatasync latency drifts by
 * several times within a minute (other processes' fsyncs queue on the same device), and a ratio is
 * only meaningful between numbers taken under the same conditions.
 *
 * Also reported (extra): fsyncs/s, records per fsync and mean fsync latency from `log.metrics()`
 * over all rounds (null when the metrics lack them), every round's rates, and a check that the
 * partition's high watermark equals the records acknowledged.
 */
import { median } from './clock.mjs'
import { appendConcurrently, fsyncTotals, openBenchTopic } from './seglog.mjs'
import { formatBytes } from './units.mjs'

/** Alternating rounds per side; odd, so the median is a measured round. */
const ROUNDS = 3

function difference(after, before) {
  return after === null || before === null ? null : after - before
}

/** `measureBaseline(durationMs)` → `{ name, value }` in records/s, run before each seglog round. */
export async function measureDurableAppends(ctx, { caseId, name, pool, batchRecords, concurrency, durationMs, measureBaseline, openOptions = {} }) {
  const roundMs = durationMs / ROUNDS
  const conditions = {
    case: caseId,
    name: `${name}, ${formatBytes(pool.recordBytes)}, acks all, ${ROUNDS} alternating rounds of ${roundMs / 1000} s, medians`,
    durability: 'fsync',
    recordBytes: pool.recordBytes,
    batchRecords,
    concurrency,
    metric: 'recordsPerSec',
  }
  const baselineRounds = []
  if (!ctx.Log) {
    for (let round = 0; round < ROUNDS; round++) baselineRounds.push(measureBaseline(roundMs))
    const value = median(baselineRounds.map((b) => b.value))
    return ctx.record({ ...conditions, baselineName: baselineRounds[0].name, baselineValue: value, skipped: ctx.seglogMissing })
  }

  const dir = ctx.tempDir(`c${concurrency}`)
  const { log, partition } = await openBenchTopic(ctx.Log, dir, { durability: 'fsync' }, openOptions)
  try {
    const seglogRounds = []
    let records = 0
    let seconds = 0
    const before = fsyncTotals(log.metrics())
    for (let round = 0; round < ROUNDS; round++) {
      ctx.progress(`${caseId}: round ${round + 1}/${ROUNDS}, baseline`)
      baselineRounds.push(measureBaseline(roundMs))
      ctx.progress(`${caseId}: round ${round + 1}/${ROUNDS}, ${concurrency} appenders`)
      const measured = await appendConcurrently(partition, { pool, batchRecords, concurrency, durationMs: roundMs, acks: 'all' })
      seglogRounds.push(measured)
      records += measured.records
      seconds += measured.seconds
    }
    const after = fsyncTotals(log.metrics())
    const { highWatermark } = await partition.read({ offset: 0, maxRecords: 1 })
    if (highWatermark !== records) throw new Error(`${caseId}: high watermark ${highWatermark} but ${records} records were acknowledged`)
    const fsyncs = difference(after.fsyncs, before.fsyncs)
    const fsyncMs = difference(after.fsyncMs, before.fsyncMs)
    const middle = [...seglogRounds].sort((a, b) => a.records / a.seconds - b.records / b.seconds)[ROUNDS >> 1]
    return ctx.record({
      ...conditions,
      baselineName: baselineRounds[0].name,
      baselineValue: median(baselineRounds.map((b) => b.value)),
      records: middle.records,
      bytes: middle.records * pool.recordBytes,
      seconds: middle.seconds,
      extra: {
        fsyncs,
        fsyncsPerSec: fsyncs === null ? null : fsyncs / seconds,
        recordsPerFsync: fsyncs ? records / fsyncs : null,
        meanFsyncMs: fsyncs && fsyncMs !== null ? fsyncMs / fsyncs : null,
        seglogRoundsRecordsPerSec: seglogRounds.map((r) => r.records / r.seconds),
        baselineRounds: baselineRounds.map((b) => b.value),
      },
    })
  } finally {
    await log.close()
    ctx.removeTempDir(dir)
  }
}
