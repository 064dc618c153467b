/**
 * How a system error from the file system becomes a seglog error (api.md "Errors"): a full disk is
 * DISK_FULL (nothing of that operation was kept; not fail-stop), every other I/O failure is
 * STORAGE_ERROR with the system error as its `cause` (fail-stop: the caller puts the log in the
 * failed state — reliability.md contract 7: an fsync error is never retried into silence).
 */
import { SeglogError } from '../errors.js'

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT'])
const FAIL_STOP_NOTE = 'the log stopped accepting writes (reopen it)'

/** A Node system error (`code` like 'EIO'), as opposed to a SeglogError or an argument error. */
export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  if (!(err instanceof Error) || err instanceof SeglogError) return false
  const code = (err as NodeJS.ErrnoException).code
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)
}

/**
 * A system error while reading (a read, a timestamp lookup, the read half of sendTo) as the error
 * of that call only: STORAGE_ERROR with the system error as `cause`, and the log keeps accepting
 * writes (docs/decisions.md "A read that meets an I/O error"). Anything else passes unchanged.
 */
export function readFailure(err: unknown, what: string): unknown {
  if (!isSystemError(err)) return err
  return new SeglogError('STORAGE_ERROR', `${what}: ${err.message}`, { cause: err })
}

/** The SeglogError for a system error during `what`, or null if `err` is not a system error. */
export function ioFailure(err: unknown, what: string): SeglogError | null {
  if (!isSystemError(err)) return null
  if (DISK_FULL_CODES.has(err.code!)) return new SeglogError('DISK_FULL', `${what}: ${err.message}`, { cause: err })
  return new SeglogError('STORAGE_ERROR', `${what}: ${err.message}; ${FAIL_STOP_NOTE}`, { cause: err })
}

/**
 * `err` as a seglog error whatever it is: a SeglogError unchanged, a system error as `ioFailure`
 * makes it (DISK_FULL or STORAGE_ERROR), anything else — an error from below that is neither, so
 * nothing is known about what it left behind — STORAGE_ERROR with `err` as its `cause`.
 */
export function asSeglogError(err: unknown, what: string): SeglogError {
  if (err instanceof SeglogError) return err
  return ioFailure(err, what) ?? failStopError(err, what)
}

/**
 * The error a partition fails with when `what` (a write, an fdatasync, a roll) failed in a way
 * that leaves its files in doubt, whatever `err` was (a DISK_FULL during a roll included): always
 * STORAGE_ERROR, the failure itself as `cause`, or `err` when it already is one.
 */
export function failStopError(err: unknown, what: string): SeglogError {
  if (err instanceof SeglogError && err.code === 'STORAGE_ERROR') return err
  const detail = err instanceof Error ? err.message : String(err)
  return new SeglogError('STORAGE_ERROR', `${what}: ${detail}; ${FAIL_STOP_NOTE}`, { cause: err })
}
