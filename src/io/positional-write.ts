/**
 * All-or-nothing positional write for append-only files (segment `.log`, index files): one
 * `pwritev` at the logical end, then a byte-count check.
 *
 * Why the check: Node reports a write cut short by a full disk as a short count, not an error
 * (reliability.md), so a caller that trusted the call would believe bytes were written that never
 * were. On a short count or an error the file is truncated back to `position`, so the file never
 * keeps a torn tail that a later append would build on, and the caller's in-memory state (which it
 * updates only after this returns) stays equal to the file.
 *
 * Errors: ENOSPC / EDQUOT / short count → SeglogError('DISK_FULL'); anything else →
 * SeglogError('STORAGE_ERROR') with the system error as `cause`. If the truncate-back itself fails,
 * the file may hold a torn tail: STORAGE_ERROR, and the caller must treat the file as failed
 * (recovery truncates torn tails on the next open).
 */
import { SeglogError } from '../errors.js'
import type { FileSystem } from './file.js'

const DISK_FULL_ERRNOS = new Set(['ENOSPC', 'EDQUOT'])

/** Writes exactly `sizeBytes` (the sum of `data`) at `position`, or leaves the file at `position` and throws. */
export function writeFullyAt(
  fs: FileSystem,
  fd: number,
  filePath: string,
  data: readonly Uint8Array[],
  sizeBytes: number,
  position: number,
): void {
  let written: number
  try {
    written = data.length === 1 ? fs.pwrite(fd, data[0]!, position) : fs.pwritev(fd, data, position)
  } catch (err) {
    rollBack(fs, fd, filePath, position, err)
    const code = (err as NodeJS.ErrnoException).code
    if (code !== undefined && DISK_FULL_ERRNOS.has(code)) {
      throw new SeglogError('DISK_FULL', `${filePath}: ${code} writing ${sizeBytes} bytes at position ${position}`, {
        cause: err,
      })
    }
    throw new SeglogError('STORAGE_ERROR', `${filePath}: write of ${sizeBytes} bytes at position ${position} failed`, {
      cause: err,
    })
  }
  if (written !== sizeBytes) {
    rollBack(fs, fd, filePath, position, null)
    throw new SeglogError(
      'DISK_FULL',
      `${filePath}: short write, ${written} of ${sizeBytes} bytes at position ${position} (disk full); truncated back to ${position}`,
    )
  }
}

function rollBack(fs: FileSystem, fd: number, filePath: string, position: number, writeError: unknown): void {
  try {
    fs.ftruncate(fd, position)
  } catch (err) {
    throw new SeglogError('STORAGE_ERROR', `${filePath}: could not truncate back to ${position} after a failed write`, {
      cause: writeError === null ? err : new AggregateError([writeError, err]),
    })
  }
}
