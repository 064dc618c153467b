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

/**
 * Which kind of damage a CORRUPT_RECORD is (its `reason`): one public code, because a program's
 * answer is the same (the data is damaged: repair, restore or skip), and a reason for the program
 * that wants to tell them apart or report them.
 */
export type CorruptionReason =
  | 'crc-mismatch' // a batch's CRC-32C does not match its bytes
  | 'invalid-batch' // a batch header or its records break the v2 format (lengths, magic, counts, varints)
  | 'offset-out-of-sequence' // a batch's base offset does not follow the previous batch's last offset
  | 'invalid-control-batch' // a control batch that does not hold exactly one valid control record
  | 'segment-too-large' // a .log longer than a segment can be
  | 'damaged-acknowledged-data' // damage at open below the recovery point, or with valid batches after it
  | 'damaged-active-segment' // unreadable bytes in the active segment after a clean shutdown
  | 'missing-segment' // a gap between segments, or the first segment above the checkpointed log start
  | 'log-end-below-recovery-point' // the log ends before its checkpointed recovery point
  | 'corrupt-metadata' // a topic metadata file that does not parse or does not validate

/**
 * The facts of a SeglogError beside its message, each present only when known: the file and the
 * byte position in it, the offset concerned, the partition, and for CORRUPT_RECORD the kind of
 * damage. Like Node's own system errors (`err.path`, `err.syscall`), they are plain fields.
 */
export interface SeglogErrorDetails {
  path?: string
  position?: number
  offset?: number
  topic?: string
  partition?: number
  reason?: CorruptionReason
}

const DETAIL_KEYS = ['path', 'position', 'offset', 'topic', 'partition', 'reason'] as const

export class SeglogError extends Error {
  readonly code: ErrorCode
  /** The file concerned (a `.log`, an index, a metadata file, a partition directory). */
  declare readonly path?: string
  /** Byte position in `path`. */
  declare readonly position?: number
  /** The offset concerned (the first offset affected, for damage). */
  declare readonly offset?: number
  declare readonly topic?: string
  declare readonly partition?: number
  /** CORRUPT_RECORD: the kind of damage. */
  declare readonly reason?: CorruptionReason

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown } & SeglogErrorDetails) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SeglogError'
    this.code = code
    if (options !== undefined) setDetails(this, options)
  }
}

/** Sets the details `err` does not have yet (a layer above adds what it knows: the partition). */
export function addErrorDetails<E extends SeglogError>(err: E, details: SeglogErrorDetails): E {
  setDetails(err, details, false)
  return err
}

function setDetails(err: SeglogError, details: SeglogErrorDetails, overwrite = true): void {
  for (const key of DETAIL_KEYS) {
    const value = details[key]
    if (value === undefined || (!overwrite && err[key] !== undefined)) continue
    Object.defineProperty(err, key, { value, enumerable: true, writable: false, configurable: true })
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
