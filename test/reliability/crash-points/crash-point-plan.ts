/**
 * Which crash points H2 runs (reliability.md H2): from the trace of one uninjected run of
 * the deterministic workload, every (syscall, when=N) that `strace -e inject=<syscall>:signal=KILL:
 * when=N` would kill the worker at, inside the workload's window (between its `mark start` and
 * `mark done` lines), and a budget-bounded selection of them spread over the syscall kinds.
 *
 * strace counts calls per thread, and `when=N` fires at the first thread to make its N-th call of
 * that syscall. So the point for N lands on the earliest trace line that is some thread's N-th
 * call; points landing outside the window (Node's own start-up, or after the workload) are
 * dropped. The kill is on syscall entry: the call itself never happens (reliability.md "Facts about this platform"), so killing
 * at call N is the crash right after call N-1.
 *
 * Determinism: the worker's file syscalls are the same on every run (one libuv pool thread, every
 * operation awaited). `write` is the exception: besides the ledger lines, libuv wakes the event
 * loop with eventfd writes that it coalesces by timing, so their count drifts by a few between
 * runs and a `write` point names a moment rather than one call. Every kill is still a real crash.
 */
import { markIndex, type TraceLine } from '../../helpers/strace.js'
import { randomInt, seededRandom } from '../../helpers/seeded-random.mjs'

/** What H2 kills at: every call that writes, syncs, creates, renames, removes or resizes. */
export const CRASH_SYSCALLS: readonly string[] = [
  'write',
  'pwrite64',
  'writev',
  'pwritev',
  'pwritev2',
  'fdatasync',
  'fsync',
  'openat',
  'rename',
  'renameat',
  'renameat2',
  'unlink',
  'unlinkat',
  'ftruncate',
  'fallocate',
  'mkdir',
  'rmdir',
]

export interface CrashPoint {
  syscall: string
  /** strace's `when=`: the call's number among `syscall` calls on its thread. */
  when: number
  /** The traced call the kill lands on (in the uninjected run), for messages. */
  call: string
}

/** Every crash point whose kill lands between the trace's `mark <from>` and `mark <to>` lines. */
export function crashPointsIn(trace: readonly TraceLine[], from = 'start', to = 'done'): CrashPoint[] {
  const start = markIndex(trace, from)
  const end = markIndex(trace, to)
  // For each syscall and N: the trace index of the first call that is some thread's N-th.
  const firstNth = new Map<string, Map<number, number>>()
  const perThread = new Map<string, number>()
  trace.forEach((line, index) => {
    if (line.startsCall === null || !CRASH_SYSCALLS.includes(line.startsCall)) return
    const key = `${line.tid} ${line.startsCall}`
    const n = (perThread.get(key) ?? 0) + 1
    perThread.set(key, n)
    let byN = firstNth.get(line.startsCall)
    if (!byN) firstNth.set(line.startsCall, (byN = new Map()))
    if (!byN.has(n)) byN.set(n, index)
  })
  const points: CrashPoint[] = []
  for (const [syscall, byN] of firstNth) {
    for (const [when, index] of byN) {
      if (index > start && index < end) points.push({ syscall, when, call: trace[index]!.text })
    }
  }
  return points.sort((a, b) => a.syscall.localeCompare(b.syscall) || a.when - b.when)
}

/**
 * At most `budget` points, spread over the syscalls: kinds with few points get all of them, the
 * rest of the budget is shared evenly by the others (water-filling), and within a kind the chosen
 * points are evenly spaced from a seeded offset. All points when the budget covers them.
 */
export function selectCrashPoints(points: readonly CrashPoint[], budget: number, seed: number): CrashPoint[] {
  if (budget >= points.length) return [...points]
  const bySyscall = groupBySyscall(points)
  const kinds = [...bySyscall.keys()].sort((a, b) => bySyscall.get(a)!.length - bySyscall.get(b)!.length)
  const next = seededRandom(seed)
  const selected: CrashPoint[] = []
  let left = budget
  kinds.forEach((kind, i) => {
    const candidates = bySyscall.get(kind)!
    const take = Math.min(candidates.length, Math.floor(left / (kinds.length - i)))
    left -= take
    const shift = randomInt(next, 0, 999) / 1000
    for (let k = 0; k < take; k++) selected.push(candidates[Math.floor(((k + shift) * candidates.length) / take)]!)
  })
  return selected
}

/** Point counts by syscall, e.g. { fdatasync: 70, openat: 168 }. */
export function countBySyscall(points: readonly CrashPoint[]): Record<string, number> {
  return Object.fromEntries([...groupBySyscall(points)].map(([syscall, list]) => [syscall, list.length]))
}

function groupBySyscall(points: readonly CrashPoint[]): Map<string, CrashPoint[]> {
  const groups = new Map<string, CrashPoint[]>()
  for (const point of points) {
    let list = groups.get(point.syscall)
    if (!list) groups.set(point.syscall, (list = []))
    list.push(point)
  }
  return groups
}
