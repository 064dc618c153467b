/**
 * The state of one producer id in one partition (Kafka's `ProducerStateEntry` and `BatchMetadata`,
 * kafka-storage.md §3.5): its epoch, the metadata of its last five batches (what a retry is
 * recognised by), the timestamp expiration measures idleness by (§3.7), the coordinator epoch of
 * the last transaction marker, and the first offset of its open transaction (§3.6).
 *
 * Invariants: `batches` holds at most PRODUCER_BATCHES_RETAINED entries, oldest first, all of
 * `producerEpoch` (a new epoch clears them); their offsets increase. An entry is a plain value: the
 * functions here that change one are called only on a copy the state manager owns
 * (producer-state-manager.ts copies before it stages), so a rejected or discarded batch never
 * touches the state a later batch is checked against. No I/O; single-threaded.
 */
import { NO_PRODUCER_EPOCH, NO_SEQUENCE, NO_TIMESTAMP } from '../format/batch-header.js'

/**
 * Batches remembered per producer: Kafka's `NUM_BATCHES_TO_RETAIN`, matching the client's limit of
 * five in-flight requests with idempotence, so a retry of any batch still in flight is recognised.
 */
export const PRODUCER_BATCHES_RETAINED = 5

/** Kafka's coordinator epoch before any transaction marker was seen. */
export const NO_COORDINATOR_EPOCH = -1

/** One written batch of a producer (Kafka's `BatchMetadata`, plus `firstSeq` stored rather than derived). */
export interface BatchMetadata {
  readonly firstSeq: number
  readonly lastSeq: number
  readonly lastOffset: number
  /** lastOffset − the batch's first offset. */
  readonly offsetDelta: number
  /** The batch's max timestamp. */
  readonly timestampMs: number
}

export interface ProducerEntry {
  readonly producerId: number
  /** int16; NO_PRODUCER_EPOCH (−1) until the first batch or marker. */
  producerEpoch: number
  /** At most PRODUCER_BATCHES_RETAINED, oldest first, all of `producerEpoch`. */
  batches: BatchMetadata[]
  /** The last batch's max timestamp or the last marker's timestamp (what expiration measures). */
  lastTimestampMs: number
  coordinatorEpoch: number
  /** First offset of the producer's open transaction; null when none is open. */
  currentTxnFirstOffset: number | null
}

/** What the state of a producer looks like before anything of it was seen (`ProducerStateEntry.empty`). */
export function emptyProducerEntry(producerId: number): ProducerEntry {
  return {
    producerId,
    producerEpoch: NO_PRODUCER_EPOCH,
    batches: [],
    lastTimestampMs: NO_TIMESTAMP,
    coordinatorEpoch: NO_COORDINATOR_EPOCH,
    currentTxnFirstOffset: null,
  }
}

/** A copy that shares nothing mutable with `entry` (batch metadata is immutable, so it is shared). */
export function copyProducerEntry(entry: Readonly<ProducerEntry>): ProducerEntry {
  return { ...entry, batches: entry.batches.slice() }
}

/** First sequence of the oldest retained batch, or NO_SEQUENCE. */
export function firstSeqOf(entry: Readonly<ProducerEntry>): number {
  return entry.batches.length === 0 ? NO_SEQUENCE : entry.batches[0]!.firstSeq
}

/** Last sequence of the newest batch, or NO_SEQUENCE: the sequence the next batch must follow. */
export function lastSeqOf(entry: Readonly<ProducerEntry>): number {
  return entry.batches.length === 0 ? NO_SEQUENCE : entry.batches[entry.batches.length - 1]!.lastSeq
}

/** First offset of the oldest retained batch, or −1. */
export function firstDataOffsetOf(entry: Readonly<ProducerEntry>): number {
  if (entry.batches.length === 0) return -1
  const oldest = entry.batches[0]!
  return oldest.lastOffset - oldest.offsetDelta
}

/** Last offset of the newest batch, or −1. */
export function lastDataOffsetOf(entry: Readonly<ProducerEntry>): number {
  return entry.batches.length === 0 ? -1 : entry.batches[entry.batches.length - 1]!.lastOffset
}

/** The retained batch with exactly this sequence range in this epoch (`findDuplicateBatch`), if any. */
export function findDuplicateBatch(entry: Readonly<ProducerEntry>, producerEpoch: number, firstSeq: number, lastSeq: number): BatchMetadata | null {
  if (producerEpoch !== entry.producerEpoch) return null
  for (const batch of entry.batches) {
    if (batch.firstSeq === firstSeq && batch.lastSeq === lastSeq) return batch
  }
  return null
}

/** A different epoch replaces the old one and forgets its batches (`maybeUpdateProducerEpoch`). */
function setEpoch(entry: ProducerEntry, producerEpoch: number): void {
  if (entry.producerEpoch === producerEpoch) return
  entry.producerEpoch = producerEpoch
  entry.batches = []
}

/** Records a written data batch (`ProducerStateEntry.addBatch`): keeps the newest five. */
export function addBatch(entry: ProducerEntry, producerEpoch: number, batch: BatchMetadata): void {
  setEpoch(entry, producerEpoch)
  if (entry.batches.length === PRODUCER_BATCHES_RETAINED) entry.batches.shift()
  entry.batches.push(batch)
  entry.lastTimestampMs = batch.timestampMs
}

/**
 * Records a transaction marker (`ProducerStateEntry.update(epoch, coordinatorEpoch, timestamp)`):
 * the marker's epoch becomes the producer's (a bumped one forgets the batches, so the next batch
 * must start at sequence 0), and the transaction is closed.
 */
export function addMarker(entry: ProducerEntry, producerEpoch: number, coordinatorEpoch: number, timestampMs: number): void {
  setEpoch(entry, producerEpoch)
  entry.coordinatorEpoch = coordinatorEpoch
  entry.currentTxnFirstOffset = null
  entry.lastTimestampMs = timestampMs
}
