/**
 * The producer's sender for one partition (Kafka's `Sender` and the sequence bookkeeping of its
 * `TransactionManager`, for one topic-partition): closed batches go to the log in order, up to
 * `maxInFlight` appended and not yet settled (pipelined: the partition validates them in queue
 * order), each idempotent batch with the producer id, epoch and the partition's next sequence.
 *
 * Outcomes are settled in batch order. When a batch fails, the sender waits until every batch in
 * flight behind it has settled too, then decides for each, in order:
 *   - succeeded → its sends resolve (behind a failure only when that failure's answer was lost,
 *     or the partition did not know the producer yet and so took any sequence);
 *   - a retriable error (isRetriable) with retries left, or OUT_OF_ORDER_SEQUENCE_NUMBER behind
 *     an earlier failure of the same window (the gap that failure left, not a fault of its own) →
 *     resent, after a backoff (retryBackoffMs doubling up to retryBackoffMaxMs) when a retriable
 *     error is among them;
 *   - anything else → its sends reject with the error.
 * Sequences: a batch gets the partition's next sequence when first handed to the log and keeps it
 * for every resend — the same records with the same producer id, epoch and base sequence, so if a
 * first attempt had been written after all (an answer lost), the partition answers the resend as a
 * duplicate with the original offsets. Only a batch refused for good (nothing written) frees its
 * sequences: the batches resent behind it move down to close the gap, and the partition's next
 * sequence with them (Kafka's adjustSequencesDueToFailedBatch); without that every later batch
 * would be OUT_OF_ORDER_SEQUENCE_NUMBER. A batch written behind a failure keeps what it took.
 * Until the partition has written one batch of the producer, only one is in flight: a partition
 * takes any first sequence from a producer it does not know (producer-validation.ts), so a batch
 * pipelined behind a refused first batch would be written and the first one, resent, refused.
 *
 * Which errors are retriable: only DISK_FULL — api.md: nothing of that append was kept, the log
 * stays writable, appends succeed again once space is freed; in Kafka the storage error of a full
 * log directory is retriable too. Never retried: STORAGE_ERROR (fail-stop: the log refuses every
 * write until reopened, so a retry could only fail again), LOG_CLOSED, UNKNOWN_TOPIC_OR_PARTITION
 * (a deleted topic), RECORD_TOO_LARGE, UNSUPPORTED_*, INVALID_PRODUCER_EPOCH, argument errors.
 * A non-idempotent producer retries the same way; DISK_FULL kept nothing, so that cannot duplicate,
 * but with maxInFlight > 1 a later batch written before the resend lands makes the partition's
 * order differ from the send order (as in Kafka without idempotence).
 *
 * Concurrency: event loop only; one sender per partition the producer has written to.
 */
import { SeglogError } from '../errors.js'
import { incrementSequence } from '../format/sequence.js'
import type { RecordInput } from '../format/record.js'
import type { Acks } from '../partition/partition-options.js'
import type { BatchAppendResult, ProducerBatch } from './producer-batch.js'

/** The append options a producer passes (api.md "Appending"; producer fields only when idempotent). */
export interface ProducerAppendOptions {
  acks: Acks
  producerId?: number
  producerEpoch?: number
  baseSequence?: number
}

/** The part of a partition handle the producer uses. */
export interface ProducerPartition {
  append(records: readonly RecordInput[], options: ProducerAppendOptions): Promise<BatchAppendResult>
}

export interface ProducerIdentity {
  producerId: number
  producerEpoch: number
}

export interface SenderContext {
  readonly maxInFlight: number
  readonly retries: number
  readonly retryBackoffMs: number
  readonly retryBackoffMaxMs: number
  /** The partition handle, looked up per send (a recreated topic has a new one); may throw. */
  partition(topic: string, partition: number): ProducerPartition
  /** An idempotent producer's id and epoch; null while they are being allocated (the producer calls `pump` once they are). */
  identity(): ProducerIdentity | null
  readonly idempotent: boolean
  /** Set when the producer was aborted: nothing more is handed to the log. */
  abortError(): Error | null
}

/** Whether the partition kept nothing of a batch refused with `err` and would take it again (header). */
export function isRetriable(err: unknown): boolean {
  return err instanceof SeglogError && err.code === 'DISK_FULL'
}

function isSequenceGap(err: unknown): boolean {
  return err instanceof SeglogError && err.code === 'OUT_OF_ORDER_SEQUENCE_NUMBER'
}

interface InFlight {
  batch: ProducerBatch
  settled: false | { ok: true; result: BatchAppendResult } | { ok: false; error: unknown }
}

export class PartitionSender {
  /** Closed batches not yet handed to the log, in order. */
  private readonly queue: ProducerBatch[] = []
  /** Batches handed to the log, in order. */
  private inFlight: InFlight[] = []
  /** The sequence the next batch handed to the log gets (idempotent producers). */
  private nextSequence = 0
  /** A backoff before resending is running: nothing is handed to the log meanwhile. */
  private backoffTimer: NodeJS.Timeout | null = null
  /** A batch of this producer was written to the partition: it knows the producer's sequence. */
  private producerKnown = false

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly ctx: SenderContext,
  ) {}

  /** Queues a closed batch behind the others. */
  enqueue(batch: ProducerBatch): void {
    const aborted = this.ctx.abortError()
    if (aborted !== null) {
      batch.fail(aborted)
      return
    }
    this.queue.push(batch)
    this.pump()
  }

  /** Hands queued batches to the log while the window has room (called again when an id arrives). */
  pump(): void {
    if (this.backoffTimer !== null) return
    if (this.ctx.idempotent && this.queue.length > 0 && this.ctx.identity() === null) return
    // Until a batch of this producer was written here, one at a time: the partition takes any
    // sequence from a producer it does not know, so a batch pipelined behind a refused first one
    // would be written and the resent first one then refused as out of order.
    const limit = this.ctx.idempotent && !this.producerKnown ? 1 : this.ctx.maxInFlight
    while (this.inFlight.length < limit && this.queue.length > 0) this.dispatch(this.queue.shift()!)
  }

  /** Rejects every batch not yet handed to the log (a failed id allocation, an abort). */
  failQueued(err: unknown): void {
    if (this.backoffTimer !== null) {
      clearTimeout(this.backoffTimer)
      this.backoffTimer = null
    }
    for (const batch of this.queue.splice(0)) batch.fail(err)
  }

  private dispatch(batch: ProducerBatch): void {
    const options: ProducerAppendOptions = { acks: batch.acks }
    if (this.ctx.idempotent) {
      const identity = this.ctx.identity()!
      // A resend keeps the sequence recover() gave it; a first send takes the next one.
      if (batch.baseSequence < 0) {
        batch.baseSequence = this.nextSequence
        this.nextSequence = incrementSequence(this.nextSequence, batch.recordsCount)
      }
      options.producerId = identity.producerId
      options.producerEpoch = identity.producerEpoch
      options.baseSequence = batch.baseSequence
    }
    const entry: InFlight = { batch, settled: false }
    this.inFlight.push(entry)
    let appended: Promise<BatchAppendResult>
    try {
      appended = this.ctx.partition(this.topic, this.partition).append(batch.records, options)
    } catch (err) {
      appended = Promise.reject(err)
    }
    appended.then(
      (result) => this.settle(entry, { ok: true, result }),
      (error: unknown) => this.settle(entry, { ok: false, error }),
    )
  }

  private settle(entry: InFlight, outcome: NonNullable<InFlight['settled']>): void {
    entry.settled = outcome
    // Settle in batch order: resolve the successes at the head; on a failure at the head wait
    // for the whole window, then recover.
    while (this.inFlight.length > 0) {
      const head = this.inFlight[0]!
      if (head.settled === false) return
      if (head.settled.ok) {
        this.inFlight.shift()
        this.producerKnown = true
        head.batch.complete(head.settled.result)
        continue
      }
      if (this.inFlight.some((e) => e.settled === false)) return
      this.recover()
      return
    }
    this.pump()
  }

  /** Every batch of the window settled and the first failed: decide each (header). */
  private recover(): void {
    const window = this.inFlight
    this.inFlight = []
    const aborted = this.ctx.abortError()
    const resend: ProducerBatch[] = []
    let backoffRetries = -1
    let failedBefore = false
    // The sequence the partition expects next, walking the window in order: a written batch
    // moves it past itself, a batch refused for good leaves it where it was.
    let expectedSequence = window[0]!.batch.baseSequence
    for (const { batch, settled } of window) {
      if (settled === false) throw new Error('recover() before the window settled')
      if (settled.ok) {
        this.producerKnown = true
        batch.complete(settled.result)
        if (this.ctx.idempotent) expectedSequence = incrementSequence(batch.baseSequence, batch.recordsCount)
        continue
      }
      const error = settled.error
      const retriable = isRetriable(error) && batch.retriesUsed < this.ctx.retries
      if (aborted === null && (retriable || (failedBefore && isSequenceGap(error)))) {
        if (retriable) {
          batch.retriesUsed++
          backoffRetries = Math.max(backoffRetries, batch.retriesUsed)
        }
        if (this.ctx.idempotent) {
          // Its old sequence unless a batch in front of it was refused for good (header).
          batch.baseSequence = expectedSequence
          expectedSequence = incrementSequence(expectedSequence, batch.recordsCount)
        }
        resend.push(batch)
      } else if (aborted !== null && (isRetriable(error) || isSequenceGap(error))) {
        batch.fail(aborted)
      } else {
        batch.fail(error)
      }
      failedBefore = true
    }
    if (this.ctx.idempotent) this.nextSequence = expectedSequence
    this.queue.unshift(...resend)
    if (backoffRetries < 0) {
      this.pump()
      return
    }
    const delayMs = Math.min(this.ctx.retryBackoffMaxMs, this.ctx.retryBackoffMs * 2 ** (backoffRetries - 1))
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = null
      this.pump()
    }, delayMs)
  }
}
