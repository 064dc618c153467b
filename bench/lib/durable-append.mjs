/**
 * W3 and W4: durable appends (`durability: 'fsync'`, acks 'all') from `concurrency` appenders on
 * one partition for a fixed time, so group commit can share one fdatasync among the appends that
 * arrive while the previous one runs. Each case opens a fresh log; records/s counts appends that
 * resolved (i.e. were fsynced) within the time.
 *
 * Also reported (extra): fsyncs/s and records per fsync from `log.metrics()` (null when the metrics
 * have no fsync counter the bench recognises, seglog.mjs fsyncCount), and a check that the
 * partition's high watermark equals the records acknowledged.
 */
import { appendConcurrently, fsyncCount, openBenchTopic } from './seglog.mjs'
import { formatBytes } from './units.mjs'

/** `fields`: caseId, name, pool, batchRecords, concurrency, durationMs, baselineName, baselineValue. */
export async function measureDurableAppends(ctx, { caseId, name, pool, batchRecords, concurrency, durationMs, baselineName, baselineValue }) {
  const conditions = {
    case: caseId,
    name: `${name}, ${formatBytes(pool.recordBytes)}, acks all, ${durationMs / 1000} s`,
    durability: 'fsync',
    recordBytes: pool.recordBytes,
    batchRecords,
    concurrency,
    metric: 'recordsPerSec',
    baselineName,
    baselineValue,
  }
  if (!ctx.Log) return ctx.record({ ...conditions, skipped: ctx.seglogMissing })

  const dir = ctx.tempDir(`c${concurrency}`)
  const { log, partition } = await openBenchTopic(ctx.Log, dir, { durability: 'fsync' })
  try {
    ctx.progress(`${caseId}: ${concurrency} appenders for ${durationMs} ms`)
    const fsyncsBefore = fsyncCount(log.metrics())
    const { records, seconds } = await appendConcurrently(partition, { pool, batchRecords, concurrency, durationMs, acks: 'all' })
    const fsyncsAfter = fsyncCount(log.metrics())
    const { highWatermark } = await partition.read({ offset: 0, maxRecords: 1 })
    if (highWatermark !== records) throw new Error(`${caseId}: high watermark ${highWatermark} but ${records} records were acknowledged`)
    const fsyncs = fsyncsBefore === null || fsyncsAfter === null ? null : fsyncsAfter - fsyncsBefore
    return ctx.record({
      ...conditions,
      records,
      bytes: records * pool.recordBytes,
      seconds,
      extra: { fsyncs, fsyncsPerSec: fsyncs === null ? null : fsyncs / seconds, recordsPerFsync: fsyncs ? records / fsyncs : null },
    })
  } finally {
    await log.close()
    ctx.removeTempDir(dir)
  }
}
