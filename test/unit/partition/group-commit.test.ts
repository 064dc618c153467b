import { describe, expect, it } from 'vitest'
import { GroupCommit } from '../../../src/partition/group-commit.js'

/** A flush whose completion the test controls. */
function controlledFlush() {
  const calls: { resolve: () => void; reject: (e: Error) => void }[] = []
  const flush = () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject }))
  return { calls, flush }
}

const tick = () => new Promise((r) => setImmediate(r))

describe('GroupCommit', () => {
  it('shares one flush among every write that landed before it started', async () => {
    // Property: N concurrent waiters on offsets written before a flush starts cost one flush.
    const { calls, flush } = controlledFlush()
    const durable: number[] = []
    const gc = new GroupCommit(0, flush, (end) => durable.push(end))
    gc.noteWritten(10)
    const resolved: number[] = []
    const waits = [3, 7, 10].map((end) => gc.waitDurable(end).then(() => resolved.push(end)))
    expect(calls.length).toBe(1)
    calls[0]!.resolve()
    await Promise.all(waits)
    expect(resolved).toEqual([3, 7, 10])
    expect(durable).toEqual([10])
    expect(gc.durableEnd).toBe(10)
  })

  it('makes writes that land during a flush wait for the next one', async () => {
    // Property: a flush never acknowledges bytes written after it started.
    const { calls, flush } = controlledFlush()
    const gc = new GroupCommit(0, flush, () => {})
    gc.noteWritten(5)
    let firstDone = false
    let secondDone = false
    void gc.waitDurable(5).then(() => (firstDone = true))
    gc.noteWritten(9)
    void gc.waitDurable(9).then(() => (secondDone = true))
    expect(calls.length).toBe(1)
    calls[0]!.resolve()
    await tick()
    expect(firstDone).toBe(true)
    expect(secondDone).toBe(false)
    expect(gc.durableEnd).toBe(5)
    expect(calls.length).toBe(2) // the second flush starts as soon as the first returns
    calls[1]!.resolve()
    await tick()
    expect(secondDone).toBe(true)
    expect(gc.durableEnd).toBe(9)
  })

  it('fails every pending and later waiter after a flush error and never flushes again', async () => {
    // Property: fail-stop — an fsync error is never retried into silence.
    const { calls, flush } = controlledFlush()
    const gc = new GroupCommit(0, flush, () => {})
    gc.noteWritten(4)
    const pending = gc.waitDurable(4)
    const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })
    calls[0]!.reject(eio)
    await expect(pending).rejects.toBe(eio)
    gc.noteWritten(8)
    await expect(gc.waitDurable(8)).rejects.toBe(eio)
    await expect(gc.flushNow()).rejects.toBe(eio)
    expect(calls.length).toBe(1)
    expect(gc.durableEnd).toBe(0)
    expect(gc.failed).toBe(eio)
  })

  it('resolves at once for offsets already durable and does not flush with nothing written', async () => {
    // Property: no needless fsync.
    const { calls, flush } = controlledFlush()
    const gc = new GroupCommit(7, flush, () => {})
    await gc.waitDurable(7)
    await gc.flushNow()
    expect(calls.length).toBe(0)
  })

  it('treats a flush function that throws synchronously as a failed flush', async () => {
    // Property: a synchronous throw still reaches the waiters as fail-stop, not as an unhandled error.
    const gc = new GroupCommit(0, () => {
      throw new Error('EBADF')
    }, () => {})
    gc.noteWritten(1)
    await expect(gc.waitDurable(1)).rejects.toThrow('EBADF')
    expect(gc.failed).toBeInstanceOf(Error)
  })

  it('keeps its waiter queue bounded over many flush rounds', async () => {
    // Property: the consumed head of the queue is reclaimed (memory independent of history).
    let flushes = 0
    const gc = new GroupCommit(0, async () => {
      flushes++
    }, () => {})
    for (let i = 1; i <= 5000; i++) {
      gc.noteWritten(i)
      await gc.waitDurable(i)
    }
    expect(gc.durableEnd).toBe(5000)
    expect(flushes).toBe(5000)
    expect((gc as unknown as { waiters: unknown[] }).waiters.length).toBeLessThan(2)
  })

  it('calls whenDurable callbacks only once a flush covers their offset, in offset order, and fails them after an error', async () => {
    // Property: the callback form keeps waitDurable's guarantees — nothing acknowledged before the
    // fdatasync covering it, already-durable offsets answered at once, fail-stop afterwards.
    const { calls, flush } = controlledFlush()
    const gc = new GroupCommit(2, flush, () => {})
    const events: string[] = []
    gc.whenDurable(2, () => events.push('2 at once'), () => events.push('2 failed'))
    gc.noteWritten(6)
    for (const end of [4, 6]) gc.whenDurable(end, () => events.push(`${end} durable`), () => events.push(`${end} failed`))
    gc.noteWritten(9)
    gc.whenDurable(9, () => events.push('9 durable'), (err) => events.push(`9 failed: ${err.message}`))
    expect(events).toEqual(['2 at once'])
    calls[0]!.resolve()
    await tick()
    expect(events).toEqual(['2 at once', '4 durable', '6 durable'])
    expect(calls.length).toBe(2)
    calls[1]!.reject(new Error('EIO'))
    await tick()
    gc.whenDurable(10, () => events.push('10 durable'), (err) => events.push(`10 failed: ${err.message}`))
    expect(events).toEqual(['2 at once', '4 durable', '6 durable', '9 failed: EIO', '10 failed: EIO'])
  })
})

