/**
 * Rebuilds a segment's aborted-transaction entries while recovery walks its batches (Kafka's
 * LogSegment.recover → updateProducerState → ProducerStateManager.completeTxn, reduced to what the
 * `.txnindex` needs).
 *
 * State: the open transactions, producerId → first offset, as of the batch being replayed. The
 * caller passes the state as of the segment's base offset (transactions opened in earlier
 * segments) and gets it back updated, so the producer-state layer can own it across segments.
 *
 * Rules:
 * - a transactional data batch of a producer with no open transaction opens one at its base offset;
 * - a COMMIT or ABORT marker closes the producer's open transaction; an ABORT of an open one yields
 *   an AbortedTxn whose lastStableOffset follows Kafka's rule: the first offset of the earliest
 *   transaction still open for another producer, else the marker offset + 1;
 * - a marker with no open transaction (an empty transaction), a control batch without records
 *   (removed by the cleaner) and UNKNOWN control types change nothing.
 * Epochs and sequences are not checked: replay must accept whatever the log holds (kafka-storage.md §3.5, replay
 * origin).
 */
import { decodeBatch } from '../format/batch.js'
import { ATTRIBUTES_POS, PRODUCER_ID_POS, RECORDS_COUNT_POS, isControlBatch, isTransactionalBatch, readInt64 } from '../format/batch-header.js'
import { decodeControlRecord } from '../format/control.js'
import type { AbortedTxn } from '../index/txn-index.js'
import type { BatchPosition } from './batch-scanner.js'

export class TxnReplay {
  /** producerId → first offset of its open transaction. */
  readonly openTxns: Map<number, number>

  constructor(openTxns?: ReadonlyMap<number, number>) {
    this.openTxns = new Map(openTxns)
  }

  /** Replays one CRC-checked batch (`bytes` = the whole batch); returns the abort it completes, if any. */
  replay(batch: BatchPosition, bytes: Buffer): AbortedTxn | null {
    const attributes = bytes.readInt16BE(ATTRIBUTES_POS)
    const producerId = readInt64(bytes, PRODUCER_ID_POS)
    if (producerId < 0 || !isTransactionalBatch(attributes)) return null
    if (!isControlBatch(attributes)) {
      if (!this.openTxns.has(producerId)) this.openTxns.set(producerId, batch.baseOffset)
      return null
    }
    if (bytes.readInt32BE(RECORDS_COUNT_POS) === 0) return null
    const marker = decodeControlRecord(decodeBatch(bytes, 0, { verifyCrc: false }))
    if (marker.type === 'UNKNOWN') return null
    const firstOffset = this.openTxns.get(producerId)
    if (firstOffset === undefined) return null
    this.openTxns.delete(producerId)
    if (marker.type === 'COMMIT') return null
    let lastStableOffset = batch.lastOffset + 1
    for (const otherFirstOffset of this.openTxns.values()) {
      if (otherFirstOffset < lastStableOffset) lastStableOffset = otherFirstOffset
    }
    return { producerId, firstOffset, lastOffset: batch.lastOffset, lastStableOffset }
  }
}
