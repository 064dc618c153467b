/**
 * Topic configuration (Kafka topic configs, camelCased — api.md "Topic config"): the types, the
 * defaults, and the validation that turns user input into a frozen config. Unknown keys, wrong
 * types and out-of-range values are programmer errors (TypeError/RangeError with Node's codes);
 * legal values this version cannot act on yet are SeglogErrors (`UNSUPPORTED_FEATURE`,
 * `UNSUPPORTED_COMPRESSION_TYPE`); nothing is written before validation passes.
 */
import { invalidArgType, invalidArgValue, outOfRange, SeglogError } from './errors.js'
import { SEGMENT_BYTES_MAX, SEGMENT_BYTES_MIN, SEGMENT_INDEX_BYTES_MIN, BATCH_BYTES_MAX } from './limits.js'

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete'
export type TimestampType = 'CreateTime' | 'LogAppendTime'
export type CompressionType = 'none' | 'gzip' | 'lz4' | 'zstd' | 'snappy' | 'producer'
export type Durability = 'fsync' | 'os'

export interface TopicConfig {
  segmentBytes: number
  segmentMs: number
  segmentIndexBytes: number
  indexIntervalBytes: number
  retentionBytes: number
  retentionMs: number
  cleanupPolicy: CleanupPolicy
  maxMessageBytes: number
  messageTimestampType: TimestampType
  compressionType: CompressionType
  durability: Durability
  flushMessages: number
  flushMs: number
  deleteRetentionMs: number
  minCompactionLagMs: number
  minCleanableDirtyRatio: number
  preallocate: boolean
}

const DAY_MS = 24 * 60 * 60 * 1000
const MIB = 1024 * 1024

/** api.md defaults. `flushMessages`/`flushMs` only matter in 'os' mode; MAX_SAFE_INTEGER = never. */
export const DEFAULT_TOPIC_CONFIG: Readonly<TopicConfig> = Object.freeze({
  segmentBytes: 128 * MIB,
  segmentMs: 7 * DAY_MS,
  segmentIndexBytes: 10 * MIB,
  indexIntervalBytes: 4096,
  retentionBytes: -1,
  retentionMs: 7 * DAY_MS,
  cleanupPolicy: 'delete',
  maxMessageBytes: 8 * MIB,
  messageTimestampType: 'CreateTime',
  compressionType: 'producer',
  durability: 'fsync',
  flushMessages: Number.MAX_SAFE_INTEGER,
  flushMs: Number.MAX_SAFE_INTEGER,
  deleteRetentionMs: DAY_MS,
  minCompactionLagMs: 0,
  minCleanableDirtyRatio: 0.5,
  preallocate: false,
})

type IntegerRule = { kind: 'integer'; min: number; max: number }
type EnumRule = { kind: 'enum'; values: readonly string[] }
type Rule = IntegerRule | EnumRule | { kind: 'ratio' } | { kind: 'boolean' }

const MAX = Number.MAX_SAFE_INTEGER
const RULES: Record<keyof TopicConfig, Rule> = {
  segmentBytes: { kind: 'integer', min: SEGMENT_BYTES_MIN, max: SEGMENT_BYTES_MAX },
  segmentMs: { kind: 'integer', min: 1, max: MAX },
  segmentIndexBytes: { kind: 'integer', min: SEGMENT_INDEX_BYTES_MIN, max: SEGMENT_BYTES_MAX },
  indexIntervalBytes: { kind: 'integer', min: 0, max: SEGMENT_BYTES_MAX },
  retentionBytes: { kind: 'integer', min: -1, max: MAX },
  retentionMs: { kind: 'integer', min: -1, max: MAX },
  cleanupPolicy: { kind: 'enum', values: ['delete', 'compact', 'compact,delete'] },
  maxMessageBytes: { kind: 'integer', min: 1, max: BATCH_BYTES_MAX },
  messageTimestampType: { kind: 'enum', values: ['CreateTime', 'LogAppendTime'] },
  compressionType: { kind: 'enum', values: ['none', 'gzip', 'lz4', 'zstd', 'snappy', 'producer'] },
  durability: { kind: 'enum', values: ['fsync', 'os'] },
  flushMessages: { kind: 'integer', min: 1, max: MAX },
  flushMs: { kind: 'integer', min: 0, max: MAX },
  deleteRetentionMs: { kind: 'integer', min: 0, max: MAX },
  minCompactionLagMs: { kind: 'integer', min: 0, max: MAX },
  minCleanableDirtyRatio: { kind: 'ratio' },
  preallocate: { kind: 'boolean' },
}

const TOPIC_CONFIG_KEYS = new Set(Object.keys(RULES))

/**
 * Values the API names but this version cannot act on yet (api.md: no option is accepted and then
 * ignored). Compaction is a later feature, so every cleanup policy but 'delete' is refused, and so
 * are the compaction knobs unless they hold their defaults (which describeTopic reports, so a
 * described config can be passed back). Appends are never compressed, so only 'none' and
 * 'producer' (keep what the producer sent: uncompressed) are real compression types.
 */
const SUPPORTED_COMPRESSION_TYPES: readonly CompressionType[] = ['none', 'producer']
const COMPACTION_KEYS = ['deleteRetentionMs', 'minCompactionLagMs', 'minCleanableDirtyRatio'] as const

function checkSupported(key: string, value: unknown): void {
  if (key === 'cleanupPolicy' && value !== 'delete') {
    throw new SeglogError('UNSUPPORTED_FEATURE', `cleanupPolicy '${String(value)}' is not supported yet: compaction is a later feature; only 'delete' is`)
  }
  if (key === 'compressionType' && !SUPPORTED_COMPRESSION_TYPES.includes(value as CompressionType)) {
    throw new SeglogError(
      'UNSUPPORTED_COMPRESSION_TYPE',
      `compressionType '${String(value)}' is not supported yet: batches are stored uncompressed; use 'producer' or 'none'`,
    )
  }
  const compactionKey = COMPACTION_KEYS.find((k) => k === key)
  if (compactionKey !== undefined && value !== DEFAULT_TOPIC_CONFIG[compactionKey]) {
    throw new SeglogError(
      'UNSUPPORTED_FEATURE',
      `${key} ${String(value)} has no effect yet: it tunes compaction, a later feature (only its default ${DEFAULT_TOPIC_CONFIG[compactionKey]} is accepted)`,
    )
  }
}

function checkValue(key: string, rule: Rule, value: unknown): void {
  const name = `config.${key}`
  switch (rule.kind) {
    case 'integer':
      if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
      if (!Number.isSafeInteger(value) || value < rule.min || value > rule.max) {
        throw outOfRange(name, `an integer >= ${rule.min} and <= ${rule.max}`, value)
      }
      return
    case 'ratio':
      if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
      if (!(value >= 0 && value <= 1)) throw outOfRange(name, '>= 0 and <= 1', value)
      return
    case 'boolean':
      if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value)
      return
    case 'enum':
      if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value)
      if (!rule.values.includes(value)) throw invalidArgValue(name, value, `must be one of ${rule.values.join(', ')}`)
      return
  }
}

/**
 * Validates a partial topic config (unknown keys rejected) and returns it merged over `base`,
 * frozen. `extraKeys` are keys the caller handles itself (e.g. `partitions`) and skips here.
 */
export function resolveTopicConfig(
  input: unknown,
  base: Readonly<TopicConfig> = DEFAULT_TOPIC_CONFIG,
  extraKeys: readonly string[] = [],
): Readonly<TopicConfig> {
  if (input === undefined) return base
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalidArgType('config', 'of type object', input)
  }
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(input)) {
    if (extraKeys.includes(key)) continue
    if (!TOPIC_CONFIG_KEYS.has(key)) throw invalidArgValue(`config.${key}`, value, 'is not a topic config key')
    if (value === undefined) continue
    checkValue(key, RULES[key as keyof TopicConfig], value)
    checkSupported(key, value)
    merged[key] = value
  }
  return Object.freeze(merged as unknown as TopicConfig)
}
