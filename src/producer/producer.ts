/**
 * Producer: `log.producer(options)` (api.md "Producers"; issue 10 §4) — Kafka's producer for a
 * local log. `send({ topic, messages })` partitions the messages (partitioner.ts), groups them into
 * one batch per partition (producer-batch.ts; with `lingerMs` > 0 shared with other sends), and
 * hands the batches to each partition's sender (producer-sender.ts: in order, pipelined, retried
 * with the same sequences). The parts:
 *
 *   send ─► validate the request and every message, choose every message's partition, check every
 *           batch's size — all before anything is accumulated or written: a send refused for any
 *           message (a bad partition, an unknown topic, a bad value, a batch over the topic's
 *           limit) writes nothing
 *        ─► per partition: a batch of its own (lingerMs 0), or the partition's open batch, which
 *           closes when the next send's records would take it past `batchBytes`, once it reaches
 *           `batchBytes`, or `lingerMs` after it opened (Kafka's linger.ms / batch.size); each
 *           closed batch tells the partitioner (the sticky partition moves on) and goes to the
 *           partition's sender
 *        ─► resolves with one `{ topic, partition, baseOffset, lastOffset }` per partition
 *           touched, in partition order: where this send's own records landed (in a shared
 *           batch, its slice of it; a retried batch the partition answered as a duplicate, the
 *           original offsets).
 * A send is atomic per partition (its records there are one batch, or part of one) but not
 * across partitions: when one partition's batch fails, the send rejects with that error while
 * its other partitions' records may be written (Kafka's per-record futures; transactions will
 * give atomicity across partitions).
 *
 * Idempotence (default): the producer's id comes from the log on the first send
 * (`allocateProducerId`, durable and never reused: producer-ids.ts), its epoch is 0, and every
 * batch carries the partition's next sequence (int32, wrapping to 0). Record timestamps are fixed
 * at the send (the log's clock, for messages without one), so a resend is the same records.
 *
 * Lifecycle: `flush()` closes the open batches now and resolves once every batch that existed at
 * the call has settled (a send's own promise carries its outcome). `close()` refuses later sends
 * (LOG_CLOSED: "the producer is closed"), then flushes; idempotent; `Symbol.asyncDispose` closes.
 * Aborting `options.signal` fails every batch not yet handed to the log, and every later send,
 * with an AbortError; batches in flight settle as the log decides, without resends.
 *
 * Concurrency: event loop only. Timers (linger, backoff) keep the process alive while a send is
 * pending, so a pending send is never silently dropped by process exit.
 */
import { SeglogError } from '../errors.js'
import { ioFailure } from '../io/io-errors.js'
import { BATCH_BYTES_MAX } from '../limits.js'
import type { Log } from '../log.js'
import { abortError } from '../partition/hw-waiters.js'
import { prepareMessage, ProducerBatch, standaloneBatchBytes, type PartOffsets, type PreparedMessage } from './producer-batch.js'
import { validateProducerOptions, validateSendRequest, type ProducerMessage, type ProducerOptions, type SendRequest, type ValidProducerOptions } from './producer-options.js'
import { PartitionSender, type ProducerIdentity, type ProducerPartition, type SenderContext } from './producer-sender.js'
import { resolvePartitioner, type PartitionedMessage, type ResolvedPartitioner } from './partitioner.js'

export type { ProducerOptions, ProducerMessage, SendRequest } from './producer-options.js'
export type { ProducerPartition, ProducerAppendOptions } from './producer-sender.js'

/** What the producer needs to know of a topic before it writes. */
export interface TopicLimits {
  partitionCount: number
  /** The largest batch its partitions take: min(maxMessageBytes, segmentBytes). */
  batchBytesMax: number
}

/** The narrow view of the Log a producer works through (the Log implements it for `log.producer`). */
export interface ProducerLog {
  /** Throws UNKNOWN_TOPIC_OR_PARTITION for an unknown topic and LOG_CLOSED after close, synchronously. */
  topicLimits(topic: string): TopicLimits
  partition(topic: string, partition: number): ProducerPartition
  /** A producer id never handed out before in this log directory (producer-ids.ts). */
  allocateProducerId(): Promise<number>
  /** The log's clock (record timestamps). */
  now(): number
  /** Told once a producer's close() has flushed (the Log forgets the producers it closes at its own close). */
  producerClosed?(producer: Producer): void
}

/** One entry of `send`'s result: where this send's records for one partition landed. */
export interface SendResult {
  topic: string
  partition: number
  baseOffset: number
  lastOffset: number
}

/** An open (lingering) batch of one partition. */
interface OpenBatch {
  batch: ProducerBatch
  timer: NodeJS.Timeout
  partitionCount: number
}

/** The epoch of a producer without a transactionalId: it never changes. */
const IDEMPOTENT_PRODUCER_EPOCH = 0

export class Producer {
  private readonly options: ValidProducerOptions
  private readonly partitioner: ResolvedPartitioner
  private readonly senders = new Map<string, PartitionSender>()
  private readonly openBatches = new Map<string, OpenBatch>()
  /** Batches created and not yet settled: what flush() waits for. */
  private readonly pending = new Set<ProducerBatch>()
  private readonly senderContext: SenderContext
  private identityValue: ProducerIdentity | null = null
  private allocating = false
  private closedPromise: Promise<void> | null = null
  private aborted: Error | null = null
  private readonly onAbort: (() => void) | null = null

  constructor(
    private readonly log: ProducerLog,
    options?: ProducerOptions,
  ) {
    this.options = validateProducerOptions(options)
    this.partitioner = resolvePartitioner(this.options.partitioner)
    const o = this.options
    this.senderContext = {
      maxInFlight: o.maxInFlight,
      retries: o.retries,
      retryBackoffMs: o.retryBackoffMs,
      retryBackoffMaxMs: o.retryBackoffMaxMs,
      idempotent: o.idempotent,
      partition: (topic, partition) => this.log.partition(topic, partition),
      identity: () => {
        if (this.identityValue === null) this.allocateIdentity()
        return this.identityValue
      },
      abortError: () => this.aborted,
    }
    const signal = o.signal
    if (signal !== undefined) {
      if (signal.aborted) this.aborted = abortError(signal)
      else {
        this.onAbort = () => this.abort(abortError(signal))
        signal.addEventListener('abort', this.onAbort, { once: true })
      }
    }
  }

  /** The producer id once the first send obtained it (idempotent producers), else null. */
  get producerId(): number | null {
    return this.identityValue?.producerId ?? null
  }

  /** Sends `request.messages` to `request.topic` (file header). */
  send(request: SendRequest): Promise<SendResult[]> {
    let topic: string
    let partitions: number[]
    let parts: Promise<PartOffsets>[]
    try {
      if (this.closedPromise !== null) throw new SeglogError('LOG_CLOSED', 'The producer is closed')
      if (this.aborted !== null) throw this.aborted
      const valid = validateSendRequest(request, this.options)
      topic = valid.topic
      const limits = this.log.topicLimits(topic)
      const byPartition = this.partitionMessages(topic, valid.messages, limits.partitionCount)
      partitions = [...byPartition.keys()].sort((a, b) => a - b)
      const limitBytes = Math.min(limits.batchBytesMax, BATCH_BYTES_MAX)
      for (const partition of partitions) {
        const sizeBytes = standaloneBatchBytes(byPartition.get(partition)!)
        if (sizeBytes > limitBytes) {
          throw new SeglogError(
            'RECORD_TOO_LARGE',
            `The ${byPartition.get(partition)!.length} messages of this send for ${topic}-${partition} make a batch of ${sizeBytes} bytes, over the topic's limit of ${limitBytes} (min of maxMessageBytes and segmentBytes)`,
            { topic, partition },
          )
        }
      }
      // Nothing was written or accumulated above; from here on nothing throws.
      parts = partitions.map(
        (partition) =>
          new Promise<PartOffsets>((resolve, reject) =>
            this.place(topic, partition, limits, byPartition.get(partition)!, valid.acks, { resolve, reject }),
          ),
      )
    } catch (err) {
      return Promise.reject(err)
    }
    return Promise.all(parts).then((offsets) => offsets.map((o, i) => ({ topic, partition: partitions[i]!, baseOffset: o.baseOffset, lastOffset: o.lastOffset })))
  }

  /** Closes the open batches now; resolves once every batch that exists now has settled. */
  async flush(): Promise<void> {
    for (const key of [...this.openBatches.keys()]) this.closeOpenBatch(key)
    await Promise.all([...this.pending].map((batch) => batch.done))
  }

  /** Refuses later sends, then flushes (file header). Idempotent. */
  close(): Promise<void> {
    this.closedPromise ??= this.flush().finally(() => {
      if (this.onAbort !== null) this.options.signal?.removeEventListener('abort', this.onAbort)
      this.log.producerClosed?.(this)
    })
    return this.closedPromise
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  // --- internals ---------------------------------------------------------------------------------

  /** Validates every message, then chooses every partition; throws before anything is placed. */
  private partitionMessages(topic: string, messages: readonly ProducerMessage[], partitionCount: number): Map<number, PreparedMessage[]> {
    const nowMs = this.log.now()
    const prepared = messages.map((message, index) => prepareMessage(message, index, nowMs))
    const byPartition = new Map<number, PreparedMessage[]>()
    for (let i = 0; i < messages.length; i++) {
      const partition = this.partitioner.choosePartition(messages[i] as PartitionedMessage, topic, partitionCount)
      let group = byPartition.get(partition)
      if (group === undefined) byPartition.set(partition, (group = []))
      group.push(prepared[i]!)
    }
    return byPartition
  }

  /** Puts one send's records for `partition` into a batch (file header); never throws. */
  private place(
    topic: string,
    partition: number,
    limits: TopicLimits,
    messages: readonly PreparedMessage[],
    acks: ValidProducerOptions['acks'],
    part: { resolve: (offsets: PartOffsets) => void; reject: (err: unknown) => void },
  ): void {
    const { lingerMs, batchBytes } = this.options
    const limitBytes = Math.min(batchBytes, limits.batchBytesMax, BATCH_BYTES_MAX)
    const key = `${topic} ${partition}`
    const open = this.openBatches.get(key)
    if (open !== undefined) {
      open.partitionCount = limits.partitionCount
      if (open.batch.tryAdd(messages, acks, limitBytes, part) !== null) {
        if (open.batch.sizeBytes >= batchBytes) this.closeOpenBatch(key)
        return
      }
      this.closeOpenBatch(key)
    }
    const batch = new ProducerBatch(topic, partition)
    batch.tryAdd(messages, acks, limitBytes, part) // an empty batch takes them: send() checked their size
    this.pending.add(batch)
    void batch.done.then(() => this.pending.delete(batch))
    if (lingerMs === 0 || batch.sizeBytes >= batchBytes) {
      this.closeBatch(batch, limits.partitionCount)
      return
    }
    const timer = setTimeout(() => this.closeOpenBatch(key), lingerMs)
    this.openBatches.set(key, { batch, timer, partitionCount: limits.partitionCount })
  }

  private closeOpenBatch(key: string): void {
    const open = this.openBatches.get(key)
    if (open === undefined) return
    this.openBatches.delete(key)
    clearTimeout(open.timer)
    this.closeBatch(open.batch, open.partitionCount)
  }

  /** A batch is complete: the sticky partition may move on, and the batch goes to its sender. */
  private closeBatch(batch: ProducerBatch, partitionCount: number): void {
    this.partitioner.batchCompleted(batch.topic, partitionCount, batch.partition)
    const key = `${batch.topic} ${batch.partition}`
    let sender = this.senders.get(key)
    if (sender === undefined) this.senders.set(key, (sender = new PartitionSender(batch.topic, batch.partition, this.senderContext)))
    sender.enqueue(batch)
  }

  /** Asks the log for a producer id (once at a time); senders waiting for it are pumped, or failed. */
  private allocateIdentity(): void {
    if (this.allocating) return
    this.allocating = true
    this.log.allocateProducerId().then(
      (producerId) => {
        this.allocating = false
        this.identityValue = { producerId, producerEpoch: IDEMPOTENT_PRODUCER_EPOCH }
        for (const sender of this.senders.values()) sender.pump()
      },
      (err: unknown) => {
        // The batches waiting for an id fail; the next send asks again.
        this.allocating = false
        for (const sender of this.senders.values()) sender.failQueued(err)
      },
    )
  }

  private abort(err: Error): void {
    if (this.aborted !== null) return
    this.aborted = err
    for (const [key, open] of [...this.openBatches]) {
      this.openBatches.delete(key)
      clearTimeout(open.timer)
      open.batch.fail(err)
    }
    for (const sender of this.senders.values()) sender.failQueued(err)
  }
}

/**
 * A ProducerLog over a Log's public API and a producer id source: what `log.producer` gives the
 * producer until the Log implements the interface itself (it can look the topic up without
 * describing every partition). A system error from `allocate` becomes DISK_FULL or STORAGE_ERROR.
 */
export function producerLogFor(log: Log, allocate: () => Promise<number>, now: () => number = Date.now): ProducerLog {
  return {
    topicLimits(topic) {
      const { config, partitions } = log.describeTopic(topic)
      return { partitionCount: partitions.length, batchBytesMax: Math.min(config.maxMessageBytes, config.segmentBytes) }
    },
    partition: (topic, partition) => log.partition(topic, partition),
    allocateProducerId: () =>
      allocate().catch((err: unknown) => {
        throw ioFailure(err, `Allocating a producer id in ${log.dir}`) ?? err
      }),
    now,
  }
}
