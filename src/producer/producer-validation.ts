/**
 * Idempotent-producer validation of one batch against its producer's state (Kafka's
 * `ProducerAppendInfo` with origin CLIENT, and the duplicate check `UnifiedLog.append` runs before
 * it; kafka-storage.md §3.5), and the state change a written batch makes — the same for an append
 * and for replay, which skips the checks (origin REPLICATION: recovery must accept whatever the log
 * holds).
 *
 * Order, exactly Kafka's:
 * 1. duplicate: same epoch and exactly the first/last sequence of one of the retained batches →
 *    that batch (its original offsets); nothing else is checked;
 * 2. epoch: older than the producer's → INVALID_PRODUCER_EPOCH;
 * 3. sequence: a new epoch must start at 0 unless the producer is unknown (no epoch yet: Kafka
 *    accepts any sequence then, so a producer whose state expired or whose data retention deleted
 *    is not wedged); the same epoch must continue at lastSeq + 1, wrapping from 2^31 − 1 to 0
 *    (no retained batch, e.g. after a marker bumped the epoch: lastSeq is −1, so 0) → otherwise
 *    OUT_OF_ORDER_SEQUENCE_NUMBER (a gap, an overlap, or a retry older than the retained batches);
 * 4. transaction state: a plain batch while the producer's transaction is open → INVALID_TXN_STATE.
 * Markers get the epoch check only (a bumped marker epoch is accepted: the coordinator fences with
 * it). Kafka's coordinator-epoch fencing of markers is left to the transactions issue.
 *
 * Pure functions; `applyBatch` mutates the entry it is given (a copy the caller owns).
 */
import { NO_PRODUCER_EPOCH, NO_SEQUENCE } from '../format/batch-header.js'
import { incrementSequence } from '../format/sequence.js'
import { SeglogError, assertSafeNonNegativeInteger, outOfRange } from '../errors.js'
import { addBatch, addMarker, findDuplicateBatch, lastSeqOf, type BatchMetadata, type ProducerEntry } from './producer-entry.js'

const INT16_MIN = -0x8000
const INT16_MAX = 0x7fff
const INT32_MIN = -0x8000_0000
const INT32_MAX = 0x7fff_ffff

/** A data batch of a producer, as the partition assigned its offsets. */
export interface ProducerDataBatch {
  readonly kind: 'data'
  readonly producerId: number
  readonly producerEpoch: number
  /** −1 (NO_SEQUENCE) only in replay, for batches Kafka wrote without sequences. */
  readonly baseSequence: number
  readonly firstOffset: number
  readonly lastOffset: number
  /** The batch's max timestamp (the append time under LogAppendTime). */
  readonly maxTimestampMs: number
  readonly transactional: boolean
}

/** A COMMIT or ABORT control batch (`EndTransactionMarker`) of a producer. */
export interface ProducerMarkerBatch {
  readonly kind: 'marker'
  readonly producerId: number
  readonly producerEpoch: number
  readonly offset: number
  readonly timestampMs: number
  readonly coordinatorEpoch: number
  readonly commit: boolean
}

export type ProducerBatch = ProducerDataBatch | ProducerMarkerBatch

/** A transaction a marker closed (`CompletedTxn`): what the transaction index needs. */
export interface CompletedTxn {
  readonly producerId: number
  readonly firstOffset: number
  /** The marker's offset. */
  readonly lastOffset: number
  readonly aborted: boolean
}

export function batchFirstOffset(batch: ProducerBatch): number {
  return batch.kind === 'data' ? batch.firstOffset : batch.offset
}

export function batchLastOffset(batch: ProducerBatch): number {
  return batch.kind === 'data' ? batch.lastOffset : batch.offset
}

/** Last sequence of a data batch (`DefaultRecordBatch.lastSequence`): wraps past 2^31 − 1 to 0. */
export function lastSequenceOf(batch: ProducerDataBatch): number {
  if (batch.baseSequence < 0) return NO_SEQUENCE
  return incrementSequence(batch.baseSequence, batch.lastOffset - batch.firstOffset)
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX)
}

function checkIntRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw outOfRange(name, `an integer in [${min}, ${max}]`, value)
}

/**
 * Programmer errors in a batch handed to the state (the append path validated the producer
 * fields; the scanner reads them from a checked header). `forAppend` adds what only a client batch
 * must satisfy: a real epoch and sequence.
 */
export function checkBatchArguments(batch: ProducerBatch, forAppend: boolean): void {
  assertSafeNonNegativeInteger('producerId', batch.producerId)
  checkIntRange('producerEpoch', batch.producerEpoch, forAppend ? 0 : INT16_MIN, INT16_MAX)
  if (batch.kind === 'data') {
    assertSafeNonNegativeInteger('firstOffset', batch.firstOffset)
    assertSafeNonNegativeInteger('lastOffset', batch.lastOffset)
    checkIntRange('lastOffset - firstOffset', batch.lastOffset - batch.firstOffset, 0, INT32_MAX)
    checkIntRange('baseSequence', batch.baseSequence, forAppend ? 0 : INT32_MIN, INT32_MAX)
    if (!Number.isSafeInteger(batch.maxTimestampMs)) throw outOfRange('maxTimestampMs', 'a safe integer', batch.maxTimestampMs)
  } else {
    assertSafeNonNegativeInteger('offset', batch.offset)
    checkIntRange('coordinatorEpoch', batch.coordinatorEpoch, INT32_MIN, INT32_MAX)
    if (!Number.isSafeInteger(batch.timestampMs)) throw outOfRange('timestampMs', 'a safe integer', batch.timestampMs)
  }
}

/**
 * Checks a client batch against `entry` (the producer's state including every batch accepted
 * before it). Returns the retained batch it duplicates, or null when it may be appended; throws
 * the typed error otherwise. Changes nothing.
 */
export function validateBatch(entry: Readonly<ProducerEntry>, batch: ProducerBatch): BatchMetadata | null {
  const offset = batchFirstOffset(batch)
  if (batch.kind === 'data') {
    const duplicate = findDuplicateBatch(entry, batch.producerEpoch, batch.baseSequence, lastSequenceOf(batch))
    if (duplicate !== null) return duplicate
  }
  if (batch.producerEpoch < entry.producerEpoch) {
    throw new SeglogError(
      'INVALID_PRODUCER_EPOCH',
      `Epoch of producer ${batch.producerId} at offset ${offset} is ${batch.producerEpoch}, older than its current epoch ${entry.producerEpoch}`,
      { offset },
    )
  }
  if (batch.kind === 'marker') return null
  const firstSeq = batch.baseSequence
  if (batch.producerEpoch !== entry.producerEpoch) {
    if (firstSeq !== 0 && entry.producerEpoch !== NO_PRODUCER_EPOCH) {
      throw new SeglogError(
        'OUT_OF_ORDER_SEQUENCE_NUMBER',
        `Producer ${batch.producerId} at offset ${offset} starts epoch ${batch.producerEpoch} (current ${entry.producerEpoch}) at sequence ${firstSeq}, not 0`,
        { offset },
      )
    }
  } else if (!inSequence(lastSeqOf(entry), firstSeq)) {
    throw new SeglogError(
      'OUT_OF_ORDER_SEQUENCE_NUMBER',
      `Out of order sequence for producer ${batch.producerId} at offset ${offset}: ${firstSeq} (incoming), ${lastSeqOf(entry)} (current last sequence) in epoch ${entry.producerEpoch}`,
      { offset },
    )
  }
  if (entry.currentTxnFirstOffset !== null && !batch.transactional) {
    throw new SeglogError(
      'INVALID_TXN_STATE',
      `Producer ${batch.producerId} sent a non-transactional batch at offset ${offset} while its transaction from offset ${entry.currentTxnFirstOffset} is open`,
      { offset },
    )
  }
  return null
}

/**
 * The change a written batch makes to its producer's entry (`appendDataBatch` /
 * `appendEndTxnMarker` after validation): a data batch is remembered and a transactional one opens
 * the transaction if none is; a marker takes its epoch and closes the transaction, returning it if
 * it held data (an empty transaction changes no stable offset).
 */
export function applyBatch(entry: ProducerEntry, batch: ProducerBatch): CompletedTxn | null {
  if (batch.kind === 'marker') {
    const first = entry.currentTxnFirstOffset
    addMarker(entry, batch.producerEpoch, batch.coordinatorEpoch, batch.timestampMs)
    if (first === null) return null
    return { producerId: batch.producerId, firstOffset: first, lastOffset: batch.offset, aborted: !batch.commit }
  }
  const lastSeq = lastSequenceOf(batch)
  addBatch(entry, batch.producerEpoch, {
    firstSeq: lastSeq === NO_SEQUENCE ? NO_SEQUENCE : batch.baseSequence,
    lastSeq,
    lastOffset: batch.lastOffset,
    offsetDelta: batch.lastOffset - batch.firstOffset,
    timestampMs: batch.maxTimestampMs,
  })
  if (entry.currentTxnFirstOffset === null && batch.transactional) entry.currentTxnFirstOffset = batch.firstOffset
  return null
}
