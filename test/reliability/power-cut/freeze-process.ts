/**
 * Freezes a process for a power-cut snapshot: SIGSTOP, then wait until every one of its threads
 * is stopped. A thread inside a syscall (an fdatasync on the libuv pool, a writev on the main
 * thread) finishes that call first and stops on its way out, so once all threads show state T the
 * process issues no more I/O and prints no more acknowledgements: the image copied now holds
 * everything it acknowledged, and anything it still acknowledges later cannot be expected there.
 */
import * as fs from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

/** A guard: threads stop within milliseconds unless stuck in the kernel. */
const FREEZE_TIMEOUT_MS = 10_000
const POLL_MS = 1

export async function freezeProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP')
  const deadline = Date.now() + FREEZE_TIMEOUT_MS
  while (!allThreadsStopped(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} did not stop within ${FREEZE_TIMEOUT_MS} ms`)
    await sleep(POLL_MS)
  }
}

/** True when every thread of `pid` is stopped (T) — or the process is gone (nothing can run). */
function allThreadsStopped(pid: number): boolean {
  let tasks: string[]
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`)
  } catch {
    return true
  }
  return tasks.every((tid) => {
    try {
      // Field 3 of stat, after the parenthesised command name (which may contain spaces).
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
      return state === 'T' || state === 't' || state === 'Z' || state === 'X'
    } catch {
      return true // the thread ended
    }
  })
}
