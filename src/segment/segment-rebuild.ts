/**
 * The full, validating scan of a segment's `.log` that recovery and index rebuilds share
 * (Kafka's LogSegment.recover loop, kafka-storage.md §3.8).
 *
 * A batch is valid when the scanner accepts its header and CRC-32C (batch-scanner.ts) and its
 * offsets continue the segment: base offset above the previous batch's last offset (and ≥ the
 * segment's base), last offset within the 32-bit relative range. The scan stops at the first
 * invalid byte; nothing here modifies the `.log` — truncating there is the caller's decision.
 *
 * `rebuildIndexes` resets the offset and time indexes (and, when given the open transactions, the
 * transaction index) and re-adds entries by the same interval rule as appends: an entry for the
 * first batch that starts more than indexIntervalBytes after the last entry, keyed by its last
 * offset. An index that fills up (segmentIndexBytes lowered since the data was written) simply
 * stays sparser.
 */
import type { OffsetIndex } from '../index/offset-index.js'
import type { TimeIndex } from '../index/time-index.js'
import type { TransactionIndex } from '../index/txn-index.js'
import { NO_TIMESTAMP } from '../format/batch-header.js'
import { RELATIVE_OFFSET_MAX } from '../limits.js'
import type { BatchPosition, BatchScanner, ScanStop } from './batch-scanner.js'
import { TxnReplay } from './txn-replay.js'

/** The first invalid place in a segment: where valid data ends. */
export interface SegmentDamage {
  /** The offset after the last valid batch: the first offset that would be lost by cutting here. */
  firstBadOffset: number
  position: number
  detail: string
}

/**
 * Valid batches in order; `result.stop` tells where and why the walk ended (reason 'end' when
 * every byte of the range was valid).
 */
export function* validBatches(
  scanner: BatchScanner,
  baseOffset: number,
  result: { stop: ScanStop | null; lastOffset: number },
): Generator<BatchPosition> {
  result.lastOffset = baseOffset - 1
  for (let batch = scanner.next(); batch !== null; batch = scanner.next()) {
    if (batch.baseOffset <= result.lastOffset || batch.lastOffset - baseOffset > RELATIVE_OFFSET_MAX) {
      result.stop = {
        reason: 'corrupt',
        position: batch.position,
        detail: `offsets ${batch.baseOffset}..${batch.lastOffset} do not follow ${result.lastOffset} within the segment's range`,
      }
      return
    }
    yield batch
    result.lastOffset = batch.lastOffset
  }
  result.stop = scanner.stop
}

/** The first damage among the batches holding offsets below `upToOffset`, or null. */
export function findDamage(scanner: BatchScanner, baseOffset: number, upToOffset: number): SegmentDamage | null {
  const result = { stop: null as ScanStop | null, lastOffset: 0 }
  for (const batch of validBatches(scanner, baseOffset, result)) {
    if (batch.lastOffset + 1 >= upToOffset) return null
  }
  const stop = result.stop!
  return stop.reason === 'end' ? null : { firstBadOffset: result.lastOffset + 1, position: stop.position, detail: stop.detail }
}

export interface RebuildTarget {
  baseOffset: number
  indexIntervalBytes: number
  offsetIndex: OffsetIndex
  timeIndex: TimeIndex
  /** With the open transactions as of the segment's base offset, the `.txnindex` is rebuilt too. */
  txn: { index: TransactionIndex; openTxns: ReadonlyMap<number, number> } | null
  onBatch?: ((batch: BatchPosition, bytes: Buffer) => void) | undefined
}

export interface RebuildResult {
  stop: ScanStop
  lastOffset: number
  maxTimestamp: number
  offsetOfMaxTimestamp: number
  lastIndexEntryPosition: number
  openTxns: Map<number, number>
}

export function rebuildIndexes(scanner: BatchScanner, target: RebuildTarget): RebuildResult {
  const { offsetIndex, timeIndex, txn, onBatch } = target
  offsetIndex.reset()
  timeIndex.reset()
  txn?.index.reset()
  const replay = txn === null ? null : new TxnReplay(txn.openTxns)
  const walk = { stop: null as ScanStop | null, lastOffset: 0 }
  let maxTimestamp = NO_TIMESTAMP
  let offsetOfMaxTimestamp = -1
  let lastIndexEntryPosition = 0
  for (const batch of validBatches(scanner, target.baseOffset, walk)) {
    if (batch.maxTimestamp > maxTimestamp) {
      maxTimestamp = batch.maxTimestamp
      offsetOfMaxTimestamp = batch.lastOffset
    }
    if (batch.position - lastIndexEntryPosition > target.indexIntervalBytes) {
      if (!offsetIndex.isFull) offsetIndex.append(batch.lastOffset, batch.position)
      if (!timeIndex.isFull && maxTimestamp >= 0) timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp)
      lastIndexEntryPosition = batch.position
    }
    if (replay !== null || onBatch !== undefined) {
      const bytes = scanner.batchBytes()
      onBatch?.(batch, bytes)
      const aborted = replay?.replay(batch, bytes) ?? null
      if (aborted !== null) txn!.index.append(aborted)
    }
  }
  return {
    stop: walk.stop!,
    lastOffset: walk.lastOffset,
    maxTimestamp,
    offsetOfMaxTimestamp,
    lastIndexEntryPosition,
    openTxns: replay?.openTxns ?? new Map(),
  }
}
