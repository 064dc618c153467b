/**
 * Errors seglog raises.
 *
 * Runtime conditions are `SeglogError`s with a stable `code` (api.md "Errors"): callers match on
 * `err.code`, never on the message. Bad arguments are programmer errors and follow Node's own
 * convention (`TypeError`/`RangeError` with `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`,
 * `ERR_OUT_OF_RANGE`). Messages carry the path and the numbers that explain the failure.
 */

/** Public codes: stable within a major version (api.md). */
export type PublicErrorCode =
  | 'LOG_LOCKED'
  | 'LOG_CLOSED'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'TOPIC_ALREADY_EXISTS'
  | 'OFFSET_OUT_OF_RANGE'
  | 'RECORD_TOO_LARGE'
  | 'CORRUPT_RECORD'
  | 'OUT_OF_ORDER_SEQUENCE_NUMBER'
  | 'INVALID_PRODUCER_EPOCH'
  | 'PRODUCER_FENCED'
  | 'INVALID_TXN_STATE'
  | 'TRANSACTION_TIMED_OUT'
  | 'UNSUPPORTED_COMPRESSION_TYPE'
  | 'UNSUPPORTED_FORMAT_VERSION'
  | 'UNSUPPORTED_FEATURE' // a value the API names but this version cannot act on yet (e.g. cleanupPolicy 'compact')
  | 'REBALANCE_IN_PROGRESS'
  | 'DISK_FULL'
  | 'STORAGE_ERROR'

/**
 * Internal codes: raised between layers below the public API (the segment layer, the index
 * files). The partition layer either handles them (rebuild an index, roll a segment) or maps them
 * to a public code; they are listed so tests can match on them.
 */
export type InternalErrorCode =
  | 'CORRUPT_INDEX' // an index file failed its sanity check: rebuild it from the log
  | 'INVALID_OFFSET' // an index append that is not strictly increasing
  | 'INDEX_FULL' // an append to an index with no free entry: roll first
  | 'SEGMENT_OFFSET_OVERFLOW' // an offset that does not fit a segment's 32-bit relative offset
  | 'SEGMENT_CLOSED' // an operation on a segment after close()
  | 'SEGMENT_SEALED' // a write to a sealed (rolled) segment: write to the active one

export type ErrorCode = PublicErrorCode | InternalErrorCode

export class SeglogError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SeglogError'
    this.code = code
  }
}

type ArgErrorCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE'

function withCode<E extends Error>(err: E, code: ArgErrorCode): E & { code: ArgErrorCode } {
  Object.defineProperty(err, 'code', { value: code, enumerable: true, writable: false })
  return err as E & { code: ArgErrorCode }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`
  return `${typeof value} ${String(value)}`
}

/** `TypeError` with `code: 'ERR_INVALID_ARG_TYPE'`, as Node raises it. */
export function invalidArgType(name: string, expected: string, actual: unknown): TypeError {
  return withCode(
    new TypeError(`The "${name}" argument must be ${expected}. Received ${describe(actual)}`),
    'ERR_INVALID_ARG_TYPE',
  )
}

/** `TypeError` with `code: 'ERR_INVALID_ARG_VALUE'`. */
export function invalidArgValue(name: string, actual: unknown, reason: string): TypeError {
  return withCode(
    new TypeError(`The argument "${name}" ${reason}. Received ${describe(actual)}`),
    'ERR_INVALID_ARG_VALUE',
  )
}

/** `RangeError` with `code: 'ERR_OUT_OF_RANGE'`. */
export function outOfRange(name: string, range: string, actual: unknown): RangeError {
  return withCode(
    new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${describe(actual)}`),
    'ERR_OUT_OF_RANGE',
  )
}

/** Throws unless `value` is a safe non-negative integer (offsets, positions, sizes). */
export function assertSafeNonNegativeInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isSafeInteger(value) || value < 0) throw outOfRange(name, '>= 0 and <= 2^53 - 1 (an integer)', value)
}
