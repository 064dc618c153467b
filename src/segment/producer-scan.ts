/**
 * The producer batches of a segment, for rebuilding producer state at open (Kafka's
 * LogLoader/UnifiedLog.rebuildProducerState → loadProducersFromRecords, kafka-storage.md §3.8):
 * a header walk from the batch holding `fromOffset` to the logical end, turning every batch with a
 * producer id into a ProducerBatch (producer-validation.ts). Data batches need their header only
 * (producer id, epoch, base sequence, offsets, max timestamp, the transactional bit); a control
 * batch needs its one record decoded for commit/abort and the coordinator epoch (format/control.ts).
 * Control batches without records (removed by a cleaner) and UNKNOWN control types are no
 * producer batch; neither is a batch without a producer id. Every batch is reported, so the caller
 * can move the state's map end past those too.
 *
 * The walk is a checked header scan within the logical size (segment-walk.ts): a damaged header
 * there is CORRUPT_RECORD. CRCs are not checked here: open already re-validated every segment
 * recovery can cut (design.md recovery path §4), and the rest is checked by every read.
 * Synchronous; the visitor's batch object is fresh for each call.
 */
import { decodeBatch } from '../format/batch.js'
import {
  ATTRIBUTES_POS,
  BASE_SEQUENCE_POS,
  PRODUCER_EPOCH_POS,
  PRODUCER_ID_POS,
  RECORDS_COUNT_POS,
  isControlBatch,
  isTransactionalBatch,
  readInt64,
} from '../format/batch-header.js'
import { decodeControlRecord } from '../format/control.js'
import type { ProducerBatch } from '../producer/producer-validation.js'
import type { BatchPosition } from './batch-scanner.js'
import { checkOpen, logFdForIo } from './segment-files.js'
import { ensureIndexes } from './segment-load.js'
import { translateOffset } from './segment-read.js'
import type { SegmentState } from './segment-state.js'
import { scanner, walk } from './segment-walk.js'

/** Called for each batch in order: `producerBatch` is null for a batch that carries no producer state. */
export type ProducerBatchVisitor = (producerBatch: ProducerBatch | null, batch: BatchPosition) => void

/** Walks the batches holding offsets ≥ `fromOffset` (see the header); returns how many producer batches it met. */
export function scanProducerBatches(s: SegmentState, fromOffset: number, visit: ProducerBatchVisitor): number {
  checkOpen(s)
  ensureIndexes(s)
  const start = translateOffset(s, fromOffset, 0)
  if (start === null) return 0
  const fd = logFdForIo(s)
  const walker = scanner(s, start.position, s.logicalSizeBytes, false, s.logView.prefix(fd, s.logicalSizeBytes), fd)
  let found = 0
  for (const batch of walk(s, walker)) {
    const header = walker.headerBytes()
    const producerBatch = producerBatchOf(batch, header, () => walker.batchBytes())
    if (producerBatch !== null) found++
    visit(producerBatch, batch)
  }
  return found
}

/** The ProducerBatch a stored batch is, from its header (and, for a marker, its record); null for none. */
export function producerBatchOf(batch: BatchPosition, header: Buffer, wholeBatch: () => Buffer): ProducerBatch | null {
  const producerId = readInt64(header, PRODUCER_ID_POS)
  if (producerId < 0) return null
  const attributes = header.readInt16BE(ATTRIBUTES_POS)
  const producerEpoch = header.readInt16BE(PRODUCER_EPOCH_POS)
  if (!isControlBatch(attributes)) {
    return {
      kind: 'data',
      producerId,
      producerEpoch,
      baseSequence: header.readInt32BE(BASE_SEQUENCE_POS),
      firstOffset: batch.baseOffset,
      lastOffset: batch.lastOffset,
      maxTimestampMs: batch.maxTimestamp,
      transactional: isTransactionalBatch(attributes),
    }
  }
  if (header.readInt32BE(RECORDS_COUNT_POS) === 0) return null
  const marker = decodeControlRecord(decodeBatch(wholeBatch(), 0, { verifyCrc: false }))
  if (marker.type === 'UNKNOWN') return null
  return {
    kind: 'marker',
    producerId,
    producerEpoch,
    offset: batch.baseOffset,
    timestampMs: batch.maxTimestamp,
    coordinatorEpoch: marker.coordinatorEpoch,
    commit: marker.type === 'COMMIT',
  }
}
