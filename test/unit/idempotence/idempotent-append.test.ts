/**
 * Idempotent appends in a running partition (issue 10 §1 wired into the append path, api.md
 * "Appending"): producer fields validated, retries of each of the last five batches answered with
 * the original offsets and `duplicate: true` (nothing written), gaps and old epochs rejected alone,
 * pipelined batches of one producer in one drain, duplicates of a batch still in flight, acks
 * 'all' duplicates waiting for the original's fdatasync, DISK_FULL rolling the state back.
 */
import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { Log } from '../../../src/log.js'
import type { Partition } from '../../../src/partition/partition.js'
import { recs, useIdempotenceLog } from './idempotence-log.js'
import { FaultFileSystem } from '../../helpers/fault-fs.js'
import { HeldSyncFileSystem } from '../../helpers/held-sync-file-system.js'

const t = useIdempotenceLog()
const open = t.open

const P = { producerId: 7, producerEpoch: 0 }

async function allValues(p: Partition): Promise<{ value: string; producerId?: number; sequence?: number }[]> {
  const { records } = await p.read({ offset: p.logStartOffset, maxBytes: 1 << 20 })
  return records.map((r) => ({ value: r.value!.toString(), producerId: r.producerId, sequence: r.sequence }))
}

describe('append options: producer fields', () => {
  it('are refused unless all three are given, each in range; transactional stays unsupported', async () => {
    const p = await open()
    await expect(p.append(recs('a'), { producerId: 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    await expect(p.append(recs('a'), { producerId: 1, producerEpoch: 0 })).rejects.toThrow(/baseSequence/)
    await expect(p.append(recs('a'), { producerId: -1, producerEpoch: 0, baseSequence: 0 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' })
    await expect(p.append(recs('a'), { producerId: '1' as unknown as number, producerEpoch: 0, baseSequence: 0 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    })
    await expect(p.append(recs('a'), { producerId: 1, producerEpoch: 0x8000, baseSequence: 0 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' })
    await expect(p.append(recs('a'), { producerId: 1, producerEpoch: 0, baseSequence: 2 ** 31 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' })
    await expect(p.append(recs('a'), { producerId: 1, producerEpoch: 0, baseSequence: 1.5 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' })
    await expect(p.append(recs('a'), { transactional: true } as never)).rejects.toMatchObject({ code: 'UNSUPPORTED_FEATURE' })
    expect(p.logEndOffset).toBe(0)
    // The boundaries themselves are accepted.
    await expect(p.append(recs('a'), { producerId: Number.MAX_SAFE_INTEGER, producerEpoch: 0x7fff, baseSequence: 2 ** 31 - 1 })).resolves.toMatchObject({
      baseOffset: 0,
      duplicate: false,
    })
  })

  it('records read back carry the producer id and their sequence', async () => {
    const p = await open()
    await p.append(recs('a', 'b'), { ...P, baseSequence: 0 })
    await p.append(recs('plain'))
    expect(await allValues(p)).toEqual([
      { value: 'a', producerId: 7, sequence: 0 },
      { value: 'b', producerId: 7, sequence: 1 },
      { value: 'plain', producerId: undefined, sequence: undefined }, // only producer batches carry them
    ])
  })
})

describe('dedupe and sequence checks', () => {
  it('answers a retry of each of the last five batches with its original offsets, writing nothing', async () => {
    const p = await open()
    const originals = []
    for (let n = 0; n < 6; n++) {
      originals.push(await p.append(recs(`b${n}x`, `b${n}y`), { ...P, baseSequence: 2 * n }))
      await p.append(recs(`plain${n}`)) // plain batches between them take offsets too
    }
    const end = p.logEndOffset
    for (let n = 1; n < 6; n++) {
      const retry = await p.append(recs('ignored', 'ignored'), { ...P, baseSequence: 2 * n })
      expect(retry).toEqual({ ...originals[n]!, duplicate: true })
    }
    expect(p.logEndOffset).toBe(end)
    // The sixth-newest is out of the window: a retry of it is out of order, not a duplicate.
    await expect(p.append(recs('x', 'y'), { ...P, baseSequence: 0 })).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER', topic: 't', partition: 0 })
    expect(p.logEndOffset).toBe(end)
    expect((await allValues(p)).filter((r) => r.value === 'ignored')).toEqual([])
  })

  it('rejects a gap, a partial overlap and an older epoch alone; the producer continues after them', async () => {
    const p = await open()
    await p.append(recs('a', 'b'), { producerId: 3, producerEpoch: 2, baseSequence: 0 })
    await expect(p.append(recs('gap'), { producerId: 3, producerEpoch: 2, baseSequence: 3 })).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
    await expect(p.append(recs('overlap', 'x'), { producerId: 3, producerEpoch: 2, baseSequence: 1 })).rejects.toMatchObject({
      code: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
    })
    await expect(p.append(recs('fenced'), { producerId: 3, producerEpoch: 1, baseSequence: 2 })).rejects.toMatchObject({ code: 'INVALID_PRODUCER_EPOCH' })
    expect(await p.append(recs('c'), { producerId: 3, producerEpoch: 2, baseSequence: 2 })).toMatchObject({ baseOffset: 2, duplicate: false })
    // A bumped epoch restarts at 0 and fences the old one.
    await expect(p.append(recs('e3'), { producerId: 3, producerEpoch: 3, baseSequence: 5 })).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
    expect(await p.append(recs('e3'), { producerId: 3, producerEpoch: 3, baseSequence: 0 })).toMatchObject({ baseOffset: 3 })
    await expect(p.append(recs('old'), { producerId: 3, producerEpoch: 2, baseSequence: 3 })).rejects.toMatchObject({ code: 'INVALID_PRODUCER_EPOCH' })
    expect((await allValues(p)).map((r) => r.value)).toEqual(['a', 'b', 'c', 'e3'])
  })

  it('validates pipelined batches of one drain in queue order, a rejected one as if it never came', async () => {
    const p = await open()
    // All queued in one tick: one drain, one writev.
    const results = await Promise.allSettled([
      p.append(recs('s0'), { ...P, baseSequence: 0 }),
      p.append(recs('s1'), { ...P, baseSequence: 1 }),
      p.append(recs('s3'), { ...P, baseSequence: 3 }), // a gap: rejected alone
      p.append(recs('s1 again'), { ...P, baseSequence: 1 }), // a duplicate of a batch still in flight
      p.append(recs('s2'), { ...P, baseSequence: 2 }), // follows s1, as if s3 never came
      p.append(recs('plain')),
    ])
    expect(results.map((r) => (r.status === 'fulfilled' ? [r.value.baseOffset, r.value.duplicate] : (r.reason as { code: string }).code))).toEqual([
      [0, false],
      [1, false],
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
      [1, true],
      [2, false],
      [3, false],
    ])
    expect((await allValues(p)).map((r) => r.value)).toEqual(['s0', 's1', 's2', 'plain'])
  })

  it("resolves an acks 'all' duplicate only once the original is durable", async () => {
    const fs = new HeldSyncFileSystem()
    const p = await open({ fileSystem: fs })
    const held = fs.holdNextSync('.log')
    const original = p.append(recs('a'), { ...P, baseSequence: 0, acks: 1 })
    expect(await original).toMatchObject({ baseOffset: 0 })
    await held.arrived
    let settled = false
    const retry = p.append(recs('a'), { ...P, baseSequence: 0, acks: 'all' }).then((r) => {
      settled = true
      return r
    })
    // acks 1 duplicates do not wait.
    expect(await p.append(recs('a'), { ...P, baseSequence: 0, acks: 1 })).toMatchObject({ baseOffset: 0, duplicate: true })
    expect(settled).toBe(false)
    expect(p.highWatermark).toBe(0)
    held.release()
    expect(await retry).toMatchObject({ baseOffset: 0, lastOffset: 0, duplicate: true })
    expect(p.highWatermark).toBe(1)
  })

  it('a duplicate under LogAppendTime carries the original append time', async () => {
    let now = 5_000
    const p = await open({ clock: () => now }, { messageTimestampType: 'LogAppendTime' })
    const original = await p.append(recs('a'), { ...P, baseSequence: 0 })
    now = 9_000
    expect(await p.append(recs('a'), { ...P, baseSequence: 0 })).toEqual({ ...original, logAppendTime: 5_000, duplicate: true })
  })

  it('DISK_FULL rolls the producer state back: the same batch is appended when retried, once', async () => {
    const fs = new FaultFileSystem()
    const p = await open({ fileSystem: fs })
    await p.append(recs('a'), { ...P, baseSequence: 0 })
    fs.plan.writeLimit = (n) => n - 1
    const failed = await Promise.allSettled([p.append(recs('b'), { ...P, baseSequence: 1 }), p.append(recs('b'), { ...P, baseSequence: 1 })])
    expect(failed.map((r) => r.status === 'rejected' && (r.reason as { code: string }).code)).toEqual(['DISK_FULL', 'DISK_FULL'])
    fs.plan.writeLimit = undefined
    expect(await p.append(recs('b'), { ...P, baseSequence: 1 })).toMatchObject({ baseOffset: 1, duplicate: false })
    expect(await p.append(recs('b'), { ...P, baseSequence: 1 })).toMatchObject({ baseOffset: 1, duplicate: true })
    expect((await allValues(p)).map((r) => r.value)).toEqual(['a', 'b'])
  })

  it('a duplicate or a refused batch never rolls the segment, even when it would not fit', async () => {
    const p = await open({}, { segmentBytes: 400 })
    const big = recs('x'.repeat(150), 'y'.repeat(150))
    await p.append(big, { ...P, baseSequence: 0 })
    const segments = p.log.segments.length
    expect(await p.append(big, { ...P, baseSequence: 0 })).toMatchObject({ baseOffset: 0, duplicate: true })
    await expect(p.append(big, { ...P, baseSequence: 9 })).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
    expect(p.log.segments.length).toBe(segments)
    expect(await p.append(big, { ...P, baseSequence: 2 })).toMatchObject({ baseOffset: 2, duplicate: false })
    expect(p.log.segments.length).toBe(segments + 1) // a batch that is written still rolls
  })

  it('a partition without producers writes no snapshot file, at rolls or at close', async () => {
    const p = await open({}, { segmentBytes: 1024 })
    for (let i = 0; i < 40; i++) await p.append(recs(`plain ${i} ${'x'.repeat(40)}`))
    expect(p.log.segments.length).toBeGreaterThan(2)
    await t.close()
    expect(readdirSync(`${t.dir}/t-0`).filter((n) => n.endsWith('.snapshot'))).toEqual([])
  })
})
