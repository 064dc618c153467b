import { describe, expect, it } from 'vitest'
import type { TraceLine } from '../../helpers/strace.js'
import { countBySyscall, crashPointsIn, selectCrashPoints, type CrashPoint } from './crash-point-plan.js'

const MAIN = 100
const POOL = 101

function call(tid: number, syscall: string, args = ''): TraceLine {
  return { tid, startsCall: syscall, text: `${tid} ${syscall}(${args}) = 0` }
}

function mark(name: string): TraceLine {
  return { tid: MAIN, startsCall: 'write', text: `${MAIN} write(1, "mark ${name}\\n", ${name.length + 6}) = ${name.length + 6}` }
}

function points(count: number, syscall: string): CrashPoint[] {
  return Array.from({ length: count }, (_, i) => ({ syscall, when: i + 1, call: `${syscall} ${i + 1}` }))
}

describe('crash points from a trace', () => {
  it('lands when=N on the first thread to make its N-th call, counting per thread, and keeps only points inside the marks', () => {
    // Property: strace's per-thread `when=` semantics — a point is the earliest N-th call of any
    // thread, calls before `mark start` still count towards N, and kills that would land outside
    // the workload's window are not points.
    const trace: TraceLine[] = [
      call(MAIN, 'openat', '"module-1"'), // main #1, before the window
      call(POOL, 'openat', '"module-2"'), // pool #1, before the window
      mark('start'),
      call(MAIN, 'openat', '"a.log"'), // main #2: when=2 lands here (pool has no 2nd openat yet)
      call(POOL, 'fdatasync', '5'), // pool fdatasync #1
      call(POOL, 'openat', '"b.index"'), // pool #2: when=2 already landed on main
      call(POOL, 'openat', '"c.index"'), // pool #3: when=3 lands here
      call(MAIN, 'openat', '"d.log"'), // main #3: when=3 already landed on pool
      call(MAIN, 'rename', '"x.tmp", "x"'),
      mark('done'),
      call(MAIN, 'rename', '"y.tmp", "y"'), // after the window
    ]
    const found = crashPointsIn(trace)
    expect(found.map((p) => [p.syscall, p.when, p.call.match(/\((.*)\)/)?.[1]])).toEqual([
      ['fdatasync', 1, '5'],
      ['openat', 2, '"a.log"'],
      ['openat', 3, '"c.index"'],
      ['rename', 1, '"x.tmp", "x"'],
      // The `mark done` write is main's 2nd write: inside neither side of the window.
    ])
  })

  it('refuses a trace without the window marks', () => {
    // Property: a trace whose worker never reached `mark done` cannot be planned from.
    expect(() => crashPointsIn([mark('start'), call(MAIN, 'openat')])).toThrow(/mark done/)
  })
})

describe('selecting crash points within a budget', () => {
  it('takes every point of the rare syscalls and shares the rest of the budget evenly, spread over each kind', () => {
    // Property: water-filling — small kinds are covered whole, large kinds get equal shares,
    // the total stays within the budget, and a kind's points are spread over its whole range.
    const all = [...points(3, 'rename'), ...points(5, 'unlink'), ...points(200, 'openat'), ...points(90, 'fdatasync')]
    const chosen = selectCrashPoints(all, 40, 7)
    expect(chosen).toHaveLength(40)
    expect(countBySyscall(chosen)).toEqual({ rename: 3, unlink: 5, fdatasync: 16, openat: 16 })
    const openat = chosen.filter((p) => p.syscall === 'openat').map((p) => p.when)
    expect(new Set(openat).size).toBe(16)
    expect(Math.min(...openat)).toBeLessThanOrEqual(200 / 16)
    expect(Math.max(...openat)).toBeGreaterThan(200 - 200 / 16)
  })

  it('returns every point when the budget covers them, and the same selection for the same seed', () => {
    // Property: soak runs cover all points; a seed replays its selection exactly.
    const all = [...points(4, 'rename'), ...points(50, 'openat')]
    expect(selectCrashPoints(all, Number.POSITIVE_INFINITY, 1)).toEqual(all)
    expect(selectCrashPoints(all, 20, 99)).toEqual(selectCrashPoints(all, 20, 99))
  })
})
