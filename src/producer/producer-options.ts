/**
 * The options of `log.producer(options)` and `producer.send(request)` (api.md "Producers"): types,
 * defaults, and the validation that runs before anything is accumulated or written. As for every
 * seglog call (partition-options.ts): unknown keys, wrong types and out-of-range values are
 * programmer errors (TypeError/RangeError with Node's codes); a Kafka codec this version cannot
 * write is UNSUPPORTED_COMPRESSION_TYPE, as `append` refuses it.
 *
 * Kafka's rules kept: an idempotent producer needs `acks: 'all'` (Kafka refuses
 * `enable.idempotence` with another `acks`: a batch acknowledged before it is durable could be
 * lost and its sequence then look like a gap) and at most 5 batches in flight per partition (the
 * partition's dedupe window is the last 5 batches).
 */
import { invalidArgType, invalidArgValue, outOfRange, SeglogError } from '../errors.js'
import type { Acks } from '../partition/partition-options.js'
import type { PartitionedMessage, PartitionerOption } from './partitioner.js'

export interface ProducerOptions {
  /** Default true: the log gives the producer an id and every batch a sequence, so retries are dedupe-safe. */
  idempotent?: boolean
  /** Default 'all' (the only value an idempotent producer accepts). */
  acks?: Acks
  /** Default 'none', the only codec written; Kafka's others are UNSUPPORTED_COMPRESSION_TYPE. */
  compression?: 'none'
  /** Default 'murmur2' (Kafka's default partitioner, sticky for unkeyed messages). */
  partitioner?: PartitionerOption
  /** Default 0: one batch per partition per `send`. Above 0, sends within the window share batches (Kafka's linger.ms). */
  lingerMs?: number
  /** Default 16384: a lingering batch closes once it reaches this size (Kafka's batch.size). */
  batchBytes?: number
  /** Default 5 (the most Kafka allows an idempotent producer): batches of one partition handed to the log and not yet settled. */
  maxInFlight?: number
  /** Default 10: resends of a batch that failed with a retriable error (DISK_FULL), with the same sequence. */
  retries?: number
  /** Default 100: wait before the first resend (Kafka's retry.backoff.ms); doubles per attempt. */
  retryBackoffMs?: number
  /** Default 1000: the longest wait between resends (Kafka's retry.backoff.max.ms). */
  retryBackoffMaxMs?: number
  /** Aborting it stops the producer: batches not yet handed to the log and later sends reject with an AbortError. */
  signal?: AbortSignal
}

export interface ValidProducerOptions {
  idempotent: boolean
  acks: Acks
  partitioner: PartitionerOption
  lingerMs: number
  batchBytes: number
  maxInFlight: number
  retries: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  signal: AbortSignal | undefined
}

export const PRODUCER_OPTION_KEYS: ReadonlySet<string> = new Set([
  'idempotent',
  'acks',
  'compression',
  'partitioner',
  'lingerMs',
  'batchBytes',
  'maxInFlight',
  'retries',
  'retryBackoffMs',
  'retryBackoffMaxMs',
  'signal',
])

/** Kafka's per-partition in-flight limit for idempotent producers (the dedupe window). */
export const MAX_IN_FLIGHT_MAX = 5
/** lingerMs and the backoffs are timer delays: setTimeout's int32 bound. */
const DELAY_MS_MAX = 0x7fffffff
/** Kafka's codec names: known, not written by this version. */
const KAFKA_CODECS: ReadonlySet<string> = new Set(['gzip', 'snappy', 'lz4', 'zstd'])

/** Options api.md names for transactional producers, which this version cannot act on yet. */
const TRANSACTION_OPTION_KEYS: readonly string[] = ['transactionalId', 'transactionTimeoutMs']

export function validateProducerOptions(options: unknown): ValidProducerOptions {
  const o = optionsObject(options === undefined ? {} : options)
  for (const key of TRANSACTION_OPTION_KEYS) {
    if (o[key] !== undefined) {
      throw new SeglogError('UNSUPPORTED_FEATURE', `Producer option ${key} is not supported yet: transactional producers are a later feature`)
    }
  }
  for (const key of Object.keys(o)) if (!PRODUCER_OPTION_KEYS.has(key)) throw invalidArgValue(`options.${key}`, o[key], 'is not a producer option')
  if (o.idempotent !== undefined && typeof o.idempotent !== 'boolean') throw invalidArgType('options.idempotent', 'of type boolean', o.idempotent)
  const idempotent = o.idempotent ?? true
  const acks = checkAcks('options.acks', o.acks) ?? 'all'
  if (idempotent && acks !== 'all') {
    throw invalidArgValue('options.acks', acks, "must be 'all' for an idempotent producer (pass idempotent: false for acks 0 or 1)")
  }
  checkCompression(o.compression)
  // resolvePartitioner (the producer's next step) refuses any other partitioner.
  const partitioner = o.partitioner ?? 'murmur2'
  const retryBackoffMs = checkInteger('options.retryBackoffMs', o.retryBackoffMs, 100, 0, DELAY_MS_MAX)
  const retryBackoffMaxMs = checkInteger('options.retryBackoffMaxMs', o.retryBackoffMaxMs, Math.max(1000, retryBackoffMs), 0, DELAY_MS_MAX)
  if (retryBackoffMaxMs < retryBackoffMs) throw outOfRange('options.retryBackoffMaxMs', `>= options.retryBackoffMs (${retryBackoffMs})`, retryBackoffMaxMs)
  const signal = o.signal
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal)
  return {
    idempotent,
    acks,
    partitioner: partitioner as PartitionerOption,
    lingerMs: checkInteger('options.lingerMs', o.lingerMs, 0, 0, DELAY_MS_MAX),
    batchBytes: checkInteger('options.batchBytes', o.batchBytes, 16_384, 1, 0x7fffffff),
    maxInFlight: checkInteger('options.maxInFlight', o.maxInFlight, MAX_IN_FLIGHT_MAX, 1, MAX_IN_FLIGHT_MAX),
    retries: checkInteger('options.retries', o.retries, 10, 0, 0x7fffffff),
    retryBackoffMs,
    retryBackoffMaxMs,
    signal,
  }
}

/** One message of `producer.send` (api.md "Producers"): `partition` wins over the partitioner and must exist. */
export interface ProducerMessage extends PartitionedMessage {
  /** Epoch ms; default the log's clock at the send (Kafka's CreateTime is the producer's send time). */
  timestamp?: number
}

export interface SendRequest {
  topic: string
  messages: readonly ProducerMessage[]
  /** This send's acks (default the producer's); an idempotent producer takes only 'all'. */
  acks?: Acks
}

export const SEND_KEYS: ReadonlySet<string> = new Set(['topic', 'messages', 'acks'])

export interface ValidSendRequest {
  topic: string
  messages: readonly ProducerMessage[]
  acks: Acks
}

export function validateSendRequest(request: unknown, options: ValidProducerOptions): ValidSendRequest {
  if (request === null || typeof request !== 'object') throw invalidArgType('request', 'of type object', request)
  const r = request as Record<string, unknown>
  for (const key of Object.keys(r)) if (!SEND_KEYS.has(key)) throw invalidArgValue(`request.${key}`, r[key], 'is not a send field')
  if (typeof r.topic !== 'string') throw invalidArgType('request.topic', 'of type string', r.topic)
  if (!Array.isArray(r.messages)) throw invalidArgType('request.messages', 'an instance of Array', r.messages)
  if (r.messages.length === 0) throw invalidArgValue('request.messages', r.messages, 'must contain at least one message')
  const acks = checkAcks('request.acks', r.acks) ?? options.acks
  if (options.idempotent && acks !== 'all') throw invalidArgValue('request.acks', acks, "must be 'all' for an idempotent producer")
  return { topic: r.topic, messages: r.messages as ProducerMessage[], acks }
}

function optionsObject(options: unknown): Record<string, unknown> {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
  return options as Record<string, unknown>
}

function checkAcks(name: string, acks: unknown): Acks | undefined {
  if (acks === undefined) return undefined
  if (acks !== 0 && acks !== 1 && acks !== 'all') throw invalidArgValue(name, acks, "must be 0, 1 or 'all'")
  return acks
}

function checkCompression(compression: unknown): void {
  if (compression === undefined || compression === 'none') return
  if (typeof compression !== 'string') throw invalidArgType('options.compression', 'of type string', compression)
  if (KAFKA_CODECS.has(compression)) throw new SeglogError('UNSUPPORTED_COMPRESSION_TYPE', `Compression '${compression}' is not supported yet; only 'none' is`)
  throw invalidArgValue('options.compression', compression, "must be 'none' (Kafka's 'gzip', 'snappy', 'lz4' and 'zstd' are not written yet)")
}

function checkInteger(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isSafeInteger(value) || value < min || value > max) throw outOfRange(name, `an integer >= ${min} and <= ${max}`, value)
  return value
}
