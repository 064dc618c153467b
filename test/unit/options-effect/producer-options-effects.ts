/**
 * The options of `log.producer()` and of `producer.send()`, and the producer fields of `append`:
 * each test observes what the option changes, beside what the default does (api.md "Producers",
 * "Appending"). Batches are read back from the `.log` files (storedBatches), so a test sees how many
 * batches a send made and which producer id and sequence they carry.
 */
import { expect, vi } from 'vitest'
import type { Partition } from '../../../src/index.js'
import { partitionForKey } from '../../../src/producer/partitioner.js'
import { FaultFileSystem } from '../../helpers/fault-fs.js'
import { HeldSyncFileSystem } from '../../helpers/held-sync-file-system.js'
import { storedBatches } from '../producer/producer-test-log.js'
import { beforeCloseAll, freshDir, openLog, openTopic, TOPIC, turn, watch, withFakeTimers, type EffectTable } from './harness.js'

/** A log with a 3-partition topic `t` and its directory. */
async function threePartitions() {
  const dir = freshDir()
  const log = await openLog(dir)
  await log.createTopic(TOPIC, { partitions: 3 })
  return { log, dir }
}

/** A producer on topic `t` whose next fdatasync of a `.log` is held: `held.release()` lets it run. */
async function heldProducerLog(options: Parameters<Awaited<ReturnType<typeof openTopic>>['log']['producer']>[0]) {
  const fileSystem = new HeldSyncFileSystem()
  const { log, p, dir } = await openTopic({}, { fileSystem })
  const producer = log.producer(options)
  return { log, p, dir, producer, fileSystem }
}

const SEND_ONE = { topic: TOPIC, messages: [{ value: 'v' }] }

/** The sends of acks 0, 1 and 'all' with a held fdatasync: which resolve before it completes. */
async function acksEffect(acks: 0 | 1 | 'all', where: 'producer' | 'send'): Promise<void> {
  const { producer, fileSystem, p } = await heldProducerLog(where === 'producer' ? { idempotent: false, acks } : { idempotent: false })
  await producer.send(SEND_ONE) // the topic's first fdatasync is not the one held
  const held = fileSystem.holdNextSync('.log')
  beforeCloseAll(held.release)
  const sent = watch(where === 'producer' ? producer.send(SEND_ONE) : producer.send({ ...SEND_ONE, acks }))
  await held.arrived
  await turn()
  if (acks === 'all') {
    expect(sent.settled(), "acks 'all' waits for the fdatasync").toBe(false)
    held.release()
    expect(await sent.promise).toEqual([{ topic: TOPIC, partition: 0, baseOffset: 1, lastOffset: 1 }])
  } else {
    expect(sent.settled(), `acks ${acks} resolves before the fdatasync`).toBe(true)
    expect(await sent.promise).toEqual([{ topic: TOPIC, partition: 0, baseOffset: acks === 0 ? -1 : 1, lastOffset: acks === 0 ? -1 : 1 }])
    held.release()
  }
  expect(p.logEndOffset).toBe(2)
}

/** The three acks values' tests, given on the producer or on one send. */
function acksTests(where: 'producer' | 'send') {
  const on = where === 'producer' ? 'a producer' : 'a send'
  return [
    { name: `acks 0 on ${on} resolves when queued with offsets -1, before the fdatasync`, values: [0], run: () => acksEffect(0, where) },
    { name: `acks 1 on ${on} resolves once written, before the fdatasync`, values: [1], run: () => acksEffect(1, where) },
    { name: `acks 'all' on ${on} (the default) resolves after the fdatasync`, values: ['all'], run: () => acksEffect('all', where) },
  ]
}

/** Appends with the given producer fields, then the same batch again: whether the retry was a duplicate. */
async function retryIsDuplicate(p: Partition, fields: { producerId: number; producerEpoch: number; baseSequence: number }): Promise<boolean> {
  const first = await p.append([{ value: 'once' }], fields)
  const again = await p.append([{ value: 'once' }], fields)
  expect(again.baseOffset === first.baseOffset).toBe(again.duplicate)
  return again.duplicate
}

export const producerOptionEffects: EffectTable = {
  'ProducerOptions.idempotent': [
    {
      name: 'idempotent (default) writes batches with a producer id, epoch 0 and sequences; false writes plain batches',
      run: async () => {
        const { log, dir } = await openTopic()
        await log.producer().send(SEND_ONE)
        await log.producer().send(SEND_ONE)
        await log.producer({ idempotent: false }).send(SEND_ONE)
        const batches = storedBatches(dir, TOPIC, 0)
        expect(batches[0]).toMatchObject({ producerEpoch: 0, baseSequence: 0 })
        expect(batches[0]!.producerId).toBeGreaterThanOrEqual(0)
        expect(batches[1]!.producerId, 'each producer gets its own id').not.toBe(batches[0]!.producerId)
        expect(batches[2]).toMatchObject({ producerId: -1, baseSequence: -1 })
      },
    },
  ],
  'ProducerOptions.acks': acksTests('producer'),
  'ProducerOptions.compression': [
    {
      name: "compression 'none' (the only codec written) stores codec 0; Kafka's other codecs are refused",
      values: ['none'],
      run: async () => {
        const { log, dir } = await openTopic()
        await log.producer({ compression: 'none' }).send(SEND_ONE)
        expect(storedBatches(dir, TOPIC, 0)).toHaveLength(1)
        expect(() => log.producer({ compression: 'zstd' as 'none' })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_COMPRESSION_TYPE' }))
      },
    },
  ],
  'ProducerOptions.partitioner': [
    {
      name: "'murmur2' (default) puts a keyed message in murmur2(key) % partitions",
      values: ['murmur2'],
      run: async () => {
        const { log } = await threePartitions()
        for (const producer of [log.producer(), log.producer({ partitioner: 'murmur2' })]) {
          for (const key of ['a', 'b', 'c', 'user-42']) {
            const [result] = await producer.send({ topic: TOPIC, messages: [{ key, value: 'v' }] })
            expect(result!.partition).toBe(partitionForKey(key, 3))
          }
        }
      },
    },
    {
      name: "'roundRobin' ignores keys and goes 0, 1, 2, 0",
      values: ['roundRobin'],
      run: async () => {
        const { log } = await threePartitions()
        const producer = log.producer({ partitioner: 'roundRobin' })
        const partitions: number[] = []
        for (let i = 0; i < 4; i++) partitions.push((await producer.send({ topic: TOPIC, messages: [{ key: 'same', value: 'v' }] }))[0]!.partition)
        expect(partitions).toEqual([0, 1, 2, 0])
      },
    },
    {
      name: 'a function chooses the partition; an out-of-range answer writes nothing',
      run: async () => {
        const { log, dir } = await threePartitions()
        const producer = log.producer({ partitioner: ({ partitionCount }) => partitionCount - 1 })
        expect((await producer.send({ topic: TOPIC, messages: [{ key: 'a', value: 'v' }] }))[0]!.partition).toBe(2)
        const wrong = log.producer({ partitioner: () => 7 })
        await expect(wrong.send({ topic: TOPIC, messages: [{ value: 'v' }] })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
        expect([0, 1, 2].map((n) => storedBatches(dir, TOPIC, n).length)).toEqual([0, 0, 1])
      },
    },
  ],
  'ProducerOptions.lingerMs': [
    {
      name: 'lingerMs > 0 holds sends to one partition for that long and writes them as one batch; 0 (default) writes each send at once',
      run: () =>
        withFakeTimers(async (periods) => {
          const { log, dir } = await openTopic()
          const lingering = log.producer({ lingerMs: 500 })
          const first = watch(lingering.send({ topic: TOPIC, messages: [{ value: 'a' }] }))
          const second = watch(lingering.send({ topic: TOPIC, messages: [{ value: 'b' }] }))
          await turn()
          expect(periods()).toContain(500)
          expect(first.settled() || second.settled()).toBe(false)
          expect(storedBatches(dir, TOPIC, 0)).toHaveLength(0)
          await lingering.flush()
          expect(await first.promise).toEqual([{ topic: TOPIC, partition: 0, baseOffset: 0, lastOffset: 0 }])
          expect(await second.promise).toEqual([{ topic: TOPIC, partition: 0, baseOffset: 1, lastOffset: 1 }])
          expect(storedBatches(dir, TOPIC, 0).map((b) => b.values)).toEqual([['a', 'b']])
          const immediate = log.producer()
          await immediate.send({ topic: TOPIC, messages: [{ value: 'c' }] })
          await immediate.send({ topic: TOPIC, messages: [{ value: 'd' }] })
          expect(storedBatches(dir, TOPIC, 0).map((b) => b.values)).toEqual([['a', 'b'], ['c'], ['d']])
        }),
    },
  ],
  'ProducerOptions.batchBytes': [
    {
      name: 'a lingering batch closes once it reaches batchBytes, without waiting for lingerMs',
      run: () =>
        withFakeTimers(async () => {
          const { log, dir } = await openTopic()
          const producer = log.producer({ lingerMs: 60_000, batchBytes: 200 })
          const sends = []
          for (let i = 0; i < 4; i++) sends.push(producer.send({ topic: TOPIC, messages: [{ value: 'x'.repeat(80) }] }))
          await Promise.all(sends.slice(0, 2)) // resolved with no timer advanced: the batch filled up
          const sizes = storedBatches(dir, TOPIC, 0).map((b) => b.values.length)
          expect(sizes.length).toBeGreaterThanOrEqual(1)
          expect(sizes.every((n) => n < 4)).toBe(true)
          await producer.flush()
          await Promise.all(sends)
        }),
    },
  ],
  'ProducerOptions.maxInFlight': [
    {
      name: 'maxInFlight 1 writes the next batch only after the one before is acknowledged; the default 5 pipelines them',
      run: async () => {
        for (const [maxInFlight, expectedEnd] of [[1, 2], [5, 3]] as const) {
          const { producer, fileSystem, p } = await heldProducerLog({ maxInFlight })
          await producer.send(SEND_ONE) // the partition now knows the producer: pipelining may start
          const held = fileSystem.holdNextSync('.log')
          beforeCloseAll(held.release)
          const second = producer.send(SEND_ONE)
          await held.arrived
          const third = producer.send(SEND_ONE)
          for (let i = 0; i < 5; i++) await turn()
          expect(p.logEndOffset, `maxInFlight ${maxInFlight}`).toBe(expectedEnd)
          held.release()
          await Promise.all([second, third])
          expect(p.logEndOffset).toBe(3)
        }
      },
    },
  ],
  'ProducerOptions.retries': [
    {
      name: 'a batch refused with DISK_FULL is resent (default 10 times); retries: 0 rejects the send',
      run: async () => {
        for (const retries of [0, 10]) {
          const fileSystem = new FaultFileSystem()
          const { log, dir } = await openTopic({}, { fileSystem })
          const producer = log.producer({ retries, retryBackoffMs: 1, retryBackoffMaxMs: 1 })
          await producer.send(SEND_ONE)
          let full = 1
          fileSystem.plan.writeLimit = (requested) => (full-- > 0 ? 0 : requested)
          const sent = producer.send({ topic: TOPIC, messages: [{ value: 'after' }] })
          if (retries === 0) await expect(sent).rejects.toMatchObject({ code: 'DISK_FULL' })
          else expect(await sent).toEqual([{ topic: TOPIC, partition: 0, baseOffset: 1, lastOffset: 1 }])
          expect(storedBatches(dir, TOPIC, 0).flatMap((b) => b.values)).toEqual(retries === 0 ? ['v'] : ['v', 'after'])
        }
      },
    },
  ],
  'ProducerOptions.retryBackoffMs': [
    {
      name: 'the first resend waits retryBackoffMs (default 100)',
      run: () => retryDelays({ retryBackoffMs: 30 }, [30]),
    },
  ],
  'ProducerOptions.retryBackoffMaxMs': [
    {
      name: 'resend delays double up to retryBackoffMaxMs',
      run: () => retryDelays({ retryBackoffMs: 10, retryBackoffMaxMs: 25 }, [10, 20, 25]),
    },
  ],
  'ProducerOptions.signal': [
    {
      name: 'aborting fails a lingering send with AbortError and writes nothing of it',
      run: () =>
        withFakeTimers(async () => {
          const { log, dir } = await openTopic()
          const controller = new AbortController()
          const producer = log.producer({ lingerMs: 60_000, signal: controller.signal })
          const sent = producer.send(SEND_ONE)
          controller.abort()
          await expect(sent).rejects.toMatchObject({ name: 'AbortError' })
          await expect(producer.send(SEND_ONE)).rejects.toMatchObject({ name: 'AbortError' })
          expect(storedBatches(dir, TOPIC, 0)).toHaveLength(0)
        }),
    },
  ],
  'SendRequest.topic': [
    {
      name: 'the records go to that topic; an unknown topic writes nothing',
      run: async () => {
        const { log, dir } = await openTopic()
        await log.createTopic('other')
        await log.producer().send({ topic: 'other', messages: [{ value: 'x' }] })
        expect(storedBatches(dir, 'other', 0)).toHaveLength(1)
        expect(storedBatches(dir, TOPIC, 0)).toHaveLength(0)
        await expect(log.producer().send({ topic: 'nope', messages: [{ value: 'x' }] })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
      },
    },
  ],
  'SendRequest.messages': [
    {
      name: 'every message is written, with its key, value, headers, partition and timestamp; one bad message writes none',
      run: async () => {
        const { log, dir } = await threePartitions()
        const producer = log.producer()
        const results = await producer.send({ topic: TOPIC, messages: [{ key: 'k', value: 'a', headers: { h: 'x' }, partition: 1, timestamp: 77 }, { value: 'b', partition: 1 }] })
        expect(results).toEqual([{ topic: TOPIC, partition: 1, baseOffset: 0, lastOffset: 1 }])
        const { records } = await log.partition(TOPIC, 1).read({ offset: 0 })
        expect(records.map((r) => [r.key?.toString() ?? null, r.value!.toString(), r.headers.map(([k, v]) => `${k}=${v}`), r.timestamp === 77])).toEqual([
          ['k', 'a', ['h=x'], true],
          [null, 'b', [], false],
        ])
        await expect(producer.send({ topic: TOPIC, messages: [{ value: 'c', partition: 0 }, { value: 'd', partition: 9 }] })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
        expect(storedBatches(dir, TOPIC, 0)).toHaveLength(0)
      },
    },
  ],
  'SendRequest.acks': acksTests('send'),
  'LogOptions.producerIdExpirationMs': [
    {
      name: 'a producer idle for producerIdExpirationMs is forgotten (its retry is written again); the default (one day) keeps it',
      run: () =>
        withFakeTimers(async () => {
          for (const producerIdExpirationMs of [1000, undefined]) {
            const { p, clock } = await openTopic({}, producerIdExpirationMs === undefined ? {} : { producerIdExpirationMs })
            const fields = { producerId: 5, producerEpoch: 0, baseSequence: 0 }
            await p.append([{ value: 'once' }], fields)
            clock.sleep(2000)
            await vi.advanceTimersByTimeAsync(1000)
            for (let t = 0; t < 5; t++) await turn()
            const retry = await p.append([{ value: 'once' }], fields)
            expect(retry.duplicate, `producerIdExpirationMs ${producerIdExpirationMs}`).toBe(producerIdExpirationMs === undefined)
          }
        }),
    },
  ],
  'AppendOptions.producerId': [
    {
      name: 'a batch with a producer id is remembered: its retry is a duplicate (the original offsets), without one it is written twice',
      run: async () => {
        const { p } = await openTopic()
        expect(await retryIsDuplicate(p, { producerId: 5, producerEpoch: 0, baseSequence: 0 })).toBe(true)
        await p.append([{ value: 'once' }])
        await p.append([{ value: 'once' }])
        expect(p.logEndOffset).toBe(3)
        expect((await p.read({ offset: 0 })).records[0]!.producerId).toBe(5)
      },
    },
  ],
  'AppendOptions.producerEpoch': [
    {
      name: 'an older epoch is INVALID_PRODUCER_EPOCH; a newer one restarts the sequence at 0',
      run: async () => {
        const { p } = await openTopic()
        await p.append([{ value: 'a' }], { producerId: 5, producerEpoch: 1, baseSequence: 0 })
        await expect(p.append([{ value: 'b' }], { producerId: 5, producerEpoch: 0, baseSequence: 1 })).rejects.toMatchObject({ code: 'INVALID_PRODUCER_EPOCH' })
        expect((await p.append([{ value: 'c' }], { producerId: 5, producerEpoch: 2, baseSequence: 0 })).duplicate).toBe(false)
        expect(p.logEndOffset).toBe(2)
      },
    },
  ],
  'AppendOptions.baseSequence': [
    {
      name: 'the next batch must continue the sequence: a gap is OUT_OF_ORDER_SEQUENCE_NUMBER and writes nothing',
      run: async () => {
        const { p } = await openTopic()
        await p.append([{ value: 'a' }, { value: 'b' }], { producerId: 5, producerEpoch: 0, baseSequence: 0 })
        await expect(p.append([{ value: 'c' }], { producerId: 5, producerEpoch: 0, baseSequence: 3 })).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
        expect((await p.append([{ value: 'c' }], { producerId: 5, producerEpoch: 0, baseSequence: 2 })).baseOffset).toBe(2)
      },
    },
  ],
}

/** The setTimeout delays a producer arms while a batch meets DISK_FULL three times, then is written. */
async function retryDelays(options: { retryBackoffMs: number; retryBackoffMaxMs?: number }, expected: number[]): Promise<void> {
  await withFakeTimers(async (periods) => {
    const fileSystem = new FaultFileSystem()
    const { log } = await openTopic({}, { fileSystem })
    const producer = log.producer({ ...options, retries: 5 })
    await producer.send(SEND_ONE)
    let full = expected.length
    fileSystem.plan.writeLimit = (requested) => (full-- > 0 ? 0 : requested)
    const before = periods().length
    const sent = producer.send(SEND_ONE)
    for (let i = 0; i < expected.length; i++) {
      for (let t = 0; t < 5; t++) await turn()
      await vi.advanceTimersByTimeAsync(options.retryBackoffMaxMs ?? options.retryBackoffMs * 8)
    }
    await sent
    // The timers armed meanwhile include the resend backoffs, in order.
    const delays = periods().slice(before)
    const backoffs = delays.filter((ms) => expected.includes(ms) || ms === options.retryBackoffMs * 4)
    expect(backoffs).toEqual(expected)
  })
}
