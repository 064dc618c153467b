/**
 * One partition of a topic: the handle `log.partition(topic, n)` returns (api.md "Appending",
 * "Reading"). It wires together the parts of the flow, each in its own file:
 *
 *   append ─► partition-options.ts (validate) ─► append-queue.ts (encode, queue, drain)
 *          ─► batch-writer.ts (offsets, roll, writev) ─► flush-policy.ts (group commit, acks,
 *             'os' mode flushes) ─► high-watermark.ts (HW, long-poll wake-ups)
 *   read / stream / offsetForTimestamp / sendTo ─► partition-reads.ts ─► reader.ts, send-to.ts
 *   deleteRecords / retention ─► retention.ts
 *   files (segments, roll, recovery, producer snapshots) ─► partition-log.ts, producer-recovery.ts
 *   idempotent appends ─► batch-writer.ts stages them in the log's ProducerStateManager
 *
 * One serial queue (serial-queue.ts) orders the drains of the append queue, retention and
 * deletion: each sees the segment list the previous one left.
 *
 * Fail-stop: any fsync error, and any write error other than a full disk, fails the whole log
 * (`LogContext.fail`): pending and later appends reject with STORAGE_ERROR, reads keep working,
 * nothing is retried.
 *
 * Invariant: logStartOffset ≤ HW ≤ LEO; none moves backwards while the log is open.
 */
import type { Socket } from 'node:net'
import { assertSafeNonNegativeInteger, SeglogError } from '../errors.js'
import type { RecordInput } from '../format/batch.js'
import type { TopicConfig } from '../options.js'
import { SerialQueue } from '../serial-queue.js'
import { AppendQueue, encodeAppend, type AppendResult } from './append-queue.js'
import { BatchWriter } from './batch-writer.js'
import { FlushPolicy } from './flush-policy.js'
import { HighWatermark } from './high-watermark.js'
import type { LogContext } from './log-context.js'
import { logClosedError, unknownPartitionError } from './partition-errors.js'
import type { PartitionLog } from './partition-log.js'
import { validateAppendOptions, type AppendOptions, type ReadOptions, type SendToOptions, type StreamOptions } from './partition-options.js'
import { PartitionReads, type ReadResult } from './partition-reads.js'
import type { LogRecord } from './reader.js'
import { deleteSegmentsBelowLogStart, runRetentionPass } from './retention.js'

export type { LogContext } from './log-context.js'
export type { AppendResult } from './append-queue.js'
export type { Acks, AppendOptions, Isolation, ReadOptions, StreamOptions, SendToOptions } from './partition-options.js'
export type { ReadResult } from './partition-reads.js'
export { retentionTimestamp } from './retention.js'

export class Partition {
  private readonly hw: HighWatermark
  private readonly flushPolicy: FlushPolicy
  private readonly appendQueue: AppendQueue
  private readonly reads: PartitionReads
  /** Drains of the append queue, retention and removal, one at a time. */
  private readonly exclusive = new SerialQueue()
  private isRemoved = false

  constructor(
    readonly topic: string,
    readonly partition: number,
    private config: Readonly<TopicConfig>,
    /** @internal The partition's files (segments, roll, recovery): the Log's and the tests', not the API's. */
    readonly log: PartitionLog,
    private readonly ctx: LogContext,
  ) {
    const currentConfig = (): Readonly<TopicConfig> => this.config
    log.producerIdExpirationMs = ctx.producerIdExpirationMs
    this.hw = new HighWatermark(log)
    this.flushPolicy = new FlushPolicy(topic, partition, log, ctx, this.hw, currentConfig)
    const writer = new BatchWriter(this, log, ctx, this.flushPolicy, currentConfig)
    this.appendQueue = new AppendQueue(
      (task) => this.runExclusive(task),
      (taken) => writer.write(taken),
    )
    this.reads = new PartitionReads(this, log, ctx, this.hw, () => this.lastStableOffset)
  }

  // --- offsets ---------------------------------------------------------------------------------

  get logStartOffset(): number {
    return this.log.logStartOffset
  }

  get logEndOffset(): number {
    return this.log.logEndOffset
  }

  get highWatermark(): number {
    return this.hw.offset
  }

  /** No transactions yet: the LSO is the HW. */
  get lastStableOffset(): number {
    return this.hw.offset
  }

  /** @internal The config in effect (users read it with `log.describeTopic`). */
  get topicConfig(): Readonly<TopicConfig> {
    return this.config
  }

  /** @internal `log.alterTopicConfig` applies a new config through this. */
  updateConfig(config: Readonly<TopicConfig>): void {
    this.config = config
    this.log.updateConfig(config)
    this.flushPolicy.configChanged()
  }

  // --- appending -------------------------------------------------------------------------------

  /** Appends `records` as one batch (atomic, contiguous offsets). Refused calls write nothing. */
  append(records: readonly RecordInput[], options?: AppendOptions): Promise<AppendResult> {
    try {
      if (this.ctx.closed()) throw logClosedError()
      if (this.isRemoved) throw unknownPartitionError(this.topic, this.partition)
      const failure = this.ctx.failure()
      if (failure) throw failure
      const valid = validateAppendOptions(options)
      return this.appendQueue.push(encodeAppend(records, valid, this.config, this.ctx.now(), this))
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** fsyncs everything appended so far, whatever the durability mode (api.md `flush()`). */
  async flush(): Promise<void> {
    if (this.ctx.closed()) throw logClosedError()
    const failure = this.ctx.failure()
    if (failure) throw failure
    // Appends queued in this tick are written first, so the flush covers them.
    await this.runExclusive(async () => {})
    await this.flushPolicy.flushNow()
  }

  /** @internal Fail-stop: every queued and waiting append rejects, later ones are refused. */
  failWrites(err: Error): void {
    this.flushPolicy.fail(err)
    this.appendQueue.failAll(err)
  }

  // --- reading ---------------------------------------------------------------------------------

  read(options: ReadOptions): Promise<ReadResult> {
    return this.reads.read(options)
  }

  /** Records as an async iterator (api.md `stream`); see record-stream.ts. */
  stream(options: StreamOptions = {}): AsyncGenerator<LogRecord, void, undefined> {
    return this.reads.stream(options)
  }

  /** First offset with timestamp ≥ `timestampMs` below the HW, or null. */
  offsetForTimestamp(timestampMs: number): Promise<number | null> {
    return this.reads.offsetForTimestamp(timestampMs)
  }

  /**
   * Writes the raw batches from `offset` (whole batches of one segment, up to `maxBytes`, at least
   * one, below the HW) to a socket or fd with sendfile(2); see send-to.ts.
   */
  sendTo(target: Socket | number, options: SendToOptions): Promise<{ bytes: number; nextOffset: number }> {
    return this.reads.sendTo(target, options)
  }

  // --- retention -------------------------------------------------------------------------------

  /** Advances logStartOffset to `beforeOffset` (≤ HW), durably, then deletes whole segments below it. */
  async deleteRecords(beforeOffset: number): Promise<void> {
    assertSafeNonNegativeInteger('beforeOffset', beforeOffset)
    if (this.ctx.closed()) throw logClosedError()
    if (beforeOffset > this.hw.offset) {
      throw new SeglogError('OFFSET_OUT_OF_RANGE', `deleteRecords(${beforeOffset}) is past the high watermark ${this.hw.offset} of ${this.topic}-${this.partition}`, {
        offset: beforeOffset,
        topic: this.topic,
        partition: this.partition,
      })
    }
    await this.runExclusive(async () => {
      // Fail-stop covers deletions too: a log start that a failed checkpoint left in memory only
      // must never let files go (found by the H4 soak, SEED=20261122 SEGLOG_ITERS=7041).
      const failure = this.ctx.failure()
      if (failure) throw failure
      if (beforeOffset <= this.log.logStartOffset) return
      try {
        await this.log.snapshotBeforeLogStartMoves(beforeOffset, this.ctx.now())
        this.log.logStartOffset = beforeOffset
        await this.ctx.persistLogStartOffset(this)
        this.ctx.metrics.segmentsDeleted += await deleteSegmentsBelowLogStart(this.log, this.ctx.now())
        await this.log.dropProducerSnapshotsBelowLogStart()
      } catch (err) {
        throw this.ctx.ioError(err, `deleteRecords on ${this.topic}-${this.partition}`)
      }
    })
  }

  /** @internal Applies retention (retention.ts) after the tasks queued before it; `log.runRetention` calls it. Returns the segments deleted. */
  async applyRetention(): Promise<number> {
    if (this.ctx.closed()) return 0
    return this.runExclusive(async () => {
      const failure = this.ctx.failure()
      if (failure) throw failure // see deleteRecords: nothing is deleted after a failure
      let deleted: number
      try {
        deleted = await runRetentionPass(this.log, this.config, this.hw.offset, this.ctx.now(), () => this.ctx.persistLogStartOffset(this))
      } catch (err) {
        throw this.ctx.ioError(err, `Retention on ${this.topic}-${this.partition}`)
      }
      this.ctx.metrics.segmentsDeleted += deleted
      return deleted
    })
  }

  /** Runs `task` after every earlier exclusive task (appends drain, retention) has finished. */
  private runExclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.exclusive.run(() => {
      if (this.isRemoved) throw unknownPartitionError(this.topic, this.partition)
      return task()
    })
  }

  // --- lifecycle -------------------------------------------------------------------------------

  /**
   * @internal Waits for queued appends to be written, flushes, then snapshots the producer state at
   * the log end (close; snapshots only durable offsets). Returns false when the snapshot failed:
   * the log then writes no clean-shutdown marker, so the next open rebuilds the state from the log.
   */
  async quiesce(): Promise<boolean> {
    await this.runExclusive(async () => {})
    if (this.ctx.failure()) return true
    if (this.log.logEndOffset > this.flushPolicy.durableEnd) await this.flushPolicy.flushNow()
    return this.runExclusive(() => this.log.snapshotProducerState(this.ctx.now()))
  }

  /** @internal The producer-id expiration task (log.ts): forgets idle producers between drains. Returns how many. */
  expireProducers(): Promise<number> {
    if (this.ctx.closed()) return Promise.resolve(0)
    return this.runExclusive(async () => this.log.expireProducers(this.ctx.now()))
  }

  /** @internal True once deleteTopic removed this partition: every later call is UNKNOWN_TOPIC_OR_PARTITION. */
  get removed(): boolean {
    return this.isRemoved
  }

  /**
   * @internal deleteTopic: after every exclusive task already queued (a retention pass in flight finishes on
   * intact files first), close the partition and delete its files and directory.
   */
  async removeFiles(): Promise<void> {
    await this.runExclusive(async () => {
      this.isRemoved = true
      this.close()
      this.log.deleteAll()
    })
  }

  /** @internal Closes files (`log.close`); pending long-polls reject with LOG_CLOSED, queued appends too. */
  close(): void {
    this.flushPolicy.stop()
    this.hw.waiters.close(logClosedError())
    this.failWrites(logClosedError())
    this.log.close()
  }
}
