/**
 * Which arguments the public API accepts (api.md "Units", "Topic config", "Appending", "Reading",
 * FM-18), written as predicates so H6's input fuzzing can tell a generated value that must be
 * refused from one that is legal. The bounds are the documented ones (api.md, src/limits.ts):
 * offsets, sizes and counts are safe integers; timestamps are safe integers ≥ -1 on records and any
 * safe integer as a search target; keys, values and header values are `Buffer | Uint8Array |
 * string | null`; option objects reject unknown keys.
 *
 * A value these predicates call valid may still be refused for the state it meets (an offset past
 * the HW, a topic that exists); the callers pass that state in.
 */
import { DEFAULT_TOPIC_CONFIG } from '../../../src/index.js'
import { HEADER_KEY_BYTES_MAX, PARTITIONS_MAX, SEGMENT_BYTES_MAX, SEGMENT_BYTES_MIN, SEGMENT_INDEX_BYTES_MIN, BATCH_BYTES_MAX } from '../../../src/limits.js'

export type Validator = (value: unknown) => boolean

const MAX = Number.MAX_SAFE_INTEGER

export const isSafeInteger: Validator = (v) => typeof v === 'number' && Number.isSafeInteger(v)
export const integerIn =
  (min: number, max: number): Validator =>
  (v) =>
    isSafeInteger(v) && (v as number) >= min && (v as number) <= max
export const isBoolean: Validator = (v) => typeof v === 'boolean'
export const oneOf =
  (...values: unknown[]): Validator =>
  (v) =>
    values.includes(v)
export const isNonEmptyString: Validator = (v) => typeof v === 'string' && v.length > 0
export const isRecordValue: Validator = (v) => v === null || typeof v === 'string' || v instanceof Uint8Array
/** Any object: what counts is its own keys (an empty array or a Date has none, like `{}`). */
const isOptionsObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

/**
 * Topic config keys and the values accepted (api.md "Topic config"; bounds in src/limits.ts). Legal
 * values this version cannot act on yet are refused (UNSUPPORTED_FEATURE / _COMPRESSION_TYPE):
 * cleanup policies but 'delete', compression but none/producer, compaction knobs but their defaults.
 */
export const TOPIC_CONFIG_RULES: Record<keyof typeof DEFAULT_TOPIC_CONFIG, Validator> = {
  segmentBytes: integerIn(SEGMENT_BYTES_MIN, SEGMENT_BYTES_MAX),
  segmentMs: integerIn(1, MAX),
  segmentIndexBytes: integerIn(SEGMENT_INDEX_BYTES_MIN, SEGMENT_BYTES_MAX),
  indexIntervalBytes: integerIn(0, SEGMENT_BYTES_MAX),
  retentionBytes: integerIn(-1, MAX),
  retentionMs: integerIn(-1, MAX),
  cleanupPolicy: oneOf('delete'),
  maxMessageBytes: integerIn(1, BATCH_BYTES_MAX),
  messageTimestampType: oneOf('CreateTime', 'LogAppendTime'),
  compressionType: oneOf('none', 'producer'),
  durability: oneOf('fsync', 'os'),
  flushMessages: integerIn(1, MAX),
  flushMs: integerIn(0, MAX),
  deleteRetentionMs: oneOf(DEFAULT_TOPIC_CONFIG.deleteRetentionMs),
  minCompactionLagMs: oneOf(DEFAULT_TOPIC_CONFIG.minCompactionLagMs),
  minCleanableDirtyRatio: oneOf(DEFAULT_TOPIC_CONFIG.minCleanableDirtyRatio),
  preallocate: isBoolean,
}

/** Log.open's own options, besides the topic-config defaults. */
export const LOG_OPTION_RULES: Record<string, Validator> = {
  native: isBoolean,
  repair: isBoolean,
  retentionCheckIntervalMs: integerIn(1, 0x7fffffff),
  recoveryPointCheckpointIntervalMs: integerIn(1, 0x7fffffff),
  producerIdExpirationMs: integerIn(1, 0x7fffffff),
  clock: (v) => typeof v === 'function',
}

/**
 * An options object: `undefined` when `optional`, else an object whose every key is known and
 * legal and which has every `required` key.
 */
export function isValidOptions(value: unknown, rules: Record<string, Validator>, optional: boolean, required: readonly string[] = []): boolean {
  if (value === undefined) return optional
  if (!isOptionsObject(value)) return false
  if (!required.every((key) => value[key] !== undefined)) return false
  return Object.entries(value).every(([key, v]) => Object.hasOwn(rules, key) && (v === undefined || rules[key]!(v)))
}

const TOPIC_NAME_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/

/** api.md "Topic names": 1–249 of [a-zA-Z0-9._-], not `.`/`..`, not starting with `__`. */
export const isLegalTopicName: Validator = (v) => typeof v === 'string' && TOPIC_NAME_PATTERN.test(v) && v !== '.' && v !== '..' && !v.startsWith('__')

function isValidHeaders(headers: unknown): boolean {
  if (headers === undefined || headers === null) return true
  const validKey = (key: unknown) => typeof key === 'string' && Buffer.byteLength(key) <= HEADER_KEY_BYTES_MAX
  if (Array.isArray(headers)) return headers.every((entry) => Array.isArray(entry) && validKey(entry[0]) && isRecordValue(entry[1]))
  if (typeof headers !== 'object') return false
  return Object.keys(headers).every((key) => validKey(key) && isRecordValue((headers as Record<string, unknown>)[key]))
}

/** One record of an append (api.md "Appending"); extra keys are ignored, as Kafka's clients do. */
export function isValidRecord(record: unknown): boolean {
  if (typeof record !== 'object' || record === null) return false
  const r = record as Record<string, unknown>
  return (
    isRecordValue(r.value) &&
    (r.key === undefined || isRecordValue(r.key)) &&
    isValidHeaders(r.headers) &&
    (r.timestamp === undefined || integerIn(-1, MAX)(r.timestamp))
  )
}

/** The records argument of append, ignoring batch size (the caller checks maxMessageBytes). */
export function isValidRecords(records: unknown): boolean {
  if (!Array.isArray(records) || records.length === 0) return false
  if (!records.every(isValidRecord)) return false
  // Timestamps are deltas from the first record's: the spread must stay a safe integer.
  const timestamps = records.map((r) => (r as { timestamp?: number }).timestamp).filter((t): t is number => t !== undefined)
  return timestamps.length === 0 || Math.max(...timestamps) - Math.min(...timestamps) <= MAX
}

/**
 * The producer fields are legal only all three together (api.md "Appending"): one alone passes
 * its rule here, and `isValidOptions` then calls the whole object valid, so such objects are never
 * generated as bad inputs; one field out of range is refused whatever the others.
 */
export const APPEND_OPTION_RULES: Record<string, Validator> = {
  acks: oneOf(0, 1, 'all'),
  compression: oneOf('none'),
  producerId: integerIn(0, MAX),
  producerEpoch: integerIn(0, 0x7fff),
  baseSequence: integerIn(0, 0x7fffffff),
}

export const ISOLATIONS = ['read_uncommitted', 'read_committed'] as const

/** read's options in a partition whose readable offsets are [logStartOffset, HW]. */
export function readOptionRules(logStartOffset: number, highWatermark: number): Record<string, Validator> {
  return {
    offset: integerIn(logStartOffset, highWatermark),
    maxBytes: integerIn(1, MAX),
    maxRecords: integerIn(1, MAX),
    minBytes: integerIn(0, MAX),
    maxWaitMs: integerIn(0, MAX),
    isolation: oneOf(...ISOLATIONS),
    signal: (v) => v instanceof AbortSignal,
  }
}

/** stream's `from`: an offset it can read from, 'earliest', 'latest' or `{ timestamp }`. */
export function isValidStreamFrom(from: unknown, logStartOffset: number, highWatermark: number): boolean {
  if (from === undefined || from === 'earliest' || from === 'latest') return true
  if (typeof from === 'number') return integerIn(logStartOffset, highWatermark)(from)
  return typeof from === 'object' && from !== null && 'timestamp' in from && isSafeInteger((from as { timestamp: unknown }).timestamp)
}

export function streamOptionRules(logStartOffset: number, highWatermark: number): Record<string, Validator> {
  return {
    from: (v) => isValidStreamFrom(v, logStartOffset, highWatermark),
    isolation: oneOf(...ISOLATIONS),
    follow: isBoolean,
    signal: (v) => v instanceof AbortSignal,
  }
}

export function sendToOptionRules(logStartOffset: number, highWatermark: number): Record<string, Validator> {
  return { offset: integerIn(logStartOffset, highWatermark), maxBytes: integerIn(1, MAX), isolation: oneOf(...ISOLATIONS) }
}

/** A partition count createTopic accepts. */
export const isPartitionCount = integerIn(1, PARTITIONS_MAX)
