/**
 * Producer state across restarts (issue 10 §2): snapshots at roll and close, rebuilt at open from
 * the newest valid snapshot plus a replay of the log after it, rolled back with a cut torn tail
 * (reliability.md FM-13), kept through retention and deleteRecords, expired by the background task.
 * The crash here is staged in-process (unclean-shutdown.ts); the kill loop and SimFS do it for real.
 */
import { readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Log, type LogOptions } from '../../../src/log.js'
import type { Partition } from '../../../src/partition/partition.js'
import { recs, useIdempotenceLog } from './idempotence-log.js'
import { FaultFileSystem } from '../../helpers/fault-fs.js'
import { crashWithRecoveryPoint, markUncleanShutdown } from '../../helpers/unclean-shutdown.js'

const t = useIdempotenceLog()
const open = t.open

const P = { producerId: 11, producerEpoch: 1 }
const snapshots = () => readdirSync(join(t.dir, 't-0')).filter((n) => n.endsWith('.snapshot')).map((n) => Number(n.slice(0, 20)))
const partitionRecovery = () => t.log.recovery.partitions.find((p) => p.topic === 't')

/** Appends batches 0..count-1 of two records each (sequence 2n), plain batches between; returns their offsets. */
async function appendBatches(p: Partition, count: number, from = 0): Promise<{ baseOffset: number; lastOffset: number }[]> {
  const offsets = []
  for (let n = from; n < from + count; n++) {
    const { baseOffset, lastOffset } = await p.append(recs(`b${n}a`, `b${n}b`), { ...P, baseSequence: 2 * n })
    offsets.push({ baseOffset, lastOffset })
    await p.append(recs(`plain ${n} ${'p'.repeat(30)}`))
  }
  return offsets
}

/** Each of the last five dedupes with its original offsets; the sixth-newest is out of order; nothing was written. */
async function expectLastFiveDedupe(p: Partition, offsets: readonly { baseOffset: number; lastOffset: number }[]): Promise<void> {
  const end = p.logEndOffset
  const count = offsets.length
  for (let n = count - 5; n < count; n++) {
    expect(await p.append(recs('retry', 'retry'), { ...P, baseSequence: 2 * n })).toMatchObject({ ...offsets[n]!, duplicate: true })
  }
  await expect(p.append(recs('retry', 'retry'), { ...P, baseSequence: 2 * (count - 6) })).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
  expect(p.logEndOffset).toBe(end)
  // And the producer goes on where it was.
  expect(await p.append(recs('next', 'next'), { ...P, baseSequence: 2 * count })).toMatchObject({ baseOffset: end, duplicate: false })
}

describe('producer state across a restart', () => {
  it('each of the last five batches dedupes after close/reopen (snapshot at close, no replay)', async () => {
    let p = await open()
    const offsets = await appendBatches(p, 8)
    await t.close()
    // The empty one below the first producer batch, and the one close wrote at the log end.
    expect(snapshots()).toEqual([0, offsets[7]!.lastOffset + 2])
    p = await open()
    expect(t.log.recovery.cleanShutdown).toBe(true)
    await expectLastFiveDedupe(p, offsets)
  })

  it('each of the last five dedupes after an unclean shutdown: the newest roll snapshot plus a replay of the log after it', async () => {
    let p = await open({}, { segmentBytes: 600 })
    const offsets = await appendBatches(p, 12)
    const rollSnapshots = snapshots()
    expect(rollSnapshots.length).toBeGreaterThan(1) // every roll with producer state snapshots it
    expect(rollSnapshots).toEqual(p.log.segments.map((s) => s.baseOffset)) // the first one: below the first producer batch
    await t.close()
    markUncleanShutdown(t.dir)
    rmSync(join(t.dir, 't-0', `${String(p.logEndOffset).padStart(20, '0')}.snapshot`)) // the close snapshot: as if killed
    p = await open()
    const r = partitionRecovery()!
    expect(r.producerSnapshotOffset).toBe(rollSnapshots[rollSnapshots.length - 1])
    expect(r.producerBatchesReplayed).toBeGreaterThan(0)
    await expectLastFiveDedupe(p, offsets)
  })

  it('rebuilds the state by a full replay when every snapshot is corrupt, and reports each', async () => {
    let p = await open({}, { segmentBytes: 600 })
    const offsets = await appendBatches(p, 10)
    await t.close()
    const files = snapshots()
    expect(files.length).toBeGreaterThan(1)
    for (const offset of files) {
      const path = join(t.dir, 't-0', `${String(offset).padStart(20, '0')}.snapshot`)
      writeFileSync(path, Buffer.from('not a snapshot at all'))
    }
    p = await open()
    const r = partitionRecovery()!
    expect(r.corruptProducerSnapshots.map((c) => c.offset)).toEqual([...files].reverse())
    expect(r.corruptProducerSnapshots.every((c) => c.reason.length > 0)).toBe(true)
    expect(r.producerSnapshotOffset).toBeNull()
    expect(r.producerBatchesReplayed).toBe(10)
    await expectLastFiveDedupe(p, offsets)
  })

  it('a cut torn tail takes the producer state with it: the retry of the cut batch is appended, once', async () => {
    let p = await open({}, { durability: 'os' })
    const offsets = await appendBatches(p, 3)
    const cut = await p.append(recs('cut', 'cut'), { ...P, baseSequence: 6 })
    await t.close()
    // A snapshot above what survives a power cut, and the log's tail torn mid-batch: the
    // snapshot describes the batch that recovery is about to cut.
    const logFile = join(t.dir, 't-0', '00000000000000000000.log')
    const size = statSync(logFile).size
    truncateSync(logFile, size - 5)
    crashWithRecoveryPoint(t.dir, 't', 0, cut.baseOffset) // the cut batch was never fsynced
    p = await open()
    expect(partitionRecovery()!.truncatedFromOffset).toBe(cut.baseOffset)
    expect(snapshots().every((o) => o <= p.logEndOffset)).toBe(true) // the one above the log end went
    expect(await p.append(recs('cut', 'cut'), { ...P, baseSequence: 6 })).toMatchObject({ baseOffset: cut.baseOffset, duplicate: false })
    expect(await p.append(recs('cut', 'cut'), { ...P, baseSequence: 6 })).toMatchObject({ baseOffset: cut.baseOffset, duplicate: true })
    // The batches before it still dedupe.
    expect(await p.append(recs('x', 'x'), { ...P, baseSequence: 4 })).toMatchObject({ ...offsets[2]!, duplicate: true })
    const { records } = await p.read({ offset: 0, maxBytes: 1 << 20 })
    expect(records.filter((r) => r.value?.toString() === 'cut').length).toBe(2)
  })

  it('a crash right after the first producer batches (no roll, no close) still dedupes them: the empty snapshot below them is replayed from', async () => {
    let p = await open()
    await p.append(recs('plain before'))
    const offsets = await appendBatches(p, 6)
    expect(snapshots()).toEqual([1])
    await t.close()
    markUncleanShutdown(t.dir)
    rmSync(join(t.dir, 't-0', `${String(p.logEndOffset).padStart(20, '0')}.snapshot`)) // as if killed before close
    p = await open()
    expect(partitionRecovery()).toMatchObject({ producerSnapshotOffset: 1, producerBatchesReplayed: 6 })
    await expectLastFiveDedupe(p, offsets)
  })

  it('the first producer batch is refused when the snapshot below it cannot be written; plain appends and the log carry on', async () => {
    const fs = new FaultFileSystem()
    const p = await open({ fileSystem: fs })
    let failNext = true
    fs.plan.beforeSync = () => {
      if (!failNext) return
      failNext = false
      throw Object.assign(new Error('ENOSPC: no space left on device, fsync'), { code: 'ENOSPC', errno: -28, syscall: 'fsync' })
    }
    const [producerAppend, plainAppend] = await Promise.allSettled([p.append(recs('a'), { ...P, baseSequence: 0 }), p.append(recs('plain'))])
    expect(producerAppend).toMatchObject({ status: 'rejected', reason: { code: 'DISK_FULL', topic: 't', partition: 0 } })
    expect(plainAppend).toMatchObject({ status: 'fulfilled', value: { baseOffset: 0 } })
    expect(t.log.failure).toBeNull()
    expect(snapshots()).toEqual([])
    expect(await p.append(recs('a'), { ...P, baseSequence: 0 })).toMatchObject({ baseOffset: 1, duplicate: false })
    expect(snapshots()).toEqual([1])
  })

  it('a partition that never had producers reopens without a replay, cleanly or not', async () => {
    let p = await open({}, { segmentBytes: 600 })
    for (let i = 0; i < 30; i++) await p.append(recs(`plain ${i} ${'p'.repeat(30)}`))
    await t.close()
    expect(snapshots()).toEqual([])
    p = await open()
    expect(p.logEndOffset).toBe(30)
    await t.close()
    markUncleanShutdown(t.dir)
    p = await open()
    expect(partitionRecovery()).toMatchObject({ producerSnapshotOffset: null, producerBatchesReplayed: 0, corruptProducerSnapshots: [] })
    expect(await p.append(recs('a'), { ...P, baseSequence: 0 })).toMatchObject({ baseOffset: 30, duplicate: false })
  })
})

describe('producer state and retention', () => {
  it('deleteRecords past every snapshot keeps the producers (a snapshot first), and deletes the snapshots below the log start', async () => {
    let p = await open({}, { segmentBytes: 600 })
    const offsets = await appendBatches(p, 12)
    const before = snapshots()
    await p.deleteRecords(p.highWatermark) // everything: the producers' batches all go
    await t.log.runRetention()
    const after = snapshots()
    expect(after.every((o) => o >= p.logStartOffset)).toBe(true)
    expect(after.length).toBeGreaterThan(0)
    expect(after).not.toEqual(before)
    await t.close()
    markUncleanShutdown(t.dir)
    p = await open()
    await expectLastFiveDedupe(p, offsets)
  })

  it('time retention deleting segments keeps the producers too', async () => {
    let now = 1_000_000
    let p = await open({ clock: () => now }, { segmentBytes: 600, retentionMs: 1000 })
    const offsets = await appendBatches(p, 12)
    now += 5000
    await p.append(recs('keeps the log start moving'))
    await t.log.runRetention()
    expect(p.logStartOffset).toBeGreaterThan(offsets[11]!.lastOffset)
    await t.close()
    markUncleanShutdown(t.dir)
    p = await open({ clock: () => now })
    expect(await p.append(recs('r', 'r'), { ...P, baseSequence: 22 })).toMatchObject({ ...offsets[11]!, duplicate: true })
  })
})

describe('producer-id expiration', () => {
  it('forgets idle producers: not snapshotted, and their next batch is accepted at any sequence', async () => {
    let now = 1_000_000
    const options: LogOptions = { clock: () => now, producerIdExpirationMs: 60_000 }
    let p = await open(options)
    await p.append(recs('a'), { producerId: 1, producerEpoch: 0, baseSequence: 0, acks: 'all' })
    now += 30_000
    await p.append(recs('b'), { producerId: 2, producerEpoch: 0, baseSequence: 0 })
    now += 40_000 // producer 1 idle 70 s, producer 2 idle 40 s
    expect(await p.expireProducers()).toBe(1)
    // Producer 1 is unknown again: a gap in its sequence is accepted, its old batch no duplicate.
    expect(await p.append(recs('c'), { producerId: 1, producerEpoch: 0, baseSequence: 40 })).toMatchObject({ baseOffset: 2, duplicate: false })
    expect(await p.append(recs('b'), { producerId: 2, producerEpoch: 0, baseSequence: 0 })).toMatchObject({ baseOffset: 1, duplicate: true })
    now += 100_000
    await t.close()
    p = await open(options)
    // Both expired by the close: nothing of them was written.
    expect(await p.append(recs('d'), { producerId: 2, producerEpoch: 0, baseSequence: 9 })).toMatchObject({ duplicate: false })
  })

  it('producerIdExpirationMs is validated like the other Log options', async () => {
    await expect(Log.open(t.dir, { producerIdExpirationMs: 0 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' })
    await expect(Log.open(t.dir, { producerIdExpirationMs: '1' as unknown as number })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
  })
})

