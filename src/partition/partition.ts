/**
 * One partition of a topic: the handle `log.partition(topic, n)` returns (api.md "Appending",
 * "Reading"). It owns the append queue, the group commit, the high watermark and the long-poll
 * waiters; the files are PartitionLog's.
 *
 * Write path (design.md §3–4): `append` validates and encodes synchronously (a rejected call
 * writes nothing), then queues the batch. One drain at a time takes everything queued, patches
 * offsets into the encoded bytes, rolls first when a batch does not fit, and writes each run of
 * batches with one writev. A short write or ENOSPC rolls the file back and rejects exactly the
 * batches of that write with DISK_FULL (not fail-stop). Then:
 * - `durability: 'fsync'`: the HW is the end of the fsynced prefix. One fdatasync in flight per
 *   partition (GroupCommit); `acks: 'all'` resolves when the HW passes the batch.
 * - `durability: 'os'`: the HW is the written end; `flushMessages` / `flushMs` bound the window.
 * `acks: 1` resolves after the write, `acks: 0` when queued (offsets unknown: -1, as in Kafka).
 *
 * Fail-stop: any fsync error, and any write error other than a full disk, fails the whole log
 * (`LogContext.fail`): pending and later appends reject with STORAGE_ERROR, reads keep working,
 * nothing is retried.
 *
 * Invariant: logStartOffset ≤ HW ≤ LEO; none moves backwards while the log is open.
 */
import { invalidArgType, invalidArgValue, outOfRange, SeglogError, assertSafeNonNegativeInteger } from '../errors.js'
import {
  LAST_OFFSET_DELTA_POS,
  MAX_TIMESTAMP_POS,
  RECORDS_COUNT_POS,
  readInt64,
  setBaseOffset,
} from '../format/batch-header.js'
import { BatchArena } from '../format/batch-arena.js'
import { encodeRecordBatch, setLogAppendTime, type RecordInput } from '../format/batch.js'
import {
  APPEND_QUEUE_BATCHES_MAX,
  APPEND_WRITE_BUFFERS_MAX,
  APPEND_WRITE_BYTES_MAX,
  READ_MAX_BYTES_DEFAULT,
  STREAM_FETCH_BYTES,
} from '../limits.js'
import { failStopError } from '../io/io-errors.js'
import { observe, type LogMetrics } from '../metrics.js'
import type { TopicConfig } from '../options.js'
import type { NativeBinding } from '../native/binding.js'
import { appendChannel, flushChannel, rollChannel } from '../diagnostics.js'
import { GroupCommit } from './group-commit.js'
import { hasTestBug } from '../test-bugs.js'

/** Planted bug (test-bugs.ts): acks 'all' before the fdatasync. */
const ACK_BEFORE_DATASYNC = hasTestBug('ack-before-datasync')
import { HighWatermarkWaiters, abortError } from './hw-waiters.js'
import type { PartitionLog } from './partition-log.js'
import { collectRecords, type LogRecord, type ReadBound } from './reader.js'
import { RecordStream } from './record-stream.js'
import { sendSlice, sliceForSend } from './send-to.js'
import type { Socket } from 'node:net'

export type Acks = 0 | 1 | 'all'

export interface AppendOptions {
  acks?: Acks
  compression?: 'none'
}

export interface AppendResult {
  baseOffset: number
  lastOffset: number
  /** The broker time stamped on the batch with `messageTimestampType: 'LogAppendTime'`, else -1. */
  logAppendTime: number
  /** Always false until idempotent producers exist. */
  duplicate: boolean
}

export interface ReadOptions {
  offset: number
  maxBytes?: number
  maxRecords?: number
  isolation?: 'read_uncommitted' | 'read_committed'
  minBytes?: number
  maxWaitMs?: number
  signal?: AbortSignal
}

export interface ReadResult {
  records: LogRecord[]
  nextOffset: number
  highWatermark: number
  lastStableOffset: number
  logStartOffset: number
}

/** What a partition needs from its Log. */
export interface LogContext {
  /** A system error as the error to report (STORAGE_ERROR puts the log in the failed state). */
  ioError(err: unknown, what: string): unknown
  readonly metrics: LogMetrics
  /** The binding behind this log's FileSystem (sendfile). */
  readonly binding: NativeBinding
  now(): number
  /** The log-wide failure (fail-stop), or null. */
  failure(): Error | null
  /** Enters the failed state: every partition stops accepting writes. */
  fail(err: Error): void
  /** Whether the log is closed. */
  closed(): boolean
  /** Durably advances this partition's log start offset checkpoint. */
  persistLogStartOffset(partition: Partition): Promise<void>
  emitRoll(partition: Partition, baseOffset: number): void
}

interface PendingAppend {
  batch: Buffer
  recordsCount: number
  lastOffsetDelta: number
  maxTimestamp: number
  acks: Acks
  resolve: (result: AppendResult) => void
  reject: (err: Error) => void
  result: AppendResult | null
}

/**
 * Where appends encode their batches (batch-arena.ts): each batch is released right after its
 * write, so a producer's next batch reuses the same memory. One arena for every partition in the
 * process bounds the memory to one slab however many partitions there are.
 */
const batchArena = new BatchArena()
const allocateBatch = (sizeBytes: number): Buffer => batchArena.allocate(sizeBytes)
/** What a PendingAppend's `batch` becomes once released: nothing may use the memory after that. */
const RELEASED = Buffer.alloc(0)

const APPEND_OPTION_KEYS = new Set(['acks', 'compression', 'producerId', 'producerEpoch', 'baseSequence', 'transactional'])
const READ_OPTION_KEYS = new Set(['offset', 'maxBytes', 'maxRecords', 'isolation', 'minBytes', 'maxWaitMs', 'signal'])

function unknownPartition(partition: Partition): SeglogError {
  return new SeglogError('UNKNOWN_TOPIC_OR_PARTITION', `Partition ${partition.topic}-${partition.partition} was deleted with its topic`)
}

function closedError(): SeglogError {
  return new SeglogError('LOG_CLOSED', 'The log is closed')
}

export class Partition {
  private readonly groupCommit: GroupCommit
  private readonly waiters = new HighWatermarkWaiters()
  private queue: PendingAppend[] = []
  private draining = false
  private drainScheduled = false
  private roomWaiters: (() => void)[] = []
  private hw: number
  private hwPosition: ReadBound
  /** Written-but-not-durable batch ends: (end offset, segment base, position), oldest first. */
  private readonly pendingBounds: ReadBound[] = []
  private exclusive: Promise<void> = Promise.resolve()
  private isRemoved = false
  private flushTimer: NodeJS.Timeout | null = null
  /** ctx.now() when the last flush started ('os' mode's flushMs is measured from it). */
  private lastFlushStartMs: number

  constructor(
    readonly topic: string,
    readonly partition: number,
    private config: Readonly<TopicConfig>,
    readonly log: PartitionLog,
    private readonly ctx: LogContext,
  ) {
    const leo = log.logEndOffset
    this.hw = leo
    const active = log.activeSegment
    this.hwPosition = { offset: leo, segmentBaseOffset: active.baseOffset, position: active.sizeBytes }
    this.groupCommit = new GroupCommit(
      leo,
      () => this.flushWritten(),
      (durableEnd) => this.onDurable(durableEnd),
      {
        onFlushed: (durationMs, covered) => {
          observe(this.ctx.metrics.fsyncLatencyMs, durationMs)
          observe(this.ctx.metrics.groupCommitRecords, covered)
          if (flushChannel.hasSubscribers) {
            flushChannel.publish({ topic: this.topic, partition: this.partition, durationMs, durableEnd: this.groupCommit.durableEnd })
          }
        },
      },
    )
    this.lastFlushStartMs = this.ctx.now()
    this.armFlushTimer()
  }

  // --- offsets ---------------------------------------------------------------------------------

  get logStartOffset(): number {
    return this.log.logStartOffset
  }

  get logEndOffset(): number {
    return this.log.logEndOffset
  }

  get highWatermark(): number {
    return this.hw
  }

  /** No transactions yet: the LSO is the HW. */
  get lastStableOffset(): number {
    return this.hw
  }

  get topicConfig(): Readonly<TopicConfig> {
    return this.config
  }

  updateConfig(config: Readonly<TopicConfig>): void {
    this.config = config
    this.log.updateConfig(config)
    this.lastFlushStartMs = this.ctx.now()
    this.armFlushTimer()
  }

  // --- appending -------------------------------------------------------------------------------

  /** Appends `records` as one batch (atomic, contiguous offsets). See the file header. */
  append(records: readonly RecordInput[], options?: AppendOptions): Promise<AppendResult> {
    let pending: PendingAppend
    try {
      pending = this.prepareAppend(records, options)
    } catch (err) {
      return Promise.reject(err)
    }
    const promise = new Promise<AppendResult>((resolve, reject) => {
      pending.resolve = resolve
      pending.reject = reject
    })
    if (this.queue.length >= APPEND_QUEUE_BATCHES_MAX) {
      // Backpressure: wait for the drain to make room instead of queueing without bound.
      return new Promise<void>((resolve) => this.roomWaiters.push(resolve)).then(() => {
        this.enqueue(pending)
        return promise
      })
    }
    this.enqueue(pending)
    return promise
  }

  private prepareAppend(records: readonly RecordInput[], options: AppendOptions | undefined): PendingAppend {
    if (this.ctx.closed()) throw closedError()
    if (this.isRemoved) throw unknownPartition(this)
    const failure = this.ctx.failure()
    if (failure) throw failure
    let acks: Acks = 'all'
    if (options !== undefined) {
      if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
      for (const key of Object.keys(options)) {
        if (!APPEND_OPTION_KEYS.has(key)) throw invalidArgValue(`options.${key}`, (options as Record<string, unknown>)[key], 'is not an append option')
      }
      const o = options as Record<string, unknown>
      if (o.producerId !== undefined || o.producerEpoch !== undefined || o.baseSequence !== undefined || o.transactional !== undefined) {
        throw new SeglogError('UNSUPPORTED_FEATURE', 'Append options producerId, producerEpoch, baseSequence and transactional are not supported yet: idempotent and transactional appends are a later feature')
      }
      if (o.acks !== undefined) {
        if (o.acks !== 0 && o.acks !== 1 && o.acks !== 'all') throw invalidArgValue('options.acks', o.acks, "must be 0, 1 or 'all'")
        acks = o.acks
      }
    }
    const compression = options?.compression
    if (compression !== undefined && typeof compression !== 'string') throw invalidArgType('options.compression', 'of type string', compression)
    const logAppendTime = this.config.messageTimestampType === 'LogAppendTime'
    const batch = encodeRecordBatch(
      records,
      { timestamp: this.ctx.now(), compression: compression ?? 'none', timestampType: logAppendTime ? 'LogAppendTime' : 'CreateTime' },
      false,
      allocateBatch,
    )
    const limit = Math.min(this.config.maxMessageBytes, this.config.segmentBytes)
    if (batch.length > limit) {
      batchArena.release(batch)
      throw new SeglogError(
        'RECORD_TOO_LARGE',
        `Batch of ${batch.length} bytes for ${this.topic}-${this.partition} exceeds ${batch.length > this.config.maxMessageBytes ? `maxMessageBytes (${this.config.maxMessageBytes})` : `segmentBytes (${this.config.segmentBytes})`}`,
      )
    }
    return {
      batch,
      recordsCount: batch.readInt32BE(RECORDS_COUNT_POS),
      lastOffsetDelta: batch.readInt32BE(LAST_OFFSET_DELTA_POS),
      maxTimestamp: readInt64(batch, MAX_TIMESTAMP_POS),
      acks,
      resolve: () => {},
      reject: () => {},
      result: null,
    }
  }

  private enqueue(pending: PendingAppend): void {
    if (pending.acks === 0) {
      pending.resolve({ baseOffset: -1, lastOffset: -1, logAppendTime: -1, duplicate: false })
      pending.resolve = () => {}
      pending.reject = () => {}
    }
    this.queue.push(pending)
    if (!this.drainScheduled && !this.draining) {
      this.drainScheduled = true
      // A microtask: every append called in the same tick shares one write.
      queueMicrotask(() => {
        this.drainScheduled = false
        void this.drain()
      })
    }
  }

  /** Drains the queue; one drain at a time, serialised with retention (`runExclusive`). */
  private async drain(): Promise<void> {
    if (this.draining) return
    this.draining = true
    try {
      await this.runExclusive(async () => {
        while (this.queue.length > 0) {
          const taken = this.takeQueued()
          await this.writeBatches(taken)
        }
      })
    } finally {
      this.draining = false
    }
    if (this.queue.length > 0) void this.drain()
  }

  private takeQueued(): PendingAppend[] {
    let bytes = 0
    let count = 0
    const queue = this.queue
    while (count < queue.length && count < APPEND_WRITE_BUFFERS_MAX) {
      bytes += queue[count]!.batch.length
      count++
      if (bytes >= APPEND_WRITE_BYTES_MAX) break
    }
    const taken = queue.splice(0, count)
    if (this.roomWaiters.length > 0) {
      const room = APPEND_QUEUE_BATCHES_MAX - queue.length
      for (const wake of this.roomWaiters.splice(0, room)) wake()
    }
    return taken
  }

  private async writeBatches(pendings: PendingAppend[]): Promise<void> {
    const nowMs = this.ctx.now()
    const durable = this.config.durability === 'fsync'
    let run: PendingAppend[] = []
    let runBytes = 0
    let runMaxTimestamp = -1
    let nextOffset = this.log.logEndOffset
    for (let i = 0; i < pendings.length; i++) {
      const failure = this.ctx.failure()
      if (failure) {
        // Fail-stop while draining (the log can fail while a roll is awaited): nothing from here
        // on is written, the run gathered so far included.
        settleUnwritten(run, failure)
        settleUnwritten(pendings.slice(i), failure)
        return
      }
      const p = pendings[i]!
      if (run.length > 0 && this.log.activeSegment.sizeBytes + runBytes + p.batch.length > this.config.segmentBytes) {
        // The segment's size decides the roll, so what is pending goes to disk first.
        this.writeRun(run, runBytes)
        run = []
        runBytes = 0
        runMaxTimestamp = -1
        nextOffset = this.log.logEndOffset // a failed write (DISK_FULL) appended nothing
        i--
        continue
      }
      const lastOffset = nextOffset + p.lastOffsetDelta
      if (this.log.shouldRoll(runBytes + p.batch.length, Math.max(runMaxTimestamp, p.maxTimestamp), lastOffset, nowMs)) {
        if (run.length > 0) {
          this.writeRun(run, runBytes)
          run = []
          runBytes = 0
          runMaxTimestamp = -1
          nextOffset = this.log.logEndOffset
          if (this.ctx.failure()) {
            i--
            continue
          }
        }
        try {
          const segment = await this.log.roll(nowMs, durable)
          this.ctx.metrics.segmentsRolled++
          this.ctx.emitRoll(this, segment.baseOffset)
          if (rollChannel.hasSubscribers) rollChannel.publish({ topic: this.topic, partition: this.partition, baseOffset: segment.baseOffset })
        } catch (err) {
          this.ctx.fail(failStopError(err, `Rolling ${this.topic}-${this.partition}`))
          i--
          continue
        }
        // A failed write rolls back: offsets restart at what the log really holds.
        nextOffset = this.log.logEndOffset
      }
      const baseOffset = nextOffset
      setBaseOffset(p.batch, baseOffset)
      let logAppendTime = -1
      if (this.config.messageTimestampType === 'LogAppendTime') {
        setLogAppendTime(p.batch, nowMs)
        logAppendTime = nowMs
      }
      p.result = { baseOffset, lastOffset: baseOffset + p.lastOffsetDelta, logAppendTime, duplicate: false }
      run.push(p)
      runBytes += p.batch.length
      runMaxTimestamp = Math.max(runMaxTimestamp, logAppendTime >= 0 ? logAppendTime : p.maxTimestamp)
      nextOffset = p.result.lastOffset + 1
    }
    if (run.length > 0) this.writeRun(run, runBytes)
  }

  /** One writev of `run` into the active segment; settles the batches of a failed write. */
  private writeRun(run: PendingAppend[], runBytes: number): void {
    const failed = this.ctx.failure()
    if (failed) {
      // The log failed while this run was gathered (during a roll's await): fail-stop writes nothing.
      settleUnwritten(run, failed)
      return
    }
    let maxTimestamp = -1
    let offsetOfMaxTimestamp = run[0]!.result!.lastOffset
    const buffers: Buffer[] = new Array(run.length)
    for (let i = 0; i < run.length; i++) {
      const p = run[i]!
      buffers[i] = p.batch
      const ts = p.result!.logAppendTime >= 0 ? p.result!.logAppendTime : p.maxTimestamp
      if (ts > maxTimestamp) {
        maxTimestamp = ts
        offsetOfMaxTimestamp = p.result!.lastOffset
      }
    }
    const largestOffset = run[run.length - 1]!.result!.lastOffset
    try {
      this.log.append({ buffers, sizeBytes: runBytes, largestOffset, maxTimestamp, offsetOfMaxTimestamp })
    } catch (err) {
      if (err instanceof SeglogError && err.code === 'DISK_FULL') {
        this.ctx.metrics.diskFullErrors++
        settleUnwritten(run, err)
        return
      }
      const failure = failStopError(err, `Writing to ${this.topic}-${this.partition}`)
      this.ctx.fail(failure)
      settleUnwritten(run, failure)
      return
    } finally {
      // The write has returned (FileSystem writes are synchronous): the bytes are the file's now.
      for (let i = 0; i < run.length; i++) releaseBatch(run[i]!)
    }
    const metrics = this.ctx.metrics
    if (appendChannel.hasSubscribers) {
      appendChannel.publish({ topic: this.topic, partition: this.partition, baseOffset: run[0]!.result!.baseOffset, lastOffset: largestOffset, bytes: runBytes })
    }
    metrics.batchesAppended += run.length
    metrics.bytesAppended += runBytes
    const leo = largestOffset + 1
    const active = this.log.activeSegment
    this.pendingBounds.push({ offset: leo, segmentBaseOffset: active.baseOffset, position: active.sizeBytes })
    this.groupCommit.noteWritten(leo)
    const durable = this.config.durability === 'fsync'
    for (const p of run) {
      metrics.recordsAppended += p.recordsCount
      const result = p.result!
      if (p.acks === 1 || !durable || ACK_BEFORE_DATASYNC) p.resolve(result)
      else {
        const resolve = p.resolve
        this.groupCommit.whenDurable(result.lastOffset + 1, () => resolve(result), p.reject)
      }
    }
    if (!durable) {
      this.advanceHighWatermark(leo)
      if (leo - this.log.recoveryPoint >= this.config.flushMessages || this.flushOverdue()) this.backgroundFlush()
    } else if (this.groupCommit.durableEnd < leo) {
      // 'fsync' mode: the HW is the fsynced end, so a flush starts even when nobody waits
      // (acks 0/1); otherwise readers would not see those records until the next durable append.
      this.backgroundFlush()
    }
  }

  /**
   * 'os' mode: whether `flushMs` has passed since the last flush started. Checked on every write as
   * well as by the timer: appends whose promises resolve as microtasks (acks 1, a synchronous
   * write) can keep the event loop from ever reaching the timer, and the power-loss window must
   * stay bounded all the same (found by the W10 memory benchmark: its 0.5 s sampling timer fired
   * 4 times in 14 s under 8 pipelined appenders).
   */
  private flushOverdue(): boolean {
    return this.config.flushMs < 0x7fffffff && this.ctx.now() - this.lastFlushStartMs >= this.config.flushMs
  }

  /** The GroupCommit flush: fdatasync of every segment written since the last one. */
  private flushWritten(): Promise<void> {
    this.lastFlushStartMs = this.ctx.now()
    const flush = this.log.captureFlush()
    this.ctx.metrics.fsyncs++
    return flush().catch((err: unknown) => {
      const failure = failStopError(err, `fdatasync of ${this.topic}-${this.partition}`)
      this.ctx.fail(failure)
      throw failure
    })
  }

  private onDurable(durableEnd: number): void {
    this.log.recoveryPoint = Math.max(this.log.recoveryPoint, durableEnd)
    if (this.config.durability === 'fsync') this.advanceHighWatermark(durableEnd)
  }

  private advanceHighWatermark(end: number): void {
    if (end <= this.hw) return
    const bounds = this.pendingBounds
    let i = 0
    while (i < bounds.length && bounds[i]!.offset <= end) i++
    if (i > 0) {
      this.hwPosition = bounds[i - 1]!
      bounds.splice(0, i)
    }
    this.hw = end
    this.waiters.wakeAll()
  }

  /** A flush nobody awaits ('os' mode policies): an error still fails the log. */
  private backgroundFlush(): void {
    this.groupCommit.flushNow().catch(() => {})
  }

  private armFlushTimer(): void {
    if (this.flushTimer !== null) clearInterval(this.flushTimer)
    this.flushTimer = null
    if (this.config.durability !== 'os' || this.config.flushMs >= 0x7fffffff) return
    this.flushTimer = setInterval(() => {
      if (this.log.logEndOffset > this.log.recoveryPoint) this.backgroundFlush()
    }, Math.max(1, this.config.flushMs))
    this.flushTimer.unref()
  }

  /** fsyncs everything appended so far, whatever the durability mode (api.md `flush()`). */
  async flush(): Promise<void> {
    if (this.ctx.closed()) throw closedError()
    const failure = this.ctx.failure()
    if (failure) throw failure
    // Appends queued in this tick are written first, so the flush covers them.
    await this.runExclusive(async () => {})
    await this.groupCommit.flushNow()
  }

  /** Fail-stop: every queued and waiting append rejects, later ones are refused. */
  failWrites(err: Error): void {
    this.groupCommit.fail(err)
    settleUnwritten(this.queue.splice(0), err)
    for (const wake of this.roomWaiters.splice(0)) wake()
  }

  // --- reading ---------------------------------------------------------------------------------

  async read(options: ReadOptions): Promise<ReadResult> {
    const o = validateReadOptions(options)
    if (this.ctx.closed()) throw closedError()
    const deadline = o.maxWaitMs > 0 ? performance.now() + o.maxWaitMs : 0
    for (;;) {
      this.checkOffsetInRange(o.offset)
      const bound = this.readBound()
      const collected = collectRecords(this.log, o.offset, bound, o.maxBytes, o.maxRecords)
      // No clock read for a read that does not wait (performance.now() was ~5% of a point read).
      const remainingMs = deadline === 0 ? 0 : deadline - performance.now()
      if (collected.bytes >= o.minBytes || remainingMs <= 0) {
        const metrics = this.ctx.metrics
        metrics.recordsRead += collected.records.length
        metrics.bytesRead += collected.bytes
        return {
          records: collected.records,
          nextOffset: collected.nextOffset,
          highWatermark: this.hw,
          lastStableOffset: this.lastStableOffset,
          logStartOffset: this.logStartOffset,
        }
      }
      await this.waiters.wait(remainingMs, o.signal)
    }
  }

  /** Records as an async iterator (api.md `stream`); see record-stream.ts. */
  stream(options: StreamOptions = {}): AsyncGenerator<LogRecord, void, undefined> {
    // Validated now, so bad options throw at the call rather than at the first next().
    const { from = 'earliest', follow = false, signal, isolation } = validateStreamOptions(options)
    let offset: number | null = null
    return new RecordStream(async () => {
      if (offset === null) offset = await this.streamStartOffset(from)
      for (;;) {
        if (signal?.aborted) throw abortError(signal)
        if (this.ctx.closed()) return null
        let result: ReadResult
        try {
          result = await this.read({ offset, maxBytes: STREAM_FETCH_BYTES, maxWaitMs: follow ? 60_000 : 0, signal, isolation })
        } catch (err) {
          if (follow && err instanceof SeglogError && err.code === 'LOG_CLOSED') return null
          throw err
        }
        offset = result.nextOffset
        if (result.records.length > 0) return result.records
        if (!follow && offset >= result.highWatermark) return null
      }
    })
  }

  private async streamStartOffset(from: NonNullable<StreamOptions['from']>): Promise<number> {
    if (from === 'earliest') return this.logStartOffset
    if (from === 'latest') return this.hw
    if (typeof from === 'number') return from
    return (await this.offsetForTimestamp(from.timestamp)) ?? this.hw
  }

  /** First offset with timestamp ≥ `timestampMs` below the HW, or null. */
  async offsetForTimestamp(timestampMs: number): Promise<number | null> {
    if (typeof timestampMs !== 'number') throw invalidArgType('timestamp', 'of type number', timestampMs)
    if (!Number.isSafeInteger(timestampMs)) throw outOfRange('timestamp', 'a safe integer (epoch milliseconds)', timestampMs)
    if (this.ctx.closed()) throw closedError()
    const hw = this.hw
    for (const segment of this.log.segments) {
      if (segment.baseOffset >= hw) break
      if (segment.maxTimestampSoFar < timestampMs) continue
      const found = segment.findOffsetByTimestamp(timestampMs, this.logStartOffset)
      if (found !== null) return found.offset < hw ? found.offset : null
    }
    return null
  }

  /**
   * Writes the raw batches from `offset` (whole batches of one segment, up to `maxBytes`, at least
   * one, below the HW) to a socket or fd with sendfile(2); see send-to.ts.
   */
  async sendTo(target: Socket | number, options: { offset: number; maxBytes?: number; isolation?: 'read_uncommitted' | 'read_committed' }): Promise<{ bytes: number; nextOffset: number }> {
    if (typeof target === 'number') {
      if (!Number.isInteger(target) || target < 0 || target > 0x7fffffff) throw outOfRange('target', 'a file descriptor (a non-negative int32)', target)
    } else if (target === null || typeof target !== 'object' || typeof (target as Socket).write !== 'function') {
      throw invalidArgType('target', 'a net.Socket or a file descriptor', target)
    }
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
    for (const key of Object.keys(options)) {
      if (key !== 'offset' && key !== 'maxBytes' && key !== 'isolation') throw invalidArgValue(`options.${key}`, (options as Record<string, unknown>)[key], 'is not a sendTo option')
    }
    assertSafeNonNegativeInteger('options.offset', options.offset)
    const maxBytes = checkPositiveInteger('options.maxBytes', options.maxBytes, READ_MAX_BYTES_DEFAULT)
    checkIsolation(options.isolation)
    if (this.ctx.closed()) throw closedError()
    this.checkOffsetInRange(options.offset)
    const slice = sliceForSend(this.log.segments, this.log.floorIndex(options.offset), options.offset, this.readBound(), maxBytes)
    if (slice === null) return { bytes: 0, nextOffset: options.offset }
    await sendSlice(this.ctx.binding, target, slice)
    this.ctx.metrics.bytesRead += slice.bytes.length
    return { bytes: slice.bytes.length, nextOffset: slice.nextOffset }
  }

  private checkOffsetInRange(offset: number): void {
    if (offset < this.log.logStartOffset || offset > this.hw) {
      throw new SeglogError(
        'OFFSET_OUT_OF_RANGE',
        `Offset ${offset} is out of range for ${this.topic}-${this.partition}: readable offsets are [${this.log.logStartOffset}, ${this.hw}]`,
      )
    }
  }

  private readBound(): ReadBound {
    return this.hwPosition.offset === this.hw ? this.hwPosition : { ...this.hwPosition, offset: this.hw }
  }

  // --- retention -------------------------------------------------------------------------------

  /** Advances logStartOffset to `beforeOffset` (≤ HW), durably, then deletes whole segments below it. */
  async deleteRecords(beforeOffset: number): Promise<void> {
    assertSafeNonNegativeInteger('beforeOffset', beforeOffset)
    if (this.ctx.closed()) throw closedError()
    if (beforeOffset > this.hw) {
      throw new SeglogError('OFFSET_OUT_OF_RANGE', `deleteRecords(${beforeOffset}) is past the high watermark ${this.hw} of ${this.topic}-${this.partition}`)
    }
    await this.runExclusive(async () => {
      // Fail-stop covers deletions too: a log start that a failed checkpoint left in memory only
      // must never let files go (found by the H4 soak, SEED=20261122 SEGLOG_ITERS=7041).
      const failure = this.ctx.failure()
      if (failure) throw failure
      if (beforeOffset <= this.log.logStartOffset) return
      this.log.logStartOffset = beforeOffset
      try {
        await this.ctx.persistLogStartOffset(this)
        await this.deleteSegmentsBelowLogStart()
      } catch (err) {
        throw this.ctx.ioError(err, `deleteRecords on ${this.topic}-${this.partition}`)
      }
    })
  }

  /**
   * Applies retention (Kafka §3.9): segments wholly below logStartOffset, then by size and by time
   * for 'delete' policies. Only segments entirely below the HW qualify; the active segment is kept
   * unless it is empty-able (a roll replaces it). Returns the segments deleted.
   */
  async applyRetention(): Promise<number> {
    if (this.ctx.closed()) return 0
    return this.runExclusive(() =>
      this.retentionPass().catch((err: unknown) => {
        throw this.ctx.ioError(err, `Retention on ${this.topic}-${this.partition}`)
      }),
    )
  }

  private async retentionPass(): Promise<number> {
    {
      const failure = this.ctx.failure()
      if (failure) throw failure // see deleteRecords: nothing is deleted after a failure
      let deleted = await this.deleteSegmentsBelowLogStart()
      if (!this.config.cleanupPolicy.includes('delete')) return deleted
      const nowMs = this.ctx.now()
      const segments = this.log.segments
      let count = 0
      let excess = this.config.retentionBytes >= 0 ? this.log.sizeBytes - this.config.retentionBytes : -1
      while (count < segments.length) {
        const segment = segments[count]!
        const upperBound = count + 1 < segments.length ? segments[count + 1]!.baseOffset : this.log.logEndOffset
        if (upperBound > this.hw || segment.sizeBytes === 0) break
        const bySize = excess >= 0 && excess - segment.sizeBytes >= 0
        const byTime = this.config.retentionMs >= 0 && nowMs - retentionTimestamp(segment.maxTimestampSoFar, this.log.lastModifiedMs(segment), nowMs) > this.config.retentionMs
        if (!bySize && !byTime) break
        if (bySize) excess -= segment.sizeBytes
        count++
      }
      if (count === 0) return deleted
      const newStart = count < segments.length ? segments[count]!.baseOffset : this.log.logEndOffset
      if (newStart > this.log.logStartOffset) {
        this.log.logStartOffset = newStart
        await this.ctx.persistLogStartOffset(this)
      }
      deleted += (await this.log.deleteLeadingSegments(count, nowMs)).length
      this.ctx.metrics.segmentsDeleted += deleted
      return deleted
    }
  }

  private async deleteSegmentsBelowLogStart(): Promise<number> {
    const segments = this.log.segments
    let count = 0
    while (count < segments.length) {
      const upper = count + 1 < segments.length ? segments[count + 1]!.baseOffset : this.log.logEndOffset
      if (upper > this.log.logStartOffset || segments[count]!.sizeBytes === 0) break
      count++
    }
    const removed = await this.log.deleteLeadingSegments(count, this.ctx.now())
    this.ctx.metrics.segmentsDeleted += removed.length
    return removed.length
  }

  /** Runs `task` after every earlier exclusive task (appends drain, retention) has finished. */
  private runExclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(() => {
      if (this.isRemoved) throw unknownPartition(this)
      return task()
    })
    this.exclusive = run.then(
      () => {},
      () => {},
    )
    return run
  }

  // --- lifecycle -------------------------------------------------------------------------------

  /** Waits for queued appends to be written and flushes (close). */
  async quiesce(): Promise<void> {
    await this.runExclusive(async () => {})
    if (!this.ctx.failure() && this.log.logEndOffset > this.groupCommit.durableEnd) await this.groupCommit.flushNow()
  }

  /** Closes files; pending long-polls reject with LOG_CLOSED. */
  /** True once deleteTopic removed this partition: every later call is UNKNOWN_TOPIC_OR_PARTITION. */
  get removed(): boolean {
    return this.isRemoved
  }

  /**
   * deleteTopic: after every exclusive task already queued (a retention pass in flight finishes on
   * intact files first), close the partition and delete its files and directory.
   */
  async removeFiles(): Promise<void> {
    await this.runExclusive(async () => {
      this.isRemoved = true
      this.close()
      this.log.deleteAll()
    })
  }

  close(): void {
    if (this.flushTimer !== null) clearInterval(this.flushTimer)
    this.flushTimer = null
    this.waiters.close(closedError())
    this.failWrites(closedError())
    this.log.close()
  }
}

/** Gives a batch's memory back to the arena, once: its PendingAppend no longer points at it. */
function releaseBatch(p: PendingAppend): void {
  if (p.batch === RELEASED) return
  batchArena.release(p.batch)
  p.batch = RELEASED
}

/** Rejects appends that were not written (and will not be), releasing their batches. */
function settleUnwritten(pendings: readonly PendingAppend[], err: Error): void {
  for (const p of pendings) {
    releaseBatch(p)
    p.result = null
    p.reject(err)
  }
}

/**
 * The timestamp time-based retention uses for a segment: its largest record timestamp, but never
 * later than when the file was last written — so one record dated in the far future cannot pin a
 * segment forever (reliability.md FM-17), while replayed old data still ages by its timestamps.
 */
export function retentionTimestamp(maxTimestamp: number, lastModifiedMs: number, nowMs: number): number {
  if (maxTimestamp < 0) return lastModifiedMs
  return Math.min(maxTimestamp, lastModifiedMs, nowMs)
}

export interface StreamOptions {
  from?: number | 'earliest' | 'latest' | { timestamp: number }
  isolation?: 'read_uncommitted' | 'read_committed'
  follow?: boolean
  signal?: AbortSignal
}

function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined
  if (!(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal)
  return signal
}

function checkIsolation(isolation: unknown): 'read_uncommitted' | 'read_committed' {
  if (isolation === undefined) return 'read_uncommitted'
  if (isolation !== 'read_uncommitted' && isolation !== 'read_committed') {
    throw invalidArgValue('options.isolation', isolation, "must be 'read_uncommitted' or 'read_committed'")
  }
  return isolation
}

function checkPositiveInteger(name: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isSafeInteger(value) || value < min) throw outOfRange(name, `an integer >= ${min}`, value)
  return value
}

function validateReadOptions(options: unknown): Required<Omit<ReadOptions, 'signal'>> & { signal: AbortSignal | undefined } {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
  const o = options as Record<string, unknown>
  for (const key of Object.keys(o)) if (!READ_OPTION_KEYS.has(key)) throw invalidArgValue(`options.${key}`, o[key], 'is not a read option')
  assertSafeNonNegativeInteger('options.offset', o.offset)
  return {
    offset: o.offset,
    maxBytes: checkPositiveInteger('options.maxBytes', o.maxBytes, READ_MAX_BYTES_DEFAULT),
    maxRecords: checkPositiveInteger('options.maxRecords', o.maxRecords, Number.MAX_SAFE_INTEGER),
    minBytes: checkPositiveInteger('options.minBytes', o.minBytes, 1, 0),
    maxWaitMs: checkPositiveInteger('options.maxWaitMs', o.maxWaitMs, 0, 0),
    isolation: checkIsolation(o.isolation),
    signal: checkSignal(o.signal),
  }
}

function validateStreamOptions(options: unknown): StreamOptions {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
  const o = options as Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (!['from', 'isolation', 'follow', 'signal'].includes(key)) throw invalidArgValue(`options.${key}`, o[key], 'is not a stream option')
  }
  const from = o.from
  if (from !== undefined && from !== 'earliest' && from !== 'latest') {
    if (typeof from === 'number') assertSafeNonNegativeInteger('options.from', from)
    else if (from !== null && typeof from === 'object' && 'timestamp' in from) {
      const ts = (from as { timestamp: unknown }).timestamp
      if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) throw outOfRange('options.from.timestamp', 'a safe integer', ts)
    } else throw invalidArgValue('options.from', from, "must be an offset, 'earliest', 'latest' or { timestamp }")
  }
  if (o.follow !== undefined && typeof o.follow !== 'boolean') throw invalidArgType('options.follow', 'of type boolean', o.follow)
  return {
    from: from as StreamOptions['from'],
    follow: o.follow as boolean | undefined,
    signal: checkSignal(o.signal),
    isolation: checkIsolation(o.isolation),
  }
}
