/** SerialQueue (src/serial-queue.ts): the one helper behind every "one at a time" in the engine. */
import { describe, expect, it } from 'vitest'
import { SerialQueue } from '../../src/serial-queue.js'

describe('SerialQueue', () => {
  it('runs tasks one at a time in call order, each seeing the previous one finished', async () => {
    // Property: no two tasks overlap, and they start in the order they were queued.
    const queue = new SerialQueue()
    const events: string[] = []
    let running = 0
    const task = (name: string, ticks: number) => async (): Promise<string> => {
      running++
      expect(running).toBe(1)
      events.push(`start ${name}`)
      for (let i = 0; i < ticks; i++) await new Promise((resolve) => setImmediate(resolve))
      events.push(`end ${name}`)
      running--
      return name
    }
    const results = await Promise.all([queue.run(task('a', 3)), queue.run(task('b', 1)), queue.run(task('c', 2))])
    expect(results).toEqual(['a', 'b', 'c'])
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c'])
  })

  it('rejects only the failing task; the next one runs', async () => {
    // Property: a failure (thrown or rejected) does not poison the queue.
    const queue = new SerialQueue()
    const failed = queue.run(() => {
      throw new Error('sync failure')
    })
    const rejected = queue.run(async () => Promise.reject(new Error('async failure')))
    const next = queue.run(async () => 'ran')
    await expect(failed).rejects.toThrow('sync failure')
    await expect(rejected).rejects.toThrow('async failure')
    await expect(next).resolves.toBe('ran')
  })

  it('idle() settles after every task queued before it, failed ones included, and never rejects', async () => {
    // Property: close can wait for the queue without handling task errors.
    const queue = new SerialQueue()
    let done = false
    void queue.run(async () => {
      await new Promise((resolve) => setImmediate(resolve))
      done = true
    })
    queue.run(async () => Promise.reject(new Error('x'))).catch(() => {})
    await queue.idle()
    expect(done).toBe(true)
  })
})
