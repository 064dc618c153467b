/**
 * What counts as a typed refusal (api.md "Errors"): a `TypeError`/`RangeError` carrying one of
 * Node's argument codes, or a `SeglogError` carrying one of the documented public codes. Anything
 * else — no error, a plain `TypeError` from deep inside ("x is not a function"), an internal code
 * leaking out, a non-Error thrown — is a violation.
 */
import { SeglogError } from '../../../src/index.js'

export const ARGUMENT_ERROR_CODES = ['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_OUT_OF_RANGE'] as const

/** api.md "Errors". */
export const PUBLIC_ERROR_CODES = [
  'LOG_LOCKED',
  'LOG_CLOSED',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'TOPIC_ALREADY_EXISTS',
  'OFFSET_OUT_OF_RANGE',
  'RECORD_TOO_LARGE',
  'CORRUPT_RECORD',
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'INVALID_PRODUCER_EPOCH',
  'PRODUCER_FENCED',
  'INVALID_TXN_STATE',
  'TRANSACTION_TIMED_OUT',
  'UNSUPPORTED_COMPRESSION_TYPE',
  'UNSUPPORTED_FORMAT_VERSION',
  'UNSUPPORTED_FEATURE',
  'REBALANCE_IN_PROGRESS',
  'DISK_FULL',
  'STORAGE_ERROR',
] as const

/** Marks a call that settled without an error. */
export const NO_ERROR = Symbol('no error')

/** Runs `call` and returns what it threw or rejected with, or NO_ERROR. */
export async function settle(call: () => unknown): Promise<unknown> {
  try {
    await call()
  } catch (err) {
    return err
  }
  return NO_ERROR
}

/** Why `err` is not a typed refusal, or null if it is one. */
export function typedErrorProblem(err: unknown): string | null {
  if (err === NO_ERROR) return 'no error was thrown or rejected'
  if (!(err instanceof Error)) return `a non-Error was thrown: ${String(err)}`
  const code = (err as { code?: unknown }).code
  if (err instanceof SeglogError) {
    return (PUBLIC_ERROR_CODES as readonly unknown[]).includes(code) ? null : `SeglogError with an undocumented code ${String(code)}: ${err.message}`
  }
  if (err instanceof TypeError || err instanceof RangeError) {
    return (ARGUMENT_ERROR_CODES as readonly unknown[]).includes(code) ? null : `${err.name} without a Node argument code (code ${String(code)}): ${err.message}`
  }
  return `an untyped ${err.name} (code ${String(code)}): ${err.message}`
}
