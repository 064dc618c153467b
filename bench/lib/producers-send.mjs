/**
 * bench/producers.mjs part 2: single-message `producer.send` throughput, `lingerMs` 0 vs 5, with
 * SEND_CONCURRENCY sends outstanding (that many loops, each `await producer.send(one message)`),
 * an idempotent producer with acks 'all'; against raw `p.append` of single-record batches at the
 * same concurrency (plain, acks 'all'), in interleaved rounds (producers-rounds.mjs).
 *
 * What differs: with lingerMs 0 every send is its own batch, and an idempotent producer keeps at
 * most `maxInFlight` (5, Kafka's limit) batches per partition written and unacknowledged, so one
 * group commit carries at most 5 records; raw appends have no such limit (all 1,000 share a
 * write and an fdatasync). With lingerMs 5 the sends of 5 ms share a batch of up to `batchBytes`.
 *
 * Each round opens a fresh log; one untimed send (or append) first takes the producer-id
 * allocation and the partition's first producer snapshot out of the time. A round stops issuing
 * sends after its duration and ends when the last one resolved; the high watermark is checked.
 */
import { median } from './clock.mjs'
import { medianRound, roundRate, runInterleaved } from './producers-rounds.mjs'
import { BENCH_TOPIC, openBenchTopic } from './seglog.mjs'
import { formatBytes } from './units.mjs'

export const SEND_RECORD_BYTES = 100
export const SEND_CONCURRENCY = 1000
export const LINGER_SIDES = { 'linger-0': 0, 'linger-5': 5 }

async function timedSends(Log, dir, { durability, side, pool, durationMs }) {
  const { log, partition } = await openBenchTopic(Log, dir, { durability })
  const producer = side === 'append' ? null : log.producer({ idempotent: true, acks: 'all', lingerMs: LINGER_SIDES[side] })
  try {
    let issued = 0
    const sendOne = () => {
      const value = pool.expected(issued++)
      return producer === null ? partition.append([{ value }], { acks: 'all' }) : producer.send({ topic: BENCH_TOPIC, messages: [{ value }] })
    }
    await sendOne()
    const warmUp = issued
    const start = process.hrtime.bigint()
    const deadline = start + BigInt(Math.round(durationMs * 1e6))
    let acknowledged = 0
    const sender = async () => {
      while (process.hrtime.bigint() < deadline) {
        await sendOne()
        acknowledged++
      }
    }
    await Promise.all(Array.from({ length: SEND_CONCURRENCY }, sender))
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    const { highWatermark } = await partition.read({ offset: 0, maxRecords: 1 })
    if (highWatermark !== warmUp + acknowledged) throw new Error(`${side}: high watermark ${highWatermark}, expected ${warmUp + acknowledged}`)
    const fsyncs = log.metrics().fsyncs ?? null
    return { records: acknowledged, seconds, fsyncs }
  } finally {
    await producer?.close()
    await log.close()
  }
}

/** Records cases `W11/send-<durability>-linger-0` and `-linger-5`, with the same raw-append baseline. */
export async function measureSendThroughput(ctx, { durability }) {
  const rounds = ctx.scale(3, 3)
  const durationMs = ctx.scale(1000, 300)
  const pool = ctx.pool(SEND_RECORD_BYTES)
  const sideNames = ['append', ...Object.keys(LINGER_SIDES)]
  const conditionsFor = (side) => ({
    case: `W11/send-${durability}-${side}`,
    name: `producer.send of 1 message, lingerMs ${LINGER_SIDES[side]}, idempotent, acks all, ${SEND_CONCURRENCY.toLocaleString('en')} sends outstanding, ${formatBytes(SEND_RECORD_BYTES)}, ${rounds} interleaved rounds of ${durationMs / 1000} s, medians`,
    durability,
    recordBytes: SEND_RECORD_BYTES,
    batchRecords: 1,
    concurrency: SEND_CONCURRENCY,
    metric: 'recordsPerSec',
    baselineName: 'raw p.append of 1-record batches, plain, acks all, same concurrency',
  })
  if (!ctx.Log) {
    for (const side of Object.keys(LINGER_SIDES)) ctx.record({ ...conditionsFor(side), skipped: ctx.seglogMissing })
    return
  }
  const results = await runInterleaved(sideNames, rounds, async (side, round) => {
    ctx.progress(`W11/send-${durability}: ${round < 0 ? 'warm-up' : `round ${round + 1}/${rounds}`}, ${side}`)
    const dir = ctx.tempDir(`send-${side}`)
    try {
      return await timedSends(ctx.Log, dir, { durability, side, pool, durationMs })
    } finally {
      ctx.removeTempDir(dir)
    }
  })
  const baseline = results.get('append')
  const baselineValue = median(baseline.map(roundRate))
  for (const side of Object.keys(LINGER_SIDES)) {
    const sideRounds = results.get(side)
    const middle = medianRound(sideRounds)
    ctx.record({
      ...conditionsFor(side),
      records: middle.records,
      bytes: middle.records * SEND_RECORD_BYTES,
      seconds: middle.seconds,
      value: median(sideRounds.map(roundRate)),
      baselineValue,
      extra: {
        recordsPerFsync: middle.fsyncs ? middle.records / middle.fsyncs : null,
        baselineRecordsPerFsync: medianRound(baseline).fsyncs ? medianRound(baseline).records / medianRound(baseline).fsyncs : null,
        roundsRecordsPerSec: sideRounds.map(roundRate),
        baselineRoundsRecordsPerSec: baseline.map(roundRate),
      },
    })
  }
}
