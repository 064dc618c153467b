/**
 * H1, the kill -9 loop (reliability.md): a child appends with acks 'all' from several concurrent
 * appenders and prints a ledger line per acknowledged append; the parent SIGKILLs it at a seeded
 * random moment, reopens the same directory and checks the ledger; then the next iteration appends
 * on top of what recovery left. `SEGLOG_KILL_ITERS` sets the iteration count (default 100), `SEED`
 * replays a run's workload and kill delays (the exact kill point also depends on timing).
 *
 * Beside them, idempotent producers (kill-loop-producers.ts) append with acks 'all' and, after every
 * kill, first retry their last five sends (answered as duplicates with the original offsets if they
 * were written, appended once if not) and one older than five (OUT_OF_ORDER_SEQUENCE_NUMBER); the
 * check adds "no duplicate, no gap" per producer (issue 10 §6).
 *
 * To keep each iteration's cost flat, the parent deletes records below the last RETAINED_OFFSETS
 * offsets after each check (deleteRecords + runRetention), and checks that the log start offset it
 * set survives the next kill; acknowledged records below it are legitimately gone.
 *
 * kill -9 keeps the page cache, so this catches broken recovery and multi-step protocols cut
 * half-way (roll, index, checkpoint), not missing fsyncs (that is SimFS's and the power-cut
 * harness's job).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { Log } from '../../src/index.js'
import { distUrl } from '../helpers/dist.js'
import { findLedgerViolations, type AckedBatch } from '../helpers/ledger-check.js'
import { KillLoopProducer } from './kill-loop-producers.js'
import { spawnNode, type LineChild } from '../helpers/line-child.js'
import { readWholePartition } from '../helpers/partition-snapshot.js'
import { reportReliability } from '../helpers/reliability-report.js'
import { randomInt, seedFromEnv, seededRandom } from '../helpers/seeded-random.mjs'
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js'

const ITERATIONS = Number(process.env.SEGLOG_KILL_ITERS ?? 100)
const SEED = seedFromEnv('SEED')
const APPENDERS = 4
/** Idempotent producers appending beside the plain appenders, retrying their last five sends after every kill. */
const PRODUCER_IDS = [1000, 1001]
/** Tiny, so the log rolls every few dozen batches and kills land in rolls too. */
const SEGMENT_BYTES = 4096
const KILL_DELAY_MIN_MS = 20
const KILL_DELAY_MAX_MS = 300
/** Generous bound on a child's start (open + recovery + createTopic): a guard, not a measurement. */
const READY_TIMEOUT_MS = 30_000
const TOPIC = 't'
/** The window re-checked after every kill: a few hundred segments, so open and check stay cheap. */
const RETAINED_OFFSETS = 3000

const workerPath = fileURLToPath(new URL('./append-worker.mjs', import.meta.url))
const replayCommand =
  `${process.env.SEGLOG_NO_NATIVE === '1' ? 'SEGLOG_NO_NATIVE=1 ' : ''}SEED=${SEED} SEGLOG_KILL_ITERS=${ITERATIONS} ` +
  'npx vitest run test/crash/kill-loop.test.ts'

afterEach(removeTempDirs)

interface LoopStats {
  /** The log start offset the parent set after the previous check. */
  logStartOffset: number
  ackedBatches: number
  recoveriesThatTruncated: number
  truncatedBytes: number
  highWatermark: number
}

/**
 * Parses `ack <baseOffset> <lastOffset> <digest>` lines and the producers' lines (kill-loop-producers.ts);
 * throws on a `fail` line or anything else. Broken producer promises go onto `violations`.
 */
function ackedBatchesOf(child: LineChild, iteration: number, producers: ReadonlyMap<number, KillLoopProducer>, violations: string[]): AckedBatch[] {
  const batches: AckedBatch[] = []
  for (const line of child.lines) {
    const fields = line.split(' ')
    const [kind, base, last, digest] = fields
    if (kind === 'ready') continue
    const producer = kind === 'send' || kind === 'pack' || kind === 'oos' ? producers.get(Number(base)) : undefined
    if (producer !== undefined) {
      const acked = producer.takeLine(fields, `iteration ${iteration}`, violations)
      if (acked !== null) batches.push(acked)
      continue
    }
    if (kind !== 'ack' || digest === undefined) throw new Error(`worker printed ${JSON.stringify(line)}; stderr: ${child.stderr}`)
    batches.push({ baseOffset: Number(base), lastOffset: Number(last), digest, source: `iteration ${iteration}` })
  }
  return batches
}

/**
 * Reopens `dir` after a kill and asserts every promise the ledger holds, then moves the log start
 * offset up to keep the next check's window at RETAINED_OFFSETS.
 */
async function checkAfterKill(dir: string, acked: readonly AckedBatch[], stats: LoopStats, producers: Iterable<KillLoopProducer>): Promise<void> {
  const log = await Log.open(dir)
  try {
    expect(log.recovery.cleanShutdown).toBe(false)
    const truncatedBytes = log.recovery.partitions.reduce((sum, p) => sum + p.truncatedBytes, 0)
    if (truncatedBytes > 0) stats.recoveriesThatTruncated++
    stats.truncatedBytes += truncatedBytes

    const info = log.describeTopic(TOPIC).partitions[0]!
    expect(info.logStartOffset).toBe(stats.logStartOffset) // deleteRecords is durable; nothing else moves it
    const partition = log.partition(TOPIC, 0)
    const snapshot = await readWholePartition(partition, info.logStartOffset)
    expect(snapshot.highWatermark).toBe(info.highWatermark)
    expect(findLedgerViolations(snapshot, acked)).toEqual([])
    const producerViolations: string[] = []
    for (const producer of producers) producer.checkLog(snapshot, producerViolations)
    expect(producerViolations).toEqual([])

    // Nothing is readable at or past the high watermark.
    const atHighWatermark = await partition.read({ offset: info.highWatermark })
    expect(atHighWatermark.records).toEqual([])
    await expect(partition.read({ offset: info.highWatermark + 1 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' })
    stats.highWatermark = info.highWatermark

    const keepFrom = info.highWatermark - RETAINED_OFFSETS
    if (keepFrom > info.logStartOffset) {
      await partition.deleteRecords(keepFrom)
      await log.runRetention()
      stats.logStartOffset = keepFrom
    }
  } finally {
    await log.close()
  }
}

describe('kill -9 loop', () => {
  it(
    'keeps every acknowledged append at its offset, byte for byte, across SIGKILLs at random moments',
    async () => {
      // Property: SIGKILL at any moment loses, moves, alters or duplicates no acknowledged record,
      // tears no batch, and the log always reopens with dense offsets and nothing past the HW.
      console.log(`kill loop: seed ${SEED}, ${ITERATIONS} iterations (replay: ${replayCommand})`)
      const indexUrl = distUrl('index.js')
      const dir = makeTempDir()
      const nextRandom = seededRandom(SEED)
      const acked: AckedBatch[] = []
      const producers = new Map(PRODUCER_IDS.map((id) => [id, new KillLoopProducer(id)] as const))
      const stats: LoopStats = { logStartOffset: 0, ackedBatches: 0, recoveriesThatTruncated: 0, truncatedBytes: 0, highWatermark: 0 }
      // The summary line and the reliability report line (scripts/reliability.mjs); a failed
      // iteration is one violation.
      const report = (survived: number, violations: number) =>
        reportReliability(
          `kill loop: ${survived} kills survived, ${stats.ackedBatches} acknowledged batches checked, ` +
            `high watermark ${stats.highWatermark}, ${stats.recoveriesThatTruncated} recoveries truncated a torn tail ` +
            `(${stats.truncatedBytes} bytes), seed ${SEED}, violations ${violations}`,
          { harness: 'H1', iterations: survived, faultKinds: ['SIGKILL random'], seed: SEED, violations },
        )

      for (let iteration = 0; iteration < ITERATIONS; iteration++) {
        const killDelayMs = randomInt(nextRandom, KILL_DELAY_MIN_MS, KILL_DELAY_MAX_MS)
        try {
          const plans = JSON.stringify([...producers.values()].map((p) => p.plan()))
          const child = spawnNode([workerPath, indexUrl, dir, String(iteration), String(SEED), String(APPENDERS), String(SEGMENT_BYTES), plans])
          let exit
          try {
            await child.waitForLine((line) => line === 'ready' || line.startsWith('fail '), READY_TIMEOUT_MS, '`ready`')
            await sleep(killDelayMs)
          } finally {
            exit = await child.kill('SIGKILL')
          }
          const retryViolations: string[] = []
          const batches = ackedBatchesOf(child, iteration, producers, retryViolations)
          expect(exit, `the worker ended by itself; stderr: ${child.stderr}`).toEqual({ code: null, signal: 'SIGKILL' })
          expect(retryViolations).toEqual([])
          acked.push(...batches)
          stats.ackedBatches += batches.length
          await checkAfterKill(dir, acked, stats, producers.values())
        } catch (err) {
          const where = `kill loop failed at iteration ${iteration} (kill ${killDelayMs} ms after ready) of seed ${SEED}`
          console.error(`${where}; replay: ${replayCommand}`)
          report(iteration, 1)
          throw new Error(`${where}\nreplay: ${replayCommand}\n${(err as Error).message}`, { cause: err })
        }
      }

      report(ITERATIONS, 0)
      // A loop in which nothing was ever acknowledged proved nothing; nor one whose retries never deduped.
      expect(stats.ackedBatches).toBeGreaterThan(ITERATIONS)
      const retries = [...producers.values()].reduce((n, p) => n + p.retriesAnswered, 0)
      const outOfOrder = [...producers.values()].reduce((n, p) => n + p.outOfOrderAnswered, 0)
      console.log(`kill loop: ${retries} retries of acknowledged producer batches answered as duplicates after a kill, ${outOfOrder} too old ones refused`)
      if (ITERATIONS >= 10) {
        expect(retries).toBeGreaterThan(ITERATIONS)
        expect(outOfOrder).toBeGreaterThan(0)
      }
    },
    ITERATIONS * 5_000 + 60_000,
  )
})
