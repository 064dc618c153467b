/**
 * H2, crash-point enumeration (reliability.md H2): a bounded, seeded workload
 * (crash-points/workload-worker.mjs: appends, grouped appends, flushes, deleteRecords, retention,
 * close/reopen, config changes on 2 KiB segments) is traced once to count its write, pwrite64,
 * writev/pwritev, fdatasync, fsync, openat, rename, unlink, ftruncate, mkdir… calls; then, for each
 * selected (syscall, N), the workload runs again on a fresh directory under
 * `UV_THREADPOOL_SIZE=1 strace -e inject=<syscall>:signal=KILL:when=N` and dies on entry to that
 * call; the directory is reopened here and checked (reopen-check.ts: acknowledged records lost,
 * inconsistent offsets, duplicates, records past the HW, index agreement, bounded open, resume).
 *
 * Counts: `npm test` runs ~100 points of a 60-operation workload (50 on the fallback binding, whose
 * pass repeats the same protocols), spread over the syscall kinds (crash-point-plan.ts). A soak (`SEGLOG_ITERS` set) runs every point of a 200-operation workload.
 * Overrides: SEGLOG_H2_OPS (workload size), SEGLOG_H2_POINTS (a number or `all`),
 * SEGLOG_H2_POINT=<syscall>:<N> (one point, for replay), SEED (the workload and the selection).
 * kill -9 keeps the page cache: this finds broken protocols and recovery, not missing fsyncs (H3, H4).
 *
 * Skips with the reason when strace is missing or may not trace.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { distUrl } from '../helpers/dist.js'
import { countViolations, reportReliability } from '../helpers/reliability-report.js'
import { readTrace, straceUnavailableReason } from '../helpers/strace.js'
import { seedFromEnv } from '../helpers/seeded-random.mjs'
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js'
import { countBySyscall, crashPointsIn, selectCrashPoints, type CrashPoint } from './crash-points/crash-point-plan.js'
import { runCrashPoint, traceWorkload, type CrashPointOutcome, type Workload } from './crash-points/run-crash-point.js'

const SEED = seedFromEnv('SEED')
const SOAK = process.env.SEGLOG_ITERS !== undefined && process.env.SEGLOG_ITERS !== ''
const OPS = Number(process.env.SEGLOG_H2_OPS ?? (SOAK ? 200 : 60))
/** The fallback pass replays the same protocols on the pure-JS binding: half the points keep the suite's budget. */
const FALLBACK = process.env.SEGLOG_NO_NATIVE === '1'
const POINTS_BUDGET = parseBudget(process.env.SEGLOG_H2_POINTS ?? (SOAK ? 'all' : FALLBACK ? '50' : '100'))
const ONLY_POINT = process.env.SEGLOG_H2_POINT
/** Per point: the strace'd worker (well under a second), the reopen and the checks. */
const POINT_TIMEOUT_MS = 10_000
const unavailable = straceUnavailableReason()

afterEach(removeTempDirs)

function parseBudget(text: string): number {
  if (text === 'all') return Number.POSITIVE_INFINITY
  const budget = Number(text)
  if (!Number.isSafeInteger(budget) || budget < 1) throw new RangeError(`SEGLOG_H2_POINTS=${text} is not a positive integer or 'all'`)
  return budget
}

function replayCommand(point?: CrashPoint): string {
  const mode = process.env.SEGLOG_NO_NATIVE === '1' ? 'SEGLOG_NO_NATIVE=1 ' : ''
  const only = point ? `SEGLOG_H2_POINT=${point.syscall}:${point.when} ` : `SEGLOG_H2_POINTS=${POINTS_BUDGET === Infinity ? 'all' : POINTS_BUDGET} `
  return `${mode}SEED=${SEED} SEGLOG_H2_OPS=${OPS} ${only}npx vitest run test/reliability/h2-crash-points.test.ts`
}

/** The crash points of the workload, from one traced run. */
async function planCrashPoints(workload: Workload): Promise<CrashPoint[]> {
  const work = makeTempDir('seglog-h2-trace-')
  const traceFile = path.join(work, 'workload.trace')
  await traceWorkload(workload, path.join(work, 'log'), traceFile)
  return crashPointsIn(readTrace(traceFile))
}

/** The part of a traced call that names what it did: no thread id, no result, the log dir as <dir>. */
function callSignature(text: string, dir: string): string {
  return text
    .replace(/^\d+\s+/, '')
    .replaceAll(dir, '<dir>')
    .replace(/\s*(<unfinished \.\.\.>|\) += .*)$/, '')
}

describe('H2: SIGKILL at every enumerated syscall', () => {
  it('lands each kill on the call the counting trace predicts, before the call happens', async (ctx) => {
    // Property: the harness itself — `when=N` from the uninjected trace kills the worker on entry
    // to the same call in an injected run (so a point names a real protocol step), for every
    // deterministic kind sampled here: a rename, an fdatasync and an unlink.
    if (unavailable !== null) ctx.skip(unavailable)
    const workload: Workload = { indexUrl: distUrl('index.js'), seed: SEED, ops: OPS }
    const traceDir = makeTempDir('seglog-h2-trace-')
    const plannedDir = path.join(traceDir, 'log')
    const traceFile = path.join(traceDir, 'workload.trace')
    await traceWorkload(workload, plannedDir, traceFile)
    const points = crashPointsIn(readTrace(traceFile))
    for (const syscall of ['rename', 'fdatasync', 'unlink']) {
      const ofKind = points.filter((p) => p.syscall === syscall)
      expect(ofKind.length, `the workload makes ${syscall} calls`).toBeGreaterThan(0)
      const point = ofKind[Math.floor(ofKind.length / 2)]!
      const work = makeTempDir('seglog-h2-')
      const dir = path.join(work, 'log')
      const injectedTrace = path.join(work, 'injected.trace')
      const outcome = await runCrashPoint(point, workload, dir, injectedTrace)
      expect(outcome.killed, `${syscall}#${point.when} killed the worker`).toBe(true)
      const calls = readTrace(injectedTrace).filter((line) => line.startsCall === syscall)
      const last = calls.at(-1)!
      expect(last.text, 'the killed call never returned').toMatch(/= \?|<unfinished \.\.\.>/)
      expect(callSignature(last.text, dir)).toBe(callSignature(point.call, plannedDir))
      expect(outcome.violations).toEqual([])
    }
  }, 60_000)

  it(
    'keeps every acknowledged append, dense offsets, a bounded log start and agreeing indexes after a SIGKILL at each crash point',
    async (ctx) => {
      // Property: a process crash on entry to any write, sync, open, rename, unlink or truncate of
      // the engine's protocols (append, roll, index, checkpoint, retention, close, open, metadata)
      // loses, alters, moves or duplicates no acknowledged record, keeps the log start within what
      // the ledger allows, and reopens into a log whose indexes match a full scan and that appends
      // at its high watermark.
      if (unavailable !== null) ctx.skip(unavailable)
      const workload: Workload = { indexUrl: distUrl('index.js'), seed: SEED, ops: OPS }
      const all = await planCrashPoints(workload)
      const points = ONLY_POINT ? all.filter((p) => `${p.syscall}:${p.when}` === ONLY_POINT) : selectCrashPoints(all, POINTS_BUDGET, SEED)
      if (ONLY_POINT && points.length === 0) throw new Error(`SEGLOG_H2_POINT=${ONLY_POINT} is not a crash point of this workload`)
      console.log(`H2 crash points: seed ${SEED}, ${OPS} operations, ${points.length} of ${all.length} points (replay: ${replayCommand()})`)

      const outcomes: CrashPointOutcome[] = []
      const violations: string[] = []
      try {
        for (const point of points) {
          const work = makeTempDir('seglog-h2-')
          try {
            const outcome = await runCrashPoint(point, workload, path.join(work, 'log'))
            outcomes.push(outcome)
            if (outcome.violations.length > 0) {
              console.error(`H2 violation at ${point.syscall}#${point.when}; replay: ${replayCommand(point)}`)
              violations.push(...outcome.violations, `  replay: ${replayCommand(point)}`)
            }
          } catch (err) {
            throw new Error(`H2 crash point ${point.syscall}#${point.when} (${point.call.trim()}) of seed ${SEED}: ${(err as Error).message}\nreplay: ${replayCommand(point)}`, {
              cause: err,
            })
          } finally {
            fs.rmSync(work, { recursive: true, force: true })
          }
        }
      } finally {
        const found = violations.filter((v) => !v.startsWith('  replay:'))
        const kills = outcomes.filter((o) => o.killed).length
        const bySyscall = countBySyscall(outcomes.map((o) => o.point))
        const perSyscall = Object.entries(bySyscall).map(([syscall, n]) => `${syscall} ${n}`).join(', ')
        reportReliability(
          `H2 crash points: ${outcomes.length} points (${perSyscall}; ${kills} kills) over ${OPS} operations, seed ${SEED}, violations ${found.length}`,
          {
            harness: 'H2',
            points: outcomes.length,
            faultKinds: ['SIGKILL at syscall N'],
            seed: SEED,
            violations: found.length,
            counters: countViolations(found),
            bySyscall,
            truncatedBytes: outcomes.reduce((sum, o) => sum + o.truncatedBytes, 0),
          },
        )
      }
      expect(violations).toEqual([])
      // Points that all ran past the workload would have crashed nothing.
      expect(outcomes.filter((o) => o.killed).length).toBeGreaterThan(outcomes.length / 2)
      expect(outcomes.reduce((sum, o) => sum + o.ackedBatches, 0)).toBeGreaterThan(0)
    },
    (Number.isFinite(POINTS_BUDGET) ? POINTS_BUDGET : 5000) * POINT_TIMEOUT_MS + 60_000,
  )
})
