/**
 * Loading a segment: trust its indexes after checking them against the `.log`, or rebuild them
 * from it.
 *
 * Opening (`Segment.open`; for a sealed segment the first use) checks the indexes against the
 * `.log` (index-bounds.ts) and then scans batch headers from the last index entry to the end of
 * the file (about indexIntervalBytes plus one batch after a clean close; after a crash also the
 * entries the index's write-behind had not written yet, index-file.ts) to learn the next offset,
 * the largest timestamp and the logical size (segment-tail.ts). An index that is missing, fails
 * its checks, or disagrees with that scan is rebuilt from the log (a full scan of headers,
 * segment-rebuild.ts, reported through `onIndexRebuild`); the `.log` itself is never modified by
 * loading. The same trust-or-rebuild rule (`trustOrRebuild`) covers reloading indexes a release
 * dropped (segment-files.ts), the deferred max-timestamp scan of a sealed segment, and the tail
 * scan after a truncation. The transaction index is loaded on first use; a corrupt one throws
 * CORRUPT_INDEX there until `recover` rebuilds it (rebuilding it needs the open transactions of
 * earlier segments).
 */
import { LOG_OVERHEAD_BYTES } from '../format/batch-header.js'
import { SeglogError } from '../errors.js'
import type { BatchPosition, ScanStop } from './batch-scanner.js'
import { checkOpen, logFdForIo, markUsed } from './segment-files.js'
import { rebuildIndexes, type RebuildResult } from './segment-rebuild.js'
import type { SegmentState } from './segment-state.js'
import { scanTail } from './segment-tail.js'
import { scanner } from './segment-walk.js'

export interface IndexRebuildEvent {
  segmentPath: string
  /** Why the indexes were not trusted. */
  reason: SeglogError
  /** Where the rebuild scan stopped (the logical size from then on). */
  validBytes: number
}

/** Next offset, logical size and tail state known; on first use of a sealed segment, loads them. */
export function ensureLoaded(s: SegmentState): void {
  if (s.loaded) return
  checkOpen(s)
  trustOrRebuild(s, loadIndexes)
  s.loaded = true
  markUsed(s)
}

/**
 * The offset and time index entries in memory: loaded at the first load, reloaded (and checked
 * against what the first load learned) after a release; an index that fails its checks is
 * rebuilt from the log, as at open.
 */
export function ensureIndexes(s: SegmentState): void {
  if (s.indexesResident) {
    markUsed(s)
    return
  }
  if (!s.loaded) {
    ensureLoaded(s)
    return
  }
  checkOpen(s)
  trustOrRebuild(s, reloadIndexes)
  markUsed(s)
}

/** The deferred half of loadTail for a sealed segment; a time index that disagrees is rebuilt. */
export function ensureMaxTimestamp(s: SegmentState): void {
  ensureLoaded(s)
  if (s.maxTimestampKnown) return
  ensureIndexes(s)
  trustOrRebuild(s, scanMaxTimestamp)
}

/** loadTail after a truncation; indexes that disagree with the log are rebuilt, as at open. */
export function loadTailOrRebuild(s: SegmentState): void {
  trustOrRebuild(s, loadTail)
}

/**
 * Rebuilds the offset and time indexes (and with `txnState` the transaction index) from a scan
 * of the whole file (segment-rebuild.ts), CRC-checked for recovery. The first invalid byte
 * becomes the logical end; the `.log` is not modified.
 */
export function rebuildFromLog(
  s: SegmentState,
  options: {
    txnState: ReadonlyMap<number, number> | null
    onBatch?: ((batch: BatchPosition, bytes: Buffer) => void) | undefined
    verifyCrc: boolean
  },
): RebuildResult {
  const rebuilt = rebuildIndexes(scanner(s, 0, s.fileSizeBytes, options.verifyCrc, null, logFdForIo(s), true), {
    baseOffset: s.baseOffset,
    indexIntervalBytes: s.config.indexIntervalBytes,
    offsetIndex: s.offsetIndex,
    timeIndex: s.timeIndex,
    txn: options.txnState === null ? null : { index: s.txnIndex, openTxns: options.txnState },
    onBatch: options.onBatch,
  })
  setLogicalEnd(s, rebuilt.stop)
  s.endOffset = rebuilt.lastOffset + 1
  s.maxTimestamp = rebuilt.maxTimestamp
  s.offsetOfMaxTimestamp = rebuilt.offsetOfMaxTimestamp
  s.maxTimestampKnown = true
  s.bytesSinceLastIndexEntry = s.logicalSizeBytes - rebuilt.lastIndexEntryPosition
  s.rollingBasedTimestamp = null
  s.appendTimeIndexEntry(true)
  if (s.sealed) {
    s.offsetIndex.seal()
    s.timeIndex.seal()
  }
  s.loaded = true
  s.indexesResident = true
  return rebuilt
}

/**
 * Runs `load`, which trusts the indexes only after checking them; when it finds one corrupt
 * (CORRUPT_INDEX), the indexes are rebuilt from the log and the rebuild reported instead.
 */
function trustOrRebuild(s: SegmentState, load: (s: SegmentState) => void): void {
  try {
    load(s)
  } catch (err) {
    if (!(err instanceof SeglogError) || err.code !== 'CORRUPT_INDEX') throw err
    rebuildAndReport(s, err)
  }
}

function rebuildAndReport(s: SegmentState, reason: SeglogError): void {
  // Headers only, like the opening scan: an index is rebuilt from what the headers say, and a
  // batch that fails its CRC is reported by the read that meets it. A CRC-checked rebuild made
  // a damaged batch below the log start the logical end of a sealed segment, silently hiding
  // the intact batches after it (found by the on-disk fuzzer, SEED=113500765 input 277).
  const rebuilt = rebuildFromLog(s, { txnState: null, verifyCrc: false })
  s.onIndexRebuild?.({ segmentPath: s.logPath, reason, validBytes: rebuilt.stop.position })
}

/** Loads and checks the offset and time indexes, then learns the tail from a bounded scan. */
function loadIndexes(s: SegmentState): void {
  if (s.fileSizeBytes === 0) {
    // A segment rolled just before a crash may lack its index files; for an empty log that is
    // nothing to rebuild or report (Kafka's testRecoverWithEmptyActiveSegment).
    for (const index of [s.offsetIndex, s.timeIndex]) if (!s.fs.exists(index.path)) index.create()
  }
  const fileBounds = { logSizeBytes: s.fileSizeBytes }
  s.offsetIndex.load(fileBounds)
  s.timeIndex.load(fileBounds)
  loadTail(s)
  const bounds = { logSizeBytes: s.logicalSizeBytes, lastOffset: s.endOffset - 1 }
  s.offsetIndex.check(bounds)
  s.timeIndex.check(bounds)
  if (s.sealed) {
    s.offsetIndex.seal()
    s.timeIndex.seal()
  }
  s.indexesResident = true
}

/** Reloads index entries a release dropped, checked against what the first load learned. */
function reloadIndexes(s: SegmentState): void {
  const bounds = { logSizeBytes: s.logicalSizeBytes, lastOffset: s.endOffset - 1 }
  s.offsetIndex.load(bounds)
  s.timeIndex.load(bounds)
  s.indexesResident = true
}

/**
 * Learns the logical end and next offset from a scan starting at the last offset-index entry
 * (segment-tail.ts), and the largest timestamp from a scan starting at the floor entry of the
 * time index's last offset (Kafka's loadLargestTimestamp): only batches after the one where the
 * current maximum was first seen can hold a larger one. The second start is usually the later
 * one; when it is earlier (the maximum came early, or timestamps are constant), a sealed
 * segment leaves that longer scan for the first call that needs the maximum (scanMaxTimestamp).
 */
function loadTail(s: SegmentState): void {
  const lastOffsetEntry = s.offsetIndex.entries > 0 ? s.offsetIndex.lastEntry : null
  const lastTimeEntry = s.timeIndex.entries > 0 ? s.timeIndex.lastEntry : null
  const offsetFrom = lastOffsetEntry?.position ?? 0
  const timeFrom = lastTimeEntry === null ? 0 : s.offsetIndex.lookup(lastTimeEntry.offset).position
  const withTimestamps = !s.sealed || timeFrom >= offsetFrom
  const tail = scanTail(scanner(s, withTimestamps ? Math.min(offsetFrom, timeFrom) : offsetFrom, s.fileSizeBytes), {
    baseOffset: s.baseOffset,
    lastOffsetEntry,
    lastTimeEntry: withTimestamps ? lastTimeEntry : null,
    indexPaths: indexPaths(s),
  })
  setLogicalEnd(s, tail.stop)
  s.endOffset = tail.endOffset
  s.maxTimestamp = tail.maxTimestamp
  s.offsetOfMaxTimestamp = tail.offsetOfMaxTimestamp
  s.maxTimestampKnown = withTimestamps
  s.bytesSinceLastIndexEntry = s.logicalSizeBytes - offsetFrom
}

/** The scan loadTail deferred: from the floor entry of the time index's last offset to the logical end. */
function scanMaxTimestamp(s: SegmentState): void {
  const lastTimeEntry = s.timeIndex.entries > 0 ? s.timeIndex.lastEntry : null
  const from = lastTimeEntry === null ? 0 : s.offsetIndex.lookup(lastTimeEntry.offset).position
  const scan = scanTail(scanner(s, from, s.logicalSizeBytes), {
    baseOffset: s.baseOffset,
    lastOffsetEntry: null,
    lastTimeEntry,
    indexPaths: indexPaths(s),
  })
  s.maxTimestamp = scan.maxTimestamp
  s.offsetOfMaxTimestamp = scan.offsetOfMaxTimestamp
  s.maxTimestampKnown = true
}

function indexPaths(s: SegmentState): string {
  return `${s.offsetIndex.path} / ${s.timeIndex.path}`
}

/** The logical end is where valid data stops; what follows is clean only if it is preallocated zeros. */
function setLogicalEnd(s: SegmentState, stop: ScanStop): void {
  s.logicalSizeBytes = stop.position
  s.tailIsClean = stop.reason === 'end' || isPreallocatedZeros(s, stop.position)
  s.invalidTailStop = s.tailIsClean ? null : stop
}

/** Zeros where the next batch header would be, in a preallocated file: the clean end of the data. */
function isPreallocatedZeros(s: SegmentState, position: number): boolean {
  if (s.config.preallocate !== true) return false
  const header = Buffer.alloc(LOG_OVERHEAD_BYTES)
  const read = s.fs.pread(logFdForIo(s), header, LOG_OVERHEAD_BYTES, position)
  return header.subarray(0, read).every((byte) => byte === 0)
}
