/**
 * A segment's files over its life: the `.log` descriptor (opened, released, reopened, closed), the
 * paths and their transient suffix, fdatasync, deletion, and the segment's side of the Log-wide
 * cache (segment-cache.ts).
 *
 * Resources of sealed segments: given a SegmentCache, a sealed segment reports every use to it
 * (`markUsed`; `logFdForIo` is the usual way in), and the cache may `release` it — close its
 * `.log` descriptor, drop its mapping, its loaded index entries and its scan buffer. What it
 * learned at load (next offset, logical size, largest timestamp, a damaged tail) stays: a few
 * numbers. The next use reopens the `.log` (same path, through the FileSystem seam) and reloads
 * the indexes, re-running their checks; an index that fails them is rebuilt from the log as at
 * open (segment-load.ts). Buffers handed out before a release stay valid (a mapping lives until
 * its last view is collected). An fdatasync in flight keeps its descriptor open until it
 * completes. The active segment is never in the cache.
 *
 * Concurrency: `flush` and `flushLog` are a segment's only asynchronous operations (fdatasync on
 * the libuv pool); appends may run while one is in flight, which then covers at least every byte
 * written before it started. Nothing else may overlap them (close, truncate, recover).
 */
import { SeglogError } from '../errors.js'
import type { TransientSuffix } from './file-names.js'
import { openFile } from './segment-cache.js'
import type { SegmentState } from './segment-state.js'

export function checkOpen(s: SegmentState): void {
  if (s.closed) throw new SeglogError('SEGMENT_CLOSED', `${s.logPath}: segment is closed`)
}

/** Open and active: appends and transaction-index entries go only to the active segment. */
export function checkWritable(s: SegmentState): void {
  checkOpen(s)
  if (s.sealed) throw new SeglogError('SEGMENT_SEALED', `${s.logPath}: segment is sealed (rolled); append to the active segment`)
}

/**
 * The `.log` descriptor for I/O now: checks the segment is open, reopens a descriptor the cache
 * released, and reports the use to the cache.
 */
export function logFdForIo(s: SegmentState): number {
  checkOpen(s)
  if (s.logFd < 0) s.logFd = openFile(s.fs, s.logPath, 'readwrite', s.cache, s.owner)
  markUsed(s)
  return s.logFd
}

/** A sealed segment was used: the cache moves it to the most recently used end (and counts its memory). */
export function markUsed(s: SegmentState): void {
  if (!s.sealed || s.cache === null) return
  // Back in the cache, which accounts for the descriptor again: a deferred close is off.
  s.closeAfterSyncs = false
  s.cache.touch(s.owner, s.residentBytes)
}

/**
 * fdatasync of the `.log` only: what group commit needs (indexes are rebuilt from the log). A
 * sealed segment released since it was written reopens its `.log`: fdatasync acts on the file,
 * not the descriptor, and Linux (≥ 4.16) reports a writeback error nobody has seen yet to a
 * descriptor opened after it.
 */
export async function flushLog(s: SegmentState): Promise<void> {
  const fd = logFdForIo(s)
  s.syncsInFlight++
  try {
    await s.fs.fdatasync(fd)
  } finally {
    syncEnded(s)
  }
}

/** fdatasync of the `.log` and of every index written through this segment. */
export async function flush(s: SegmentState): Promise<void> {
  const fd = logFdForIo(s)
  s.syncsInFlight++
  try {
    await Promise.all([s.fs.fdatasync(fd), s.offsetIndex.flush(), s.timeIndex.flush(), s.txnIndex.flush()])
  } finally {
    syncEnded(s)
  }
}

function syncEnded(s: SegmentState): void {
  s.syncsInFlight--
  if (s.syncsInFlight > 0 || !s.closeAfterSyncs) return
  s.closeAfterSyncs = false
  closeReleasedFd(s)
}

/**
 * Called by the cache when this sealed segment is the least recently used one over a bound:
 * closes the `.log` descriptor (once no fdatasync is in flight on it), drops the mapping, the
 * loaded index entries and the scan buffer. The next use reopens and reloads them. Never throws:
 * it runs inside another segment's use.
 */
export function release(s: SegmentState): void {
  if (s.closed || !s.sealed) return
  s.logView.drop()
  s.scanBuffer = null
  // Sealed indexes have no pending entries and no descriptor: unloading writes nothing.
  if (s.indexesResident) {
    s.offsetIndex.unload()
    s.timeIndex.unload()
    s.indexesResident = false
  }
  s.txnIndex.unload()
  if (s.syncsInFlight > 0) s.closeAfterSyncs = true
  else closeReleasedFd(s)
}

/**
 * Closes a released descriptor. A close error is ignored: the descriptor of a sealed segment was
 * only read since it sealed (its writes were fdatasynced by the roll, or by a flush that reopens
 * the file), Linux frees the descriptor whatever close returns, and writeback errors reach
 * fdatasync, not close. Throwing here would fail an unrelated segment's read.
 */
function closeReleasedFd(s: SegmentState): void {
  const fd = s.logFd
  if (fd < 0) return
  s.logFd = -1
  try {
    s.fs.close(fd)
  } catch {
    // See above.
  }
}

/** Cuts a preallocated `.log` back to its logical size (roll and close: a clean reopen scans no zeros). */
export function trimPreallocated(s: SegmentState): void {
  if (s.config.preallocate !== true || s.fileSizeBytes <= s.logicalSizeBytes) return
  s.fs.ftruncate(logFdForIo(s), s.logicalSizeBytes)
  s.fileSizeBytes = s.logicalSizeBytes
}

/**
 * Closes every file. An active segment first gets its final time-index entry and, if
 * preallocated, its `.log` trimmed (Kafka's close), so a clean reopen needs no scan of zeros.
 */
export function close(s: SegmentState): void {
  if (s.closed) return
  s.cache?.forget(s.owner)
  try {
    if (s.loaded && !s.sealed) {
      try {
        s.appendTimeIndexEntry(true)
      } catch (err) {
        // The final time-index entry is a hint: an index whose state disagrees with the log (a
        // damaged file that passed its checks) must not stop the close; the next open rebuilds it.
        if (!(err instanceof SeglogError) || (err.code !== 'INVALID_OFFSET' && err.code !== 'INDEX_FULL')) throw err
      }
      trimPreallocated(s)
    }
  } finally {
    closeFiles(s)
  }
}

/** Closes every descriptor even if writing pending index entries fails (that error is rethrown). */
export function closeFiles(s: SegmentState): void {
  if (s.closed) return
  s.closed = true
  s.cache?.forget(s.owner)
  s.logView.drop()
  const fd = s.logFd
  s.logFd = -1
  runAll([() => s.offsetIndex.close(), () => s.timeIndex.close(), () => s.txnIndex.close(), () => fd >= 0 && s.fs.close(fd)])
}

/** Closes the segment and unlinks its files (missing ones are fine). */
export function closeAndDelete(s: SegmentState): void {
  // Pending index entries are dropped, not written: a full disk must not stop a deletion.
  const fd = s.closed ? -1 : s.logFd
  s.closed = true
  s.logFd = -1
  s.cache?.forget(s.owner)
  s.logView.drop()
  runAll([
    () => s.offsetIndex.deleteIfExists(),
    () => s.timeIndex.deleteIfExists(),
    () => s.txnIndex.deleteIfExists(),
    () => fd >= 0 && s.fs.close(fd),
    () => s.fs.exists(s.logPath) && s.fs.unlink(s.logPath),
  ])
}

/**
 * Renames every file of the segment to carry `transient` (`.deleted`, `.cleaned`, `.swap`) or
 * none (null); open descriptors keep working, so reads in flight are unaffected.
 */
export function changeFileSuffix(s: SegmentState, transient: TransientSuffix | null): void {
  checkOpen(s)
  s.transient = transient
  const newLogPath = s.filePath('log')
  s.fs.rename(s.logPath, newLogPath)
  s.logPath = newLogPath
  s.offsetIndex.renameTo(s.filePath('index'))
  s.timeIndex.renameTo(s.filePath('timeindex'))
  s.txnIndex.renameTo(s.filePath('txnindex'))
}

/** Runs every step, then throws the first error any of them threw. */
function runAll(steps: ReadonlyArray<() => unknown>): void {
  let firstError: unknown = null
  for (const step of steps) {
    try {
      step()
    } catch (err) {
      firstError ??= err
    }
  }
  if (firstError !== null) throw firstError
}
