import { mkdtempSync, rmSync, readdirSync, statSync } from 'node:fs'
import { createServer, connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Log } from '../../../src/log.js'
import { decodeBatch } from '../../../src/format/batch.js'
import { segmentFileName } from '../../../src/segment/file-names.js'
import { FaultFileSystem, eio } from '../../helpers/fault-fs.js'
import { HeldSyncFileSystem } from '../../helpers/held-sync-file-system.js'

let dir: string
let log: Log | null = null
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seglog-partition-'))
})
afterEach(async () => {
  await log?.close().catch(() => {})
  log = null
  rmSync(dir, { recursive: true, force: true })
})

async function openWithTopic(config: Record<string, unknown> = {}, options: Record<string, unknown> = {}) {
  log = await Log.open(dir, options)
  await log.createTopic('t', { partitions: 1, ...config })
  return log.partition('t', 0)
}

const values = (records: { value: Buffer | null }[]) => records.map((r) => r.value?.toString())

/** A promise and whether it has settled yet: lets a test show a read is still waiting. */
function settlement<T>(promise: Promise<T>): { promise: Promise<T>; settled: boolean } {
  const tracked = { promise, settled: false }
  const settle = () => {
    tracked.settled = true
  }
  promise.then(settle, settle)
  return tracked
}

describe('appending', () => {
  it("in 'os' mode starts a flush from the write path once flushMs has passed, without the timer", async () => {
    // Property: the power-loss window stays bounded by flushMs even when appends never let the
    // event loop reach a timer (the clock is manual and the real interval of a minute never fires).
    let now = 1_700_000_000_000
    const p = await openWithTopic({ durability: 'os', flushMs: 60_000 }, { clock: () => now })
    const before = log!.metrics().fsyncs
    for (let i = 0; i < 20; i++) await p.append([{ value: `a${i}` }], { acks: 1 })
    expect(log!.metrics().fsyncs).toBe(before)
    now += 60_000
    await p.append([{ value: 'late' }], { acks: 1 })
    expect(log!.metrics().fsyncs).toBe(before + 1)
    await p.append([{ value: 'next' }], { acks: 1 })
    expect(log!.metrics().fsyncs).toBe(before + 1) // measured from the flush's start: not due again
  })

  it('assigns contiguous offsets in call order and reads them back with keys, values and headers', async () => {
    // Property: one append is one batch with contiguous offsets; reads return exactly what was written.
    const p = await openWithTopic()
    const a = await p.append([{ key: 'k1', value: 'v1', headers: { h: 'x' } }, { value: null }])
    const b = await p.append([{ key: Buffer.from([0, 1]), value: 'v3', headers: [['a', null]] }])
    expect(a).toMatchObject({ baseOffset: 0, lastOffset: 1, duplicate: false, logAppendTime: -1 })
    expect(b).toMatchObject({ baseOffset: 2, lastOffset: 2 })
    const read = await p.read({ offset: 0 })
    expect(read.records.map((r) => r.offset)).toEqual([0, 1, 2])
    expect(read.records[0]!.key!.toString()).toBe('k1')
    expect(read.records[0]!.headers).toEqual([['h', Buffer.from('x')]])
    expect(read.records[1]!.value).toBeNull()
    expect(read.records[2]!.key).toEqual(Buffer.from([0, 1]))
    expect(read.records[2]!.headers).toEqual([['a', null]])
    expect(read).toMatchObject({ nextOffset: 3, highWatermark: 3, lastStableOffset: 3, logStartOffset: 0 })
  })

  it('shares one fdatasync among concurrent appends (group commit)', async () => {
    // Property: N appends issued together cost far fewer than N fsyncs, and all are durable when they resolve.
    const p = await openWithTopic()
    const before = log!.metrics().fsyncs
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => p.append([{ value: `r${i}` }])))
    expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: 64 }, (_, i) => i))
    const fsyncs = log!.metrics().fsyncs - before
    expect(fsyncs).toBeGreaterThanOrEqual(1)
    expect(fsyncs).toBeLessThanOrEqual(2)
    expect(p.highWatermark).toBe(64)
  })

  it("resolves acks 'all' only after the fdatasync covering the batch, acks 1 before it", async () => {
    // Property: acks 'all' in 'fsync' mode never resolves before its bytes are fsynced. The
    // segment's fdatasync is held from the moment it is called (after the write) until released.
    const fs = new HeldSyncFileSystem()
    const p = await openWithTopic({}, { fileSystem: fs })
    const sync = fs.holdNextSync(segmentFileName(0, 'log'))
    let allDone = false
    const all = p.append([{ value: 'a' }], { acks: 'all' }).then((r) => ((allDone = true), r))
    try {
      const one = await p.append([{ value: 'b' }], { acks: 1 })
      expect(one.baseOffset).toBe(1)
      await sync.arrived
      await new Promise((r) => setImmediate(r)) // an acknowledgement given at the write has run by now
      expect(allDone).toBe(false)
      expect(p.highWatermark).toBe(0)
      expect((await p.read({ offset: 0 })).records).toEqual([]) // nothing readable past the HW
    } finally {
      sync.release() // also when an assertion failed: close() would wait for the held fdatasync
    }
    expect((await all).baseOffset).toBe(0)
    await p.flush()
    expect(p.highWatermark).toBe(2)
  })

  it('acks 0 resolves without offsets; the records still land', async () => {
    // Property: acks 0 resolves once queued (offsets unknown, -1 as in Kafka) and is still written.
    const p = await openWithTopic()
    expect(await p.append([{ value: 'x' }], { acks: 0 })).toEqual({ baseOffset: -1, lastOffset: -1, logAppendTime: -1, duplicate: false })
    await p.flush()
    expect(values((await p.read({ offset: 0 })).records)).toEqual(['x'])
  })

  it("'os' durability makes writes readable at once and flush() makes them durable", async () => {
    // Property: in 'os' mode HW = written end; flush() fsyncs.
    const fs = new FaultFileSystem()
    const p = await openWithTopic({ durability: 'os' }, { fileSystem: fs })
    const syncs = fs.syncs
    await p.append([{ value: 'x' }])
    expect(p.highWatermark).toBe(1)
    expect(fs.syncs).toBe(syncs)
    await p.flush()
    expect(fs.syncs).toBeGreaterThan(syncs)
  })

  it('rejects bad input with typed errors and writes nothing', async () => {
    // Property: a rejected append changes nothing on disk.
    const p = await openWithTopic({ maxMessageBytes: 1024 })
    await p.append([{ value: 'ok' }])
    const size = statSync(join(dir, 't-0', '00000000000000000000.log')).size
    await expect(p.append([])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    await expect(p.append('x' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
    await expect(p.append([{ value: 1 as never }])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
    await expect(p.append([{ value: 'x', timestamp: Number.NaN }])).rejects.toBeInstanceOf(RangeError)
    await expect(p.append([{ value: Buffer.alloc(2000) }])).rejects.toMatchObject({ code: 'RECORD_TOO_LARGE' })
    await expect(p.append([{ value: 'x' }], { acks: 2 as never })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    await expect(p.append([{ value: 'x' }], { bogus: 1 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    await expect(p.append([{ value: 'x' }], { compression: 'gzip' as never })).rejects.toMatchObject({ code: 'UNSUPPORTED_COMPRESSION_TYPE' })
    expect(statSync(join(dir, 't-0', '00000000000000000000.log')).size).toBe(size)
    expect(p.logEndOffset).toBe(1)
    expect((await p.append([{ value: 'after' }])).baseOffset).toBe(1)
  })

  it('stamps LogAppendTime when the topic asks for it', async () => {
    // Property: messageTimestampType LogAppendTime replaces record timestamps with the append time.
    let now = 1_700_000_000_000
    const p = await openWithTopic({ messageTimestampType: 'LogAppendTime' }, { clock: () => now })
    now += 5
    const result = await p.append([{ value: 'x', timestamp: 42 }])
    expect(result.logAppendTime).toBe(now)
    expect((await p.read({ offset: 0 })).records[0]!.timestamp).toBe(now)
  })

  it('keeps every batch byte-exact while appends in flight share the encode memory', async () => {
    // Property: a batch's bytes are reused only after its write — concurrent appends of every acks
    // level, across rolls, read back exactly what each call passed.
    for (const durability of ['os', 'fsync'] as const) {
      await log?.close()
      rmSync(dir, { recursive: true, force: true })
      const p = await openWithTopic({ durability, segmentBytes: 64 * 1024 })
      const expected: string[] = []
      const acks = [0, 1, 'all'] as const
      for (let round = 0; round < 20; round++) {
        const calls = Array.from({ length: 16 }, (_, i) => {
          const batch = Array.from({ length: 1 + ((round + i) % 7) }, (_, j) => `${durability}-${round}-${i}-${j}-${'x'.repeat((i * 37 + j) % 300)}`)
          expected.push(...batch)
          return p.append(
            batch.map((value) => ({ value })),
            { acks: acks[i % 3] },
          )
        })
        await Promise.all(calls)
      }
      await p.flush()
      const seen: string[] = []
      for await (const r of p.stream({ from: 0 })) seen.push(r.value!.toString())
      expect(seen).toEqual(expected)
      expect(p.log.segments.length).toBeGreaterThan(2)
    }
  })

  it('rolls segments by size and keeps every record readable across them', async () => {
    // Property: segmentBytes bounds each .log; offsets stay contiguous across the roll.
    const p = await openWithTopic({ segmentBytes: 1024 })
    for (let i = 0; i < 40; i++) await p.append([{ value: `record-${i}-${'x'.repeat(40)}` }])
    const logs = readdirSync(join(dir, 't-0')).filter((n) => n.endsWith('.log'))
    expect(logs.length).toBeGreaterThan(2)
    for (const name of logs) expect(statSync(join(dir, 't-0', name)).size).toBeLessThanOrEqual(1024)
    const all = []
    for await (const r of p.stream({ from: 0 })) all.push(r.offset)
    expect(all).toEqual(Array.from({ length: 40 }, (_, i) => i))
  })
})

describe('failures', () => {
  it('turns a short write into DISK_FULL with nothing appended, and appends work again after', async () => {
    // Property: a full disk is a definite failure (nothing kept) and not fail-stop.
    const fs = new FaultFileSystem()
    const p = await openWithTopic({}, { fileSystem: fs })
    await p.append([{ value: 'before' }])
    const size = statSync(join(dir, 't-0', '00000000000000000000.log')).size
    fs.plan.writeLimit = (n) => Math.floor(n / 2)
    await expect(p.append([{ value: 'x'.repeat(100) }])).rejects.toMatchObject({ code: 'DISK_FULL' })
    expect(statSync(join(dir, 't-0', '00000000000000000000.log')).size).toBe(size)
    expect(p.logEndOffset).toBe(1)
    fs.plan.writeLimit = undefined
    expect((await p.append([{ value: 'after' }])).baseOffset).toBe(1)
    expect(values((await p.read({ offset: 0 })).records)).toEqual(['before', 'after'])
  })

  it('fails stop on an fdatasync error: STORAGE_ERROR for pending and later appends, reads still work, never retried', async () => {
    // Property: fsyncgate — an fsync error is never retried into silence.
    const fs = new FaultFileSystem()
    const p = await openWithTopic({}, { fileSystem: fs })
    await p.append([{ value: 'durable' }])
    fs.plan.beforeSync = () => {
      throw eio()
    }
    const err = await p.append([{ value: 'lost?' }]).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'STORAGE_ERROR' })
    expect((err as Error & { cause: { code: string } }).cause.code).toBe('EIO')
    fs.plan.beforeSync = undefined
    const syncs = fs.syncs
    await expect(p.append([{ value: 'later' }])).rejects.toMatchObject({ code: 'STORAGE_ERROR' })
    await expect(p.flush()).rejects.toMatchObject({ code: 'STORAGE_ERROR' })
    await expect(log!.createTopic('other')).rejects.toMatchObject({ code: 'STORAGE_ERROR' })
    expect(fs.syncs).toBe(syncs)
    expect(values((await p.read({ offset: 0 })).records)).toEqual(['durable'])
    await log!.close()
    log = await Log.open(dir)
    expect(log.recovery.cleanShutdown).toBe(false)
    expect(values((await log.partition('t', 0).read({ offset: 0 })).records)[0]).toBe('durable')
  })
  it('settles every append of a drain when the log fails while a roll is awaited', async () => {
    // Property: fail-stop never leaves an append hanging or writes after the failure: the group
    // commit's fdatasync fails during the roll that the next batch triggered, and every batch
    // queued behind it rejects with STORAGE_ERROR instead of waiting forever or being written.
    const fs = new FaultFileSystem()
    const p = await openWithTopic({ segmentBytes: 1024 }, { fileSystem: fs })
    let syncs = 0
    fs.plan.beforeSync = () => {
      if (syncs++ === 0) throw eio()
    }
    const big = 'x'.repeat(600)
    const settled = await Promise.allSettled([
      p.append([{ value: big }]),
      p.append([{ value: big }], { acks: 1 }),
      p.append([{ value: 'small' }], { acks: 1 }),
    ])
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected'])
    for (const s of settled) expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'STORAGE_ERROR' })
    expect(p.logEndOffset).toBe(1)
  })
})

describe('reading', () => {
  it('streams every record in order across many fetches, from the start and from the middle', async () => {
    // Property: stream() stitches its fetches together with no record lost, repeated or reordered.
    const p = await openWithTopic({ segmentBytes: 256 * 1024 })
    const expected: string[] = []
    for (let i = 0; i < 40; i++) {
      const batch = Array.from({ length: 100 }, (_, j) => `r${i * 100 + j}-${'y'.repeat(90)}`)
      expected.push(...batch)
      await p.append(batch.map((value) => ({ value })), { acks: 1 })
    }
    await p.flush() // the HW ('fsync' mode) covers every record
    const collect = async (from: number): Promise<string[]> => {
      const out: string[] = []
      for await (const r of p.stream({ from })) {
        expect(r.offset).toBe(from + out.length)
        out.push(r.value!.toString())
      }
      return out
    }
    expect(await collect(0)).toEqual(expected)
    expect(await collect(1234)).toEqual(expected.slice(1234))
    expect(p.log.segments.length).toBeGreaterThan(1)
  })

  it('rejects offsets outside [logStartOffset, HW] with OFFSET_OUT_OF_RANGE and returns nothing at HW', async () => {
    // Property: reads are bounded by the HW and the log start offset.
    const p = await openWithTopic()
    await p.append([{ value: 'a' }, { value: 'b' }])
    await expect(p.read({ offset: 3 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' })
    expect((await p.read({ offset: 2 })).records).toEqual([])
    await expect(p.read({ offset: -1 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' })
    await expect(p.read({ offset: 2 ** 53 })).rejects.toBeInstanceOf(RangeError)
    await expect(p.read({ offset: 0, maxBytes: 0 })).rejects.toBeInstanceOf(RangeError)
    await expect(p.read({ offset: 0, nope: 1 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
  })

  it('honours maxRecords and maxBytes but always returns at least one batch', async () => {
    // Property: Kafka's minOneMessage and the record/byte limits.
    const p = await openWithTopic()
    await p.append([{ value: 'x'.repeat(500) }, { value: 'y' }])
    await p.append([{ value: 'z' }])
    const one = await p.read({ offset: 0, maxRecords: 1 })
    expect(one.records.map((r) => r.offset)).toEqual([0])
    expect(one.nextOffset).toBe(1)
    const small = await p.read({ offset: 0, maxBytes: 10 })
    expect(small.records.map((r) => r.offset)).toEqual([0, 1])
    expect(small.nextOffset).toBe(2)
    const mid = await p.read({ offset: 1 })
    expect(mid.records.map((r) => r.offset)).toEqual([1, 2])
  })

  it('long-polls until data arrives, times out with nothing, and aborts with AbortError', async () => {
    // Property: maxWaitMs waits for the HW to move; signal aborts; the timeout returns what there is.
    // The first poll is shown to be waiting before the append, and answered in the turn the HW
    // moved, not by its maxWaitMs running out (a poll that expires returns what is there, 'late'
    // included). The timeout keeps real time: it asserts what the poll returned (nothing: nothing
    // is appended), never how long it took.
    const p = await openWithTopic()
    const waiting = settlement(p.read({ offset: 0, maxWaitMs: 20_000 }))
    await new Promise((r) => setImmediate(r))
    expect(waiting.settled).toBe(false)
    await p.append([{ value: 'late' }])
    await new Promise((r) => setImmediate(r))
    expect(waiting.settled).toBe(true)
    expect(values((await waiting.promise).records)).toEqual(['late'])
    const empty = await p.read({ offset: 1, maxWaitMs: 30 })
    expect(empty.records).toEqual([])
    const controller = new AbortController()
    const aborted = p.read({ offset: 1, maxWaitMs: 10_000, signal: controller.signal })
    controller.abort()
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' })
  })

  it('ends followed streams and rejects long-polls with LOG_CLOSED on close', async () => {
    // Property: close() never leaves a reader hanging. The follower takes 'a', then 'b' appended
    // after it started following; its next record and the long-poll are both pending at the close.
    const p = await openWithTopic()
    await p.append([{ value: 'a' }])
    const follower = p.stream({ from: 'earliest', follow: true })
    const first = await follower.next()
    expect(first.done ? null : first.value.value!.toString()).toBe('a')
    const following = settlement(follower.next())
    await p.append([{ value: 'b' }])
    await new Promise((r) => setImmediate(r))
    expect(following.settled).toBe(true) // woken by the HW move
    const second = await following.promise
    expect(second.done ? null : second.value.value!.toString()).toBe('b')
    const end = settlement(follower.next())
    const poll = settlement(p.read({ offset: 2, maxWaitMs: 60_000 }).catch((err: unknown) => err))
    await new Promise((r) => setImmediate(r))
    expect([end.settled, poll.settled]).toEqual([false, false])
    await log!.close()
    expect(await end.promise).toEqual({ value: undefined, done: true })
    expect(await poll.promise).toMatchObject({ code: 'LOG_CLOSED' })
    await expect(p.append([{ value: 'c' }])).rejects.toMatchObject({ code: 'LOG_CLOSED' })
  })

  it('streams from earliest, latest, an offset and a timestamp', async () => {
    // Property: every `from` form starts at the documented offset.
    const p = await openWithTopic()
    await p.append([{ value: 'a', timestamp: 1000 }, { value: 'b', timestamp: 2000 }, { value: 'c', timestamp: 3000 }])
    const collect = async (from: Parameters<typeof p.stream>[0]) => {
      const out: string[] = []
      for await (const r of p.stream(from)) out.push(r.value!.toString())
      return out
    }
    expect(await collect({ from: 'earliest' })).toEqual(['a', 'b', 'c'])
    expect(await collect({ from: 'latest' })).toEqual([])
    expect(await collect({ from: 1 })).toEqual(['b', 'c'])
    expect(await collect({ from: { timestamp: 1500 } })).toEqual(['b', 'c'])
    expect(() => p.stream({ from: 'middle' as never }).next()).toThrow()
  })

  it('finds the first offset with timestamp >= t even when timestamps go backwards', async () => {
    // Property: offsetForTimestamp is correct on non-monotonic timestamps (FM-17) and null past the end.
    const p = await openWithTopic({ indexIntervalBytes: 1 })
    const ts = [100, 300, 200, 500, 400, 600]
    for (const t of ts) await p.append([{ value: String(t), timestamp: t }])
    for (const target of [0, 100, 150, 250, 300, 350, 450, 550, 600]) {
      const expected = ts.findIndex((t) => t >= target)
      expect(await p.offsetForTimestamp(target), `t=${target}`).toBe(expected)
    }
    expect(await p.offsetForTimestamp(601)).toBeNull()
  })
})

describe('retention and deleteRecords', () => {
  it('deleteRecords advances logStartOffset durably and removes whole segments below it', async () => {
    // Property: reads below the new start are out of range; files go by unlink, records above stay.
    const p = await openWithTopic({ segmentBytes: 512 })
    for (let i = 0; i < 30; i++) await p.append([{ value: `v${i}-${'x'.repeat(30)}` }])
    const segmentsBefore = p.log.segments.length
    await p.deleteRecords(20)
    expect(p.logStartOffset).toBe(20)
    expect(p.log.segments.length).toBeLessThan(segmentsBefore)
    await expect(p.read({ offset: 19 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' })
    expect((await p.read({ offset: 20 })).records[0]!.offset).toBe(20)
    await expect(p.deleteRecords(31)).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' })
    await log!.close()
    log = await Log.open(dir)
    expect(log.partition('t', 0).logStartOffset).toBe(20)
    expect(readdirSync(join(dir, 't-0')).some((n) => n.endsWith('.deleted'))).toBe(false)
  })

  it('deletes by size and by time, keeps data at the HW, and never deletes the active data early', async () => {
    // Property: retentionBytes / retentionMs remove the oldest whole segments only.
    let now = 1_000_000
    const p = await openWithTopic({ segmentBytes: 512, retentionBytes: 1024 }, { clock: () => now })
    for (let i = 0; i < 40; i++) await p.append([{ value: `v${i}-${'x'.repeat(30)}`, timestamp: now }])
    await log!.runRetention()
    expect(p.log.sizeBytes).toBeLessThanOrEqual(1024 + 512)
    expect(p.logStartOffset).toBeGreaterThan(0)
    const end = p.logEndOffset
    await log!.alterTopicConfig('t', { retentionBytes: -1, retentionMs: 1000 })
    now += 10_000
    await log!.runRetention()
    expect(p.log.segments.length).toBe(1)
    expect(p.logStartOffset).toBe(end)
    expect((await p.append([{ value: 'next' }])).baseOffset).toBe(end)
  })

  it('does not let a record dated far in the future pin a segment forever', async () => {
    // Property: time retention caps a segment's timestamp at its file's last write (FM-17). The
    // files' mtimes are the wall clock's; the log's clock is then moved a minute past them.
    const wallMs = Date.now()
    let now = wallMs
    const p = await openWithTopic({ segmentBytes: 256, retentionMs: 1000 }, { clock: () => now })
    await p.append([{ value: 'x'.repeat(100), timestamp: wallMs + 100 * 365 * 86_400_000 }])
    for (let i = 0; i < 5; i++) await p.append([{ value: 'y'.repeat(100), timestamp: wallMs - 10_000 }])
    await log!.runRetention()
    expect(p.logStartOffset).toBe(0) // just written: the future record's segment is not expired yet
    now = Date.now() + 60_000
    await log!.runRetention()
    expect(p.logStartOffset).toBeGreaterThan(0)
  })
})

describe('sendTo', () => {
  it('sends the raw, CRC-valid batches to a socket and to a file descriptor', async () => {
    // Property: sendTo writes the stored Kafka v2 bytes exactly, and nextOffset continues after them.
    const p = await openWithTopic()
    await p.append([{ key: 'k', value: 'one' }, { value: 'two' }])
    await p.append([{ value: 'three' }])
    const received: Buffer[] = []
    let ended = (): void => {}
    const allReceived = new Promise<void>((resolve) => (ended = resolve))
    const server = createServer((socket) => socket.on('data', (d: Buffer) => received.push(d)).on('end', () => ended()))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as { port: number }).port
    const socket: Socket = connect(port, '127.0.0.1')
    await new Promise<void>((r) => socket.once('connect', () => r()))
    socket.write('prefix:')
    const result = await p.sendTo(socket, { offset: 0 })
    expect(result.nextOffset).toBe(3)
    await new Promise<void>((r) => socket.end(r))
    await allReceived // the server side saw the end: every byte sent before it has arrived
    server.close()
    const bytes = Buffer.concat(received)
    expect(bytes.subarray(0, 7).toString()).toBe('prefix:')
    const first = decodeBatch(bytes, 7)
    expect(first.records.map((r) => r.value!.toString())).toEqual(['one', 'two'])
    const second = decodeBatch(bytes, 7 + first.sizeBytes)
    expect(second.records[0]!.offset).toBe(2)
    expect(result.bytes).toBe(bytes.length - 7)
  })
})

describe('tracing', () => {
  it('publishes appends, flushes and rolls on diagnostics_channel', async () => {
    // Property: subscribers see every written run, fdatasync round and roll.
    const { default: dc } = await import('node:diagnostics_channel')
    const seen: Record<string, unknown[]> = { append: [], flush: [], roll: [] }
    const subs = Object.keys(seen).map((name) => {
      const fn = (message: unknown) => seen[name]!.push(message)
      dc.subscribe(`seglog:${name}`, fn)
      return () => dc.unsubscribe(`seglog:${name}`, fn)
    })
    try {
      const p = await openWithTopic({ segmentBytes: 256 })
      for (let i = 0; i < 6; i++) await p.append([{ value: 'x'.repeat(80) }])
      expect(seen.append!.length).toBe(6)
      expect(seen.append![0]).toMatchObject({ topic: 't', partition: 0, baseOffset: 0, lastOffset: 0 })
      expect(seen.flush!.length).toBeGreaterThanOrEqual(1)
      expect(seen.flush!.at(-1)).toMatchObject({ topic: 't', durableEnd: 6 })
      expect(seen.roll!.length).toBeGreaterThanOrEqual(1)
    } finally {
      for (const unsubscribe of subs) unsubscribe()
    }
  })
})
