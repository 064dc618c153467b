/**
 * The producer's idempotent send path against a model partition, so that its sequence handling is
 * exercised before the real partition validates producer fields (the same properties run on a real
 * Log in producer-retry.test.ts once it does). The model follows api.md "Appending" and Kafka's
 * rules as producer-validation.ts implements them: a duplicate of one of the producer's last 5
 * batches answers the original offsets; an unknown producer may start at any sequence; a known
 * one must continue at lastSeq + 1. Appends queued in one tick are one drained run, validated in
 * queue order; a run can fail with DISK_FULL (nothing kept) or be written with its answers lost
 * (every append of it rejects DISK_FULL although its records are in the log).
 */
import { describe, expect, it } from 'vitest'
import { SeglogError } from '../../../src/errors.js'
import type { RecordInput } from '../../../src/format/record.js'
import { incrementSequence } from '../../../src/format/sequence.js'
import { Producer, type ProducerAppendOptions, type ProducerLog } from '../../../src/producer/producer.js'
import { randomInt, seedFromEnv, seededRandom } from '../../helpers/seeded-random.mjs'

const SEED = seedFromEnv('SEED')
const RUNS = 40
const RETAINED_BATCHES = 5

type RunFault = 'none' | 'disk-full' | 'answers-lost'

interface ModelRecord {
  value: string
  producerId: number
  sequence: number
}

interface ModelBatch {
  firstSeq: number
  lastSeq: number
  baseOffset: number
  lastOffset: number
}

interface QueuedAppend {
  records: readonly RecordInput[]
  options: ProducerAppendOptions
  resolve: (r: { baseOffset: number; lastOffset: number; duplicate: boolean }) => void
  reject: (err: unknown) => void
}

class ModelPartition {
  readonly records: ModelRecord[] = []
  private readonly producers = new Map<number, { lastSeq: number; batches: ModelBatch[] }>()
  private run: QueuedAppend[] = []
  private answered: Promise<void> = Promise.resolve()

  constructor(
    private readonly fault: () => RunFault,
    private readonly random: () => number,
  ) {}

  append(records: readonly RecordInput[], options: ProducerAppendOptions): Promise<{ baseOffset: number; lastOffset: number; duplicate: boolean }> {
    return new Promise((resolve, reject) => {
      this.run.push({ records, options, resolve, reject })
      if (this.run.length === 1) queueMicrotask(() => this.drain())
    })
  }

  private drain(): void {
    const run = this.run.splice(0)
    // Answers arrive later than the write (an fsync), in write order: later runs may be written
    // before an earlier run's answers arrive, as with group commit.
    const answers: (() => void)[] = []
    const turns = randomInt(this.random, 0, 2)
    this.answered = this.answered.then(async () => {
      for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve))
      for (const answer of answers) answer()
    })
    const fault = this.fault()
    const staged = new Map([...this.producers].map(([id, e]) => [id, { lastSeq: e.lastSeq, batches: [...e.batches] }]))
    const written: { append: QueuedAppend; records: ModelRecord[] }[] = []
    let nextOffset = this.records.length
    for (const append of run) {
      const { producerId, baseSequence } = append.options as Required<ProducerAppendOptions>
      const count = append.records.length
      const lastSeq = incrementSequence(baseSequence, count - 1)
      const entry = staged.get(producerId)
      const duplicate = entry?.batches.find((b) => b.firstSeq === baseSequence && b.lastSeq === lastSeq)
      if (duplicate !== undefined) {
        answers.push(() => append.resolve({ baseOffset: duplicate.baseOffset, lastOffset: duplicate.lastOffset, duplicate: true }))
        continue
      }
      if (entry !== undefined && baseSequence !== incrementSequence(entry.lastSeq, 1)) {
        answers.push(() => append.reject(new SeglogError('OUT_OF_ORDER_SEQUENCE_NUMBER', `sequence ${baseSequence} after ${entry.lastSeq}`)))
        continue
      }
      const batch = { firstSeq: baseSequence, lastSeq, baseOffset: nextOffset, lastOffset: nextOffset + count - 1 }
      staged.set(producerId, { lastSeq, batches: [...(entry?.batches ?? []), batch].slice(-RETAINED_BATCHES) })
      written.push({
        append,
        records: append.records.map((r, i) => ({ value: String(r.value), producerId, sequence: incrementSequence(baseSequence, i) })),
      })
      nextOffset += count
    }
    if (fault === 'disk-full') {
      for (const { append } of written) answers.push(() => append.reject(new SeglogError('DISK_FULL', 'model: disk full')))
      return
    }
    for (const [id, entry] of staged) this.producers.set(id, entry)
    for (const { append, records } of written) {
      const baseOffset = this.records.length
      this.records.push(...records)
      if (fault === 'answers-lost') answers.push(() => append.reject(new SeglogError('DISK_FULL', 'model: written, answer lost')))
      else answers.push(() => append.resolve({ baseOffset, lastOffset: baseOffset + records.length - 1, duplicate: false }))
    }
  }
}

describe('idempotent sends against a model partition', () => {
  it('leave each record in its partition exactly once, in send order, with contiguous sequences, whatever runs fail', async () => {
    // Property: for random sends (sizes, partitions, timing), in-flight limits, linger, and runs that
    // fail with DISK_FULL or are written with their answers lost, every send resolves with the
    // offsets of its own records, each partition holds every record once in send order, and the
    // producer's sequences there are 0, 1, 2, … .
    for (let run = 0; run < RUNS; run++) {
      const random = seededRandom(SEED + run)
      const faultOf = (): RunFault => {
        const draw = random()
        return draw < 0.2 ? 'disk-full' : draw < 0.35 ? 'answers-lost' : 'none'
      }
      const partitions = [new ModelPartition(faultOf, random), new ModelPartition(faultOf, random)]
      const log: ProducerLog = {
        topicLimits: () => ({ partitionCount: partitions.length, batchBytesMax: 1 << 20 }),
        partition: (_topic, partition) => partitions[partition]!,
        allocateProducerId: async () => 77,
        now: () => 1_000,
      }
      const producer = new Producer(log, {
        maxInFlight: randomInt(random, 1, 5),
        lingerMs: random() < 0.5 ? 0 : 1,
        batchBytes: randomInt(random, 80, 400),
        retries: 1_000,
        retryBackoffMs: 0,
        retryBackoffMaxMs: 0,
      })
      const expected: string[][] = [[], []]
      const sends: Promise<{ values: string[]; partition: number; result: Awaited<ReturnType<Producer['send']>> }>[] = []
      for (let i = 0; i < 30; i++) {
        const partition = randomInt(random, 0, 1)
        const values = Array.from({ length: randomInt(random, 1, 4) }, (_, j) => `s${i}-${j}`)
        expected[partition]!.push(...values)
        sends.push(producer.send({ topic: 't', messages: values.map((value) => ({ value, partition })) }).then((result) => ({ values, partition, result })))
        if (random() < 0.5) await new Promise((resolve) => setImmediate(resolve))
      }
      const where = `run ${run} (SEED=${SEED + run})`
      for (const { values, partition, result } of await Promise.all(sends)) {
        expect(result, where).toHaveLength(1)
        const { baseOffset, lastOffset } = result[0]!
        expect(partitions[partition]!.records.slice(baseOffset, lastOffset + 1).map((r) => r.value), where).toEqual(values)
      }
      await producer.close()
      for (let p = 0; p < partitions.length; p++) {
        const records = partitions[p]!.records
        expect(records.map((r) => r.value), `${where} partition ${p}`).toEqual(expected[p])
        expect(records.map((r) => r.sequence), `${where} partition ${p}`).toEqual(records.map((_, i) => i))
        expect(new Set(records.map((r) => r.producerId)), where).toEqual(new Set([77]))
      }
    }
  })
})
