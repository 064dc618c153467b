/**
 * fast-check generators of valid API input for H6 (and for H7's fixture, through `fc.sample` with a
 * seed): records with null keys and values, strings with lone surrogates, Uint8Array views with
 * a byteOffset, headers as objects or entry arrays, timestamps going backwards and -1 (Kafka's
 * NO_TIMESTAMP); topic configs with tiny segments, small index intervals, tight maxMessageBytes and
 * size retention.
 *
 * Bounds that keep the model exact: timestamps stay within TIMESTAMP_SPREAD_MS of CLOCK_BASE_MS and
 * the clock within CLOCK_SPREAD_MS, so no segment ever rolls on time (segmentMs is Kafka's 7-day
 * default) and time retention is off (retentionMs -1): every roll and deletion is size-driven,
 * which the model computes exactly.
 */
import fc from 'fast-check'
import type { RecordInput, RecordValue, TopicConfig } from '../../../src/index.js'

/** The manual clock's start: a fixed instant, so runs replay from their seed. */
export const CLOCK_BASE_MS = 1_700_000_000_000
export const DAY_MS = 24 * 60 * 60 * 1000
export const TIMESTAMP_SPREAD_MS = DAY_MS
export const CLOCK_SPREAD_MS = DAY_MS

export const TOPIC_NAMES = ['a', 'b.c', 'd_e-1'] as const

export const recordValueArb: fc.Arbitrary<RecordValue> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes)), weight: 2 },
  // A view into a larger buffer: byteOffset ≠ 0 must not leak the bytes around it.
  { arbitrary: fc.uint8Array({ minLength: 3, maxLength: 40 }).map((bytes) => bytes.subarray(2)), weight: 1 },
)

const headerKeyArb = fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 4 }))

export const headersArb: fc.Arbitrary<RecordInput['headers']> = fc.oneof(
  fc.constant(undefined),
  fc.array(fc.tuple(headerKeyArb, recordValueArb), { maxLength: 3 }),
  fc.array(fc.tuple(headerKeyArb, recordValueArb), { maxLength: 3 }).map((entries) => Object.fromEntries(entries) as Record<string, RecordValue>),
)

export const timestampArb: fc.Arbitrary<number | undefined> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 3 },
  { arbitrary: fc.constant(-1), weight: 1 },
  { arbitrary: fc.integer({ min: -TIMESTAMP_SPREAD_MS, max: TIMESTAMP_SPREAD_MS }).map((d) => CLOCK_BASE_MS + d), weight: 4 },
)

export const recordArb: fc.Arbitrary<RecordInput> = fc
  .record({
    key: fc.option(recordValueArb, { nil: undefined }),
    value: recordValueArb,
    headers: headersArb,
    timestamp: timestampArb,
  })
  .map((r) => {
    // Absent fields are left out rather than set to undefined, as a caller would write them.
    const out: RecordInput = { value: r.value }
    if (r.key !== undefined) out.key = r.key
    if (r.headers !== undefined) out.headers = r.headers
    if (r.timestamp !== undefined) out.timestamp = r.timestamp
    return out
  })

export const recordsArb: fc.Arbitrary<RecordInput[]> = fc.array(recordArb, { minLength: 1, maxLength: 6 })

/** Topic configs the model follows exactly (see the file header). */
export const topicConfigArb: fc.Arbitrary<Partial<TopicConfig>> = fc.record({
  segmentBytes: fc.integer({ min: 128, max: 2048 }),
  maxMessageBytes: fc.oneof({ arbitrary: fc.constant(8 * 1024 * 1024), weight: 4 }, { arbitrary: fc.integer({ min: 100, max: 1500 }), weight: 1 }),
  retentionBytes: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 4096 })),
  retentionMs: fc.constant(-1),
  indexIntervalBytes: fc.integer({ min: 0, max: 512 }),
  // 'os' mostly: an fdatasync per append is most of a run's time, and both modes have HW = LEO once acks 'all' resolve.
  durability: fc.constantFrom('fsync' as const, 'os' as const, 'os' as const),
  messageTimestampType: fc.constantFrom('CreateTime' as const, 'LogAppendTime' as const),
  preallocate: fc.boolean(),
})

export const partitionCountArb = fc.integer({ min: 1, max: 3 })
