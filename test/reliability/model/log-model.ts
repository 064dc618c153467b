/**
 * A pure in-memory model of seglog's public API for H6 (reliability.md H6): topics,
 * partitions, segments and records as plain data, with what api.md, docs/decisions.md and Kafka's
 * semantics say each call does. The engine must equal this model after every command.
 *
 * What the model holds per partition: its segments (base offset, batches, size in bytes), the log
 * start offset and the log end offset. Every append in the model tests is awaited with
 * `acks: 'all'`, so the high watermark (and the LSO: no transactions) equals the log end offset.
 *
 * Rules modelled (and where they come from):
 * - append: one batch (batch-bytes.ts for its size); RECORD_TOO_LARGE above
 *   min(maxMessageBytes, segmentBytes), nothing written; a non-empty active segment rolls first when
 *   the batch would take it past segmentBytes (Kafka's shouldRoll on size; time rolls are kept out
 *   of reach by the generators: timestamps stay within a day of the clock, segmentMs is 7 days);
 * - read: from the batch holding `offset`, whole batches while their total stays within maxBytes
 *   (the first always), records at or above `offset`, at most maxRecords; nextOffset is past the
 *   last record returned, or past the last batch read when maxRecords did not stop it;
 *   OFFSET_OUT_OF_RANGE outside [logStartOffset, HW];
 * - offsetForTimestamp: the first offset in [logStartOffset, HW) whose record timestamp is ≥ the
 *   target, whatever the order of timestamps (FM-17), else null;
 * - deleteRecords(b): OFFSET_OUT_OF_RANGE past the HW; else logStartOffset = max(it, b) and every
 *   non-empty segment wholly below it goes, except the last (active) one, which keeps the log end;
 * - runRetention with retentionBytes ≥ 0: leading non-empty segments go while the partition stays at
 *   or above retentionBytes without them; logStartOffset moves to the first kept offset;
 * - idempotent appends (`producerAppend`): Kafka's dedupe and sequence rules over the last five
 *   batches per producer, which retention, deleteRecords and reopen leave alone;
 * - close + open: nothing changes.
 */
import { DEFAULT_TOPIC_CONFIG, type PartitionInfo, type RecordInput, type TopicConfig } from '../../../src/index.js'
import { batchSizeBytes } from './batch-bytes.js'
import { comparableRecord, storedRecord, type ComparableRecord, type StoredRecord } from './stored-record.js'

export interface ModelBatch {
  baseOffset: number
  lastOffset: number
  sizeBytes: number
  records: StoredRecord[]
}

export interface ModelSegment {
  baseOffset: number
  sizeBytes: number
  batches: ModelBatch[]
}

export interface ModelPartition {
  logStartOffset: number
  logEndOffset: number
  /** Never empty; the last one is active. */
  segments: ModelSegment[]
  /** Idempotent producers: epoch and last five batches (they outlive retention and reopen). */
  producers: Map<number, ModelProducer>
}

export interface ModelProducer {
  epoch: number
  batches: { firstSeq: number; lastSeq: number; baseOffset: number; lastOffset: number; logAppendTime: number }[]
}

export interface ModelProducerFields {
  producerId: number
  producerEpoch: number
  baseSequence: number
}

export interface ModelTopic {
  name: string
  config: Readonly<TopicConfig>
  partitions: ModelPartition[]
}

export type ModelOutcome<T> = { ok: T } | { error: string }

export interface ModelReadOptions {
  offset: number
  maxBytes?: number
  maxRecords?: number
}

export interface ModelReadResult {
  records: ComparableRecord[]
  nextOffset: number
  highWatermark: number
  lastStableOffset: number
  logStartOffset: number
}

const READ_MAX_BYTES_DEFAULT = 1024 * 1024

function emptyPartition(): ModelPartition {
  return { logStartOffset: 0, logEndOffset: 0, segments: [{ baseOffset: 0, sizeBytes: 0, batches: [] }], producers: new Map() }
}

function sizeOf(partition: ModelPartition): number {
  return partition.segments.reduce((sum, s) => sum + s.sizeBytes, 0)
}

export class LogModel {
  readonly topics = new Map<string, ModelTopic>()

  topicNames(): string[] {
    return [...this.topics.keys()].sort()
  }

  createTopic(name: string, partitions: number, config: Partial<TopicConfig>): ModelOutcome<void> {
    if (this.topics.has(name)) return { error: 'TOPIC_ALREADY_EXISTS' }
    const resolved = Object.freeze({ ...DEFAULT_TOPIC_CONFIG, ...config })
    this.topics.set(name, { name, config: resolved, partitions: Array.from({ length: partitions }, emptyPartition) })
    return { ok: undefined }
  }

  createPartitions(name: string, count: number): void {
    const topic = this.topic(name)
    while (topic.partitions.length < count) topic.partitions.push(emptyPartition())
  }

  alterTopicConfig(name: string, config: Partial<TopicConfig>): void {
    const topic = this.topic(name)
    topic.config = Object.freeze({ ...topic.config, ...config })
  }

  append(name: string, p: number, inputs: readonly RecordInput[], nowMs: number): ModelOutcome<{ baseOffset: number; lastOffset: number; logAppendTime: number }> {
    const topic = this.topic(name)
    const partition = topic.partitions[p]!
    const logAppendTime = topic.config.messageTimestampType === 'LogAppendTime'
    const records = inputs.map((input) => storedRecord(input, nowMs, logAppendTime))
    const sizeBytes = batchSizeBytes(records, inputs.map((input) => input.timestamp ?? nowMs))
    if (sizeBytes > Math.min(topic.config.maxMessageBytes, topic.config.segmentBytes)) return { error: 'RECORD_TOO_LARGE' }
    let active = partition.segments[partition.segments.length - 1]!
    if (active.sizeBytes > 0 && active.sizeBytes + sizeBytes > topic.config.segmentBytes) {
      active = { baseOffset: partition.logEndOffset, sizeBytes: 0, batches: [] }
      partition.segments.push(active)
    }
    const baseOffset = partition.logEndOffset
    const lastOffset = baseOffset + records.length - 1
    active.batches.push({ baseOffset, lastOffset, sizeBytes, records })
    active.sizeBytes += sizeBytes
    partition.logEndOffset = lastOffset + 1
    return { ok: { baseOffset, lastOffset, logAppendTime: logAppendTime ? nowMs : -1 } }
  }

  /**
   * An idempotent append (api.md "Appending"): too large first (refused at the call), then Kafka's
   * order — a duplicate of one of the last five batches (same epoch, same first and last sequence)
   * answers with its offsets and writes nothing; an older epoch is INVALID_PRODUCER_EPOCH; a new
   * epoch must start at 0 unless the producer is unknown, the same epoch must continue at the last
   * sequence + 1, else OUT_OF_ORDER_SEQUENCE_NUMBER. No expiration (the harness sets it past the
   * clock's spread).
   */
  producerAppend(
    name: string,
    p: number,
    inputs: readonly RecordInput[],
    nowMs: number,
    fields: ModelProducerFields,
  ): ModelOutcome<{ baseOffset: number; lastOffset: number; logAppendTime: number; duplicate: boolean }> {
    const topic = this.topic(name)
    const partition = topic.partitions[p]!
    const logAppendTime = topic.config.messageTimestampType === 'LogAppendTime'
    const records = inputs.map((input) => storedRecord(input, nowMs, logAppendTime))
    if (batchSizeBytes(records, inputs.map((input) => input.timestamp ?? nowMs)) > Math.min(topic.config.maxMessageBytes, topic.config.segmentBytes)) {
      return { error: 'RECORD_TOO_LARGE' }
    }
    const producer = partition.producers.get(fields.producerId)
    const firstSeq = fields.baseSequence
    const lastSeq = firstSeq + inputs.length - 1
    if (producer !== undefined && producer.epoch === fields.producerEpoch) {
      const original = producer.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq)
      if (original !== undefined) return { ok: { baseOffset: original.baseOffset, lastOffset: original.lastOffset, logAppendTime: original.logAppendTime, duplicate: true } }
    }
    if (producer !== undefined && fields.producerEpoch < producer.epoch) return { error: 'INVALID_PRODUCER_EPOCH' }
    if (producer !== undefined) {
      const expected = fields.producerEpoch !== producer.epoch ? 0 : (producer.batches.at(-1)?.lastSeq ?? -1) + 1
      if (firstSeq !== expected) return { error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }
    }
    const appended = this.append(name, p, inputs, nowMs)
    if (!('ok' in appended)) return appended
    const entry = producer !== undefined && producer.epoch === fields.producerEpoch ? producer : { epoch: fields.producerEpoch, batches: [] }
    entry.batches.push({ firstSeq, lastSeq, ...appended.ok })
    if (entry.batches.length > 5) entry.batches.shift()
    partition.producers.set(fields.producerId, entry)
    return { ok: { ...appended.ok, duplicate: false } }
  }

  /** The sequence that would continue producer `producerId` in its epoch (0 for an unknown one). */
  nextSequence(name: string, p: number, producerId: number): { epoch: number; next: number; batches: ModelProducer['batches'] } {
    const producer = this.topic(name).partitions[p]!.producers.get(producerId)
    return { epoch: producer?.epoch ?? 0, next: (producer?.batches.at(-1)?.lastSeq ?? -1) + 1, batches: producer?.batches ?? [] }
  }

  read(name: string, p: number, options: ModelReadOptions): ModelOutcome<ModelReadResult> {
    const partition = this.topic(name).partitions[p]!
    const { offset } = options
    const maxBytes = options.maxBytes ?? READ_MAX_BYTES_DEFAULT
    const maxRecords = options.maxRecords ?? Number.MAX_SAFE_INTEGER
    const hw = partition.logEndOffset
    if (offset < partition.logStartOffset || offset > hw) return { error: 'OFFSET_OUT_OF_RANGE' }
    const records: ComparableRecord[] = []
    let nextOffset = offset
    let bytesRead = 0
    let first = true
    outer: for (const segment of partition.segments) {
      for (const batch of segment.batches) {
        if (batch.lastOffset < offset) continue
        if (!first && bytesRead + batch.sizeBytes > maxBytes) break outer
        first = false
        bytesRead += batch.sizeBytes
        batch.records.forEach((record, i) => {
          const recordOffset = batch.baseOffset + i
          if (recordOffset < nextOffset || records.length >= maxRecords) return
          records.push(comparableRecord(recordOffset, record))
          nextOffset = recordOffset + 1
        })
        if (records.length >= maxRecords) break outer
        nextOffset = Math.max(nextOffset, batch.lastOffset + 1)
      }
    }
    return { ok: { records, nextOffset, highWatermark: hw, lastStableOffset: hw, logStartOffset: partition.logStartOffset } }
  }

  offsetForTimestamp(name: string, p: number, timestampMs: number): number | null {
    const partition = this.topic(name).partitions[p]!
    for (const { offset, record } of this.records(partition)) {
      if (offset >= partition.logStartOffset && record.timestamp >= timestampMs) return offset
    }
    return null
  }

  deleteRecords(name: string, p: number, beforeOffset: number): ModelOutcome<void> {
    const partition = this.topic(name).partitions[p]!
    if (beforeOffset > partition.logEndOffset) return { error: 'OFFSET_OUT_OF_RANGE' }
    if (beforeOffset <= partition.logStartOffset) return { ok: undefined }
    partition.logStartOffset = beforeOffset
    this.deleteSegmentsBelowLogStart(partition)
    return { ok: undefined }
  }

  runRetention(): void {
    for (const topic of this.topics.values()) {
      for (const partition of topic.partitions) {
        this.deleteSegmentsBelowLogStart(partition)
        if (!topic.config.cleanupPolicy.includes('delete') || topic.config.retentionBytes < 0) continue
        let excess = sizeOf(partition) - topic.config.retentionBytes
        let count = 0
        for (const segment of partition.segments) {
          if (segment.sizeBytes === 0 || excess - segment.sizeBytes < 0) break
          excess -= segment.sizeBytes
          count++
        }
        if (count === 0) continue
        const newStart = count < partition.segments.length ? partition.segments[count]!.baseOffset : partition.logEndOffset
        partition.logStartOffset = Math.max(partition.logStartOffset, newStart)
        this.deleteLeadingSegments(partition, count)
      }
    }
  }

  /** What describeTopic(name).partitions must say. */
  describe(name: string): PartitionInfo[] {
    return this.topic(name).partitions.map((partition, p) => ({
      partition: p,
      logStartOffset: partition.logStartOffset,
      highWatermark: partition.logEndOffset,
      lastStableOffset: partition.logEndOffset,
      logEndOffset: partition.logEndOffset,
      segments: partition.segments.length,
      sizeBytes: sizeOf(partition),
    }))
  }

  /** Every readable record of a partition, [logStartOffset, HW). */
  readable(name: string, p: number): ComparableRecord[] {
    const partition = this.topic(name).partitions[p]!
    const out: ComparableRecord[] = []
    for (const { offset, record } of this.records(partition)) if (offset >= partition.logStartOffset) out.push(comparableRecord(offset, record))
    return out
  }

  topic(name: string): ModelTopic {
    const topic = this.topics.get(name)
    if (topic === undefined) throw new Error(`model: no topic ${name}`)
    return topic
  }

  private *records(partition: ModelPartition): Generator<{ offset: number; record: StoredRecord }> {
    for (const segment of partition.segments) {
      for (const batch of segment.batches) {
        for (let i = 0; i < batch.records.length; i++) yield { offset: batch.baseOffset + i, record: batch.records[i]! }
      }
    }
  }

  /** Non-empty segments whose next offset is at or below logStartOffset go (partition.ts). */
  /** Never the last (active) segment: it keeps the log end (retention.ts; found by H6 seed 3). */
  private deleteSegmentsBelowLogStart(partition: ModelPartition): void {
    let count = 0
    for (let i = 0; i + 1 < partition.segments.length; i++) {
      if (partition.segments[i + 1]!.baseOffset > partition.logStartOffset || partition.segments[i]!.sizeBytes === 0) break
      count++
    }
    this.deleteLeadingSegments(partition, count)
  }

  /** Removing every segment first rolls an empty one at LEO (partition-log.ts deleteLeadingSegments). */
  private deleteLeadingSegments(partition: ModelPartition, count: number): void {
    if (count <= 0) return
    if (count >= partition.segments.length) {
      const active = partition.segments[partition.segments.length - 1]!
      if (!(active.sizeBytes === 0 && active.baseOffset === partition.logEndOffset)) {
        partition.segments.push({ baseOffset: partition.logEndOffset, sizeBytes: 0, batches: [] })
      }
      count = Math.min(count, partition.segments.length - 1)
    }
    partition.segments.splice(0, count)
  }
}
