/**
 * A producer's batch for one partition: the records of one or more `send` calls that go to the
 * log as one `append` (one Kafka v2 batch), and which part of it each send owns (Kafka's
 * `ProducerBatch` with its per-record futures).
 *
 * Sizes are exact: a message's size in a batch depends only on its key, value and headers fields
 * (measured once, `prepareMessage`) and on its offset and timestamp deltas in the batch, so the
 * producer knows the encoded size of every batch before it appends it — a send whose records for
 * one partition cannot fit that topic's batch limit is RECORD_TOO_LARGE before anything is written,
 * and a lingering batch closes before it would outgrow `batchBytes` (Kafka's batch.size).
 *
 * One send's messages for one partition are never split across batches: a send is at most one
 * batch per partition (with `lingerMs` 0 exactly one), so its records in a partition are contiguous
 * and written all or nothing. A batch only grows while it is open; once handed to the sender its
 * records never change, so a resend is the same records with the same sequence (dedupe-safe).
 */
import { invalidArgType, outOfRange } from '../errors.js'
import { BATCH_HEADER_BYTES } from '../format/batch-header.js'
import { bytesFieldSize, headersSize, recordFixedBodySize, valueByteLength, type HeaderInput, type RecordInput, type RecordValue } from '../format/record.js'
import { varintSize } from '../format/varint.js'
import type { Acks } from '../partition/partition-options.js'

/** A message validated and measured, its timestamp fixed (the log's clock at the send when it had none). */
export interface PreparedMessage {
  readonly record: RecordInput & { timestamp: number }
  /** The message's own `partition`, unchecked (the partitioner checks it). */
  readonly partition: unknown
  /** Bytes of its key, value and headers fields: the part of its size its place in a batch does not change. */
  readonly fieldsBytes: number
}

/** Header counts of the record being measured: headersSize's out-parameter, unused here. */
const headerCounts = new Int32Array(1)

/** Validates `message` (messages[`index`]) as append validates a record, and measures it. */
export function prepareMessage(message: unknown, index: number, nowMs: number): PreparedMessage {
  if (message === null || typeof message !== 'object') throw invalidArgType(`messages[${index}]`, 'of type object', message)
  const m = message as { key?: RecordValue; value: RecordValue; headers?: HeaderInput; partition?: unknown; timestamp?: unknown }
  const keyBytes = m.key === undefined ? -1 : valueByteLength(m.key, index, 'key')
  const valueBytes = valueByteLength(m.value, index, 'value')
  const fieldsBytes = bytesFieldSize(keyBytes) + bytesFieldSize(valueBytes) + headersSize(m.headers, index, headerCounts, 0)
  let timestamp = nowMs
  if (m.timestamp !== undefined) {
    if (typeof m.timestamp !== 'number') throw invalidArgType(`messages[${index}].timestamp`, 'of type number', m.timestamp)
    if (!Number.isSafeInteger(m.timestamp) || m.timestamp < -1) throw outOfRange(`messages[${index}].timestamp`, '>= -1 and <= 2^53 - 1 (an integer)', m.timestamp)
    timestamp = m.timestamp
  }
  const record: RecordInput & { timestamp: number } = { key: m.key ?? null, value: m.value, timestamp }
  if (m.headers !== undefined) record.headers = m.headers
  return { record, partition: m.partition, fieldsBytes }
}

/**
 * Bytes `messages` add to a batch whose first record has `baseTimestamp`, placed from offset delta
 * `firstOffsetDelta` on; Infinity when a timestamp delta is not a safe integer (the encoder refuses
 * it: such a message needs a batch of its own).
 */
export function recordsBytes(messages: readonly PreparedMessage[], baseTimestamp: number, firstOffsetDelta: number): number {
  let bytes = 0
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!
    const timestampDelta = m.record.timestamp - baseTimestamp
    if (!Number.isSafeInteger(timestampDelta)) return Number.POSITIVE_INFINITY
    const bodyBytes = recordFixedBodySize(timestampDelta, firstOffsetDelta + i) + m.fieldsBytes
    bytes += bodyBytes + varintSize(bodyBytes)
  }
  return bytes
}

/** The encoded size of `messages` as a batch of their own. */
export function standaloneBatchBytes(messages: readonly PreparedMessage[]): number {
  return BATCH_HEADER_BYTES + recordsBytes(messages, messages[0]!.record.timestamp, 0)
}

/** Where one send's records landed in its partition. */
export interface PartOffsets {
  baseOffset: number
  lastOffset: number
}

/** One send's records in a batch: records [start, start + count). */
export interface BatchPart {
  readonly start: number
  readonly count: number
  readonly resolve: (offsets: PartOffsets) => void
  readonly reject: (err: unknown) => void
}

/** What an append resolved with (the fields the producer uses). */
export interface BatchAppendResult {
  baseOffset: number
  lastOffset: number
  duplicate?: boolean
}

const ACKS_STRENGTH: Record<string, number> = { '0': 0, '1': 1, all: 2 }

export class ProducerBatch {
  readonly records: RecordInput[] = []
  readonly parts: BatchPart[] = []
  /** The encoded size of the batch as it stands. */
  sizeBytes = BATCH_HEADER_BYTES
  /** The strongest acks of its sends: a send asking for 'all' is never answered on a weaker write. */
  acks: Acks = 0
  /** Set by the sender when it hands the batch to the log; kept for resends (−1: none yet, or not idempotent). */
  baseSequence = -1
  /** Sends of this batch to the log that failed with a retriable error. */
  retriesUsed = 0
  /** Settles (never rejects) once every send's part has resolved or rejected: what flush() waits for. */
  readonly done: Promise<void>
  private settleDone!: () => void
  private baseTimestamp = 0

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {
    this.done = new Promise((resolve) => (this.settleDone = resolve))
  }

  get recordsCount(): number {
    return this.records.length
  }

  /**
   * Adds one send's `messages` if the batch stays within `limitBytes` (or is empty: the caller
   * checked the standalone size), returning the part; null when they do not fit.
   */
  tryAdd(messages: readonly PreparedMessage[], acks: Acks, limitBytes: number, part: Omit<BatchPart, 'start' | 'count'>): BatchPart | null {
    const empty = this.records.length === 0
    const base = empty ? messages[0]!.record.timestamp : this.baseTimestamp
    const added = recordsBytes(messages, base, this.records.length)
    if (!empty && this.sizeBytes + added > limitBytes) return null
    if (empty) this.baseTimestamp = base
    const placed: BatchPart = { start: this.records.length, count: messages.length, resolve: part.resolve, reject: part.reject }
    for (const m of messages) this.records.push(m.record)
    this.parts.push(placed)
    this.sizeBytes += added
    if (ACKS_STRENGTH[String(acks)]! > ACKS_STRENGTH[String(this.acks)]!) this.acks = acks
    return placed
  }

  /** Resolves every send's part from the batch's offsets (−1 for both under acks 0). */
  complete(result: BatchAppendResult): void {
    for (const part of this.parts) {
      if (result.baseOffset < 0) part.resolve({ baseOffset: -1, lastOffset: -1 })
      else part.resolve({ baseOffset: result.baseOffset + part.start, lastOffset: result.baseOffset + part.start + part.count - 1 })
    }
    this.settleDone()
  }

  fail(err: unknown): void {
    for (const part of this.parts) part.reject(err)
    this.settleDone()
  }
}
