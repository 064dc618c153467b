/**
 * The options of a partition's calls (api.md "Appending", "Reading"): their types, their defaults,
 * and the validation that runs before anything is queued or read. Unknown keys, wrong types and
 * out-of-range values are programmer errors (TypeError/RangeError with Node's codes); a legal value
 * this version cannot act on yet is a SeglogError (UNSUPPORTED_FEATURE: `transactional`). Nothing
 * here touches partition state: whether producer fields are in sequence is the producer state's
 * question, asked when the batch is written (batch-writer.ts).
 */
import type { Socket } from 'node:net'
import { assertSafeNonNegativeInteger, invalidArgType, invalidArgValue, outOfRange, SeglogError } from '../errors.js'
import { READ_MAX_BYTES_DEFAULT } from '../limits.js'

export type Acks = 0 | 1 | 'all'
export type Isolation = 'read_uncommitted' | 'read_committed'

export interface AppendOptions {
  acks?: Acks
  compression?: 'none'
  /**
   * Idempotent append (api.md "Appending"): the producer's id, epoch and the sequence of the
   * batch's first record — all three or none. A retry of one of the producer's last five batches
   * resolves with the original offsets and `duplicate: true`.
   */
  producerId?: number
  producerEpoch?: number
  baseSequence?: number
}

export interface ReadOptions {
  offset: number
  maxBytes?: number
  maxRecords?: number
  isolation?: Isolation
  minBytes?: number
  maxWaitMs?: number
  signal?: AbortSignal
}

export interface StreamOptions {
  from?: number | 'earliest' | 'latest' | { timestamp: number }
  isolation?: Isolation
  follow?: boolean
  signal?: AbortSignal
}

export interface SendToOptions {
  offset: number
  maxBytes?: number
  isolation?: Isolation
}

export const APPEND_OPTION_KEYS: ReadonlySet<string> = new Set(['acks', 'compression', 'producerId', 'producerEpoch', 'baseSequence', 'transactional'])
export const READ_OPTION_KEYS: ReadonlySet<string> = new Set(['offset', 'maxBytes', 'maxRecords', 'isolation', 'minBytes', 'maxWaitMs', 'signal'])
export const STREAM_OPTION_KEYS: ReadonlySet<string> = new Set(['from', 'isolation', 'follow', 'signal'])
export const SEND_TO_OPTION_KEYS: ReadonlySet<string> = new Set(['offset', 'maxBytes', 'isolation'])

/** The producer fields of an idempotent append, checked. */
export interface AppendProducer {
  readonly producerId: number
  readonly producerEpoch: number
  readonly baseSequence: number
}

export interface ValidAppendOptions {
  acks: Acks
  compression: 'none'
  /** Null for a plain append (the hot path checks only this). */
  producer: AppendProducer | null
}

const INT16_MAX = 0x7fff
const INT32_MAX = 0x7fff_ffff

export type ValidReadOptions = Required<Omit<ReadOptions, 'signal'>> & { signal: AbortSignal | undefined }

function checkKeys(o: Record<string, unknown>, keys: ReadonlySet<string>, what: string): void {
  for (const key of Object.keys(o)) if (!keys.has(key)) throw invalidArgValue(`options.${key}`, o[key], `is not ${what} option`)
}

function optionsObject(options: unknown): Record<string, unknown> {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
  return options as Record<string, unknown>
}

export function validateAppendOptions(options: unknown): ValidAppendOptions {
  if (options === undefined) return { acks: 'all', compression: 'none', producer: null }
  const o = optionsObject(options)
  checkKeys(o, APPEND_OPTION_KEYS, 'an append')
  if (o.transactional !== undefined) {
    throw new SeglogError('UNSUPPORTED_FEATURE', 'Append option transactional is not supported yet: transactional appends are a later feature')
  }
  const producer = checkProducerFields(o)
  let acks: Acks = 'all'
  if (o.acks !== undefined) {
    if (o.acks !== 0 && o.acks !== 1 && o.acks !== 'all') throw invalidArgValue('options.acks', o.acks, "must be 0, 1 or 'all'")
    acks = o.acks
  }
  // Any other string reaches the encoder, which refuses it by name (UNSUPPORTED_COMPRESSION_TYPE
  // for Kafka's codecs, a TypeError for the rest).
  if (o.compression !== undefined && typeof o.compression !== 'string') throw invalidArgType('options.compression', 'of type string', o.compression)
  return { acks, compression: (o.compression ?? 'none') as 'none', producer }
}

function checkIntegerIn(name: string, value: unknown, max: number): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < 0 || value > max) throw outOfRange(name, `an integer >= 0 and <= ${max}`, value)
  return value
}

/**
 * producerId (a safe integer ≥ 0), producerEpoch (int16 ≥ 0) and baseSequence (int32 ≥ 0), all
 * three or none: a batch with only some of them has no meaning in Kafka's protocol.
 */
function checkProducerFields(o: Record<string, unknown>): AppendProducer | null {
  const given = (o.producerId !== undefined ? 1 : 0) + (o.producerEpoch !== undefined ? 1 : 0) + (o.baseSequence !== undefined ? 1 : 0)
  if (given === 0) return null
  if (given !== 3) {
    const missing = (['producerId', 'producerEpoch', 'baseSequence'] as const).filter((key) => o[key] === undefined)
    throw invalidArgValue(`options.${missing[0]!}`, undefined, 'must be given with the other producer fields (producerId, producerEpoch and baseSequence go together)')
  }
  assertSafeNonNegativeInteger('options.producerId', o.producerId)
  return {
    producerId: o.producerId,
    producerEpoch: checkIntegerIn('options.producerEpoch', o.producerEpoch, INT16_MAX),
    baseSequence: checkIntegerIn('options.baseSequence', o.baseSequence, INT32_MAX),
  }
}

function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined
  if (!(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal)
  return signal
}

function checkIsolation(isolation: unknown): Isolation {
  if (isolation === undefined) return 'read_uncommitted'
  if (isolation !== 'read_uncommitted' && isolation !== 'read_committed') {
    throw invalidArgValue('options.isolation', isolation, "must be 'read_uncommitted' or 'read_committed'")
  }
  return isolation
}

function checkPositiveInteger(name: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isSafeInteger(value) || value < min) throw outOfRange(name, `an integer >= ${min}`, value)
  return value
}

export function validateReadOptions(options: unknown): ValidReadOptions {
  const o = optionsObject(options)
  checkKeys(o, READ_OPTION_KEYS, 'a read')
  assertSafeNonNegativeInteger('options.offset', o.offset)
  return {
    offset: o.offset,
    maxBytes: checkPositiveInteger('options.maxBytes', o.maxBytes, READ_MAX_BYTES_DEFAULT),
    maxRecords: checkPositiveInteger('options.maxRecords', o.maxRecords, Number.MAX_SAFE_INTEGER),
    minBytes: checkPositiveInteger('options.minBytes', o.minBytes, 1, 0),
    maxWaitMs: checkPositiveInteger('options.maxWaitMs', o.maxWaitMs, 0, 0),
    isolation: checkIsolation(o.isolation),
    signal: checkSignal(o.signal),
  }
}

export function validateStreamOptions(options: unknown): StreamOptions {
  const o = optionsObject(options)
  checkKeys(o, STREAM_OPTION_KEYS, 'a stream')
  const from = o.from
  if (from !== undefined && from !== 'earliest' && from !== 'latest') {
    if (typeof from === 'number') assertSafeNonNegativeInteger('options.from', from)
    else if (from !== null && typeof from === 'object' && 'timestamp' in from) {
      const ts = (from as { timestamp: unknown }).timestamp
      if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) throw outOfRange('options.from.timestamp', 'a safe integer', ts)
    } else throw invalidArgValue('options.from', from, "must be an offset, 'earliest', 'latest' or { timestamp }")
  }
  if (o.follow !== undefined && typeof o.follow !== 'boolean') throw invalidArgType('options.follow', 'of type boolean', o.follow)
  return {
    from: from as StreamOptions['from'],
    follow: o.follow as boolean | undefined,
    signal: checkSignal(o.signal),
    isolation: checkIsolation(o.isolation),
  }
}

/** `sendTo`'s target (a socket or a file descriptor) and options. */
export function validateSendTo(target: unknown, options: unknown): Required<SendToOptions> {
  if (typeof target === 'number') {
    if (!Number.isInteger(target) || target < 0 || target > 0x7fffffff) throw outOfRange('target', 'a file descriptor (a non-negative int32)', target)
  } else if (target === null || typeof target !== 'object' || typeof (target as Socket).write !== 'function') {
    throw invalidArgType('target', 'a net.Socket or a file descriptor', target)
  }
  const o = optionsObject(options)
  checkKeys(o, SEND_TO_OPTION_KEYS, 'a sendTo')
  assertSafeNonNegativeInteger('options.offset', o.offset)
  return {
    offset: o.offset,
    maxBytes: checkPositiveInteger('options.maxBytes', o.maxBytes, READ_MAX_BYTES_DEFAULT),
    isolation: checkIsolation(o.isolation),
  }
}

/** `offsetForTimestamp`'s argument: epoch milliseconds as a safe integer. */
export function validateTimestamp(timestampMs: unknown): asserts timestampMs is number {
  if (typeof timestampMs !== 'number') throw invalidArgType('timestamp', 'of type number', timestampMs)
  if (!Number.isSafeInteger(timestampMs)) throw outOfRange('timestamp', 'a safe integer (epoch milliseconds)', timestampMs)
}
