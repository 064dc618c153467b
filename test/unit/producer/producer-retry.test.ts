import { describe, expect, it } from 'vitest'
import { SeglogError } from '../../../src/errors.js'
import type { ProducerAppendOptions, ProducerLog } from '../../../src/producer/producer.js'
import { eio, FaultFileSystem } from '../../helpers/fault-fs.js'
import { detectIdempotentAppends, storedBatches, storedValues, useProducerLogs } from './producer-test-log.js'

const idempotentAppendsSupported = await detectIdempotentAppends()
const MODES = [
  { name: 'plain', idempotent: false },
  { name: 'idempotent', idempotent: true },
] as const

/** `through` with every append's options recorded, and `interfere` run around each append. */
function recordingLog(
  through: ProducerLog,
  interfere: (append: () => Promise<unknown>, call: number) => Promise<unknown> = (append) => append(),
): { producerLog: ProducerLog; calls: ProducerAppendOptions[] } {
  const calls: ProducerAppendOptions[] = []
  return {
    calls,
    producerLog: {
      ...through,
      partition(topic, partition) {
        const real = through.partition(topic, partition)
        return {
          append(records, options) {
            calls.push({ ...options })
            return interfere(() => real.append(records, options), calls.length) as ReturnType<typeof real.append>
          },
        }
      },
    },
  }
}

/** A full disk for the next `count` writes. */
function fillDisk(fs: FaultFileSystem, count: number): void {
  let left = count
  fs.plan.writeLimit = (requested) => (left-- > 0 ? 0 : requested)
}

describe.each(MODES)('retries ($name)', ({ idempotent }) => {
  const openLog = useProducerLogs()
  const itMode = it.skipIf(idempotent && !idempotentAppendsSupported)

  /** A log on a FaultFileSystem with topic t, and a producer that already wrote 'warm-up' (its id is allocated). */
  async function warmedUp(options: { retries?: number; maxInFlight?: number } = {}) {
    const fs = new FaultFileSystem()
    const opened = await openLog({ fileSystem: fs })
    await opened.log.createTopic('t')
    const recorded = recordingLog(opened.producerLog)
    const p = opened.producer({ idempotent, retryBackoffMs: 1, retryBackoffMaxMs: 4, ...options }, recorded.producerLog)
    await p.send({ topic: 't', messages: [{ value: 'warm-up' }] })
    recorded.calls.length = 0
    return { ...opened, fs, p, calls: recorded.calls }
  }

  itMode('resends a batch refused with DISK_FULL, with the same sequence, until it is written once', async () => {
    // Property: DISK_FULL kept nothing; the producer resends the same batch (same producer id,
    // epoch and base sequence) and the records are in the log exactly once.
    const { dir, fs, p, calls } = await warmedUp()
    fillDisk(fs, 2)
    expect(await p.send({ topic: 't', messages: [{ value: 'a' }, { value: 'b' }] })).toEqual([{ topic: 't', partition: 0, baseOffset: 1, lastOffset: 2 }])
    expect(calls).toHaveLength(3)
    expect(new Set(calls.map((c) => JSON.stringify(c))).size).toBe(1)
    if (idempotent) expect(calls[0]!.baseSequence).toBe(1)
    expect(storedValues(dir, 't', 0)).toEqual(['warm-up', 'a', 'b'])
  })

  itMode('gives up after `retries` resends with DISK_FULL, and the next send is written', async () => {
    const { dir, fs, p, calls } = await warmedUp({ retries: 2 })
    fillDisk(fs, Number.POSITIVE_INFINITY)
    await expect(p.send({ topic: 't', messages: [{ value: 'lost' }] })).rejects.toMatchObject({ code: 'DISK_FULL' })
    expect(calls).toHaveLength(3)
    fs.plan.writeLimit = undefined
    expect(await p.send({ topic: 't', messages: [{ value: 'c' }] })).toEqual([{ topic: 't', partition: 0, baseOffset: 1, lastOffset: 1 }])
    expect(storedValues(dir, 't', 0)).toEqual(['warm-up', 'c'])
    // The batch that failed for good took no sequence: the next one continues where the log is.
    if (idempotent) expect(storedBatches(dir, 't', 0).map((b) => b.baseSequence)).toEqual([0, 1])
  })

  itMode('never retries a STORAGE_ERROR (fail-stop)', async () => {
    const { fs, p, calls } = await warmedUp()
    fs.plan.beforeSync = () => {
      throw eio()
    }
    await expect(p.send({ topic: 't', messages: [{ value: 'a' }] })).rejects.toMatchObject({ code: 'STORAGE_ERROR' })
    expect(calls).toHaveLength(1)
  })

  itMode('resends a pipelined window refused by a full disk in order, each batch with its sequence', async () => {
    // Property: batches in flight behind a failed one are resent after it, in send order, so the
    // partition holds the sends in order, each once, with contiguous sequences.
    const { dir, fs, p } = await warmedUp({ maxInFlight: 5 })
    fillDisk(fs, 1)
    const sends = Array.from({ length: 5 }, (_, i) => p.send({ topic: 't', messages: [{ value: `s${i}-0` }, { value: `s${i}-1` }] }))
    const results = await Promise.all(sends)
    expect(results.map((r) => r[0]!.baseOffset)).toEqual([1, 3, 5, 7, 9])
    const batches = storedBatches(dir, 't', 0)
    expect(batches.map((b) => b.values)).toEqual([['warm-up'], ...Array.from({ length: 5 }, (_, i) => [`s${i}-0`, `s${i}-1`])])
    if (idempotent) expect(batches.map((b) => b.baseSequence)).toEqual([0, 1, 3, 5, 7, 9])
  })
})

describe('idempotent resends are deduplicated by the partition', () => {
  const openLog = useProducerLogs()

  it.skipIf(!idempotentAppendsSupported)('answers a resend after a lost acknowledgement with the original offsets, writing nothing twice', async () => {
    // Property: if an append was written but its answer lost (seen as DISK_FULL), the resend with
    // the same sequence is a duplicate: the send resolves with the first write's offsets.
    const opened = await openLog()
    await opened.log.createTopic('t')
    const recorded = recordingLog(opened.producerLog, async (append, call) => {
      const result = await append()
      if (call === 1) throw new SeglogError('DISK_FULL', 'the answer was lost (test)')
      return result
    })
    const p = opened.producer({ retryBackoffMs: 1 }, recorded.producerLog)
    expect(await p.send({ topic: 't', messages: [{ value: 'a' }, { value: 'b' }] })).toEqual([{ topic: 't', partition: 0, baseOffset: 0, lastOffset: 1 }])
    expect(recorded.calls).toHaveLength(2)
    expect(recorded.calls[1]).toEqual(recorded.calls[0])
    expect(storedValues(opened.dir, 't', 0)).toEqual(['a', 'b'])
  })

  it.skipIf(!idempotentAppendsSupported)('numbers the batches behind one refused for good from its sequence, so they are not wedged', async () => {
    // Property: a batch refused definitively (nothing written) leaves a gap the partition refuses
    // for the batch behind it (OUT_OF_ORDER_SEQUENCE_NUMBER); that batch is resent from the refused
    // one's sequence and written.
    const opened = await openLog()
    await opened.log.createTopic('t')
    const recorded = recordingLog(opened.producerLog, async (append, call) => {
      if (call === 2) throw new SeglogError('RECORD_TOO_LARGE', 'refused before anything was written (test)')
      return append()
    })
    const p = opened.producer({ retryBackoffMs: 1 }, recorded.producerLog)
    await p.send({ topic: 't', messages: [{ value: 'warm-up' }] })
    const refused = p.send({ topic: 't', messages: [{ value: 'refused' }] })
    const behind = p.send({ topic: 't', messages: [{ value: 'behind' }] })
    await expect(refused).rejects.toMatchObject({ code: 'RECORD_TOO_LARGE' })
    expect(await behind).toEqual([{ topic: 't', partition: 0, baseOffset: 1, lastOffset: 1 }])
    expect(recorded.calls.map((c) => c.baseSequence)).toEqual([0, 1, 2, 1])
    expect(storedBatches(opened.dir, 't', 0).map((b) => [b.baseSequence, b.values])).toEqual([
      [0, ['warm-up']],
      [1, ['behind']],
    ])
  })
})
