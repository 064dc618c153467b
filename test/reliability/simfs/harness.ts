/**
 * H4, the SimFS crash loop (reliability.md H4): a chain of simulated
 * machine boots, each ended by a power cut at a seeded random file-system event.
 *
 * One boot: open the log on the SimFS left by the previous crash (recovery after an unclean
 * shutdown), check every promise in the ledger against it (sim-ledger.ts), then run the seeded
 * workload (workload.ts) with ACTORS concurrent actors until the crash (or a clean close, after
 * which the power is cut at once). The crash lands on event 1…CRASH_EVENTS_MAX of the boot, so it
 * may cut recovery itself (a compound crash, FM-24), the checks, a createTopic, a roll, retention
 * or any append. At the crash, crash-image.ts builds the
 * post-crash tree; the old Log is abandoned — nothing of it is closed or flushed into the image —
 * and the next boot opens a new SimFS over that tree. After the last crash one more boot opens,
 * checks, closes cleanly, and a last open checks the clean path.
 *
 * In about one boot in eight (SYNC_FAILURE_BOOT_FRACTION) one sync fails with EIO, fsyncgate style
 * (what it covered stays readable but never reaches the disk): the log must fail-stop by the next
 * event-loop turn (contract 7), an open that meets it must fail, and the next boot recovers.
 *
 * Also checked per boot: open finishes within OPEN_EVENTS_MAX file-system events (recovery work is
 * bounded by what is on disk, so more means a loop), and every acknowledgement and every record a
 * read returns is durable the moment the workload sees it (workload.ts). A boot that makes no progress for STALL_TIMEOUT_MS of wall
 * time is reported as a hang (a guard against an engine deadlock, not a speed check).
 *
 * Deterministic: everything random derives from `seed` and the boot number (seeded-random.mjs),
 * the SimFS schedules sync completions on setImmediate, and the engine is single-threaded, so a
 * seed replays the same run. The first violation stops the run (later boots build on it).
 */
import { Log } from '../../../src/log.js'
import { deriveSeed, randomInt, seededRandom } from '../../helpers/seeded-random.mjs'
import { crashImage, noDamage, type DamageCounts } from './crash-image.js'
import { reportsSyncFailure, TOLERATE_UNTYPED_SYNC_ERRORS_OUTSIDE_APPENDS } from './known-bugs.js'
import { SimFS, simFsWithDirs } from './sim-fs.js'
import { describeError, SimLedger } from './sim-ledger.js'
import type { DirNode } from './sim-nodes.js'
import { ensureBaseTopic, runActor, type SimClock, type ViolationKind, type WorkloadContext } from './workload.js'

export const H4_LOG_DIR = '/h4/log'
/** Concurrent actors: enough for group commits and interleaved rolls, few enough to stay cheap. */
const ACTORS = 4
/**
 * A boot's crash lands uniformly on one of its first this-many events. An open takes a few dozen,
 * a roll about ten, an append two or three: so roughly one crash in ten lands in recovery, the
 * rest in the workload after a few dozen appends.
 */
const CRASH_EVENTS_MAX = 400
/**
 * Bound on the events of one open. Recovering the workload's largest directories took under 300
 * (2,000 crashes, seed 9); an open that loops — rewriting or resyncing the same files — passes
 * this bound quickly instead of hanging the run.
 */
const OPEN_EVENTS_MAX = 1_000
/** Event-loop turns a simulated sync takes, 1…this: varies what lands while a sync is in flight. */
const SYNC_DELAY_TURNS_MAX = 3
/**
 * Boots in which one sync fails with EIO, fsyncgate style (sim-fs.ts `failSync`), and how far into
 * the boot's syncs it may come: about one boot in eight exercises fail-stop (contract 7) and the
 * recovery after it, often an fsync of recovery itself (FM-24).
 */
const SYNC_FAILURE_BOOT_FRACTION = 1 / 8
const SYNC_FAILURE_SYNCS_MAX = 40
/** Syncs of these files come from the append path (group commit, roll), which does fail-stop. */
const SEGMENT_FILE_PATTERN = /\.(log|index|timeindex|txnindex)$/
/** Wall time after which a boot that neither crashed nor finished counts as hung. */
const STALL_TIMEOUT_MS = 30_000
/** The simulated clock's start: fixed, so a seed replays the same timestamps. */
const CLOCK_START_MS = 1_600_000_000_000

/** What the harness needs of the engine: `Log.open` (src/ in-process, or dist/ in a child process). */
export type LogOpener = Pick<typeof Log, 'open'>

export interface H4Options {
  crashes: number
  seed: number
  /** Check at each acknowledgement that its bytes are durable (default true). Off, only crashes can catch a missing sync. */
  checkAckCoverage?: boolean
  /** The engine to run; default src/log.ts. */
  engine?: LogOpener
}

export interface H4Violation {
  boot: number
  kind: ViolationKind | 'recovery' | 'fail-stop' | 'harness'
  message: string
}

/** What one boot has seen so far. */
interface BootState {
  log: Log | null
  /** The sync that failed with EIO in this boot (`op path`), once it has. */
  syncFailure: string | null
}

export interface H4Result {
  seed: number
  crashes: number
  /** Crashes that cut an open (recovery after the previous crash). */
  crashesDuringOpen: number
  /** Boots that ended with a clean close, the power cut right after it. */
  cleanCloses: number
  /** Syncs failed with EIO (of files, of directories), and how many of them an open was running (which then had to fail). */
  syncFailures: { file: number; dir: number }
  syncFailuresDuringOpen: number
  acknowledgedBatches: number
  /** Most file-system events one completed open took (bounded by OPEN_EVENTS_MAX). */
  maxOpenEvents: number
  /** Opens whose recovery cut a torn tail, and index files rebuilt by recovery. */
  recoveriesThatTruncated: number
  /** Opens refused with CORRUPT_RECORD (damage followed by valid batches) and reopened with repair. */
  repairedOpens: number
  indexRebuilds: number
  /** Crashes by the operation of the last event before them ('write', 'fsyncDir done', …). */
  crashPoints: Record<string, number>
  damage: DamageCounts
  violations: H4Violation[]
  /** SimFS events before the first violation was found (empty if none). */
  traceAtFirstViolation: string[]
}

interface Run {
  readonly options: Required<H4Options>
  readonly clock: SimClock
  readonly ledger: SimLedger
  readonly result: H4Result
  topicNumber: number
  syncRandom: () => number
}

export async function runSimfsHarness(options: H4Options): Promise<H4Result> {
  const run: Run = {
    options: { checkAckCoverage: true, engine: Log, ...options },
    clock: { nowMs: CLOCK_START_MS },
    ledger: new SimLedger(),
    result: {
      seed: options.seed,
      crashes: 0,
      crashesDuringOpen: 0,
      cleanCloses: 0,
      syncFailures: { file: 0, dir: 0 },
      syncFailuresDuringOpen: 0,
      maxOpenEvents: 0,
      acknowledgedBatches: 0,
      recoveriesThatTruncated: 0,
      repairedOpens: 0,
      indexRebuilds: 0,
      crashPoints: {},
      damage: noDamage(),
      violations: [],
      traceAtFirstViolation: [],
    },
    topicNumber: 0,
    syncRandom: seededRandom(options.seed),
  }
  let fs = newSimFs(run, simFsWithDirs(['/h4'], { clock: () => run.clock.nowMs }).root)
  for (let boot = 0; boot < options.crashes && run.result.violations.length === 0; boot++) {
    const image = await crashedBoot(run, fs, boot)
    if (image === null) break
    fs = newSimFs(run, image)
  }
  if (run.result.violations.length === 0) await finalBoots(run, fs, options.crashes)
  run.result.acknowledgedBatches = run.ledger.acknowledgedBatches
  return run.result
}

function newSimFs(run: Run, root: DirNode): SimFS {
  return new SimFS({ root, clock: () => run.clock.nowMs, syncDelayTurns: () => randomInt(run.syncRandom, 1, SYNC_DELAY_TURNS_MAX) })
}

/** One boot ended by a crash; returns the post-crash tree, or null when the run must stop. */
async function crashedBoot(run: Run, fs: SimFS, boot: number): Promise<DirNode | null> {
  const random = seededRandom(deriveSeed(run.options.seed, boot))
  const imageRandom = seededRandom(deriveSeed(run.options.seed, boot, 1))
  run.syncRandom = seededRandom(deriveSeed(run.options.seed, boot, 2))
  let image: DirNode | null = null
  const crashed = new Promise<'crashed'>((resolve) => {
    fs.armCrash(randomInt(random, 1, CRASH_EVENTS_MAX), () => {
      image = crashImage(fs.root, imageRandom, run.result.damage)
      resolve('crashed')
    })
  })
  const state: BootState = { log: null, syncFailure: null }
  const faultRandom = seededRandom(deriveSeed(run.options.seed, boot, 3))
  if (faultRandom() < SYNC_FAILURE_BOOT_FRACTION) {
    fs.failSync(randomInt(faultRandom, 1, SYNC_FAILURE_SYNCS_MAX), (what) => syncFailed(run, fs, boot, state, what))
  }
  let stallTimer: NodeJS.Timeout | undefined
  const stalled = new Promise<'stalled'>((resolve) => {
    stallTimer = setTimeout(() => resolve('stalled'), STALL_TIMEOUT_MS)
  })
  const stopped = bootLog(run, fs, boot, random, state, false).then((status) => (status === 'stop' ? 'stop' : new Promise<never>(() => {})))
  const outcome = await Promise.race([crashed, stalled, stopped])
  clearTimeout(stallTimer)
  if (outcome === 'stalled') {
    violation(run, fs, boot, 'harness', `boot ${boot} neither crashed nor finished within ${STALL_TIMEOUT_MS} ms (stuck at SimFS event ${fs.eventCount})`)
    fs.crashNow()
    return null
  }
  if (outcome === 'stop') return null
  run.result.crashes++
  const point = fs.lastEventOp
  run.result.crashPoints[point] = (run.result.crashPoints[point] ?? 0) + 1
  // The workload's actors stall on syncs that never complete; the Log itself is abandoned.
  if (state.log === null) run.result.crashesDuringOpen++
  else abandon(state.log)
  return image
}

/**
 * An injected EIO has just been delivered. Contract 7: by the next event-loop turn the log must be
 * in the failed state (every path that syncs — appends, rolls, retention, checkpoints, topic
 * changes — must fail-stop, never carry on or retry); checked only for syncs of segment files
 * while known-bugs.ts tolerates the others. During open, open itself must fail (bootLog).
 */
function syncFailed(run: Run, fs: SimFS, boot: number, state: BootState, what: string): void {
  const [op, path] = what.split(' ')
  run.result.syncFailures[op === 'fsyncDir' ? 'dir' : 'file']++
  state.syncFailure = what
  const log = state.log
  if (log === null) {
    run.result.syncFailuresDuringOpen++
    return
  }
  if (TOLERATE_UNTYPED_SYNC_ERRORS_OUTSIDE_APPENDS && (op === 'fsyncDir' || !SEGMENT_FILE_PATTERN.test(path!))) return
  setImmediate(() => {
    if (fs.crashed || log.failure !== null) return
    violation(run, fs, boot, 'fail-stop', `EIO from ${what} did not put the log in the failed state (contract 7: any fsync error fails the log)`)
  })
}

/**
 * Opens the log, checks the ledger, and (unless `final`) starts the workload. Resolves 'stop' when
 * the run cannot go on (open refused), 'running' otherwise; a crash leaves it pending forever.
 */
async function bootLog(run: Run, fs: SimFS, boot: number, random: () => number, state: BootState, final: boolean): Promise<'stop' | 'running'> {
  try {
    const eventsBefore = fs.eventCount
    let log: Log
    try {
      try {
        log = await run.options.engine.open(H4_LOG_DIR, { fileSystem: fs, clock: () => run.clock.nowMs })
      } catch (err) {
        // Damage that valid batches follow is refused (docs/decisions.md, FM-2): a power cut that
        // persisted a later unflushed page but not an earlier one looks like that. The operator's
        // answer is `repair`, which must still keep every acknowledged record (the ledger checks it).
        if (fs.crashed || (err as { code?: unknown }).code !== 'CORRUPT_RECORD') throw err
        run.result.repairedOpens++
        log = await run.options.engine.open(H4_LOG_DIR, { fileSystem: fs, clock: () => run.clock.nowMs, repair: true })
      }
    } catch (err) {
      if (fs.crashed) return 'running'
      if (state.syncFailure !== null && reportsSyncFailure(err)) {
        // Recovery met the injected EIO and gave up, as it must: cut the power, recover again.
        fs.crashNow()
        return 'running'
      }
      violation(run, fs, boot, 'recovery', `open refused the post-crash state: ${describeError(err)}`)
      return 'stop'
    }
    if (fs.crashed) {
      abandon(log)
      return 'running'
    }
    if (state.syncFailure !== null) {
      violation(run, fs, boot, 'fail-stop', `open succeeded although its ${state.syncFailure} failed with EIO`)
      abandon(log)
      return 'stop'
    }
    state.log = log
    const recovered = log.recovery.partitions
    if (recovered.some((p) => p.truncatedBytes > 0)) run.result.recoveriesThatTruncated++
    for (const p of recovered) run.result.indexRebuilds += p.rebuiltIndexes
    const openEvents = fs.eventCount - eventsBefore
    run.result.maxOpenEvents = Math.max(run.result.maxOpenEvents, openEvents)
    if (openEvents > OPEN_EVENTS_MAX) violation(run, fs, boot, 'recovery', `open took ${openEvents} file-system events (bound ${OPEN_EVENTS_MAX})`)
    const found = await run.ledger.checkRecovered(log, random)
    // The check can meet the crash (a lazy index rebuild writes): what it saw after the power went
    // proves nothing, and the next boot checks the same ledger again.
    if (fs.crashed) {
      abandon(log)
      return 'running'
    }
    for (const message of found) violation(run, fs, boot, 'recovery', message)
    // A broken promise is reported from the boot that found it: later boots would only echo it.
    if (run.result.violations.length > 0) {
      abandon(log)
      return 'stop'
    }
    if (final) {
      await log.close()
      return 'running'
    }
    if (fs.crashed) {
      abandon(log)
      return 'running'
    }
    const ctx = workloadContext(run, fs, log, boot, random, state)
    await ensureBaseTopic(ctx)
    for (let actor = 0; actor < ACTORS; actor++) {
      runActor(ctx, actor).catch((err: unknown) => {
        violation(run, fs, boot, 'harness', `actor ${actor} threw: ${describeError(err)}`)
        fs.crashNow()
      })
    }
    return 'running'
  } catch (err) {
    // A crash during the boot's checks closes the abandoned log under them (LOG_CLOSED): not a finding.
    if (fs.crashed) return 'running'
    violation(run, fs, boot, 'harness', `boot ${boot} threw: ${describeError(err)}`)
    fs.crashNow()
    return 'stop'
  }
}

/** After the last crash: one more recovery, checked, then a clean close and a clean open, checked. */
async function finalBoots(run: Run, fs: SimFS, boot: number): Promise<void> {
  for (const label of [boot, boot + 1]) {
    const status = await bootLog(run, fs, label, seededRandom(deriveSeed(run.options.seed, label)), { log: null, syncFailure: null }, true)
    if (status === 'stop' || run.result.violations.length > 0) return
  }
}

function workloadContext(run: Run, fs: SimFS, log: Log, boot: number, random: () => number, state: BootState): WorkloadContext {
  const batchNumbers = new Map<number, number>()
  return {
    log,
    fs,
    ledger: run.ledger,
    random,
    clock: run.clock,
    logDir: H4_LOG_DIR,
    boot,
    checkAckCoverage: run.options.checkAckCoverage,
    inFlight: new Map(),
    lifecycle: { closing: false },
    endBootAfterCleanClose: () => {
      run.result.cleanCloses++
      fs.crashNow()
    },
    syncFailure: () => state.syncFailure,
    endBootAfterFailure: () => fs.crashNow(),
    nextBatchId: (actor) => {
      const n = batchNumbers.get(actor) ?? 0
      batchNumbers.set(actor, n + 1)
      return `${boot}:${actor}:${n}`
    },
    nextTopicName: () => `x${run.topicNumber++}`,
    violation: (kind, message) => violation(run, fs, boot, kind, message),
  }
}

function violation(run: Run, fs: SimFS, boot: number, kind: H4Violation['kind'], message: string): void {
  if (run.result.violations.length === 0) run.result.traceAtFirstViolation = fs.recentEvents()
  run.result.violations.push({ boot, kind, message })
}

/**
 * Lets an abandoned Log be garbage-collected: `close()` clears its interval timers synchronously,
 * then waits on syncs of a dead SimFS that never complete, so nothing it does can reach the crash
 * image (taken before) — and it never settles, so nothing is reported.
 */
function abandon(log: Log): void {
  void log.close().catch(() => {})
}
