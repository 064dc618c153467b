/**
 * W1 and W2: append throughput with `durability: 'os'`, acks 1, one appender, one final flush,
 * against raw `fs.writeSync` of the same records in the same batches with one final fdatasync
 * (baselines.mjs rawAppend). The two workloads differ only in record count and size and in the
 * metric their target is stated in (W1 records/s, W2 MB/s).
 *
 * Both sides start from an empty directory on the bench disk and include the final flush in their
 * time, so both pay for getting the bytes to the disk once. The two sides alternate for ROUNDS
 * rounds and each reports its median: on a shared machine one side can otherwise land in a quiet
 * second and the other in a busy one, and the ratio would measure the neighbours.
 */
import { rawAppend } from './baselines.mjs'
import { median } from './clock.mjs'
import { createPayloadPool } from './payloads.mjs'
import { appendSequentially, openBenchTopic } from './seglog.mjs'
import { formatBytes } from './units.mjs'

/** Alternating rounds per side; odd, so the median is a measured round. */
const ROUNDS = 3

async function seglogRound(ctx, { pool, records, batchRecords, round }) {
  const dir = ctx.tempDir('log')
  const { log, partition } = await openBenchTopic(ctx.Log, dir, { durability: 'os' })
  try {
    const seconds = await appendSequentially(partition, {
      pool,
      records,
      batchRecords,
      acks: 1,
      onProgress: (done) => ctx.progress(`round ${round + 1}/${ROUNDS}: appended ${done}/${records}`),
    })
    const { highWatermark } = await partition.read({ offset: 0, maxRecords: 1 })
    if (highWatermark !== records) throw new Error(`${ctx.id}: high watermark ${highWatermark} after appending ${records} records`)
    return seconds
  } finally {
    await log.close()
    ctx.removeTempDir(dir)
  }
}

export async function measureAppendThroughput(ctx, { records, recordBytes, batchRecords, metric }) {
  const pool = createPayloadPool(recordBytes, ctx.seed)
  const rawSeconds = []
  const seglogSeconds = []
  let rawName = null
  for (let round = 0; round < ROUNDS; round++) {
    const rawDir = ctx.tempDir('raw')
    const raw = rawAppend({ dir: rawDir, pool, batchRecords, records, sync: 'end' })
    ctx.removeTempDir(rawDir)
    rawName = raw.name
    rawSeconds.push(raw.seconds)
    if (ctx.Log) seglogSeconds.push(await seglogRound(ctx, { pool, records, batchRecords, round }))
  }
  const bytes = records * recordBytes
  const baselineSeconds = median(rawSeconds)
  const conditions = {
    name: `append ${records.toLocaleString('en')} × ${formatBytes(recordBytes)}, acks 1, final flush, median of ${ROUNDS}`,
    durability: 'os',
    recordBytes,
    batchRecords,
    concurrency: 1,
    metric,
    baselineName: rawName,
    baselineValue: metric === 'MBps' ? bytes / 1e6 / baselineSeconds : records / baselineSeconds,
  }
  if (!ctx.Log) return ctx.record({ ...conditions, skipped: ctx.seglogMissing })
  return ctx.record({
    ...conditions,
    records,
    bytes,
    seconds: median(seglogSeconds),
    extra: { seglogRoundsSeconds: seglogSeconds, rawRoundsSeconds: rawSeconds },
  })
}
