/**
 * The H6 model-based test's commands (`fc.commands`): each runs one public API call on the engine
 * and the same operation on the model (log-model.ts), compares the call's own result or error
 * code, then compares the whole engine with the whole model (engine-view.ts).
 *
 * Commands pick their topic, partition and offsets with numbers resolved against the model when
 * they run (`pick % count`, `fraction × (LEO + 2)`), so a generated sequence stays meaningful
 * while fast-check shrinks it; offsets past the HW and below the log start are generated on
 * purpose (the error cases). The list is data: idempotent appends (ProducerAppend) sit next to the
 * others; transaction and consumer-offset commands will too.
 */
import fc from 'fast-check'
import { expect } from 'vitest'
import { Log, type Acks, type LogOptions, type RecordInput, type TopicConfig } from '../../../src/index.js'
import { ManualClock } from '../../helpers/test-log.js'
import { CLOCK_BASE_MS, CLOCK_SPREAD_MS, TIMESTAMP_SPREAD_MS, TOPIC_NAMES, partitionCountArb, recordsArb, topicConfigArb } from './arbitraries.js'
import { expectEngineEqualsModel } from './engine-view.js'
import type { LogModel, ModelOutcome } from './log-model.js'
import { comparableRecord } from './stored-record.js'

export interface RealLog {
  log: Log
  dir: string
  clock: ManualClock
  options: LogOptions
}

type Command = fc.AsyncCommand<LogModel, RealLog>

/** Asserts the engine call settled as the model says: the same value, or the same error code. */
async function expectOutcome<T>(actual: Promise<T>, expected: ModelOutcome<unknown>, what: string): Promise<T | undefined> {
  if ('error' in expected) {
    await expect(actual, what).rejects.toMatchObject({ code: expected.error })
    return undefined
  }
  const value = await actual
  if (expected.ok !== undefined) expect(value, what).toEqual(expected.ok)
  return value
}

interface Target {
  topic: string
  partition: number
}

function target(model: LogModel, topicPick: number, partitionPick: number): Target {
  const names = model.topicNames()
  const topic = names[topicPick % names.length]!
  return { topic, partition: partitionPick % model.topic(topic).partitions.length }
}

function offsetFor(model: LogModel, t: Target, fraction: number): number {
  return Math.floor(fraction * (model.topic(t.topic).partitions[t.partition]!.logEndOffset + 2))
}

abstract class TopicCommand implements Command {
  constructor(
    readonly topicPick: number,
    readonly partitionPick: number,
  ) {}

  check(model: Readonly<LogModel>): boolean {
    return model.topics.size > 0
  }

  async run(model: LogModel, real: RealLog): Promise<void> {
    await this.apply(model, real, target(model, this.topicPick, this.partitionPick))
    await expectEngineEqualsModel(real.log, model)
  }

  protected abstract apply(model: LogModel, real: RealLog, t: Target): Promise<void>
  abstract toString(): string
}

class CreateTopic implements Command {
  constructor(
    readonly name: string,
    readonly partitions: number,
    readonly config: Partial<TopicConfig>,
  ) {}

  check(): boolean {
    return true
  }

  async run(model: LogModel, real: RealLog): Promise<void> {
    const expected = model.createTopic(this.name, this.partitions, this.config)
    await expectOutcome(real.log.createTopic(this.name, { partitions: this.partitions, ...this.config }), expected, this.toString())
    await expectEngineEqualsModel(real.log, model)
  }

  toString(): string {
    return `createTopic(${JSON.stringify(this.name)}, ${fc.stringify({ partitions: this.partitions, ...this.config })})`
  }
}

class Append extends TopicCommand {
  constructor(
    topicPick: number,
    partitionPick: number,
    readonly records: RecordInput[],
    /** undefined = the default ('all'). With 1 or 0 the append resolves before the HW passes it: a flush follows. */
    readonly acks: Acks | undefined,
  ) {
    super(topicPick, partitionPick)
  }

  protected async apply(model: LogModel, real: RealLog, t: Target): Promise<void> {
    const expected = mapOk(model.append(t.topic, t.partition, this.records, real.clock.nowMs), (ok) =>
      // acks 0 resolves when queued, with offsets unknown (-1), as Kafka's producer reports them.
      this.acks === 0 ? { baseOffset: -1, lastOffset: -1, logAppendTime: -1, duplicate: false } : { ...ok, duplicate: false },
    )
    const partition = real.log.partition(t.topic, t.partition)
    await expectOutcome(this.acks === undefined ? partition.append(this.records) : partition.append(this.records, { acks: this.acks }), expected, this.toString())
    if (this.acks !== undefined && this.acks !== 'all') await partition.flush()
  }

  toString(): string {
    return `append(${this.topicPick}, ${this.partitionPick}, ${fc.stringify(this.records)}${this.acks === undefined ? '' : `, { acks: ${JSON.stringify(this.acks)} }`})`
  }
}

/** How an idempotent append picks its sequence and epoch from the model's producer state. */
type SequenceChoice = 'next' | { retry: number } | 'gap' | 'olderEpoch' | 'newerEpoch'

/**
 * An idempotent append (issue 10): one of three producers, its sequence chosen against the model
 * when it runs — the next one, a retry of its k-th newest batch (k ≥ 5 is out of the window), a
 * gap, an older or a bumped epoch — so retries, refusals and epoch bumps all happen while
 * fast-check shrinks.
 */
class ProducerAppend extends TopicCommand {
  constructor(
    topicPick: number,
    partitionPick: number,
    readonly producerPick: number,
    readonly choice: SequenceChoice,
    readonly records: RecordInput[],
    readonly acks: Acks,
  ) {
    super(topicPick, partitionPick)
  }

  protected async apply(model: LogModel, real: RealLog, t: Target): Promise<void> {
    const producerId = 100 + this.producerPick
    const { epoch, next, batches } = model.nextSequence(t.topic, t.partition, producerId)
    const choice = this.choice
    let records = this.records
    let fields = { producerId, producerEpoch: epoch, baseSequence: next }
    if (typeof choice === 'object' && batches.length > 0) {
      // A retry resends the original's record count (a client resends the same batch).
      const original = batches[Math.max(0, batches.length - 1 - choice.retry)]!
      const count = original.lastSeq - original.firstSeq + 1
      records = Array.from({ length: count }, (_, i) => records[i % records.length]!)
      fields = { ...fields, baseSequence: choice.retry >= batches.length && batches.length === 5 ? Math.max(0, original.firstSeq - 1) : original.firstSeq }
    } else if (choice === 'gap') fields = { ...fields, baseSequence: next + 2 }
    else if (choice === 'olderEpoch') fields = { ...fields, producerEpoch: Math.max(0, epoch - 1) }
    else if (choice === 'newerEpoch') fields = { ...fields, producerEpoch: epoch + 1, baseSequence: 0 }
    const modelled = model.producerAppend(t.topic, t.partition, records, real.clock.nowMs, fields)
    // acks 0 resolves when queued, with offsets unknown; only a refusal at the call (too large) rejects.
    const expected: ModelOutcome<unknown> =
      this.acks === 0 && !('error' in modelled && modelled.error === 'RECORD_TOO_LARGE') ? { ok: { baseOffset: -1, lastOffset: -1, logAppendTime: -1, duplicate: false } } : modelled
    const partition = real.log.partition(t.topic, t.partition)
    await expectOutcome(partition.append(records, { ...fields, acks: this.acks }), expected, `${this.toString()} as ${JSON.stringify(fields)}`)
    if (this.acks !== 'all') await partition.flush()
  }

  toString(): string {
    return `producerAppend(${this.topicPick}, ${this.partitionPick}, producer ${this.producerPick}, ${JSON.stringify(this.choice)}, ${fc.stringify(this.records)}, { acks: ${JSON.stringify(this.acks)} })`
  }
}

class Stream extends TopicCommand {
  constructor(
    topicPick: number,
    partitionPick: number,
    /** 'earliest' | 'latest', an offset fraction (× (LEO + 2)), or a timestamp. */
    readonly from: 'earliest' | 'latest' | { fraction: number } | { timestamp: number },
  ) {
    super(topicPick, partitionPick)
  }

  protected async apply(model: LogModel, real: RealLog, t: Target): Promise<void> {
    const info = model.describe(t.topic)[t.partition]!
    let from: number | 'earliest' | 'latest' | { timestamp: number }
    let start: number
    if (this.from === 'earliest' || this.from === 'latest') {
      from = this.from
      start = this.from === 'earliest' ? info.logStartOffset : info.highWatermark
    } else if ('fraction' in this.from) {
      from = start = offsetFor(model, t, this.from.fraction)
    } else {
      from = { timestamp: this.from.timestamp }
      start = model.offsetForTimestamp(t.topic, t.partition, this.from.timestamp) ?? info.highWatermark
    }
    const records = async () => {
      const out = []
      for await (const record of real.log.partition(t.topic, t.partition).stream({ from })) out.push(comparableRecord(record.offset, record))
      return out
    }
    const expected: ModelOutcome<unknown> =
      start < info.logStartOffset || start > info.highWatermark ? { error: 'OFFSET_OUT_OF_RANGE' } : { ok: model.readable(t.topic, t.partition).filter((r) => r.offset >= start) }
    await expectOutcome(records(), expected, `${this.toString()} from ${JSON.stringify(from)}`)
  }

  toString(): string {
    return `stream(${this.topicPick}, ${this.partitionPick}, ${JSON.stringify(this.from)})`
  }
}

class Read extends TopicCommand {
  constructor(
    topicPick: number,
    partitionPick: number,
    readonly offsetFraction: number,
    readonly maxBytes: number | undefined,
    readonly maxRecords: number | undefined,
  ) {
    super(topicPick, partitionPick)
  }

  protected async apply(model: LogModel, real: RealLog, t: Target): Promise<void> {
    const options: { offset: number; maxBytes?: number; maxRecords?: number } = { offset: offsetFor(model, t, this.offsetFraction) }
    if (this.maxBytes !== undefined) options.maxBytes = this.maxBytes
    if (this.maxRecords !== undefined) options.maxRecords = this.maxRecords
    const expected = model.read(t.topic, t.partition, options)
    const actual = real.log
      .partition(t.topic, t.partition)
      .read(options)
      .then((r) => ({ ...r, records: r.records.map((record) => comparableRecord(record.offset, record)) }))
    await expectOutcome(actual, expected, `${this.toString()} at offset ${options.offset} of ${t.topic}-${t.partition}`)
  }

  toString(): string {
    return `read(${this.topicPick}, ${this.partitionPick}, offset × ${this.offsetFraction}, maxBytes ${this.maxBytes}, maxRecords ${this.maxRecords})`
  }
}

class OffsetForTimestamp extends TopicCommand {
  constructor(
    topicPick: number,
    partitionPick: number,
    readonly timestampMs: number,
  ) {
    super(topicPick, partitionPick)
  }

  protected async apply(model: LogModel, real: RealLog, t: Target): Promise<void> {
    const expected = model.offsetForTimestamp(t.topic, t.partition, this.timestampMs)
    expect(await real.log.partition(t.topic, t.partition).offsetForTimestamp(this.timestampMs), this.toString()).toBe(expected)
  }

  toString(): string {
    return `offsetForTimestamp(${this.topicPick}, ${this.partitionPick}, ${this.timestampMs})`
  }
}

class DeleteRecords extends TopicCommand {
  constructor(
    topicPick: number,
    partitionPick: number,
    readonly offsetFraction: number,
  ) {
    super(topicPick, partitionPick)
  }

  protected async apply(model: LogModel, real: RealLog, t: Target): Promise<void> {
    const beforeOffset = offsetFor(model, t, this.offsetFraction)
    const expected = model.deleteRecords(t.topic, t.partition, beforeOffset)
    await expectOutcome(real.log.partition(t.topic, t.partition).deleteRecords(beforeOffset), expected, `${this.toString()}: deleteRecords(${beforeOffset})`)
  }

  toString(): string {
    return `deleteRecords(${this.topicPick}, ${this.partitionPick}, offset × ${this.offsetFraction})`
  }
}

class CreatePartitions extends TopicCommand {
  constructor(
    topicPick: number,
    readonly extra: number,
  ) {
    super(topicPick, 0)
  }

  protected async apply(model: LogModel, real: RealLog, t: Target): Promise<void> {
    const count = model.topic(t.topic).partitions.length + this.extra
    model.createPartitions(t.topic, count)
    await real.log.createPartitions(t.topic, count)
  }

  toString(): string {
    return `createPartitions(${this.topicPick}, +${this.extra})`
  }
}

class AlterRetentionBytes extends TopicCommand {
  constructor(
    topicPick: number,
    readonly retentionBytes: number,
  ) {
    super(topicPick, 0)
  }

  protected async apply(model: LogModel, real: RealLog, t: Target): Promise<void> {
    model.alterTopicConfig(t.topic, { retentionBytes: this.retentionBytes })
    await real.log.alterTopicConfig(t.topic, { retentionBytes: this.retentionBytes })
  }

  toString(): string {
    return `alterTopicConfig(${this.topicPick}, { retentionBytes: ${this.retentionBytes} })`
  }
}

class LogWide implements Command {
  constructor(readonly op: 'runRetention' | 'flush' | 'partitionFlush' | 'reopen') {}

  check(model: Readonly<LogModel>): boolean {
    return this.op !== 'partitionFlush' || model.topics.size > 0
  }

  async run(model: LogModel, real: RealLog): Promise<void> {
    switch (this.op) {
      case 'runRetention':
            model.runRetention()
        await real.log.runRetention()
        break
      case 'flush':
        await real.log.flush()
        break
      case 'partitionFlush': {
        const t = target(model, 0, 0)
        await real.log.partition(t.topic, t.partition).flush()
        break
      }
      case 'reopen':
        await real.log.close()
        real.log = await Log.open(real.dir, real.options)
        expect(real.log.recovery.cleanShutdown, 'a reopen after close() is a clean start').toBe(true)
        break
    }
    await expectEngineEqualsModel(real.log, model)
  }

  toString(): string {
    return this.op
  }
}

class AdvanceClock implements Command {
  constructor(readonly deltaMs: number) {}

  check(): boolean {
    return true
  }

  async run(_model: LogModel, real: RealLog): Promise<void> {
    const next = real.clock.nowMs + this.deltaMs
    // Kept within the spread the model's no-time-roll bound assumes (arbitraries.ts).
    real.clock.nowMs = Math.min(CLOCK_BASE_MS + CLOCK_SPREAD_MS, Math.max(CLOCK_BASE_MS - CLOCK_SPREAD_MS, next))
  }

  toString(): string {
    return `clock ${this.deltaMs >= 0 ? '+' : ''}${this.deltaMs} ms`
  }
}

function mapOk<T, U>(outcome: ModelOutcome<T>, f: (ok: T) => U): ModelOutcome<U> {
  return 'ok' in outcome ? { ok: f(outcome.ok) } : outcome
}

const pick = fc.nat({ max: 11 })
/** fc.commands picks uniformly among its arbitraries: appends get this many entries, so logs grow, roll and hit retention. */
const APPEND_WEIGHT = 10
const fraction = fc.double({ min: 0, max: 1, noNaN: true })
/** Idempotent appends get this many entries: retries and refusals are frequent enough to matter. */
const PRODUCER_APPEND_WEIGHT = 4

/** Every command, as fast-check arbitraries (weights favour appends so logs grow and roll). */
export const commandArbs: fc.Arbitrary<Command>[] = [
  fc.tuple(fc.constantFrom(...TOPIC_NAMES), partitionCountArb, topicConfigArb).map(([n, p, c]) => new CreateTopic(n, p, c)),
  ...Array.from({ length: APPEND_WEIGHT }, () =>
    fc.tuple(pick, pick, recordsArb, fc.constantFrom(undefined, undefined, undefined, 'all' as const, 1 as const, 0 as const)).map(([t, p, r, a]) => new Append(t, p, r, a)),
  ),
  ...Array.from({ length: PRODUCER_APPEND_WEIGHT }, () =>
    fc
      .tuple(
        pick,
        pick,
        fc.nat({ max: 2 }),
        fc.oneof(
          { arbitrary: fc.constant('next' as const), weight: 6 },
          { arbitrary: fc.nat({ max: 6 }).map((k) => ({ retry: k })), weight: 3 },
          { arbitrary: fc.constantFrom('gap' as const, 'olderEpoch' as const, 'newerEpoch' as const), weight: 1 },
        ),
        recordsArb,
        fc.constantFrom('all' as const, 'all' as const, 1 as const, 0 as const),
      )
      .map(([t, p, producer, choice, r, a]) => new ProducerAppend(t, p, producer, choice, r, a)),
  ),
  fc
    .tuple(
      pick,
      pick,
      fc.oneof(
        fc.constantFrom('earliest' as const, 'latest' as const),
        fraction.map((f) => ({ fraction: f })),
        fc.integer({ min: -TIMESTAMP_SPREAD_MS, max: TIMESTAMP_SPREAD_MS }).map((d) => ({ timestamp: CLOCK_BASE_MS + d })),
      ),
    )
    .map(([t, p, from]) => new Stream(t, p, from)),
  fc
    .tuple(pick, pick, fraction, fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }), fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }))
    .map(([t, p, f, b, r]) => new Read(t, p, f, b, r)),
  fc
    .tuple(pick, pick, fc.oneof(fc.integer({ min: -TIMESTAMP_SPREAD_MS - 1000, max: TIMESTAMP_SPREAD_MS + 1000 }).map((d) => CLOCK_BASE_MS + d), fc.constantFrom(-1, 0, -5)))
    .map(([t, p, ts]) => new OffsetForTimestamp(t, p, ts)),
  fc.tuple(pick, pick, fraction).map(([t, p, f]) => new DeleteRecords(t, p, f)),
  fc.tuple(pick, pick, fraction).map(([t, p, f]) => new DeleteRecords(t, p, f)),
  fc.constant(new LogWide('runRetention')),
  fc.tuple(pick, fc.integer({ min: 1, max: 2 })).map(([t, e]) => new CreatePartitions(t, e)),
  fc.tuple(pick, fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 4096 }))).map(([t, b]) => new AlterRetentionBytes(t, b)),
  fc.constantFrom('runRetention' as const, 'flush' as const, 'partitionFlush' as const, 'reopen' as const).map((op) => new LogWide(op)),
  fc.integer({ min: -3_600_000, max: 3_600_000 }).map((d) => new AdvanceClock(d)),
]

/** The first topic of every run (so most commands have something to act on from the start). */
export const firstTopicArb = fc.tuple(fc.constantFrom(...TOPIC_NAMES), partitionCountArb, topicConfigArb)

/** Creates the first topic on both sides. */
export async function createFirstTopic(model: LogModel, real: RealLog, [name, partitions, config]: [string, number, Partial<TopicConfig>]): Promise<void> {
  model.createTopic(name, partitions, config)
  await real.log.createTopic(name, { partitions, ...config })
}
