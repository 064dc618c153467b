/**
 * W1 and W2: append throughput with `durability: 'os'`, acks 1, one appender, one final flush,
 * against raw `fs.writeSync` of the same records in the same batches with one final fdatasync
 * (baselines.mjs rawAppend). The two workloads differ only in record count and size and in the
 * metric their target is stated in (W1 records/s, W2 MB/s).
 *
 * Both sides start from an empty directory on the bench disk and include the final flush in their
 * time, so both pay for getting the bytes to the disk once.
 */
import { rawAppend } from './baselines.mjs'
import { createPayloadPool } from './payloads.mjs'
import { appendSequentially, openBenchTopic } from './seglog.mjs'
import { formatBytes } from './units.mjs'

export async function measureAppendThroughput(ctx, { records, recordBytes, batchRecords, metric }) {
  const pool = createPayloadPool(recordBytes, ctx.seed)
  const rawDir = ctx.tempDir('raw')
  const baseline = rawAppend({ dir: rawDir, pool, batchRecords, records, sync: 'end' })
  ctx.removeTempDir(rawDir)
  const baselineValue = metric === 'MBps' ? baseline.bytes / 1e6 / baseline.seconds : baseline.records / baseline.seconds

  const conditions = {
    name: `append ${records.toLocaleString('en')} × ${formatBytes(recordBytes)}, acks 1, final flush`,
    durability: 'os',
    recordBytes,
    batchRecords,
    concurrency: 1,
    metric,
    baselineName: baseline.name,
    baselineValue,
  }
  if (!ctx.Log) return ctx.record({ ...conditions, skipped: ctx.seglogMissing })

  const dir = ctx.tempDir('log')
  const { log, partition } = await openBenchTopic(ctx.Log, dir, { durability: 'os' })
  try {
    const seconds = await appendSequentially(partition, {
      pool,
      records,
      batchRecords,
      acks: 1,
      onProgress: (done) => ctx.progress(`appended ${done}/${records}`),
    })
    const { highWatermark } = await partition.read({ offset: 0, maxRecords: 1 })
    if (highWatermark !== records) throw new Error(`${ctx.id}: high watermark ${highWatermark} after appending ${records} records`)
    return ctx.record({ ...conditions, records, bytes: records * recordBytes, seconds, extra: { rawFileBytes: baseline.fileBytes } })
  } finally {
    await log.close()
    ctx.removeTempDir(dir)
  }
}
