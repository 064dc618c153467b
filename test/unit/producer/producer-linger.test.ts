import { describe, expect, it, vi } from 'vitest'
import { detectIdempotentAppends, storedBatches, storedValues, useProducerLogs } from './producer-test-log.js'

const idempotentAppendsSupported = await detectIdempotentAppends()
const MODES = [
  { name: 'plain', idempotent: false },
  { name: 'idempotent', idempotent: true },
] as const

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.each(MODES)('linger batching ($name)', ({ idempotent }) => {
  const openLog = useProducerLogs()
  const itMode = it.skipIf(idempotent && !idempotentAppendsSupported)

  itMode('puts the sends to one partition within lingerMs into one batch, each resolving with its own slice', async () => {
    // Property: sends made while a partition's batch is open share that batch (one batch on disk,
    // contiguous offsets, one sequence run), and each send resolves with the offsets of its records.
    const { log, dir, producer } = await openLog()
    await log.createTopic('t')
    const p = producer({ idempotent, lingerMs: 30 })
    const first = p.send({ topic: 't', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] })
    const second = p.send({ topic: 't', messages: [{ value: 'd' }, { value: 'e' }] })
    const third = p.send({ topic: 't', messages: [{ value: 'f' }] })
    expect(await first).toEqual([{ topic: 't', partition: 0, baseOffset: 0, lastOffset: 2 }])
    expect(await second).toEqual([{ topic: 't', partition: 0, baseOffset: 3, lastOffset: 4 }])
    expect(await third).toEqual([{ topic: 't', partition: 0, baseOffset: 5, lastOffset: 5 }])
    const batches = storedBatches(dir, 't', 0)
    expect(batches.map((b) => [b.baseOffset, b.lastOffset, b.values])).toEqual([[0, 5, ['a', 'b', 'c', 'd', 'e', 'f']]])
    if (idempotent) expect([batches[0]!.producerId, batches[0]!.baseSequence]).toEqual([p.producerId, 0])
    const { records } = await log.partition('t', 0).read({ offset: 0 })
    if (idempotent) expect(records.map((r) => r.sequence)).toEqual([0, 1, 2, 3, 4, 5])
  })

  itMode('with lingerMs 0 writes one batch per send', async () => {
    const { log, dir, producer } = await openLog()
    await log.createTopic('t')
    const p = producer({ idempotent })
    await Promise.all([p.send({ topic: 't', messages: [{ value: 'a' }, { value: 'b' }] }), p.send({ topic: 't', messages: [{ value: 'c' }] })])
    const batches = storedBatches(dir, 't', 0)
    expect(batches.map((b) => b.values)).toEqual([['a', 'b'], ['c']])
    if (idempotent) expect(batches.map((b) => b.baseSequence)).toEqual([0, 2])
  })

  itMode('closes a lingering batch lingerMs after it opened, not earlier', async () => {
    const { log, producer } = await openLog()
    await log.createTopic('t')
    const p = producer({ idempotent, lingerMs: 80 })
    const started = performance.now()
    const sent = p.send({ topic: 't', messages: [{ value: 'a' }] })
    await sleep(20)
    expect(log.partition('t', 0).logEndOffset).toBe(0)
    await sent
    expect(performance.now() - started).toBeGreaterThanOrEqual(75)
  })

  itMode('keeps every lingering batch within batchBytes, starting a new one when the next send would overflow it', async () => {
    // Property: with many small sends in one window, every batch on disk is at most batchBytes
    // (whole sends only), more than one batch is made, and the records keep the send order.
    const { log, dir, producer } = await openLog()
    await log.createTopic('t')
    const batchBytes = 400
    const p = producer({ idempotent, lingerMs: 50, batchBytes })
    const values = Array.from({ length: 40 }, (_, i) => `value-${String(i).padStart(3, '0')}-${'x'.repeat(30)}`)
    const results = await Promise.all(values.map((value) => p.send({ topic: 't', messages: [{ value }] })))
    expect(results.map((r) => r[0]!.baseOffset)).toEqual(values.map((_, i) => i))
    const batches = storedBatches(dir, 't', 0)
    expect(batches.length).toBeGreaterThan(1)
    for (const batch of batches) expect(batch.sizeBytes).toBeLessThanOrEqual(batchBytes)
    // Each batch but the last was closed because the next record did not fit: it is nearly full.
    for (const batch of batches.slice(0, -1)) expect(batch.sizeBytes).toBeGreaterThan(batchBytes - 60)
    expect(batches.flatMap((b) => b.values)).toEqual(values)
    if (idempotent) {
      let expected = 0
      for (const batch of batches) {
        expect(batch.baseSequence).toBe(expected)
        expected += batch.values.length
      }
    }
  })

  itMode("never splits one send's records for a partition, even past batchBytes", async () => {
    const { log, dir, producer } = await openLog()
    await log.createTopic('t')
    const p = producer({ idempotent, lingerMs: 20, batchBytes: 100 })
    const small = p.send({ topic: 't', messages: [{ value: 'small' }] })
    const big = p.send({ topic: 't', messages: Array.from({ length: 10 }, (_, i) => ({ value: `big-${i}-${'y'.repeat(20)}` })) })
    expect(await small).toEqual([{ topic: 't', partition: 0, baseOffset: 0, lastOffset: 0 }])
    expect(await big).toEqual([{ topic: 't', partition: 0, baseOffset: 1, lastOffset: 10 }])
    expect(storedBatches(dir, 't', 0).map((b) => b.values.length)).toEqual([1, 10])
  })

  itMode('flush() writes the open batches at once', async () => {
    const { log, dir, producer } = await openLog()
    await log.createTopic('t', { partitions: 2 })
    const p = producer({ idempotent, lingerMs: 60_000 })
    const sent = p.send({ topic: 't', messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }] })
    await p.flush()
    expect(await sent).toEqual([
      { topic: 't', partition: 0, baseOffset: 0, lastOffset: 0 },
      { topic: 't', partition: 1, baseOffset: 0, lastOffset: 0 },
    ])
    expect([storedValues(dir, 't', 0), storedValues(dir, 't', 1)]).toEqual([['a'], ['b']])
  })
})

describe('sticky partitions follow batch boundaries', () => {
  const openLog = useProducerLogs()

  it('sends unkeyed messages to one partition while its batch lingers, and to another once it closed', async () => {
    // Property (KIP-480): the sticky partition changes exactly when a batch of it completes.
    const { log, producer } = await openLog()
    await log.createTopic('t', { partitions: 4 })
    const p = producer({ idempotent: false, lingerMs: 60_000 })
    const window = Array.from({ length: 6 }, (_, i) => p.send({ topic: 't', messages: [{ value: `u${i}` }] }))
    await p.flush()
    const firstPartitions = new Set((await Promise.all(window)).map((r) => r[0]!.partition))
    expect(firstPartitions.size).toBe(1)
    const next = p.send({ topic: 't', messages: [{ value: 'after' }] })
    await p.flush()
    expect(firstPartitions.has((await next)[0]!.partition)).toBe(false)
  })

  it('with lingerMs 0 moves on after every send (each send completes its batch)', async () => {
    const { log, producer } = await openLog()
    await log.createTopic('t', { partitions: 3 })
    const p = producer({ idempotent: false })
    let previous = -1
    for (let i = 0; i < 10; i++) {
      const [result] = await p.send({ topic: 't', messages: [{ value: `u${i}` }, { value: `v${i}` }] })
      expect(result!.lastOffset - result!.baseOffset).toBe(1) // both in one partition
      expect(result!.partition).not.toBe(previous)
      previous = result!.partition
    }
  })

  it('a batch closing on another partition leaves the sticky partition where it is', async () => {
    // Property: only a completed batch OF the sticky partition moves it (Kafka's compare-and-replace).
    const { log, producer } = await openLog()
    await log.createTopic('t', { partitions: 4 })
    // The sticky choice draws Math.random: pinned, the first sticky partition is 0.
    vi.spyOn(Math, 'random').mockReturnValue(0)
    const p = producer({ idempotent: false, lingerMs: 60_000, batchBytes: 200 })
    const sticky = 0
    const u0 = p.send({ topic: 't', messages: [{ value: 'u0' }] })
    vi.restoreAllMocks()
    // A batch of another partition that completes at once (it reaches batchBytes by itself).
    const other = (sticky + 1) % 4
    expect(await p.send({ topic: 't', messages: [{ value: 'z'.repeat(300), partition: other }] })).toEqual([
      { topic: 't', partition: other, baseOffset: 0, lastOffset: 0 },
    ])
    const u1 = p.send({ topic: 't', messages: [{ value: 'u1' }] })
    await p.flush()
    expect((await u0)[0]).toMatchObject({ partition: sticky, baseOffset: 0 })
    expect((await u1)[0]).toMatchObject({ partition: sticky, baseOffset: 1 }) // same open batch
  })
})
