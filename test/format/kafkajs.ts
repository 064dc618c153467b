/**
 * Typed access to kafkajs's record-batch codec (an independent v2 implementation, CommonJS, in
 * devDependencies) for the compatibility and golden tests. Only the internal modules the Produce
 * and Fetch requests themselves use.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export interface KafkaJsEncoder {
  buffer: Buffer
}

export interface KafkaJsRecordInput {
  offsetDelta: number
  timestampDelta: number
  key: Buffer | string | null
  value: Buffer | string | null
  headers?: Record<string, Buffer | string>
}

export interface KafkaJsBatchInput {
  records: KafkaJsEncoder[]
  firstOffset?: unknown
  firstTimestamp: number
  maxTimestamp: number
  partitionLeaderEpoch?: number
  lastOffsetDelta: number
  transactional?: boolean
  producerId?: unknown
  producerEpoch?: number
  firstSequence?: number
}

export interface KafkaJsDecodedRecord {
  timestamp: string
  offset: string
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, Buffer | null | (Buffer | null)[]>
  isControlRecord: boolean
}

export interface KafkaJsDecodedBatch {
  firstOffset: string
  firstTimestamp: string
  maxTimestamp: string
  partitionLeaderEpoch: number
  inTransaction: boolean
  isControlBatch: boolean
  lastOffsetDelta: number
  producerId: string
  producerEpoch: number
  firstSequence: number
  timestampType: number
  records: KafkaJsDecodedRecord[]
}

interface LongStatic {
  fromValue(value: number | string | bigint): unknown
}

export const Long = require('kafkajs/src/utils/long') as LongStatic
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (input: KafkaJsRecordInput) => KafkaJsEncoder
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch(input: KafkaJsBatchInput): Promise<KafkaJsEncoder>
}
const RecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<KafkaJsDecodedBatch>
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown
export const kafkaJsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number
export const KafkaJsEncoderClass = require('kafkajs/src/protocol/encoder') as new () => KafkaJsWriter

export interface KafkaJsWriter extends KafkaJsEncoder {
  writeInt8(v: number): KafkaJsWriter
  writeInt16(v: number): KafkaJsWriter
  writeInt32(v: number): KafkaJsWriter
  writeUInt32(v: number): KafkaJsWriter
  writeInt64(v: unknown): KafkaJsWriter
  writeVarInt(v: number): KafkaJsWriter
  writeVarLong(v: number): KafkaJsWriter
  writeVarIntBytes(v: Buffer | string | null): KafkaJsWriter
  writeEncoder(e: KafkaJsEncoder): KafkaJsWriter
}

/** Encodes a batch the way kafkajs's Produce request does (records with explicit deltas). */
export async function kafkaJsEncodeBatch(
  records: KafkaJsRecordInput[],
  batch: Omit<KafkaJsBatchInput, 'records' | 'lastOffsetDelta'>,
): Promise<Buffer> {
  const encoded = await RecordBatch({ ...batch, records: records.map((r) => Record(r)), lastOffsetDelta: records.length - 1 })
  return encoded.buffer
}

/** Decodes one batch the way kafkajs's Fetch response does. */
export function kafkaJsDecodeBatch(buf: Buffer): Promise<KafkaJsDecodedBatch> {
  return RecordBatchDecoder(new Decoder(buf))
}

export interface KafkaJsMarkerInput {
  typeId: number
  producerId: number
  producerEpoch: number
  coordinatorEpoch: number
  timestamp: number
  baseOffset: number
}

/**
 * A transaction marker built from kafkajs's own Record encoder and Encoder primitives, following
 * its RecordBatch encoder field by field but with attributes isControl | isTransactional (0x30),
 * which RecordBatch cannot set. CRC by kafkajs's crc32c.
 */
export function kafkaJsControlBatch(m: KafkaJsMarkerInput): Buffer {
  const key = new KafkaJsEncoderClass().writeInt16(0).writeInt16(m.typeId).buffer
  const value = new KafkaJsEncoderClass().writeInt16(0).writeInt32(m.coordinatorEpoch).buffer
  const record = Record({ offsetDelta: 0, timestampDelta: 0, key, value })
  const body = new KafkaJsEncoderClass()
    .writeInt16(0x30)
    .writeInt32(0) // lastOffsetDelta
    .writeInt64(Long.fromValue(m.timestamp))
    .writeInt64(Long.fromValue(m.timestamp))
    .writeInt64(Long.fromValue(m.producerId))
    .writeInt16(m.producerEpoch)
    .writeInt32(-1) // baseSequence
    .writeInt32(1) // recordsCount
    .writeEncoder(record)
  const afterLength = new KafkaJsEncoderClass()
    .writeInt32(-1) // partitionLeaderEpoch
    .writeInt8(2)
    .writeUInt32(kafkaJsCrc32c(body.buffer))
    .writeEncoder(body)
  return new KafkaJsEncoderClass()
    .writeInt64(Long.fromValue(m.baseOffset))
    .writeInt32(afterLength.buffer.length)
    .writeEncoder(afterLength).buffer
}
