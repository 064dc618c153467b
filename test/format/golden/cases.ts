/**
 * Inputs of the golden-byte fixtures. Each case says how its reference bytes are produced
 * (`reference`, always by kafkajs, never by seglog) and what seglog must encode from the same input.
 * Regenerate the .hex files with `UPDATE_GOLDEN=1 npx vitest run test/format/golden.test.ts`.
 */
import type { EncodeBatchOptions, RecordInput } from '../../../src/format/batch.js'
import type { ControlBatchInput } from '../../../src/format/control.js'
import { Long, kafkaJsControlBatch, kafkaJsEncodeBatch } from '../kafkajs.js'

export const T0 = 1_700_000_000_000

export interface DataCase {
  kind: 'data'
  name: string
  records: (RecordInput & { timestamp: number; headers?: Record<string, string | Buffer> })[]
  options: EncodeBatchOptions & { baseOffset: number; producerId: number; producerEpoch: number; baseSequence: number }
}

export interface ControlCase {
  kind: 'control'
  name: string
  marker: ControlBatchInput & { baseOffset: number }
}

export type GoldenCase = DataCase | ControlCase

export const goldenCases: GoldenCase[] = [
  {
    kind: 'data',
    name: 'single-record',
    records: [{ key: 'key', value: 'value', timestamp: T0 }],
    options: { baseOffset: 0, producerId: -1, producerEpoch: -1, baseSequence: -1 },
  },
  {
    kind: 'data',
    name: 'nulls-headers-backwards-time',
    records: [
      { key: null, value: 'first', timestamp: T0, headers: { 'content-type': 'text/plain', trace: Buffer.from([0xde, 0xad]) } },
      { key: Buffer.from([0, 1, 2]), value: null, timestamp: T0 - 60_000 },
      { key: 'k', value: '', timestamp: T0 + 1, headers: { 'ü': 'ÿ' } },
    ],
    options: { baseOffset: 0, producerId: -1, producerEpoch: -1, baseSequence: -1 },
  },
  {
    kind: 'data',
    name: 'transactional-producer',
    records: Array.from({ length: 5 }, (_, i) => ({ key: `order-${i}`, value: Buffer.alloc(20 + i, i), timestamp: T0 + i * 1000 })),
    options: { baseOffset: 1234, producerId: 987654321, producerEpoch: 3, baseSequence: 40, transactional: true },
  },
  {
    kind: 'control',
    name: 'commit-marker',
    marker: { type: 'COMMIT', producerId: 987654321, producerEpoch: 3, coordinatorEpoch: 11, timestamp: T0 + 5000, baseOffset: 1239 },
  },
]

/** The reference bytes for a case, produced by kafkajs. */
export async function referenceBytes(c: GoldenCase): Promise<Buffer> {
  if (c.kind === 'control') {
    return kafkaJsControlBatch({ ...c.marker, typeId: c.marker.type === 'COMMIT' ? 1 : 0 })
  }
  const first = c.records[0].timestamp
  return kafkaJsEncodeBatch(
    c.records.map((r, i) => ({
      offsetDelta: i,
      timestampDelta: r.timestamp - first,
      key: (r.key ?? null) as Buffer | string | null,
      value: r.value as Buffer | string | null,
      headers: r.headers,
    })),
    {
      firstOffset: Long.fromValue(c.options.baseOffset),
      firstTimestamp: first,
      maxTimestamp: Math.max(...c.records.map((r) => r.timestamp)),
      partitionLeaderEpoch: -1,
      producerId: Long.fromValue(c.options.producerId),
      producerEpoch: c.options.producerEpoch,
      firstSequence: c.options.baseSequence,
      transactional: c.options.transactional ?? false,
    },
  )
}
