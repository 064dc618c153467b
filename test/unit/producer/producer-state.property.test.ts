/**
 * Property test of the producer state against a simple model: the model keeps every committed
 * batch of the log and derives each producer's state from that whole history (its epoch is its
 * last batch's, its retained batches the last five of its trailing run in that epoch), while the
 * real ProducerStateManager keeps five batches incrementally, stages, discards, snapshots, and
 * reloads from a snapshot plus a replay of the log after it. For random interleavings of those
 * operations by several producers (including retries, epoch bumps, fenced epochs, gaps, sequences
 * near the int32 wrap, plain batches, log truncation and restarts), every stage answers what the
 * model predicts and the committed state always equals the model's.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SeglogError } from '../../../src/errors.js'
import { incrementSequence } from '../../../src/format/sequence.js'
import { PRODUCER_BATCHES_RETAINED, type BatchMetadata } from '../../../src/producer/producer-entry.js'
import { ProducerStateManager } from '../../../src/producer/producer-state-manager.js'
import type { ProducerDataBatch } from '../../../src/producer/producer-validation.js'
import { simFsWithDirs } from '../../reliability/simfs/sim-fs.js'
import { INT32_MAX } from './producer-batches.js'

const DIR = '/log/t-0'
const PRODUCERS = 3
const clock = () => 1_700_000_000_000
const NEVER_EXPIRE_MS = Number.MAX_SAFE_INTEGER

type Op =
  | { op: 'stage'; producer: number; epochChoice: number; seqChoice: number; records: number }
  | { op: 'plain'; records: number }
  | { op: 'commit' }
  | { op: 'discard' }
  | { op: 'snapshot' }
  | { op: 'restart' }
  | { op: 'truncate'; keepFraction: number; restart: boolean }

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('stage' as const), producer: fc.nat(PRODUCERS - 1), epochChoice: fc.nat(9), seqChoice: fc.nat(9), records: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('plain' as const), records: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 3, arbitrary: fc.constant({ op: 'commit' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'discard' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'snapshot' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'restart' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), keepFraction: fc.double({ min: 0, max: 1, noNaN: true }), restart: fc.boolean() }) },
)

/** A batch of the model's log: a producer's, or a plain one (producerId -1). */
interface LoggedBatch {
  batch: ProducerDataBatch
}

/** The model's view of one producer, derived from its batches in log order. */
interface ModelProducer {
  epoch: number
  /** The last five batches of the trailing run of `epoch`. */
  retained: BatchMetadata[]
  lastTimestampMs: number
}

function metadataOf(b: ProducerDataBatch): BatchMetadata {
  return {
    firstSeq: b.baseSequence,
    lastSeq: incrementSequence(b.baseSequence, b.lastOffset - b.firstOffset),
    lastOffset: b.lastOffset,
    offsetDelta: b.lastOffset - b.firstOffset,
    timestampMs: b.maxTimestampMs,
  }
}

function deriveProducer(history: readonly ProducerDataBatch[], producerId: number): ModelProducer | null {
  const own = history.filter((b) => b.producerId === producerId)
  if (own.length === 0) return null
  const epoch = own[own.length - 1]!.producerEpoch
  let start = own.length
  while (start > 0 && own[start - 1]!.producerEpoch === epoch) start--
  return { epoch, retained: own.slice(start).slice(-PRODUCER_BATCHES_RETAINED).map(metadataOf), lastTimestampMs: own[own.length - 1]!.maxTimestampMs }
}

type Expected = { kind: 'append' } | { kind: 'duplicate'; baseOffset: number; lastOffset: number; pending: boolean } | { kind: 'error'; code: string }

/** Kafka's rules, read off the full history rather than an incremental entry. */
function expectedOutcome(history: readonly ProducerDataBatch[], committedEnd: number, batch: ProducerDataBatch): Expected {
  const producer = deriveProducer(history, batch.producerId)
  const { firstSeq, lastSeq } = metadataOf(batch)
  if (producer === null) return { kind: 'append' } // unknown producer: any sequence
  if (batch.producerEpoch === producer.epoch) {
    const original = producer.retained.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq)
    if (original) return { kind: 'duplicate', baseOffset: original.lastOffset - original.offsetDelta, lastOffset: original.lastOffset, pending: original.lastOffset >= committedEnd }
  }
  if (batch.producerEpoch < producer.epoch) return { kind: 'error', code: 'INVALID_PRODUCER_EPOCH' }
  if (batch.producerEpoch !== producer.epoch) return firstSeq === 0 ? { kind: 'append' } : { kind: 'error', code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }
  const last = producer.retained[producer.retained.length - 1]!.lastSeq
  return firstSeq === (last === INT32_MAX ? 0 : last + 1) ? { kind: 'append' } : { kind: 'error', code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }
}

class Harness {
  readonly fs = simFsWithDirs([DIR], { clock })
  state = new ProducerStateManager()
  /** Committed batches in offset order (plain ones have producerId -1). */
  log: LoggedBatch[] = []
  staged: ProducerDataBatch[] = []
  clockMs = 0

  get committedEnd(): number {
    return this.log.length === 0 ? 0 : this.log[this.log.length - 1]!.batch.lastOffset + 1
  }

  get nextOffset(): number {
    return this.staged.length === 0 ? this.committedEnd : this.staged[this.staged.length - 1]!.lastOffset + 1
  }

  producerHistory(includeStaged: boolean): ProducerDataBatch[] {
    const committed = this.log.map((l) => l.batch).filter((b) => b.producerId >= 0)
    return includeStaged ? committed.concat(this.staged) : committed
  }

  /** A batch for `producer` chosen to hit every rule: next in sequence, a retry, a gap, a bump, a fenced epoch. */
  makeBatch(op: Extract<Op, { op: 'stage' }>): ProducerDataBatch {
    const history = this.producerHistory(true)
    const model = deriveProducer(history, op.producer)
    const currentEpoch = model?.epoch ?? 0
    const epoch = op.epochChoice < 7 ? currentEpoch : op.epochChoice < 9 ? currentEpoch + 1 : Math.max(0, currentEpoch - 1)
    let baseSequence: number
    let records = op.records
    if (model === null) baseSequence = op.seqChoice < 5 ? 0 : INT32_MAX - 1 // unknown: start near the wrap sometimes
    else if (epoch !== model.epoch) baseSequence = op.seqChoice < 8 ? 0 : 3
    else if (op.seqChoice < 6) baseSequence = incrementSequence(model.retained[model.retained.length - 1]!.lastSeq, 1)
    else if (op.seqChoice < 9) {
      // A retry of a retained batch (or of one just older than the window, when the choice lands there).
      const own = history.filter((b) => b.producerId === op.producer && b.producerEpoch === model.epoch)
      const pick = own[Math.max(0, own.length - 1 - ((op.seqChoice + op.records) % (PRODUCER_BATCHES_RETAINED + 2)))]!
      baseSequence = pick.baseSequence
      records = pick.lastOffset - pick.firstOffset + 1
    } else baseSequence = incrementSequence(model.retained[model.retained.length - 1]!.lastSeq, 2) // a gap
    const firstOffset = this.nextOffset
    return { kind: 'data', producerId: op.producer, producerEpoch: epoch, baseSequence, firstOffset, lastOffset: firstOffset + records - 1, maxTimestampMs: ++this.clockMs, transactional: false }
  }

  stage(op: Extract<Op, { op: 'stage' }>): void {
    const batch = this.makeBatch(op)
    const expected = expectedOutcome(this.producerHistory(true), this.committedEnd, batch)
    let actual: Expected
    try {
      const result = this.state.stage(batch)
      actual = result.kind === 'append' ? { kind: 'append' } : result
    } catch (err) {
      if (!(err instanceof SeglogError)) throw err
      actual = { kind: 'error', code: err.code }
    }
    expect(actual, JSON.stringify(batch)).toEqual(expected)
    if (actual.kind === 'append') this.staged.push(batch)
  }

  plain(records: number): void {
    // Plain batches are written outside a producer run: the run in progress is written first.
    this.commit()
    const firstOffset = this.committedEnd
    this.log.push({ batch: { kind: 'data', producerId: -1, producerEpoch: -1, baseSequence: -1, firstOffset, lastOffset: firstOffset + records - 1, maxTimestampMs: ++this.clockMs, transactional: false } })
    this.state.updateMapEndOffset(firstOffset + records)
  }

  commit(): void {
    this.state.commitStaged()
    for (const batch of this.staged) this.log.push({ batch })
    this.staged = []
  }

  discard(): void {
    this.state.discardStaged()
    this.staged = []
  }

  async snapshot(): Promise<void> {
    this.discard()
    await this.state.takeSnapshot(this.fs, DIR)
  }

  /** Open after a restart or a truncation: newest snapshot at or below the log end, then replay. */
  async reload(fresh: boolean): Promise<void> {
    this.discard()
    if (fresh) this.state = new ProducerStateManager()
    const logEndOffset = this.committedEnd
    const result = await this.state.truncateAndReload(this.fs, DIR, { logStartOffset: 0, logEndOffset, nowMs: this.clockMs, producerIdExpirationMs: NEVER_EXPIRE_MS })
    expect(result.corruptSnapshots).toEqual([])
    for (const { batch } of this.log) {
      if (batch.lastOffset < result.replayFromOffset) continue
      if (batch.producerId < 0) this.state.updateMapEndOffset(batch.lastOffset + 1)
      else this.state.replayBatch(batch)
    }
  }

  async truncate(keepFraction: number, fresh: boolean): Promise<void> {
    this.discard()
    this.log = this.log.slice(0, Math.floor(this.log.length * keepFraction))
    await this.reload(fresh)
  }

  check(): void {
    const history = this.producerHistory(false)
    expect(this.state.mapEndOffset).toBe(this.committedEnd)
    expect(this.state.stagedCount).toBe(this.staged.length)
    const ids = [...this.state.entries()].map((e) => e.producerId).sort()
    const modelIds = [...new Set(history.map((b) => b.producerId))].sort()
    expect(ids).toEqual(modelIds)
    for (const id of modelIds) {
      const model = deriveProducer(history, id)!
      const entry = this.state.entry(id)!
      expect({ epoch: entry.producerEpoch, retained: entry.batches, lastTimestampMs: entry.lastTimestampMs }, `producer ${id}`).toEqual(model)
    }
  }
}

describe('producer state against a model (fast-check)', () => {
  it('answers every stage as the model predicts and keeps the model\'s state through commits, discards, snapshots, truncations and restarts', async () => {
    // Property: for any interleaving, stage results and the committed state equal those derived from the full log history.
    await fc.assert(
      fc.asyncProperty(fc.array(opArbitrary, { minLength: 30, maxLength: 120 }), async (ops) => {
        const h = new Harness()
        for (const op of ops) {
          switch (op.op) {
            case 'stage':
              h.stage(op)
              break
            case 'plain':
              h.plain(op.records)
              break
            case 'commit':
              h.commit()
              break
            case 'discard':
              h.discard()
              break
            case 'snapshot':
              await h.snapshot()
              break
            case 'restart':
              await h.reload(true)
              break
            case 'truncate':
              await h.truncate(op.keepFraction, op.restart)
              break
          }
          h.check()
        }
      }),
      { numRuns: 150 },
    )
  })
})
