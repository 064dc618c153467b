/**
 * The log's background-task registry (src/log/background-tasks.ts): later timers (transaction
 * timeouts, group sessions, the cleaner) rely on these rules, so each is pinned here with fake
 * timers — no wall clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BackgroundTasks, type BackgroundTask } from '../../../src/log/background-tasks.js'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
})
afterEach(() => {
  vi.useRealTimers()
})

/** Lets the promise callbacks of a finished run settle. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

describe('BackgroundTasks', () => {
  it('runs each task on its own period while the log is active, and not while it is not', async () => {
    // Property: a task runs once per period; an inactive log (closing or failed) skips the run.
    let active = true
    const tasks = new BackgroundTasks(() => active, () => {})
    const runs = { fast: 0, slow: 0 }
    tasks.add({ name: 'fast', periodMs: 10, run: async () => void runs.fast++ })
    tasks.add({ name: 'slow', periodMs: 25, run: async () => void runs.slow++ })
    await vi.advanceTimersByTimeAsync(50)
    expect(runs).toEqual({ fast: 5, slow: 2 })
    active = false
    await vi.advanceTimersByTimeAsync(50)
    expect(runs).toEqual({ fast: 5, slow: 2 })
    tasks.stopAll()
  })

  it('never starts a run while the same task is still running', async () => {
    // Property: a slow pass is not stacked up behind itself.
    const tasks = new BackgroundTasks(() => true, () => {})
    let started = 0
    let finish = (): void => {}
    tasks.add({ name: 'slow', periodMs: 10, run: () => new Promise<void>((resolve) => ((started++, (finish = resolve)))) })
    await vi.advanceTimersByTimeAsync(100)
    expect(started).toBe(1)
    finish()
    await settle()
    await vi.advanceTimersByTimeAsync(10)
    expect(started).toBe(2)
    tasks.stopAll()
  })

  it('hands a failed run to the error handler with its task, and keeps running the task', async () => {
    // Property: failures go to one place (the log's fail-stop); the registry itself never throws.
    const failures: [unknown, string][] = []
    const tasks = new BackgroundTasks(() => true, (err, task: BackgroundTask) => failures.push([err, task.name]))
    const boom = new Error('boom')
    let runs = 0
    tasks.add({ name: 'failing', periodMs: 10, run: async () => {
      runs++
      throw boom
    } })
    await vi.advanceTimersByTimeAsync(20)
    await settle()
    expect(runs).toBe(2)
    expect(failures).toEqual([[boom, 'failing'], [boom, 'failing']])
    tasks.stopAll()
  })

  it('stops every timer at stopAll and refuses tasks added afterwards; timers never hold the process open', async () => {
    // Property: close clears every timer; the timers are unref'd.
    const tasks = new BackgroundTasks(() => true, () => {})
    let runs = 0
    const spy = vi.spyOn(globalThis, 'setInterval')
    tasks.add({ name: 't', periodMs: 10, run: async () => void runs++ })
    const timer = spy.mock.results[0]!.value as NodeJS.Timeout
    expect(timer.hasRef()).toBe(false)
    tasks.stopAll()
    tasks.add({ name: 'late', periodMs: 10, run: async () => void runs++ })
    vi.advanceTimersByTime(100)
    expect(runs).toBe(0)
    spy.mockRestore()
  })
})
