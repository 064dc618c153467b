/**
 * A partition's append queue (design.md write path §1): `append` encodes its batch synchronously
 * (a refused call queues nothing), then the batch waits here. A microtask drains everything queued
 * in that tick, so concurrent appends share one writev as well as one fdatasync; one drain runs at
 * a time, inside the partition's serial queue (retention and deletion wait their turn). Bounded:
 * past APPEND_QUEUE_BATCHES_MAX queued batches an append waits for room instead of growing the
 * queue without bound.
 *
 * Memory: batches are encoded into one process-wide arena (batch-arena.ts) and released right
 * after their write, so a producer's next batch reuses the same memory and the memory stays one
 * slab however many partitions there are.
 */
import { LAST_OFFSET_DELTA_POS, MAX_TIMESTAMP_POS, RECORDS_COUNT_POS, readInt64 } from '../format/batch-header.js'
import { BatchArena } from '../format/batch-arena.js'
import { encodeRecordBatch, type EncodeBatchOptions, type RecordInput } from '../format/batch.js'
import { SeglogError } from '../errors.js'
import { APPEND_QUEUE_BATCHES_MAX, APPEND_WRITE_BUFFERS_MAX, APPEND_WRITE_BYTES_MAX } from '../limits.js'
import type { TopicConfig } from '../options.js'
import type { PartitionId } from './log-context.js'
import type { Acks, AppendProducer, ValidAppendOptions } from './partition-options.js'

export interface AppendResult {
  baseOffset: number
  lastOffset: number
  /** The broker time stamped on the batch with `messageTimestampType: 'LogAppendTime'`, else -1. */
  logAppendTime: number
  /**
   * True when the batch was a producer's retry of a batch already in the log: nothing was written
   * and the offsets (and LogAppendTime) are the original's.
   */
  duplicate: boolean
}

/** One append between its call and its settlement. */
export interface PendingAppend {
  batch: Buffer
  recordsCount: number
  lastOffsetDelta: number
  maxTimestamp: number
  acks: Acks
  /** The producer fields of an idempotent append, or null (batch-writer.ts stages only these). */
  producer: AppendProducer | null
  resolve: (result: AppendResult) => void
  reject: (err: Error) => void
  /** Set when offsets are assigned (batch-writer.ts). */
  result: AppendResult | null
}

const batchArena = new BatchArena()
const allocateBatch = (sizeBytes: number): Buffer => batchArena.allocate(sizeBytes)
/** What a PendingAppend's `batch` becomes once released: nothing may use the memory after that. */
const RELEASED = Buffer.alloc(0)

/**
 * Encodes `records` as one batch (offsets assigned later) and checks its size against the topic's
 * limits: RECORD_TOO_LARGE past maxMessageBytes or segmentBytes.
 */
export function encodeAppend(
  records: readonly RecordInput[],
  options: ValidAppendOptions,
  config: Readonly<TopicConfig>,
  nowMs: number,
  id: PartitionId,
): PendingAppend {
  const logAppendTime = config.messageTimestampType === 'LogAppendTime'
  const producer = options.producer
  const encodeOptions: EncodeBatchOptions = { timestamp: nowMs, compression: options.compression, timestampType: logAppendTime ? 'LogAppendTime' : 'CreateTime' }
  if (producer !== null) {
    encodeOptions.producerId = producer.producerId
    encodeOptions.producerEpoch = producer.producerEpoch
    encodeOptions.baseSequence = producer.baseSequence
  }
  const batch = encodeRecordBatch(records, encodeOptions, false, allocateBatch)
  const limit = Math.min(config.maxMessageBytes, config.segmentBytes)
  if (batch.length > limit) {
    batchArena.release(batch)
    throw new SeglogError(
      'RECORD_TOO_LARGE',
      `Batch of ${batch.length} bytes for ${id.topic}-${id.partition} exceeds ${batch.length > config.maxMessageBytes ? `maxMessageBytes (${config.maxMessageBytes})` : `segmentBytes (${config.segmentBytes})`}`,
      { topic: id.topic, partition: id.partition },
    )
  }
  return {
    batch,
    recordsCount: batch.readInt32BE(RECORDS_COUNT_POS),
    lastOffsetDelta: batch.readInt32BE(LAST_OFFSET_DELTA_POS),
    maxTimestamp: readInt64(batch, MAX_TIMESTAMP_POS),
    acks: options.acks,
    producer,
    resolve: () => {},
    reject: () => {},
    result: null,
  }
}

/** Gives a batch's memory back to the arena, once: its PendingAppend no longer points at it. */
export function releaseBatch(p: PendingAppend): void {
  if (p.batch === RELEASED) return
  batchArena.release(p.batch)
  p.batch = RELEASED
}

/** Rejects appends that were not written (and will not be), releasing their batches. */
export function settleUnwritten(pendings: readonly PendingAppend[], err: Error): void {
  for (const p of pendings) {
    releaseBatch(p)
    p.result = null
    p.reject(err)
  }
}

export class AppendQueue {
  private queue: PendingAppend[] = []
  private draining = false
  private drainScheduled = false
  private roomWaiters: (() => void)[] = []

  /**
   * @param exclusive runs a drain after the partition's earlier exclusive tasks (serial-queue.ts).
   * @param write writes one drained run of batches and settles or arms each of them.
   */
  constructor(
    private readonly exclusive: (task: () => Promise<void>) => Promise<void>,
    private readonly write: (taken: PendingAppend[]) => Promise<void>,
  ) {}

  /** Queues an encoded append; resolves or rejects with its outcome. */
  push(pending: PendingAppend): Promise<AppendResult> {
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

  /** Fail-stop or close: every queued append rejects with `err`; appends waiting for room go on to be refused. */
  failAll(err: Error): void {
    settleUnwritten(this.queue.splice(0), err)
    for (const wake of this.roomWaiters.splice(0)) wake()
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

  /** Drains the queue; one drain at a time, serialised with the partition's other exclusive tasks. */
  private async drain(): Promise<void> {
    if (this.draining) return
    this.draining = true
    try {
      await this.exclusive(async () => {
        while (this.queue.length > 0) await this.write(this.takeQueued())
      })
    } catch {
      // Only the serial queue's refusal lands here — the partition was deleted while the drain
      // waited, and its removal already rejected everything queued (`write` never throws: it
      // settles every batch it takes). A rejection left unhandled would end the process.
    } finally {
      this.draining = false
    }
    if (this.queue.length > 0) void this.drain()
  }

  /** The next run to write: at most APPEND_WRITE_BUFFERS_MAX batches or about APPEND_WRITE_BYTES_MAX. */
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
}
