import { describe, expect, it } from 'vitest'
import { partitionForKey } from '../../../src/producer/partitioner.js'
import { detectIdempotentAppends, storedBatches, storedValues, useProducerLogs } from './producer-test-log.js'

const idempotentAppendsSupported = await detectIdempotentAppends()
const MODES = [
  { name: 'plain', idempotent: false },
  { name: 'idempotent', idempotent: true },
] as const

describe.each(MODES)('producer.send ($name)', ({ idempotent }) => {
  const openLog = useProducerLogs()
  const itMode = it.skipIf(idempotent && !idempotentAppendsSupported)

  itMode('sends keyed messages to the murmur2 partition, unkeyed ones to one partition, explicit ones where asked', async () => {
    // Property: the partition each record lands in is the partitioner's choice: Kafka's murmur2 for
    // keys, one sticky partition for a send's unkeyed messages, a message's own partition when given.
    const { log, dir, producer } = await openLog()
    await log.createTopic('orders', { partitions: 6 })
    const p = producer({ idempotent })
    const keys = Array.from({ length: 40 }, (_, i) => `user-${i}`)
    const results = await p.send({
      topic: 'orders',
      messages: [
        ...keys.map((key) => ({ key, value: `keyed ${key}` })),
        ...Array.from({ length: 5 }, (_, i) => ({ value: `unkeyed ${i}` })),
        { key: 'user-0', value: 'explicit', partition: 5 },
      ],
    })
    const where = new Map<string, number>()
    for (let partition = 0; partition < 6; partition++) for (const value of storedValues(dir, 'orders', partition)) where.set(value, partition)
    for (const key of keys) expect(where.get(`keyed ${key}`), key).toBe(partitionForKey(key, 6))
    const unkeyed = new Set(Array.from({ length: 5 }, (_, i) => where.get(`unkeyed ${i}`)))
    expect(unkeyed.size).toBe(1)
    expect(where.get('explicit')).toBe(5)
    expect(results.map((r) => r.partition)).toEqual([...new Set(where.values())].sort((a, b) => a - b))
  })

  itMode("resolves one entry per partition touched, in partition order, with this send's own offsets", async () => {
    // Property: entry i names a partition and the offsets of exactly the send's records there.
    const { log, dir, producer } = await openLog()
    await log.createTopic('t', { partitions: 4 })
    await log.partition('t', 3).append([{ value: 'before-0' }, { value: 'before-1' }])
    await log.partition('t', 1).append([{ value: 'before-2' }])
    const p = producer({ idempotent })
    const results = await p.send({
      topic: 't',
      messages: [
        { value: 'a', partition: 3 },
        { value: 'b', partition: 1 },
        { value: 'c', partition: 3 },
        { value: 'd', partition: 0 },
      ],
    })
    expect(results).toEqual([
      { topic: 't', partition: 0, baseOffset: 0, lastOffset: 0 },
      { topic: 't', partition: 1, baseOffset: 1, lastOffset: 1 },
      { topic: 't', partition: 3, baseOffset: 2, lastOffset: 3 },
    ])
    expect(storedValues(dir, 't', 3)).toEqual(['before-0', 'before-1', 'a', 'c'])
    const { records } = await log.partition('t', 3).read({ offset: 2 })
    expect(records.map((r) => r.value?.toString())).toEqual(['a', 'c'])
  })

  itMode('writes nothing at all when any message of a send is refused', async () => {
    // Property: a send refused for any message (bad partition, unknown topic, bad value, bad
    // timestamp, a partitioner out of range, a batch over the topic's limit) changes no partition,
    // and the next valid send is written as if the refused ones never happened.
    const { log, dir, producer } = await openLog()
    await log.createTopic('t', { partitions: 3, maxMessageBytes: 1024 })
    const p = producer({ idempotent, lingerMs: 5 })
    const good = [
      { value: 'ok-0', partition: 0 },
      { value: 'ok-1', partition: 1 },
    ]
    const refused: [string, unknown, object][] = [
      ['a partition the topic lacks', { topic: 't', messages: [...good, { value: 'x', partition: 3 }] }, { code: 'UNKNOWN_TOPIC_OR_PARTITION', partition: 3 }],
      ['a negative partition', { topic: 't', messages: [...good, { value: 'x', partition: -1 }] }, { code: 'ERR_OUT_OF_RANGE' }],
      ['an unknown topic', { topic: 'nope', messages: good }, { code: 'UNKNOWN_TOPIC_OR_PARTITION' }],
      ['a value of another type', { topic: 't', messages: [...good, { value: 42 }] }, { code: 'ERR_INVALID_ARG_TYPE' }],
      ['a header value of another type', { topic: 't', messages: [...good, { value: 'x', headers: { h: 1 } }] }, { code: 'ERR_INVALID_ARG_TYPE' }],
      ['a bad timestamp', { topic: 't', messages: [...good, { value: 'x', timestamp: 1.5 }] }, { code: 'ERR_OUT_OF_RANGE' }],
      ['a batch over maxMessageBytes', { topic: 't', messages: [...good, { value: 'x'.repeat(1100), partition: 2 }] }, { code: 'RECORD_TOO_LARGE', partition: 2 }],
      ['no messages', { topic: 't', messages: [] }, { code: 'ERR_INVALID_ARG_VALUE' }],
      ['an unknown field', { topic: 't', messages: good, retries: 3 }, { code: 'ERR_INVALID_ARG_VALUE' }],
    ]
    for (const [what, request, error] of refused) {
      await expect(p.send(request as never), what).rejects.toMatchObject(error)
    }
    const custom = producer({ idempotent, partitioner: () => 3 })
    await expect(custom.send({ topic: 't', messages: [{ value: 'x' }] })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
    await p.flush()
    for (let partition = 0; partition < 3; partition++) expect(log.partition('t', partition).logEndOffset, `partition ${partition}`).toBe(0)

    await p.send({ topic: 't', messages: good })
    await p.flush()
    expect(storedValues(dir, 't', 0)).toEqual(['ok-0'])
    expect(storedValues(dir, 't', 1)).toEqual(['ok-1'])
    const [batch] = storedBatches(dir, 't', 0)
    // Refused sends took no sequence: the first batch written starts at 0.
    expect(batch!.baseSequence).toBe(idempotent ? 0 : -1)
  })

  itMode('stamps messages without a timestamp with the log clock at the send, and keeps given ones', async () => {
    let nowMs = 1_600_000_000_000
    const { log, producer } = await openLog({ clock: () => nowMs })
    await log.createTopic('t')
    const p = producer({ idempotent, lingerMs: 20 })
    const sent = p.send({ topic: 't', messages: [{ value: 'a' }, { value: 'b', timestamp: 5 }] })
    nowMs += 1_000 // the batch is written later, its timestamps were fixed at the send
    await sent
    const { records } = await log.partition('t', 0).read({ offset: 0 })
    expect(records.map((r) => r.timestamp)).toEqual([1_600_000_000_000, 5])
  })

  itMode('close() writes the lingering batches, then refuses sends; dispose closes too', async () => {
    // Property: nothing sent before close() is dropped; after it every send is refused, typed.
    const { log, dir, producer } = await openLog()
    await log.createTopic('t')
    const p = producer({ idempotent, lingerMs: 60_000 })
    const sent = p.send({ topic: 't', messages: [{ value: 'a' }, { value: 'b' }] })
    await new Promise((r) => setTimeout(r, 5))
    expect(log.partition('t', 0).logEndOffset).toBe(0) // still lingering
    await p.close()
    expect(await sent).toEqual([{ topic: 't', partition: 0, baseOffset: 0, lastOffset: 1 }])
    expect(storedValues(dir, 't', 0)).toEqual(['a', 'b'])
    await expect(p.send({ topic: 't', messages: [{ value: 'c' }] })).rejects.toMatchObject({ code: 'LOG_CLOSED' })
    await p.close()
    const disposed = producer({ idempotent, lingerMs: 60_000 })
    const lingering = disposed.send({ topic: 't', messages: [{ value: 'd' }] })
    await disposed[Symbol.asyncDispose]()
    expect(await lingering).toEqual([{ topic: 't', partition: 0, baseOffset: 2, lastOffset: 2 }])
    await expect(disposed.send({ topic: 't', messages: [{ value: 'e' }] })).rejects.toMatchObject({ code: 'LOG_CLOSED' })
  })

  itMode('aborting the signal fails the lingering batches and later sends with an AbortError, writing nothing', async () => {
    const { log, producer } = await openLog()
    await log.createTopic('t')
    const controller = new AbortController()
    const p = producer({ idempotent, lingerMs: 60_000, signal: controller.signal })
    const sent = p.send({ topic: 't', messages: [{ value: 'a' }] })
    controller.abort(new Error('shutting down'))
    await expect(sent).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' })
    await expect(p.send({ topic: 't', messages: [{ value: 'b' }] })).rejects.toMatchObject({ name: 'AbortError' })
    await p.close()
    expect(log.partition('t', 0).logEndOffset).toBe(0)
  })
})

describe('idempotent producer identity', () => {
  const openLog = useProducerLogs()

  it.skipIf(!idempotentAppendsSupported)('gives each producer its own id and every batch the next sequence of its partition', async () => {
    // Property: batches carry (producer id, epoch 0, sequence = records the producer sent to the
    // partition before), and two producers of one log never share an id.
    const { log, dir, producer } = await openLog()
    await log.createTopic('t', { partitions: 2 })
    const first = producer()
    const second = producer()
    await first.send({ topic: 't', messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 0 }, { value: 'c', partition: 1 }] })
    await second.send({ topic: 't', messages: [{ value: 'd', partition: 0 }] })
    await first.send({ topic: 't', messages: [{ value: 'e', partition: 0 }] })
    expect(first.producerId).not.toBeNull()
    expect(second.producerId).not.toBe(first.producerId)
    const batches = storedBatches(dir, 't', 0).map((b) => [b.producerId, b.producerEpoch, b.baseSequence, b.values])
    expect(batches).toEqual([
      [first.producerId, 0, 0, ['a', 'b']],
      [second.producerId, 0, 0, ['d']],
      [first.producerId, 0, 2, ['e']],
    ])
    expect(storedBatches(dir, 't', 1).map((b) => [b.producerId, b.baseSequence])).toEqual([[first.producerId, 0]])
  })

  it('a producer with idempotent: false writes batches without a producer id', async () => {
    const { log, dir, producer } = await openLog()
    await log.createTopic('t')
    const p = producer({ idempotent: false, acks: 1 })
    await p.send({ topic: 't', messages: [{ value: 'a' }] })
    expect(p.producerId).toBeNull()
    expect(storedBatches(dir, 't', 0).map((b) => [b.producerId, b.producerEpoch, b.baseSequence])).toEqual([[-1, -1, -1]])
  })

  it('resolves acks 0 sends with offsets -1', async () => {
    const { log, producer } = await openLog()
    await log.createTopic('t')
    const p = producer({ idempotent: false, acks: 0 })
    expect(await p.send({ topic: 't', messages: [{ value: 'a' }] })).toEqual([{ topic: 't', partition: 0, baseOffset: -1, lastOffset: -1 }])
    await p.flush()
    await log.flush()
    expect(log.partition('t', 0).logEndOffset).toBe(1)
  })
})

describe('producer options', () => {
  const openLog = useProducerLogs()

  it('refuses unknown keys, wrong types, out-of-range values and combinations Kafka refuses, typed', async () => {
    const { producer } = await openLog()
    const cases: [unknown, object][] = [
      [{ lingerMS: 5 }, { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' }],
      [{ idempotent: 'yes' }, { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }],
      [{ acks: 2 }, { code: 'ERR_INVALID_ARG_VALUE' }],
      [{ acks: 1 }, { code: 'ERR_INVALID_ARG_VALUE' }], // idempotent needs acks 'all'
      [{ maxInFlight: 6 }, { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }],
      [{ maxInFlight: 0 }, { code: 'ERR_OUT_OF_RANGE' }],
      [{ lingerMs: -1 }, { code: 'ERR_OUT_OF_RANGE' }],
      [{ batchBytes: 0 }, { code: 'ERR_OUT_OF_RANGE' }],
      [{ retries: 1.5 }, { code: 'ERR_OUT_OF_RANGE' }],
      [{ retryBackoffMs: 500, retryBackoffMaxMs: 100 }, { code: 'ERR_OUT_OF_RANGE' }],
      [{ compression: 'gzip' }, { name: 'SeglogError', code: 'UNSUPPORTED_COMPRESSION_TYPE' }],
      // Named by api.md for transactional producers, not built yet: refused, never ignored.
      [{ transactionalId: 'tx-1' }, { name: 'SeglogError', code: 'UNSUPPORTED_FEATURE' }],
      [{ transactionTimeoutMs: 60_000 }, { name: 'SeglogError', code: 'UNSUPPORTED_FEATURE' }],
      [{ compression: 'brotli' }, { code: 'ERR_INVALID_ARG_VALUE' }],
      [{ partitioner: 'random' }, { code: 'ERR_INVALID_ARG_TYPE' }],
      [{ signal: {} }, { code: 'ERR_INVALID_ARG_TYPE' }],
      [null, { code: 'ERR_INVALID_ARG_TYPE' }],
    ]
    for (const [options, error] of cases) expect(() => producer(options as never), JSON.stringify(options)).toThrow(expect.objectContaining(error))
    expect(() => producer({ idempotent: false, acks: 1, maxInFlight: 1, compression: 'none', partitioner: 'roundRobin' })).not.toThrow()
  })

  it("refuses a send's acks other than 'all' on an idempotent producer", async () => {
    const { log, producer } = await openLog()
    await log.createTopic('t')
    await expect(producer().send({ topic: 't', messages: [{ value: 'a' }], acks: 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    expect(log.partition('t', 0).logEndOffset).toBe(0)
  })
})
