/**
 * The options of a partition's calls — append, read, stream, sendTo: each test observes what the
 * option changes, beside what the default does.
 *
 * `isolation: 'read_committed'` has no transactions to hide yet: its contract — never return
 * anything at or past the last stable offset — holds because the LSO is the HW, and
 * 'read_uncommitted' stops at the HW as well. What can be tested is that reads stop at the LSO
 * while written records lie past it (an fdatasync held open keeps the HW below the log end); no
 * test can tell the two isolations apart until transactions exist.
 */
import { closeSync, openSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { expect, vi } from 'vitest'
import type { Partition, Record as LogRecord } from '../../../src/index.js'
import { HeldSyncFileSystem } from '../../helpers/held-sync-file-system.js'
import { appendEach, beforeCloseAll, openTopic, turn, watch, withFakeTimers, type EffectTable } from './harness.js'

/** The offsets a stream yields until it ends. */
async function streamed(records: AsyncIterable<LogRecord>): Promise<number[]> {
  const offsets: number[] = []
  for await (const record of records) offsets.push(record.offset)
  return offsets
}

/** A partition with 2 durable records and a third written past the HW: its fdatasync is held until `release`. */
async function partitionWithUnstableTail(): Promise<{ p: Partition; release: () => void; dir: string }> {
  const fileSystem = new HeldSyncFileSystem()
  const { p, dir } = await openTopic({}, { fileSystem })
  await appendEach(p, 2)
  const held = fileSystem.holdNextSync('.log')
  beforeCloseAll(held.release)
  const third = p.append([{ value: 'unstable' }], { acks: 1 })
  await held.arrived
  await third
  expect([p.highWatermark, p.lastStableOffset, p.logEndOffset]).toEqual([2, 2, 3])
  return { p, dir, release: held.release }
}

/** `count` single-record batches of 100-byte values, and one batch's size in bytes. */
async function batches(count: number): Promise<{ p: Partition; batchBytes: number; dir: string }> {
  const { p, dir } = await openTopic()
  await appendEach(p, count, 100)
  return { p, dir, batchBytes: p.log.sizeBytes / count }
}

/** sendTo into a fresh file next to the log: what arrived, and the call's result. */
async function sendToFile(p: Partition, dir: string, options: Parameters<Partition['sendTo']>[1]): Promise<{ result: { bytes: number; nextOffset: number }; sent: Buffer }> {
  const path = join(dirname(dir), `sent-${Math.random().toString(36).slice(2)}`)
  const fd = openSync(path, 'w')
  try {
    const result = await p.sendTo(fd, options)
    return { result, sent: readFileSync(path) }
  } finally {
    closeSync(fd)
  }
}

async function abortedWith(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (err: unknown) => err,
  )
}

const ABORT_ERROR = { name: 'AbortError' }

export const partitionOptionEffects: EffectTable = {
  'AppendOptions.acks': [
    {
      name: 'acks: 0 resolves when queued, without offsets (-1); the record is still written',
      values: [0],
      run: async () => {
        const { p } = await openTopic()
        expect(await p.append([{ value: 'a' }], { acks: 0 })).toMatchObject({ baseOffset: -1, lastOffset: -1 })
        expect((await p.append([{ value: 'b' }])).baseOffset, "the default ('all') reports offsets").toBe(1)
        expect((await p.read({ offset: 0 })).records.map((r) => r.value!.toString())).toEqual(['a', 'b'])
      },
    },
    {
      name: 'acks: 1 resolves once written, while its fdatasync is still held (HW below it)',
      values: [1],
      run: async () => {
        const fileSystem = new HeldSyncFileSystem()
        const { p } = await openTopic({}, { fileSystem })
        const held = fileSystem.holdNextSync('.log')
        beforeCloseAll(held.release)
        const append = watch(p.append([{ value: 'a' }], { acks: 1 }))
        await held.arrived
        await turn()
        expect(append.settled()).toBe(true)
        expect((await append.promise).baseOffset).toBe(0)
        expect(p.highWatermark).toBe(0)
        held.release()
      },
    },
    {
      name: "acks: 'all' (the default) resolves only when the fdatasync covering it completes",
      values: ['all'],
      run: async () => {
        const fileSystem = new HeldSyncFileSystem()
        const { p } = await openTopic({}, { fileSystem })
        const held = fileSystem.holdNextSync('.log')
        beforeCloseAll(held.release)
        const append = watch(p.append([{ value: 'a' }], { acks: 'all' }))
        await held.arrived
        await turn()
        expect(append.settled()).toBe(false)
        held.release()
        expect((await append.promise).baseOffset).toBe(0)
        expect(p.highWatermark).toBe(1)
      },
    },
  ],
  'AppendOptions.compression': [
    {
      // 'none' is the only accepted value and the default: nothing tells it from its absence until a
      // codec exists. What it does is store the batch uncompressed; every codec is refused.
      name: "compression: 'none' stores the batch uncompressed; a codec is refused with UNSUPPORTED_COMPRESSION_TYPE and writes nothing",
      values: ['none'],
      run: async () => {
        const { p } = await openTopic()
        expect((await p.append([{ value: 'a' }], { compression: 'none' })).baseOffset).toBe(0)
        expect((await p.read({ offset: 0 })).records[0]!.value!.toString()).toBe('a')
        await expect(p.append([{ value: 'b' }], { compression: 'gzip' } as never)).rejects.toMatchObject({ code: 'UNSUPPORTED_COMPRESSION_TYPE' })
        expect(p.logEndOffset).toBe(1)
      },
    },
  ],
  'ReadOptions.offset': [
    {
      name: 'the read starts at offset',
      run: async () => {
        const { p } = await openTopic()
        await appendEach(p, 5)
        expect((await p.read({ offset: 3 })).records.map((r) => r.offset)).toEqual([3, 4])
      },
    },
  ],
  'ReadOptions.maxBytes': [
    {
      name: 'maxBytes bounds the batches returned (at least one); the default 1 MiB returns all three',
      run: async () => {
        const { p, batchBytes } = await batches(3)
        expect((await p.read({ offset: 0, maxBytes: 2 * batchBytes })).records).toHaveLength(2)
        expect((await p.read({ offset: 0, maxBytes: 1 })).records).toHaveLength(1)
        expect((await p.read({ offset: 0 })).records).toHaveLength(3)
      },
    },
  ],
  'ReadOptions.maxRecords': [
    {
      name: 'maxRecords bounds the records returned, also inside one batch',
      run: async () => {
        const { p } = await openTopic()
        await p.append([1, 2, 3, 4, 5].map((n) => ({ value: String(n) })))
        const read = await p.read({ offset: 0, maxRecords: 2 })
        expect(read.records.map((r) => r.offset)).toEqual([0, 1])
        expect(read.nextOffset).toBe(2)
        expect((await p.read({ offset: 0 })).records).toHaveLength(5)
      },
    },
  ],
  'ReadOptions.isolation': [
    {
      name: 'both isolations stop at the last stable offset (= the HW: no transactions yet) while records lie past it',
      values: ['read_committed', 'read_uncommitted'],
      run: async () => {
        const { p, release } = await partitionWithUnstableTail()
        for (const isolation of ['read_committed', 'read_uncommitted'] as const) {
          const read = await p.read({ offset: 0, isolation })
          expect(read.records.map((r) => r.offset)).toEqual([0, 1])
          expect(read.lastStableOffset).toBe(2)
        }
        release()
      },
    },
  ],
  'ReadOptions.minBytes': [
    {
      name: 'a long-poll waits until minBytes are readable: two batches, where the default (1) returns after the first',
      run: async () => {
        const { p, batchBytes } = await batches(1)
        const read = p.read({ offset: 1, minBytes: batchBytes + 1, maxWaitMs: 60_000 })
        const withDefault = p.read({ offset: 1, maxWaitMs: 60_000 })
        await turn() // both are waiting now
        await appendEach(p, 1, 100)
        await appendEach(p, 1, 100)
        expect((await withDefault).records.map((r) => r.offset)).toEqual([1])
        expect((await read).records.map((r) => r.offset)).toEqual([1, 2])
      },
    },
  ],
  'ReadOptions.maxWaitMs': [
    {
      name: 'maxWaitMs > 0 waits for a record appended later; the default (0) returns at once with nothing',
      run: async () => {
        const { p } = await openTopic()
        expect((await p.read({ offset: 0 })).records).toEqual([])
        const read = p.read({ offset: 0, maxWaitMs: 60_000 })
        await appendEach(p, 1)
        expect((await read).records.map((r) => r.offset)).toEqual([0])
      },
    },
    {
      name: 'a long-poll resolves empty once maxWaitMs has passed (fake timers and performance.now)',
      run: () =>
        withFakeTimers(
          async (periods) => {
            const { p } = await openTopic()
            const read = watch(p.read({ offset: 0, maxWaitMs: 5000 }))
            await turn() // the read is waiting now
            expect(periods()).toContain(5000)
            vi.advanceTimersByTime(4999)
            await turn()
            expect(read.settled()).toBe(false)
            vi.advanceTimersByTime(1)
            expect((await read.promise).records).toEqual([])
          },
          { performance: true },
        ),
    },
  ],
  'ReadOptions.signal': [
    {
      name: 'aborting the signal rejects a pending long-poll with AbortError',
      run: async () => {
        const { p } = await openTopic()
        const controller = new AbortController()
        const read = watch(abortedWith(p.read({ offset: 0, maxWaitMs: 60_000, signal: controller.signal })))
        await turn()
        controller.abort()
        await turn()
        expect(read.settled(), 'the abort ended the long-poll').toBe(true)
        expect(await read.promise).toMatchObject(ABORT_ERROR)
        expect(await abortedWith(p.read({ offset: 0, signal: controller.signal, maxWaitMs: 60_000 })), 'an aborted signal refuses the read').toMatchObject(ABORT_ERROR)
      },
    },
  ],
  'StreamOptions.from': [
    {
      name: 'from: an offset starts there',
      run: async () => {
        const { p } = await openTopic()
        await appendEach(p, 5)
        expect(await streamed(p.stream({ from: 3 }))).toEqual([3, 4])
      },
    },
    {
      // 'earliest' is the default: it can only be shown doing what it says.
      name: "from: 'earliest' starts at the log start offset",
      values: ['earliest'],
      run: async () => {
        const { p } = await openTopic()
        await appendEach(p, 5)
        await p.deleteRecords(2)
        expect(await streamed(p.stream({ from: 'earliest' }))).toEqual([2, 3, 4])
      },
    },
    {
      name: "from: 'latest' starts at the HW: nothing of what is there, the next record appended",
      values: ['latest'],
      run: async () => {
        const { p } = await openTopic()
        await appendEach(p, 3)
        expect(await streamed(p.stream({ from: 'latest' }))).toEqual([])
        expect(await streamed(p.stream({})), "the default ('earliest')").toEqual([0, 1, 2])
        const follower = p.stream({ from: 'latest', follow: true })
        const next = follower.next()
        await turn() // it has taken the HW (3) as its start and waits there
        await appendEach(p, 1)
        expect((await next).value).toMatchObject({ offset: 3 })
        await follower.return()
      },
    },
  ],
  'StreamOptions.from.timestamp': [
    {
      name: 'from: { timestamp } starts at the first record with a timestamp at or after it (none after: at the HW)',
      run: async () => {
        const { p } = await openTopic()
        for (const timestamp of [100, 200, 300]) await p.append([{ value: 'a', timestamp }])
        expect(await streamed(p.stream({ from: { timestamp: 150 } }))).toEqual([1, 2])
        expect(await streamed(p.stream({ from: { timestamp: 301 } }))).toEqual([])
      },
    },
  ],
  'StreamOptions.isolation': [
    {
      name: 'a stream stops at the last stable offset (= the HW) with either isolation while records lie past it',
      values: ['read_committed', 'read_uncommitted'],
      run: async () => {
        const { p, release } = await partitionWithUnstableTail()
        expect(await streamed(p.stream({ isolation: 'read_committed' }))).toEqual([0, 1])
        expect(await streamed(p.stream({ isolation: 'read_uncommitted' }))).toEqual([0, 1])
        release()
      },
    },
  ],
  'StreamOptions.follow': [
    {
      name: 'follow: true waits at the end for the next record; the default ends there',
      run: async () => {
        const { p } = await openTopic()
        await appendEach(p, 1)
        expect(await streamed(p.stream())).toEqual([0])
        const follower = p.stream({ follow: true })
        expect((await follower.next()).value).toMatchObject({ offset: 0 })
        const next = follower.next()
        await appendEach(p, 1)
        expect(await next).toMatchObject({ done: false, value: { offset: 1 } })
        await follower.return()
      },
    },
  ],
  'StreamOptions.signal': [
    {
      name: "aborting the signal rejects a following stream's pending next() with AbortError",
      run: async () => {
        const { p } = await openTopic()
        const controller = new AbortController()
        const next = watch(abortedWith(p.stream({ follow: true, signal: controller.signal }).next()))
        await turn() // the stream waits at the end
        controller.abort()
        await turn()
        expect(next.settled(), 'the abort ended the wait').toBe(true)
        expect(await next.promise).toMatchObject(ABORT_ERROR)
      },
    },
  ],
  'SendToOptions.offset': [
    {
      name: 'sendTo sends the stored batches from the one holding offset',
      run: async () => {
        const { p, dir, batchBytes } = await batches(3)
        const { result, sent } = await sendToFile(p, dir, { offset: 1 })
        expect(result).toEqual({ bytes: 2 * batchBytes, nextOffset: 3 })
        expect(Number(sent.readBigInt64BE(0)), 'the first batch sent: base offset').toBe(1)
      },
    },
  ],
  'SendToOptions.maxBytes': [
    {
      name: 'maxBytes bounds the batches sent (at least one); the default 1 MiB sends all three',
      run: async () => {
        const { p, dir, batchBytes } = await batches(3)
        expect((await sendToFile(p, dir, { offset: 0, maxBytes: 1 })).result).toEqual({ bytes: batchBytes, nextOffset: 1 })
        expect((await sendToFile(p, dir, { offset: 0, maxBytes: 2 * batchBytes })).result).toEqual({ bytes: 2 * batchBytes, nextOffset: 2 })
        expect((await sendToFile(p, dir, { offset: 0 })).result).toEqual({ bytes: 3 * batchBytes, nextOffset: 3 })
      },
    },
  ],
  'SendToOptions.isolation': [
    {
      name: 'sendTo stops at the last stable offset (= the HW) with either isolation while records lie past it',
      values: ['read_committed', 'read_uncommitted'],
      run: async () => {
        const { p, dir, release } = await partitionWithUnstableTail()
        for (const isolation of ['read_committed', 'read_uncommitted'] as const) {
          expect((await sendToFile(p, dir, { offset: 0, isolation })).result.nextOffset).toBe(2)
        }
        release()
      },
    },
  ],
}
