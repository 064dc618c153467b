/**
 * Log: a directory of topics and partitions, opened by one process at a time (api.md "Opening a
 * log", "Topics and partitions", "Checking and observing"). The parts, each in its own file under log/:
 *   open-log.ts          the open sequence (lock, FORMAT, leftovers, clean-shutdown marker,
 *                        checkpoints, partition loads and recovery, orphans, the recovery report)
 *   topic-admin.ts       the topics and their partitions; create, grow, alter, delete
 *   checkpoints.ts       the recovery-point and log-start checkpoints
 *   background-tasks.ts  retention, checkpoint and producer-id expiration timers in one registry
 *   log-options.ts       Log.open's own options
 *
 * Directory layout (format.md):
 *   .lock                              flock'd while open (fallback: pid file)
 *   FORMAT                             format version; a newer major is refused
 *   .clean-shutdown                    written last by close(), removed (durably) by open()
 *   recovery-point-offset-checkpoint   per partition: everything below is fsynced and validated
 *   log-start-offset-checkpoint        per partition: first retained offset
 *   topics/<topic>.json                partition count + config (the commit point of createTopic)
 *   <topic>-<partition>/               segment files
 * Every metadata file is replaced tmp → fsync → rename → fsync(dir).
 *
 * Fail-stop: an fsync or write error puts the whole log in the failed state (`fail`): every
 * partition refuses writes with STORAGE_ERROR until the log is reopened; reads keep working; close
 * then skips the clean-shutdown marker so the next open re-validates.
 */
import { EventEmitter } from 'node:events'
import { checkTestBugs, activeTestBugs, withTestBugs } from './test-bugs.js'
import type { DirLock } from './io/dir-lock.js'
import { invalidArgType, outOfRange, SeglogError } from './errors.js'
import { writeFileAtomic } from './io/atomic-file.js'
import { ioFailure } from './io/io-errors.js'
import type { FileSystem } from './io/file.js'
import { PARTITIONS_MAX } from './limits.js'
import { BackgroundTasks } from './log/background-tasks.js'
import { Checkpoints } from './log/checkpoints.js'
import {
  checkLogOptions,
  fileSystemFor,
  LOG_OPTION_KEYS,
  PRODUCER_ID_EXPIRATION_MS_DEFAULT,
  producerExpirationCheckIntervalMs,
  RECOVERY_POINT_CHECKPOINT_INTERVAL_MS_DEFAULT,
  RETENTION_CHECK_INTERVAL_MS_DEFAULT,
  type LogOptions,
} from './log/log-options.js'
import { CLEAN_SHUTDOWN_FILE_NAME, openFailure, openLogDirectory, type RecoveryReport } from './log/open-log.js'
import { Topics, type TopicDescription } from './log/topic-admin.js'
import { validateTopicName, type TopicMetadata } from './log/topic-store.js'
import { newLogMetrics, snapshotMetrics, type LogMetrics } from './metrics.js'
import { DEFAULT_TOPIC_CONFIG, resolveTopicConfig, type TopicConfig } from './options.js'
import type { LogContext } from './partition/log-context.js'
import type { Partition } from './partition/partition.js'
import type { SegmentCache } from './segment/segment-cache.js'
import { SerialQueue } from './serial-queue.js'
import { Producer, type ProducerOptions } from './producer/producer.js'
import { ProducerIdAllocator } from './producer/producer-ids.js'

export { CLEAN_SHUTDOWN_FILE_NAME } from './log/open-log.js'
export type { LogOptions } from './log/log-options.js'
export type { RecoveryReport, PartitionRecovery } from './log/open-log.js'
export type { TopicDescription, PartitionInfo } from './log/topic-admin.js'

export interface CreateTopicOptions extends Partial<TopicConfig> {
  partitions?: number
}

export interface VerifyReport {
  /** Segments checked. */
  segments: number
  /** The first damage found in each damaged segment. */
  damaged: { topic: string; partition: number; file: string; position: number; firstBadOffset: number; detail: string }[]
}

export class Log extends EventEmitter {
  /** What open() did to bring the directory back to a consistent state. */
  readonly recovery: RecoveryReport
  private readonly metricsCounters: LogMetrics = newLogMetrics()
  private failedWith: Error | null = null
  private producerIds: Promise<ProducerIdAllocator> | null = null
  private readonly producers = new Set<Producer>()
  private closing = false
  private closedPromise: Promise<void> | null = null
  /** Topic changes, one at a time. */
  private readonly adminQueue = new SerialQueue()
  private readonly ctx: LogContext
  private readonly checkpoints: Checkpoints
  private readonly topicRegistry: Topics
  private readonly backgroundTasks: BackgroundTasks

  private constructor(
    readonly dir: string,
    private readonly fs: FileSystem,
    private readonly lock: DirLock,
    private readonly defaults: Readonly<TopicConfig>,
    recovery: RecoveryReport,
    /** Bounds the descriptors and memory of sealed segments across every partition (segment-cache.ts). */
    segmentCache: SegmentCache,
    clock: () => number,
    producerIdExpirationMs: number,
  ) {
    super()
    this.recovery = recovery
    this.ctx = {
      ioError: (err, what) => this.ioError(err, what),
      metrics: this.metricsCounters,
      fileSystem: fs,
      now: clock,
      producerIdExpirationMs,
      failure: () => this.failedWith,
      fail: (err) => this.fail(err),
      closed: () => this.closing,
      persistLogStartOffset: () => this.checkpoints.writeLogStarts(),
      emitRoll: (partition, baseOffset) => {
        this.emit('roll', { topic: partition.topic, partition: partition.partition, baseOffset })
        // A roll fsynced the old segment ('fsync' mode): checkpoint the recovery point now, so an
        // unclean restart rescans about one segment, not everything since the last timer tick.
        if (!this.closing && !this.failedWith) this.checkpoints.writeRecoveryPoints().catch((err: unknown) => this.backgroundError(err))
      },
    }
    this.checkpoints = new Checkpoints(fs, dir, () => this.topicRegistry.all(), (err, what) => this.ioError(err, what))
    this.topicRegistry = new Topics(fs, dir, this.ctx, segmentCache, this.checkpoints)
    this.backgroundTasks = new BackgroundTasks(
      () => !this.closing && !this.failedWith,
      (err) => this.backgroundError(err),
    )
  }

  /** Opens (creating if missing) the log in `dir`: open-log.ts has the sequence. */
  static async open(dir: string, options: LogOptions = {}): Promise<Log> {
    if (typeof dir !== 'string' || dir.length === 0) throw invalidArgType('dir', 'a non-empty string', dir)
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
    const defaults = resolveTopicConfig(options, DEFAULT_TOPIC_CONFIG, LOG_OPTION_KEYS)
    checkLogOptions(options)
    checkTestBugs()
    const fs = withTestBugs(fileSystemFor(options))
    const clock = options.clock ?? Date.now
    const started = performance.now()
    const producerIdExpirationMs = options.producerIdExpirationMs ?? PRODUCER_ID_EXPIRATION_MS_DEFAULT
    const opened = await openLogDirectory(fs, dir, { repair: options.repair === true, nowMs: clock(), producerIdExpirationMs })
    try {
      const log = new Log(dir, fs, opened.lock, defaults, opened.recovery, opened.segmentCache, clock, producerIdExpirationMs)
      for (const { meta, logs } of opened.topics) log.topicRegistry.register(meta, logs)
      if (!opened.recovery.cleanShutdown) await log.checkpoints.writeRecoveryPoints()
      opened.recovery.durationMs = performance.now() - started
      log.startBackgroundTasks(options)
      setImmediate(() => log.emit('recovery', opened.recovery))
      return log
    } catch (err) {
      opened.abandon()
      throw openFailure(err, dir)
    }
  }

  // --- topics ----------------------------------------------------------------------------------

  // The four topic changes are async: a bad argument rejects like every other failure of a call
  // that returns a promise, never throws synchronously past a `.catch`.

  /** Creates a topic; TOPIC_ALREADY_EXISTS if present. */
  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<void> {
    validateTopicName(name)
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
    const partitions = checkPartitionCount('options.partitions', options.partitions === undefined ? 1 : options.partitions)
    const config = resolveTopicConfig(options, this.defaults, ['partitions'])
    return this.admin(() => this.topicRegistry.create(name, partitions, config))
  }

  /** Grows a topic to `count` partitions (shrinking or keeping the count is a RangeError). */
  async createPartitions(name: string, count: number): Promise<void> {
    const meta = this.topicMeta(name)
    checkPartitionCount('count', count)
    if (count <= meta.partitions) throw outOfRange('count', `greater than the current partition count ${meta.partitions}`, count)
    return this.admin(() => this.topicRegistry.grow(name, count))
  }

  /** Changes topic config; applies to existing partitions at once (new segments for size limits). */
  async alterTopicConfig(name: string, config: Partial<TopicConfig>): Promise<void> {
    const resolved = resolveTopicConfig(config, this.topicMeta(name).config)
    return this.admin(() => this.topicRegistry.alter(name, resolved))
  }

  /** Deletes a topic and its data: metadata first (the commit point), then the directories. */
  async deleteTopic(name: string): Promise<void> {
    this.topicMeta(name)
    return this.admin(() => this.topicRegistry.delete(name))
  }

  topics(): string[] {
    this.checkOpen()
    return this.topicRegistry.names()
  }

  describeTopic(name: string): TopicDescription {
    this.topicMeta(name)
    return this.topicRegistry.describe(name)
  }

  /** The handle of one partition; UNKNOWN_TOPIC_OR_PARTITION if it does not exist. */
  partition(topic: string, partition: number): Partition {
    if (typeof partition !== 'number') throw invalidArgType('partition', 'of type number', partition)
    if (!Number.isSafeInteger(partition) || partition < 0) throw outOfRange('partition', 'a non-negative integer', partition)
    this.topicMeta(topic)
    return this.topicRegistry.partition(topic, partition)
  }

  // --- producers ---------------------------------------------------------------------------------

  /**
   * A producer over this log (api.md "Producers"): Kafka's partitioner, batching with `lingerMs`,
   * and, by default, idempotence — a producer id allocated durably by the log on its first send.
   */
  producer(options?: ProducerOptions): Producer {
    this.checkOpen()
    const producer = new Producer(
      {
        topicLimits: (topic) => {
          const { partitions, config } = this.topicMeta(topic)
          return { partitionCount: partitions, batchBytesMax: Math.min(config.maxMessageBytes, config.segmentBytes) }
        },
        partition: (topic, partition) => this.partition(topic, partition),
        allocateProducerId: () => this.allocateProducerId(),
        now: this.ctx.now,
        producerClosed: (p) => void this.producers.delete(p),
      },
      options,
    )
    this.producers.add(producer)
    return producer
  }

  private async allocateProducerId(): Promise<number> {
    this.checkOpen()
    if (this.failedWith) throw this.failedWith
    // Opened on the first idempotent send: a damaged producer-id-block refuses new producer ids
    // (CORRUPT_RECORD), never Log.open or reads.
    this.producerIds ??= ProducerIdAllocator.open(this.fs, this.dir)
    let ids: ProducerIdAllocator
    try {
      ids = await this.producerIds
    } catch (err) {
      this.producerIds = null
      throw err
    }
    try {
      return await ids.allocate()
    } catch (err) {
      throw this.ioError(err, `Allocating a producer id in ${this.dir}`)
    }
  }

  // --- durability and retention ------------------------------------------------------------------

  /** fsyncs every partition (whatever the durability mode) and checkpoints the recovery points. */
  async flush(): Promise<void> {
    this.checkOpen()
    await Promise.all(this.topicRegistry.all().map((p) => p.flush()))
    await this.checkpoints.writeRecoveryPoints()
  }

  /** Applies retention to every partition now. */
  async runRetention(): Promise<void> {
    this.checkOpen()
    let deleted = 0
    for (const partition of this.topicRegistry.all()) {
      if (partition.removed) continue // its topic was deleted while retention ran
      let count: number
      try {
        count = await partition.applyRetention()
      } catch (err) {
        // deleteTopic removed it while this pass waited for its turn: nothing left to retain.
        if (partition.removed && err instanceof SeglogError && err.code === 'UNKNOWN_TOPIC_OR_PARTITION') continue
        throw err
      }
      if (count > 0) {
        deleted += count
        this.emit('retention', { topic: partition.topic, partition: partition.partition, deletedSegments: count, logStartOffset: partition.logStartOffset })
      }
    }
    if (deleted > 0) await this.checkpoints.writeRecoveryPoints()
  }

  /**
   * Checks every batch of every segment (length bounds, magic, CRC-32C, offset order) without
   * changing anything: the scrub for sealed segments that open() does not re-validate (FM-3).
   */
  async verify(): Promise<VerifyReport> {
    this.checkOpen()
    const damaged: VerifyReport['damaged'] = []
    let segments = 0
    for (const partition of this.topicRegistry.all()) {
      for (const segment of [...partition.log.segments]) {
        segments++
        const damage = segment.validate()
        if (damage !== null) damaged.push({ topic: partition.topic, partition: partition.partition, file: segment.path, ...damage })
        // Yield between segments so a long scrub does not starve appends and reads.
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    return { segments, damaged }
  }

  /** Counters (api.md "Checking and observing"); a copy. */
  metrics(): LogMetrics {
    const snapshot = snapshotMetrics(this.metricsCounters)
    snapshot.segments = this.topicRegistry.all().reduce((n, p) => n + p.log.segments.length, 0)
    snapshot.testBugs = activeTestBugs()
    return snapshot
  }

  /** The failure that stopped writes, or null. */
  get failure(): Error | null {
    return this.failedWith
  }

  // --- lifecycle ---------------------------------------------------------------------------------

  /**
   * Flushes, writes the checkpoints and the clean-shutdown marker (unless the log failed), closes
   * every file and releases the lock. Pending long-polls reject with LOG_CLOSED; followed streams
   * end. Idempotent.
   */
  close(): Promise<void> {
    this.closedPromise ??= this.doClose()
    return this.closedPromise
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  private async doClose(): Promise<void> {
    // Producers first, while the log still takes their lingering batches.
    await Promise.allSettled([...this.producers].map((p) => p.close()))
    this.closing = true
    const failedBeforeClose = this.failedWith !== null
    this.backgroundTasks.stopAll()
    let firstError: unknown = null
    let producerSnapshotsWritten = true
    try {
      await this.adminQueue.idle()
      for (const partition of this.topicRegistry.all()) {
        try {
          if (!(await partition.quiesce())) producerSnapshotsWritten = false
        } catch (err) {
          firstError ??= this.ioError(err, `Closing the log in ${this.dir}`)
        }
      }
      if (!this.failedWith) {
        await this.checkpoints.writeRecoveryPoints()
        await this.checkpoints.writeLogStarts()
      }
    } catch (err) {
      firstError ??= this.ioError(err, `Closing the log in ${this.dir}`)
    }
    for (const partition of this.topicRegistry.all()) {
      try {
        partition.close()
      } catch (err) {
        // One partition's failing close must not keep the others' files open or the lock held.
        firstError ??= this.ioError(err, `Closing ${partition.topic}-${partition.partition}`)
      }
    }
    try {
      // A producer snapshot that failed leaves the state at close unwritten: without the marker the
      // next open rebuilds it from an older snapshot and the log (decisions.md "Idempotent producers").
      if (!this.failedWith && firstError === null && producerSnapshotsWritten) {
        await writeFileAtomic(this.fs, this.dir, CLEAN_SHUTDOWN_FILE_NAME, Buffer.from(JSON.stringify({ version: 1, closedAt: Date.now() }) + '\n'))
      }
    } catch (err) {
      firstError ??= this.ioError(err, `Closing the log in ${this.dir}`)
    } finally {
      this.lock.release()
      this.emit('close')
    }
    // A log that had already failed closes quietly (its failure was reported); a new failure is thrown.
    if (firstError !== null && !failedBeforeClose) throw firstError
  }

  // --- internals ---------------------------------------------------------------------------------

  /** Retention and the recovery-point checkpoint, on their periods (background-tasks.ts). */
  private startBackgroundTasks(options: LogOptions): void {
    this.backgroundTasks.add({
      name: 'retention',
      periodMs: options.retentionCheckIntervalMs ?? RETENTION_CHECK_INTERVAL_MS_DEFAULT,
      run: () => this.runRetention(),
    })
    this.backgroundTasks.add({
      name: 'producer-id expiration',
      periodMs: producerExpirationCheckIntervalMs(options.producerIdExpirationMs ?? PRODUCER_ID_EXPIRATION_MS_DEFAULT),
      run: () => this.expireProducers(),
    })
    this.backgroundTasks.add({
      name: 'recovery-point checkpoint',
      periodMs: options.recoveryPointCheckpointIntervalMs ?? RECOVERY_POINT_CHECKPOINT_INTERVAL_MS_DEFAULT,
      run: () => this.checkpoints.writeRecoveryPoints(),
    })
  }

  /** Forgets idle producers of every partition (the producer-id expiration task; Kafka's is per log too). */
  private async expireProducers(): Promise<void> {
    for (const partition of this.topicRegistry.all()) {
      if (partition.removed) continue
      try {
        await partition.expireProducers()
      } catch (err) {
        // Its topic was deleted while the task waited for the partition's turn.
        if (partition.removed && err instanceof SeglogError && err.code === 'UNKNOWN_TOPIC_OR_PARTITION') continue
        throw err
      }
    }
  }

  /**
   * A system error as the seglog error to report: DISK_FULL (not fail-stop), or STORAGE_ERROR after
   * putting the log in the failed state. Other errors pass through unchanged.
   */
  private ioError(err: unknown, what: string): unknown {
    const failure = ioFailure(err, what)
    if (failure === null) return err
    if (failure.code === 'STORAGE_ERROR') this.fail(failure)
    return failure
  }

  private fail(err: Error): void {
    if (this.failedWith) return
    this.failedWith = err
    for (const partition of this.topicRegistry.all()) partition.failWrites(err)
  }

  private checkOpen(): void {
    if (this.closing) throw new SeglogError('LOG_CLOSED', `The log in ${this.dir} is closed`)
  }

  /** The metadata of a topic, after the checks every topic call makes (open, a string, known). */
  private topicMeta(name: string): TopicMetadata {
    this.checkOpen()
    if (typeof name !== 'string') throw invalidArgType('topic', 'of type string', name)
    return this.topicRegistry.meta(name)
  }

  /** Admin operations (topic changes) run one at a time, refused after close or failure. */
  private admin<T>(task: () => Promise<T>): Promise<T> {
    this.checkOpen()
    if (this.failedWith) return Promise.reject(this.failedWith)
    return this.adminQueue.run(async () => {
      this.checkOpen()
      if (this.failedWith) throw this.failedWith
      try {
        return await task()
      } catch (err) {
        throw this.ioError(err, 'A topic change')
      }
    })
  }

  /** A background task failed on I/O: fail-stop (there is no 'error' event; the next call reports it). */
  private backgroundError(err: unknown): void {
    if (this.closing) return
    if (err instanceof SeglogError && err.code !== 'STORAGE_ERROR') return
    this.fail(err instanceof SeglogError ? err : new SeglogError('STORAGE_ERROR', `Background task failed: ${(err as Error).message}`, { cause: err }))
  }
}

function checkPartitionCount(name: string, value: unknown): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isSafeInteger(value) || value < 1 || value > PARTITIONS_MAX) throw outOfRange(name, `an integer >= 1 and <= ${PARTITIONS_MAX}`, value)
  return value
}
