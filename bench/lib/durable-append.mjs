/**
 * W3 and W4: durable appends (`durability: 'fsync'`, acks 'all') from `concurrency` appenders on
 * one partition for a fixed time, so group commit can share one fdatasync among the appends that
 * arrive while the previous one runs. Each case opens a fresh log; records/s counts appends that
 * resolved (i.e. were fsynced) within the time.
 *
 * The baseline is measured by `measureBaseline()` right before each case, not once per workload:
 * a shared disk's fdatasync rate drifts by several times within a minute, and a ratio is only
 * meaningful between numbers taken under the same conditions.
 *
 * Also reported (extra): fsyncs/s, records per fsync and mean fsync latency from `log.metrics()`
 * (null when the metrics lack them), and a check that the partition's high watermark equals the
 * records acknowledged.
 */
import { appendConcurrently, fsyncTotals, openBenchTopic } from './seglog.mjs'
import { formatBytes } from './units.mjs'

/** `measureBaseline()` → `{ name, value }` in records/s, called before the seglog side runs. */
export async function measureDurableAppends(ctx, { caseId, name, pool, batchRecords, concurrency, durationMs, measureBaseline }) {
  ctx.progress(`${caseId}: baseline`)
  const baseline = measureBaseline()
  const conditions = {
    case: caseId,
    name: `${name}, ${formatBytes(pool.recordBytes)}, acks all, ${durationMs / 1000} s`,
    durability: 'fsync',
    recordBytes: pool.recordBytes,
    batchRecords,
    concurrency,
    metric: 'recordsPerSec',
    baselineName: baseline.name,
    baselineValue: baseline.value,
  }
  if (!ctx.Log) return ctx.record({ ...conditions, skipped: ctx.seglogMissing })

  const dir = ctx.tempDir(`c${concurrency}`)
  const { log, partition } = await openBenchTopic(ctx.Log, dir, { durability: 'fsync' })
  try {
    ctx.progress(`${caseId}: ${concurrency} appenders for ${durationMs} ms`)
    const before = fsyncTotals(log.metrics())
    const { records, seconds } = await appendConcurrently(partition, { pool, batchRecords, concurrency, durationMs, acks: 'all' })
    const after = fsyncTotals(log.metrics())
    const { highWatermark } = await partition.read({ offset: 0, maxRecords: 1 })
    if (highWatermark !== records) throw new Error(`${caseId}: high watermark ${highWatermark} but ${records} records were acknowledged`)
    const fsyncs = before.fsyncs === null || after.fsyncs === null ? null : after.fsyncs - before.fsyncs
    const fsyncMs = before.fsyncMs === null || after.fsyncMs === null ? null : after.fsyncMs - before.fsyncMs
    return ctx.record({
      ...conditions,
      records,
      bytes: records * pool.recordBytes,
      seconds,
      extra: {
        fsyncs,
        fsyncsPerSec: fsyncs === null ? null : fsyncs / seconds,
        recordsPerFsync: fsyncs ? records / fsyncs : null,
        meanFsyncMs: fsyncs && fsyncMs !== null ? fsyncMs / fsyncs : null,
      },
    })
  } finally {
    await log.close()
    ctx.removeTempDir(dir)
  }
}
