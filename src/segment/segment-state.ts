/**
 * What one segment knows and holds: its files (descriptor, paths, the three indexes, the mapping)
 * and what it learned of its `.log` (sizes, next offset, largest timestamp, tail state). The
 * public class is `Segment` (segment.ts); each concept that reads or changes these fields has its
 * own module of functions over a `SegmentState` (segment.ts lists them). The fields are plain and
 * mutable because those modules are the segment's own code split by concept, not its callers.
 *
 * Sizes: `logicalSizeBytes` is the logical size, the end of the last whole batch. The file may be
 * longer: preallocated to `segmentBytes` (config.preallocate, trimmed on roll and close), or, after
 * a crash, holding a torn tail that the opening scan stopped at (`invalidTailStop`). Everything
 * reads and writes below the logical size only; the first append removes a trailing region first
 * (it is cut off and, when preallocating, replaced by zeros: segment-append.ts), so stale batches
 * can never reappear after the new data.
 *
 * Active vs sealed:
 * - active (created, or opened with `sealed: false`): indexes loaded and checked at open and kept
 *   in memory, descriptors kept open; appends allowed.
 * - sealed (after `onBecomeInactive`, or opened with `sealed: true`): read-only. Indexes and the
 *   end offset are loaded on first use (Kafka's lazy indexes, KAFKA-7283), so opening many old
 *   segments costs one open and one fstat each. `truncateTo` makes a segment active again; the
 *   caller must know no view of the truncated range is still in use.
 */
import { BATCH_HEADER_BYTES, NO_TIMESTAMP } from '../format/batch-header.js'
import type { FileSystem, OpenMode } from '../io/file.js'
import { OffsetIndex } from '../index/offset-index.js'
import { TimeIndex } from '../index/time-index.js'
import { TransactionIndex } from '../index/txn-index.js'
import { SCAN_BUFFER_BYTES } from '../limits.js'
import type { ScanStop } from './batch-scanner.js'
import { segmentFilePath, type SegmentFileKind, type TransientSuffix } from './file-names.js'
import { LogView } from './log-view.js'
import { openFile, type ReleasableSegment, type SegmentCache } from './segment-cache.js'
import type { IndexRebuildEvent } from './segment-load.js'

/** The topic settings a segment uses (a subset of TopicConfig, already validated by options.ts). */
export interface SegmentConfig {
  indexIntervalBytes: number
  segmentIndexBytes: number
  segmentBytes: number
  segmentMs: number
  /** Subtracted from segmentMs for this segment (Kafka's per-segment roll jitter). Default 0. */
  rollJitterMs?: number
  /** Allocate the `.log` to segmentBytes at create; trimmed on roll and close. Default false. */
  preallocate?: boolean
}

/** What a SegmentState is built from (Segment.create / Segment.open resolve the defaults). */
export interface SegmentStateOptions {
  sealed: boolean
  /** Creation time for the time-based roll when batches carry no timestamp. */
  nowMs: number
  transient?: TransientSuffix | null
  onIndexRebuild?: ((event: IndexRebuildEvent) => void) | undefined
  cache?: SegmentCache | null
}

export class SegmentState {
  readonly offsetIndex: OffsetIndex
  readonly timeIndex: TimeIndex
  readonly txnIndex: TransactionIndex
  readonly onIndexRebuild: ((event: IndexRebuildEvent) => void) | undefined
  logPath: string
  /** -1 while released by the cache (reopened on the next use). */
  logFd: number
  readonly cache: SegmentCache | null
  transient: TransientSuffix | null
  logicalSizeBytes: number
  fileSizeBytes: number
  /** Next offset, logical size and tail state are known (they survive a release). */
  loaded = false
  /** Offset and time index entries are in memory (false again after a release). */
  indexesResident = false
  /** fdatasyncs in flight on logFd: a release leaves the descriptor open until they finish. */
  syncsInFlight = 0
  /** A release came while a sync was in flight: close the descriptor when the last one ends. */
  closeAfterSyncs = false
  sealed: boolean
  closed = false
  endOffset: number
  maxTimestamp = NO_TIMESTAMP
  offsetOfMaxTimestamp = -1
  /** False while a sealed segment has deferred its max-timestamp scan (segment-load.ts loadTail). */
  maxTimestampKnown = false
  bytesSinceLastIndexEntry = 0
  /** Max timestamp of the first batch (time-based roll); null = not read yet. */
  rollingBasedTimestamp: number | null = null
  createdMs: number
  readonly logView: LogView
  scanBuffer: Buffer | null = null
  /** First read of a header scan: an index floor entry is at most about one interval (plus a header) before the target. */
  readonly lookupReadBytes: number
  /** Nothing but preallocated zeros (or nothing) follows the logical end. */
  tailIsClean = true
  invalidTailStop: ScanStop | null = null

  constructor(
    readonly fs: FileSystem,
    readonly dir: string,
    readonly baseOffset: number,
    readonly config: Readonly<SegmentConfig>,
    logFd: number,
    options: SegmentStateOptions,
    /** The Segment this state belongs to: what the cache tracks and releases. */
    readonly owner: ReleasableSegment,
  ) {
    this.transient = options.transient ?? null
    this.logPath = this.filePath('log')
    this.logFd = logFd
    this.cache = options.cache ?? null
    this.sealed = options.sealed
    this.createdMs = options.nowMs
    this.onIndexRebuild = options.onIndexRebuild
    this.logView = new LogView(fs)
    const openIndexFile = (filePath: string, mode: OpenMode): number => openFile(fs, filePath, mode, this.cache)
    this.offsetIndex = new OffsetIndex(fs, this.filePath('index'), baseOffset, config.segmentIndexBytes, undefined, openIndexFile)
    this.timeIndex = new TimeIndex(fs, this.filePath('timeindex'), baseOffset, config.segmentIndexBytes, undefined, openIndexFile)
    this.txnIndex = new TransactionIndex(fs, this.filePath('txnindex'), baseOffset, openIndexFile)
    this.lookupReadBytes = Math.min(SCAN_BUFFER_BYTES, roundUpToPage(config.indexIntervalBytes + 2 * BATCH_HEADER_BYTES))
    this.fileSizeBytes = fs.size(logFd)
    this.logicalSizeBytes = this.fileSizeBytes
    this.endOffset = baseOffset
  }

  /** Path of one of the segment's files, with the current transient suffix. */
  filePath(kind: SegmentFileKind): string {
    return segmentFilePath(this.dir, this.baseOffset, kind, this.transient)
  }

  /** Bytes of memory the loaded index entries and the scan buffer take (what the cache counts). */
  get residentBytes(): number {
    return this.offsetIndex.residentBytes + this.timeIndex.residentBytes + this.txnIndex.residentBytes + (this.scanBuffer?.length ?? 0)
  }

  /**
   * The time index entry for the max timestamp so far; forced = the final entry on roll and close
   * (the append path adds the others, a rebuild its last one).
   */
  appendTimeIndexEntry(forced: boolean): void {
    if (this.maxTimestamp < 0) return
    this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, forced)
  }
}

/** Bytes in a page: reads are rounded up to whole pages, which cost the same to copy as a part. */
const PAGE_BYTES = 4096

function roundUpToPage(bytes: number): number {
  return Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES
}
