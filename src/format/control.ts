/**
 * Transaction markers: control batches (Kafka `ControlRecordType`, `EndTransactionMarker`).
 *
 * A marker is a v2 batch with attributes isControl | isTransactional, the producer's id and epoch,
 * baseSequence −1, no compression, CreateTime, and exactly one record:
 *
 * | part   | bytes | layout                                                           |
 * |--------|------:|------------------------------------------------------------------|
 * | key    |     4 | int16 version (0) + int16 type (0 ABORT, 1 COMMIT)               |
 * | value  |     6 | int16 version (0) + int32 coordinatorEpoch                       |
 * | record |    17 | length 1 + body 16 (attrs, tsDelta, offDelta, 1+4, 1+6, headers) |
 * | batch  |    78 | 61-byte header + 17                                              |
 *
 * Reading follows Kafka: a negative key or value version is corruption; a higher version is read
 * as version 0 (fields are only ever appended). Types 2–6 (KRaft's LEADER_CHANGE, SNAPSHOT_*,
 * KRAFT_*) and unknown types decode as 'UNKNOWN' and are ignored by callers. A control batch with
 * no records is a marker the cleaner removed: callers skip it before calling
 * `decodeControlRecord`.
 */
import { invalidArgValue, SeglogError } from '../errors.js'
import { encodeRecordBatch, type DecodedBatch } from './batch.js'

export type ControlType = 'ABORT' | 'COMMIT'

export interface ControlBatchInput {
  type: ControlType
  producerId: number
  producerEpoch: number
  coordinatorEpoch: number
  timestamp: number
  baseOffset?: number
  partitionLeaderEpoch?: number
}

export interface ControlRecord {
  type: ControlType | 'UNKNOWN'
  /** The control key's version (0 today; higher versions are read as 0). */
  version: number
  /** The end-transaction marker's coordinator epoch; −1 for UNKNOWN types, which carry no marker. */
  coordinatorEpoch: number
}

/** Size of every marker batch (header 61 + record 17). */
export const CONTROL_BATCH_BYTES = 78

const CONTROL_KEY_BYTES = 4
const END_TXN_MARKER_BYTES = 6
const CONTROL_KEY_VERSION = 0
const END_TXN_MARKER_VERSION = 0
const TYPE_IDS: Record<ControlType, number> = { ABORT: 0, COMMIT: 1 }

/** A damaged marker: the batch is known by its offsets here, not by a byte position. */
function corruptMarker(batch: DecodedBatch, detail: string): SeglogError {
  return new SeglogError('CORRUPT_RECORD', `Corrupt control record in the batch at offset ${batch.baseOffset}: ${detail}`, {
    offset: batch.baseOffset,
    reason: 'invalid-control-batch',
  })
}

/** Encodes a COMMIT or ABORT marker for `producerId`/`producerEpoch`: exactly 78 bytes. */
export function encodeControlBatch(o: ControlBatchInput): Buffer {
  if (typeof o !== 'object' || o === null) throw invalidArgValue('marker', o, 'must be an object')
  const typeId = o.type === 'ABORT' || o.type === 'COMMIT' ? TYPE_IDS[o.type] : undefined
  if (typeId === undefined) throw invalidArgValue('marker.type', o.type, "must be 'ABORT' or 'COMMIT'")
  if (!Number.isInteger(o.coordinatorEpoch) || o.coordinatorEpoch < -0x8000_0000 || o.coordinatorEpoch > 0x7fff_ffff) {
    throw invalidArgValue('marker.coordinatorEpoch', o.coordinatorEpoch, 'must be an int32')
  }
  const key = Buffer.allocUnsafe(CONTROL_KEY_BYTES)
  key.writeInt16BE(CONTROL_KEY_VERSION, 0)
  key.writeInt16BE(typeId, 2)
  const value = Buffer.allocUnsafe(END_TXN_MARKER_BYTES)
  value.writeInt16BE(END_TXN_MARKER_VERSION, 0)
  value.writeInt32BE(o.coordinatorEpoch, 2)
  // transactional: true also validates producerId ≥ 0, which a marker needs.
  return encodeRecordBatch(
    [{ key, value, timestamp: o.timestamp }],
    {
      baseOffset: o.baseOffset,
      timestamp: o.timestamp,
      producerId: o.producerId,
      producerEpoch: o.producerEpoch,
      transactional: true,
      partitionLeaderEpoch: o.partitionLeaderEpoch,
    },
    true,
  )
}

/** Reads the marker of a decoded control batch holding one record (see the file header). */
export function decodeControlRecord(batch: DecodedBatch): ControlRecord {
  if (!batch.isControl) throw invalidArgValue('batch', batch.attributes, 'must be a control batch')
  // A stored batch whose control bit is set but whose record count is not one is damage, not a
  // programmer error: recovery meets it through txn-replay.ts.
  if (batch.records.length !== 1) throw corruptMarker(batch, `a control batch holds ${batch.records.length} records, not one`)
  const { key, value } = batch.records[0]
  if (key === null || key.length < CONTROL_KEY_BYTES) {
    throw corruptMarker(batch, `control record key has ${key?.length ?? 'null'} bytes, expected ${CONTROL_KEY_BYTES}`)
  }
  const version = key.readInt16BE(0)
  if (version < 0) throw corruptMarker(batch, `control record key has negative version ${version}`)
  const typeId = key.readInt16BE(2)
  const type = typeId === 0 ? 'ABORT' : typeId === 1 ? 'COMMIT' : 'UNKNOWN'
  if (type === 'UNKNOWN') return { type, version, coordinatorEpoch: -1 }

  if (value === null || value.length < END_TXN_MARKER_BYTES) {
    throw corruptMarker(batch, `end transaction marker has ${value?.length ?? 'null'} bytes, expected ${END_TXN_MARKER_BYTES}`)
  }
  const markerVersion = value.readInt16BE(0)
  if (markerVersion < 0) {
    throw corruptMarker(batch, `end transaction marker has negative version ${markerVersion}`)
  }
  return { type, version, coordinatorEpoch: value.readInt32BE(2) }
}
