/**
 * One H2 crash point: run the workload worker under `strace -e inject=<syscall>:signal=KILL:
 * when=N` on a fresh directory, read its ledger, then reopen the directory here (no strace) and
 * run the post-fault checks (reopen-check.ts). Violations are returned, not thrown, so the harness
 * can count them; a worker that misbehaves for any other reason (printed `fail`, ended by itself
 * without finishing, hung) is a harness error and throws.
 */
import { fileURLToPath } from 'node:url'
import type { ChildExit, LineChild } from '../../helpers/line-child.js'
import { checkReopenedLog } from '../../helpers/reopen-check.js'
import { spawnNodeUnderStrace } from '../../helpers/strace.js'
import { WorkerLedger } from '../../helpers/worker-ledger.js'
import type { CrashPoint } from './crash-point-plan.js'
import { CRASH_SYSCALLS } from './crash-point-plan.js'

export const WORKER_PATH = fileURLToPath(new URL('./workload-worker.mjs', import.meta.url))
export const TOPIC = 't'
/** A guard against a worker that hangs: a 200-operation run takes about a second under strace. */
const WORKER_TIMEOUT_MS = 60_000

export interface Workload {
  /** dist/index.js as a file:// URL (children run compiled code). */
  indexUrl: string
  seed: number
  ops: number
}

export interface CrashPointOutcome {
  point: CrashPoint
  /** False when the run ended without reaching the point (a drifting `write` count): a clean run. */
  killed: boolean
  ackedBatches: number
  truncatedBytes: number
  violations: string[]
}

export function workerArgs(workload: Workload, dir: string): string[] {
  return [WORKER_PATH, workload.indexUrl, dir, String(workload.seed), String(workload.ops)]
}

/** Runs the workload once with every crash syscall traced into `traceFile`, to count the points. */
export async function traceWorkload(workload: Workload, dir: string, traceFile: string): Promise<void> {
  const child = spawnNodeUnderStrace({ traceFile, syscalls: CRASH_SYSCALLS, nodeArgs: workerArgs(workload, dir) })
  const exit = await exitWithin(child, WORKER_TIMEOUT_MS)
  if (exit.code !== 0 || !child.lines.includes('mark done')) {
    throw new Error(`the tracing run of the workload failed (${exit.code ?? exit.signal}): ${child.lines.slice(-3).join(' / ')}; stderr: ${child.stderr}`)
  }
  new WorkerLedger().add(child.lines, 'the tracing run') // throws on `fail`
}

export async function runCrashPoint(point: CrashPoint, workload: Workload, dir: string, traceFile = '/dev/null'): Promise<CrashPointOutcome> {
  const source = `crash point ${point.syscall}#${point.when}`
  const child = spawnNodeUnderStrace({
    traceFile,
    syscalls: [point.syscall],
    inject: `${point.syscall}:signal=KILL:when=${point.when}`,
    nodeArgs: workerArgs(workload, dir),
  })
  const exit = await exitWithin(child, WORKER_TIMEOUT_MS)
  const killed = exit.signal === 'SIGKILL'
  if (!killed && !(exit.code === 0 && child.lines.includes('mark done'))) {
    throw new Error(`${source}: the worker ended with ${exit.code ?? exit.signal} without finishing; stderr: ${child.stderr}`)
  }
  const ledger = new WorkerLedger()
  ledger.add(child.lines, source)
  const check = await checkReopenedLog(
    dir,
    { topic: TOPIC, partition: 0, topicCreated: ledger.topics.has(TOPIC), acked: ledger.acked, logStart: ledger.logStart },
    { resumeBatchId: 'resumed-after-crash' },
  )
  return {
    point,
    killed,
    ackedBatches: ledger.acked.length,
    truncatedBytes: check.truncatedBytes,
    violations: check.violations.map((v) => `${source} (${point.call.trim()}): ${v}`),
  }
}

/** The child's exit; throws (after killing it) if it has not exited within `timeoutMs`. */
async function exitWithin(child: LineChild, timeoutMs: number): Promise<ChildExit> {
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    void child.kill('SIGKILL')
  }, timeoutMs)
  try {
    const exit = await child.exited
    if (timedOut) throw new Error(`the worker did not finish within ${timeoutMs} ms; last lines: ${child.lines.slice(-3).join(' / ')}`)
    return exit
  } finally {
    clearTimeout(timer)
  }
}
