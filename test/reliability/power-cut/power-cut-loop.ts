/**
 * The H3 power-cut loop (reliability.md H3). On one loop-mounted image (loop-image.ts),
 * where this process first creates the log and its topic, for each cut:
 *  1. start the H1 append worker (test/crash/append-worker.mjs: 4 concurrent appenders, acks
 *     'all', 4 KiB segments, a ledger line per acknowledged append) on the live file system — the
 *     same log directory every cut, so each start is also a kill -9 recovery;
 *  2. after a seeded delay, freeze it (freeze-process.ts) and copy and mount the image: the power
 *     cut. The dirty page cache is not in the copy; every append acknowledged before the freeze is;
 *  3. SIGKILL the worker; open the copy here and run the post-fault checks (reopen-check.ts) with
 *     every append acknowledged in any cut so far. Open may refuse with CORRUPT_RECORD (a cut can
 *     persist a later unacknowledged page and not an earlier one, docs/decisions.md): then it is
 *     reopened with repair, which must not cost an acknowledged record;
 *  4. every few cuts, keep the live log small: open it here, deleteRecords below the last
 *     RETAINED_OFFSETS acknowledged offsets, runRetention, close. Records below the log start
 *     this sets are legitimately gone; the log start itself must survive every later cut.
 * Violations are returned, never thrown; tool or worker failures throw.
 *
 * kill -9 alone keeps the page cache and cannot see a missing fsync; this loop can (a writer
 * without fsync failed 30/30 cuts). It cannot see a missing directory fsync (0/75 cuts): that is
 * H4's job (reliability.md "Facts about this platform").
 */
import * as path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { Log } from '../../../src/index.js'
import { spawnNode } from '../../helpers/line-child.js'
import { checkReopenedLog } from '../../helpers/reopen-check.js'
import { randomInt, seededRandom } from '../../helpers/seeded-random.mjs'
import { WorkerLedger } from '../../helpers/worker-ledger.js'
import { freezeProcess } from './freeze-process.js'
import { LoopImage, type PowerCutFileSystem } from './loop-image.js'

const WORKER_PATH = fileURLToPath(new URL('../../crash/append-worker.mjs', import.meta.url))
const TOPIC = 't'
const APPENDERS = 4
/** Tiny, so cuts land in rolls too. */
const SEGMENT_BYTES = 4096
/** The append worker's index interval: an index entry every few batches. */
const INDEX_INTERVAL_BYTES = 128
/** After `ready`: long enough for a few group commits, short enough that a cut costs little. */
const CUT_DELAY_MIN_MS = 10
const CUT_DELAY_MAX_MS = 150
/** A guard on the worker's start (open + recovery + createTopic), not a measurement. */
const READY_TIMEOUT_MS = 30_000
/**
 * The copy is read through the pure-JS binding: the addon's reads return views of mappings, which
 * keep the copy's mount busy until a GC collects them, and each cut must unmount its copy (loop
 * devices are few). The worker, which writes what is checked, runs on the binding under test.
 */
const CHECK_LOG_OPTIONS = { native: false }
/** The window checked after every cut; trimmed to this once it is twice as large. */
const RETAINED_OFFSETS = 3000

export interface PowerCutOptions {
  fsType: PowerCutFileSystem
  cuts: number
  seed: number
  /** dist/index.js as a file:// URL (the worker runs compiled code). */
  indexUrl: string
  /** An empty directory: the holder mounts a tmpfs over it. */
  workDir: string
  /** Extra environment for the worker, e.g. a planted bug. */
  workerEnv?: NodeJS.ProcessEnv
}

export interface PowerCutResult {
  cuts: number
  ackedBatches: number
  /** Cuts after which open refused with CORRUPT_RECORD and was repaired. */
  repairedOpens: number
  truncatedBytes: number
  violations: string[]
}

export async function runPowerCuts(options: PowerCutOptions): Promise<PowerCutResult> {
  const { fsType, seed, indexUrl, workerEnv = {} } = options
  const result: PowerCutResult = { cuts: 0, ackedBatches: 0, repairedOpens: 0, truncatedBytes: 0, violations: [] }
  const image = await LoopImage.create(fsType, options.workDir)
  try {
    const liveLogDir = path.join(image.liveDir, 'log')
    await createLiveLog(liveLogDir)
    const ledger = new WorkerLedger()
    const next = seededRandom(seed)
    for (let cut = 0; cut < options.cuts; cut++) {
      const delayMs = randomInt(next, CUT_DELAY_MIN_MS, CUT_DELAY_MAX_MS)
      const source = `${fsType} cut ${cut} (${delayMs} ms after ready)`
      const child = spawnNode([WORKER_PATH, indexUrl, liveLogDir, String(cut), String(seed), String(APPENDERS), String(SEGMENT_BYTES)], workerEnv)
      try {
        const first = await child.waitForLine((line) => line === 'ready' || line.startsWith('fail '), READY_TIMEOUT_MS, '`ready`')
        if (first !== 'ready') throw new Error(`${source}: the worker failed to start: ${first}; stderr: ${child.stderr}`)
        await sleep(delayMs)
        await freezeProcess(child.pid!)
        image.snapshot()
      } finally {
        await child.kill('SIGKILL')
      }
      const before = ledger.acked.length
      ledger.add(child.lines, source)
      result.ackedBatches += ledger.acked.length - before
      try {
        const check = await checkReopenedLog(
          path.join(image.snapshotDir, 'log'),
          { topic: TOPIC, partition: 0, topicCreated: true, acked: ledger.acked, logStart: ledger.logStart },
          { allowRepair: true, resumeBatchId: `resumed-after-cut-${cut}`, logOptions: CHECK_LOG_OPTIONS },
        )
        if (check.refusedOpen !== null) result.repairedOpens++
        result.truncatedBytes += check.truncatedBytes
        result.violations.push(...check.violations.map((v) => `${source}: ${v}`))
      } finally {
        image.dropSnapshot()
      }
      result.cuts++
      if (ledger.ackedEndOffset - ledger.logStart.atLeast > 2 * RETAINED_OFFSETS) {
        await trimLiveLog(liveLogDir, ledger.ackedEndOffset - RETAINED_OFFSETS)
        ledger.setLogStart(ledger.ackedEndOffset - RETAINED_OFFSETS)
      }
    }
  } finally {
    // Unmounting anything still mounted is the namespace's job: it ends with the holder.
    await image.destroy()
  }
  return result
}

/**
 * Creates the live log and its topic from here, durably, as the worker would (same config), so
 * the directory, FORMAT and topic metadata are on the image before the first cut: a cut then
 * tests appends, not whether a log created a moment ago survives.
 */
async function createLiveLog(logDir: string): Promise<void> {
  const log = await Log.open(logDir, CHECK_LOG_OPTIONS)
  try {
    await log.createTopic(TOPIC, { partitions: 1, segmentBytes: SEGMENT_BYTES, indexIntervalBytes: INDEX_INTERVAL_BYTES })
  } finally {
    await log.close()
  }
}

/** Moves the live log's start to `logStartOffset` durably and deletes the segments below it. */
async function trimLiveLog(logDir: string, logStartOffset: number): Promise<void> {
  const log = await Log.open(logDir, CHECK_LOG_OPTIONS)
  try {
    await log.partition(TOPIC, 0).deleteRecords(logStartOffset)
    await log.runRetention()
  } finally {
    await log.close()
  }
}
