/**
 * One segment of a partition (Kafka's LogSegment): a `.log` of whole record batches plus its
 * offset index, time index and transaction index, all named by the segment's base offset
 * (file-names.ts) and all reached through the FileSystem seam.
 *
 * Sizes: `sizeBytes` is the logical size, the end of the last whole batch. The file may be longer:
 * preallocated to `segmentBytes` (config.preallocate, trimmed on roll and close), or, after a
 * crash, holding a torn tail that the opening scan stopped at (`invalidTail`). Everything reads
 * and writes below the logical size only; the first append removes a trailing region first (it is
 * cut off and, when preallocating, replaced by zeros), so stale batches can never reappear after
 * the new data.
 *
 * Active vs sealed:
 * - active (created, or opened with `sealed: false`): indexes loaded and checked at open and kept
 *   in memory, descriptors kept open; appends allowed.
 * - sealed (after `onBecomeInactive`, or opened with `sealed: true`): read-only. Indexes and the
 *   end offset are loaded on first use (Kafka's lazy indexes, KAFKA-7283), so opening many old
 *   segments costs one open and one fstat each. `truncateTo` makes a segment active again; the
 *   caller must know no view of the truncated range is still in use.
 * Reads (log-view.ts) are views of a read-only mapping of the `.log` on the native binding —
 * active segments included, up to their logical size at the time of mapping (log-view.ts has the
 * argument for why nothing ever truncates below it) — and pread copies of exactly the batches
 * returned in the fallback. A read first finds the batch from the offset index's floor entry and
 * a header scan (through the mapping when there is one), then returns whole batches up to
 * maxBytes, stopping early at the batch holding `maxOffset` when the caller needs only a few
 * records; CRCs are checked by the caller before records are decoded (reader.ts, send-to.ts).
 *
 * Resources of sealed segments (segment-cache.ts): given a SegmentCache, a sealed segment reports
 * every use to it, and the cache may `release` it — close its `.log` descriptor, drop its mapping,
 * its loaded index entries and its scan buffer. What it learned at load (next offset, logical
 * size, largest timestamp, a damaged tail) stays: a few numbers. The next use reopens the `.log`
 * (same path, through the FileSystem seam) and reloads the indexes, re-running their checks; an
 * index that fails them is rebuilt from the log as at open. Buffers handed out before a release
 * stay valid (a mapping lives until its last view is collected). An fdatasync in flight keeps
 * its descriptor open until it completes. The active segment is never in the cache.
 *
 * Opening (`open`) checks the indexes against the `.log` (index-bounds.ts) and then scans batch
 * headers from the last index entry to the end of the file (about indexIntervalBytes plus one
 * batch after a clean close; after a crash also the entries the index's write-behind had not
 * written yet, index-file.ts) to learn the next offset, the largest timestamp and the logical
 * size (segment-tail.ts). An index that is missing, fails its checks, or disagrees with that scan
 * is rebuilt from the log (a full scan with CRC checks, segment-rebuild.ts, reported through
 * `onIndexRebuild`); the `.log` itself is never modified by `open`. The transaction index is
 * loaded on first use; a corrupt one throws CORRUPT_INDEX there until `recover` rebuilds it
 * (rebuilding it needs the open transactions of earlier segments). `validate` finds damage without
 * changing anything, for data below the recovery point.
 *
 * Append (`append`): whole batches whose offsets are already assigned, as one pwritev at the
 * logical end, checked for a short count; on failure the file is truncated back and nothing in
 * memory changes (DISK_FULL / STORAGE_ERROR). Index entries follow Kafka's rule (§3.2): when more
 * than indexIntervalBytes were appended since the last entry (checked before counting this chunk),
 * add (chunk's largest offset → chunk start) to the offset index and (max timestamp so far →
 * its offset) to the time index.
 *
 * Recovery (`recover`): Kafka's LogSegment.recover — reset all three indexes, walk the batches
 * checking length bounds, magic, CRC-32C and increasing offsets, stop at the first invalid byte,
 * truncate the `.log` there, rebuild the indexes by the same interval rule and the `.txnindex`
 * from the control batches (txn-replay.ts).
 *
 * Concurrency: single-threaded; callers serialise every operation on a segment (the partition's
 * append queue). `flush` and `flushLog` are the only asynchronous operations (fdatasync on the
 * libuv pool); appends may run while one is in flight, which then covers at least every byte
 * written before it started. Nothing else may overlap them (close, truncate, recover).
 * Crash: the `.log` may end in a torn batch and the indexes may be ahead of or behind it; `open`
 * and `recover` handle both (see above).
 */
import { BATCH_HEADER_BYTES, BATCH_LENGTH_POS, LOG_OVERHEAD_BYTES, NO_TIMESTAMP, baseOffsetAt, lastOffsetAt } from '../format/batch-header.js'
import { decodeBatch } from '../format/batch.js'
import { SeglogError, assertSafeNonNegativeInteger, outOfRange } from '../errors.js'
import type { FileSystem } from '../io/file.js'
import { asSeglogError } from '../io/io-errors.js'
import { OffsetIndex, type OffsetPosition } from '../index/offset-index.js'
import { writeFullyAt } from '../io/positional-write.js'
import type { OpenMode } from '../io/file.js'
import { TimeIndex } from '../index/time-index.js'
import { TransactionIndex, type AbortedTxn, type TxnIndexSearchResult } from '../index/txn-index.js'
import { RELATIVE_OFFSET_MAX, SCAN_BUFFER_BYTES, SEGMENT_BYTES_MAX } from '../limits.js'
import { BatchScanner, type BatchPosition, type ScanStop } from './batch-scanner.js'
import { segmentFilePath, type SegmentFileKind, type TransientSuffix } from './file-names.js'
import { batchFromIndex } from './index-jump.js'
import { LogView } from './log-view.js'
import { openFile, type ReleasableSegment, type SegmentCache } from './segment-cache.js'
import { findDamage, rebuildIndexes, type RebuildResult, type SegmentDamage } from './segment-rebuild.js'
import { scanTail } from './segment-tail.js'

export type { BatchPosition, ScanStop } from './batch-scanner.js'
export type { SegmentDamage } from './segment-rebuild.js'

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

/** Whole batches to append, offsets already patched in. */
export interface AppendChunk {
  buffers: readonly Buffer[]
  sizeBytes: number
  largestOffset: number
  maxTimestamp: number
  offsetOfMaxTimestamp: number
}

/** What the next append would add, for `shouldRoll`. */
export interface RollCheck {
  sizeBytes: number
  maxTimestamp: number
  nowMs: number
  largestOffset: number
}

/** An open `.log` to copy batches from (`appendFromFile`). */
export interface LogFileRange {
  fd: number
  path: string
  /** Bytes of the source to consider. */
  sizeBytes: number
}

export interface SegmentRead {
  /** The offset asked for. */
  offset: number
  /** Base offset of the first batch returned (may be below `offset`: reads start at a batch). */
  firstOffset: number
  /** Position of that batch in the `.log`. */
  position: number
  /** Whole batches; empty when maxBytes or maxPosition leave no room for the first one. */
  bytes: Buffer
}

export interface SegmentReadOptions {
  /** Do not read at or past this position (e.g. the high watermark's). Default: the segment's size. */
  maxPosition?: number
  /** Return the first batch even if it is larger than maxBytes (Kafka's minOneMessage). */
  minOneMessage?: boolean
  /**
   * Stop after the batch holding this offset: the caller needs nothing past it (a read of a few
   * records), so no more bytes are fetched. Default: whole batches up to maxBytes.
   */
  maxOffset?: number
}

export interface IndexRebuildEvent {
  segmentPath: string
  /** Why the indexes were not trusted. */
  reason: SeglogError
  /** Where the rebuild scan stopped (the logical size from then on). */
  validBytes: number
}

export interface SegmentOpenOptions {
  /** Open read-only with lazily loaded indexes. Default false (the active segment). */
  sealed?: boolean
  /** Creation time for the time-based roll when batches carry no timestamp. Default Date.now(). */
  nowMs?: number
  /** Files carry this transient suffix (`.cleaned`, `.swap`, …). Default none. */
  transient?: TransientSuffix | null
  /** Told when an index is rebuilt from the log instead of trusted. */
  onIndexRebuild?: (event: IndexRebuildEvent) => void
  /** The Log's bound on sealed segments' descriptors and memory (segment-cache.ts). Default none. */
  cache?: SegmentCache | null
}

export interface RecoverOptions {
  /** Open transactions (producerId → first offset) as of the segment's base offset. */
  openTxns?: ReadonlyMap<number, number>
  /** Called for every valid batch in order; `bytes` is the whole batch, valid during the call only. */
  onBatch?: (batch: BatchPosition, bytes: Buffer) => void
}

export interface RecoverResult {
  /** Bytes of valid batches kept. */
  validBytes: number
  /** Bytes cut off the end of the `.log` (a torn or corrupt tail, or preallocated zeros). */
  truncatedBytes: number
  /** Last offset of the last valid batch, or baseOffset − 1 if none. */
  lastOffset: number
  /** Open transactions after the last valid batch. */
  openTxns: Map<number, number>
  /** Why the scan stopped before the end of the file, or null if every byte was valid. */
  stop: ScanStop | null
}

export class Segment implements ReleasableSegment {
  private readonly offsetIndex: OffsetIndex
  private readonly timeIndex: TimeIndex
  private readonly txnIndex: TransactionIndex
  private readonly onIndexRebuild: ((event: IndexRebuildEvent) => void) | undefined
  private logPath: string
  /** -1 while released by the cache (reopened on the next use). */
  private logFd: number
  private readonly cache: SegmentCache | null
  private transient: TransientSuffix | null
  private logicalSizeBytes: number
  private fileSizeBytes: number
  /** Next offset, logical size and tail state are known (they survive a release). */
  private loaded = false
  /** Offset and time index entries are in memory (false again after a release). */
  private indexesResident = false
  /** fdatasyncs in flight on logFd: a release leaves the descriptor open until they finish. */
  private syncsInFlight = 0
  /** A release came while a sync was in flight: close the descriptor when the last one ends. */
  private closeAfterSyncs = false
  private sealed: boolean
  private closed = false
  private endOffset: number
  private maxTimestamp = NO_TIMESTAMP
  private offsetOfMaxTimestamp = -1
  /** False while a sealed segment has deferred its max-timestamp scan (loadTail). */
  private maxTimestampKnown = false
  private bytesSinceLastIndexEntry = 0
  /** Max timestamp of the first batch (time-based roll); null = not read yet. */
  private rollingBasedTimestamp: number | null = null
  private createdMs: number
  private readonly logView: LogView
  private scanBuffer: Buffer | null = null
  /** First read of a header scan: an index floor entry is at most about one interval (plus a header) before the target. */
  private readonly lookupReadBytes: number
  /** Nothing but preallocated zeros (or nothing) follows the logical end. */
  private tailIsClean = true
  private invalidTailStop: ScanStop | null = null

  private constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
    readonly baseOffset: number,
    readonly config: Readonly<SegmentConfig>,
    logFd: number,
    options: SegmentOpenOptions & { sealed: boolean; nowMs: number },
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

  /**
   * A new, empty, active segment: the `.log` is created with O_EXCL (a leftover file with this
   * base offset is an error, never silently reused), then the empty index files.
   */
  static create(
    fs: FileSystem,
    dir: string,
    baseOffset: number,
    config: Readonly<SegmentConfig>,
    nowMs: number,
    options: { transient?: TransientSuffix | null; cache?: SegmentCache | null } = {},
  ): Segment {
    checkSegmentArgs(baseOffset, config)
    const logPath = segmentFilePath(dir, baseOffset, 'log', options.transient ?? null)
    const fd = openFile(fs, logPath, 'createExclusive', options.cache ?? null)
    let segment: Segment | null = null
    try {
      if (config.preallocate === true) fs.fallocate(fd, 0, config.segmentBytes)
      segment = new Segment(fs, dir, baseOffset, config, fd, { ...options, sealed: false, nowMs })
      segment.logicalSizeBytes = 0
      segment.offsetIndex.create()
      segment.timeIndex.create()
      segment.txnIndex.reset()
      segment.loaded = true
      segment.indexesResident = true
      segment.maxTimestampKnown = true
      return segment
    } catch (err) {
      if (segment !== null) {
        segment.closeAndDelete()
      } else {
        fs.close(fd)
        fs.unlink(logPath)
      }
      throw asSeglogError(err, `${logPath}: could not create segment`)
    }
  }

  /**
   * An existing segment. Active (default): indexes loaded, checked and, if needed, rebuilt now.
   * Sealed: read-only, everything loaded on first use. Never modifies the `.log`.
   */
  static open(
    fs: FileSystem,
    dir: string,
    baseOffset: number,
    config: Readonly<SegmentConfig>,
    options: SegmentOpenOptions = {},
  ): Segment {
    checkSegmentArgs(baseOffset, config)
    const sealed = options.sealed ?? false
    const fd = openFile(fs, segmentFilePath(dir, baseOffset, 'log', options.transient ?? null), 'readwrite', options.cache ?? null)
    let segment: Segment | null = null
    try {
      segment = new Segment(fs, dir, baseOffset, config, fd, { ...options, sealed, nowMs: options.nowMs ?? Date.now() })
      if (segment.fileSizeBytes > SEGMENT_BYTES_MAX) {
        throw new SeglogError('CORRUPT_RECORD', `${segment.logPath}: ${segment.fileSizeBytes} bytes is more than a segment can hold (${SEGMENT_BYTES_MAX})`)
      }
      if (sealed) segment.markUsed()
      else segment.ensureLoaded()
      return segment
    } catch (err) {
      if (segment !== null) segment.closeFiles()
      else fs.close(fd)
      throw err
    }
  }

  /** Path of the `.log` (with the current transient suffix, if any). */
  get path(): string {
    return this.logPath
  }

  /**
   * The `.log` descriptor, for sendfile(2) (read-only use: never write or truncate through it).
   * Reopened if the cache released it; valid until the caller next yields to the event loop or
   * uses another segment (either may release this one and close it).
   */
  get fd(): number {
    return this.logFdForIo()
  }

  get isSealed(): boolean {
    return this.sealed
  }

  /** Logical size: bytes of whole batches. For a sealed segment not yet loaded, the file size. */
  get sizeBytes(): number {
    return this.logicalSizeBytes
  }

  /**
   * Where and why the data ended before the end of the file, when what follows is not
   * preallocated zeros: a torn or corrupt tail `open` found (the log layer decides whether to
   * `recover`). Null when the file ends cleanly. The next append cuts that region off.
   */
  get invalidTail(): (ScanStop & { bytes: number }) | null {
    this.ensureLoaded()
    const stop = this.invalidTailStop
    return stop === null ? null : { ...stop, bytes: this.fileSizeBytes - stop.position }
  }

  /** The offset after the last batch; baseOffset when empty. */
  get nextOffset(): number {
    this.ensureLoaded()
    return this.endOffset
  }

  /**
   * Largest batch max timestamp in the segment, or -1 (NO_TIMESTAMP); retention and time lookups
   * use it. The first call on a sealed segment may scan from where that maximum was first seen.
   */
  get maxTimestampSoFar(): number {
    this.ensureMaxTimestamp()
    return this.maxTimestamp
  }

  /** Offset where `maxTimestampSoFar` was seen, or -1. */
  get offsetOfMaxTimestampSoFar(): number {
    this.ensureMaxTimestamp()
    return this.offsetOfMaxTimestamp
  }

  get offsetIndexEntries(): number {
    this.ensureIndexes()
    return this.offsetIndex.entries
  }

  get timeIndexEntries(): number {
    this.ensureIndexes()
    return this.timeIndex.entries
  }

  /** The offset index's last entry, or (baseOffset, 0). */
  get lastOffsetIndexEntry(): OffsetPosition {
    this.ensureIndexes()
    return this.offsetIndex.lastEntry
  }

  /** The time index's last entry, or (-1, baseOffset). */
  get lastTimeIndexEntry(): { timestamp: number; offset: number } {
    this.ensureIndexes()
    return this.timeIndex.lastEntry
  }

  /** Whether the descriptor is open now (false while released by the cache, or closed). */
  get holdsDescriptor(): boolean {
    return this.logFd >= 0
  }

  /** Bytes of memory the loaded index entries and the scan buffer take (what the cache counts). */
  get residentBytes(): number {
    return (
      this.offsetIndex.residentBytes + this.timeIndex.residentBytes + this.txnIndex.residentBytes + (this.scanBuffer?.length ?? 0)
    )
  }

  /** Whether `offset` fits this segment's 32-bit relative offsets. */
  canConvertToRelativeOffset(offset: number): boolean {
    const relative = offset - this.baseOffset
    return relative >= 0 && relative <= RELATIVE_OFFSET_MAX
  }

  /**
   * Appends whole batches at the logical end (see the header). Throws SEGMENT_SEALED unless the
   * segment is the active one, SEGMENT_OFFSET_OVERFLOW if the largest offset does not fit,
   * INVALID_OFFSET if the first batch's offset is below `nextOffset`, INDEX_FULL if an index
   * entry is due and an index is full (roll first), DISK_FULL / STORAGE_ERROR if the write fails
   * — in every case with nothing changed.
   */
  append(chunk: AppendChunk): void {
    this.checkWritable()
    this.ensureLoaded()
    const position = this.logicalSizeBytes
    checkChunk(chunk, this.logPath)
    if (!this.canConvertToRelativeOffset(chunk.largestOffset)) {
      throw new SeglogError(
        'SEGMENT_OFFSET_OVERFLOW',
        `${this.logPath}: largest offset ${chunk.largestOffset} does not fit a relative offset from base offset ${this.baseOffset}`,
      )
    }
    const firstOffset = chunk.buffers[0]!.length >= 8 ? baseOffsetAt(chunk.buffers[0]!, 0) : chunk.largestOffset
    if (firstOffset < this.endOffset || firstOffset > chunk.largestOffset) {
      throw new SeglogError(
        'INVALID_OFFSET',
        `${this.logPath}: batch at offset ${firstOffset} (largest ${chunk.largestOffset}) appended after next offset ${this.endOffset}`,
      )
    }
    if (position + chunk.sizeBytes > SEGMENT_BYTES_MAX) {
      throw outOfRange('chunk.sizeBytes', `<= ${SEGMENT_BYTES_MAX - position} for ${this.logPath} (roll first)`, chunk.sizeBytes)
    }
    const indexEntryDue = this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes
    if (indexEntryDue && (this.offsetIndex.isFull || this.timeIndex.isFull)) {
      throw new SeglogError('INDEX_FULL', `${this.logPath}: an index entry is due but an index is full; roll the segment`)
    }
    this.discardTrailingBytes()

    const fd = this.logFdForIo()
    try {
      writeFullyAt(this.fs, fd, this.logPath, chunk.buffers, chunk.sizeBytes, position)
    } catch (err) {
      // writeFullyAt truncated the file back to `position`.
      this.fileSizeBytes = Math.min(this.fileSizeBytes, position)
      throw err
    }

    const previous = { maxTimestamp: this.maxTimestamp, offsetOfMaxTimestamp: this.offsetOfMaxTimestamp }
    if (chunk.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = chunk.maxTimestamp
      this.offsetOfMaxTimestamp = chunk.offsetOfMaxTimestamp
    }
    if (indexEntryDue) {
      const offsetEntries = this.offsetIndex.entries
      try {
        this.offsetIndex.append(chunk.largestOffset, position)
        this.appendTimeIndexEntry(false)
      } catch (err) {
        // Keep the append all-or-nothing: the log bytes go too.
        if (this.offsetIndex.entries > offsetEntries) this.offsetIndex.truncateTo(chunk.largestOffset)
        this.maxTimestamp = previous.maxTimestamp
        this.offsetOfMaxTimestamp = previous.offsetOfMaxTimestamp
        this.fs.ftruncate(fd, position)
        this.fileSizeBytes = Math.min(this.fileSizeBytes, position)
        throw err
      }
      this.bytesSinceLastIndexEntry = 0
    }
    if (position === 0) this.rollingBasedTimestamp = chunk.maxTimestamp
    this.bytesSinceLastIndexEntry += chunk.sizeBytes
    this.logicalSizeBytes = position + chunk.sizeBytes
    this.fileSizeBytes = Math.max(this.fileSizeBytes, this.logicalSizeBytes)
    this.endOffset = chunk.largestOffset + 1
  }

  /**
   * Copies whole batches from another `.log` (an open descriptor, read through this segment's
   * FileSystem) starting at `startPosition`, until the end of `source` or the first batch whose
   * last offset does not fit this segment's relative offsets (Kafka's appendFromFile, used to
   * split a segment whose offsets overflow). Copies in runs of up to SCAN_BUFFER_BYTES (or one
   * larger batch). Returns the bytes appended.
   */
  appendFromFile(source: LogFileRange, startPosition: number): number {
    this.checkWritable()
    const scanner = new BatchScanner({ ...source, fs: this.fs, fromPosition: startPosition, endPosition: source.sizeBytes })
    let appended = 0
    let run: BatchPosition[] = []
    let runBytes = 0
    const appendRun = (): void => {
      if (run.length === 0) return
      const bytes = Buffer.allocUnsafe(runBytes)
      const read = this.fs.pread(source.fd, bytes, runBytes, run[0]!.position)
      if (read !== runBytes) throw new SeglogError('STORAGE_ERROR', `${source.path}: short read, ${read} of ${runBytes} bytes`)
      let max = run[0]!
      for (const batch of run) if (batch.maxTimestamp > max.maxTimestamp) max = batch
      const largestOffset = run[run.length - 1]!.lastOffset
      this.append({ buffers: [bytes], sizeBytes: runBytes, largestOffset, maxTimestamp: max.maxTimestamp, offsetOfMaxTimestamp: max.lastOffset })
      appended += runBytes
      run = []
      runBytes = 0
    }
    for (let batch = scanner.next(); batch !== null; batch = scanner.next()) {
      if (!this.canConvertToRelativeOffset(batch.lastOffset)) break
      if (runBytes > 0 && runBytes + batch.sizeBytes > SCAN_BUFFER_BYTES) appendRun()
      run.push(batch)
      runBytes += batch.sizeBytes
    }
    appendRun()
    return appended
  }

  /**
   * Kafka's shouldRoll (§3.4): the next append would pass segmentBytes, or has waited past
   * segmentMs − jitter since the first batch (by timestamps, else wall clock since creation), or
   * an index is full, or its largest offset does not fit a relative offset. An empty segment
   * never rolls on size or time.
   */
  shouldRoll(next: RollCheck): boolean {
    this.ensureLoaded()
    const size = this.logicalSizeBytes
    const rollMs = this.config.segmentMs - (this.config.rollJitterMs ?? 0)
    return (
      (size > 0 && size > this.config.segmentBytes - next.sizeBytes) ||
      (size > 0 && this.timeWaitedForRoll(next.nowMs, next.maxTimestamp) > rollMs) ||
      this.offsetIndex.isFull ||
      this.timeIndex.isFull ||
      !this.canConvertToRelativeOffset(next.largestOffset)
    )
  }

  /** Kafka's timeWaitedForRoll: by record timestamps when the first batch has one, else wall clock. */
  timeWaitedForRoll(nowMs: number, messageTimestamp: number): number {
    const first = this.firstBatchTimestamp()
    return first >= 0 ? messageTimestamp - first : nowMs - this.createdMs
  }

  /**
   * The first batch holding an offset ≥ `offset`: the offset index's floor entry, then a header
   * scan. Null when no batch in this segment reaches `offset`.
   */
  translateOffset(offset: number, startingPosition = 0): BatchPosition | null {
    this.ensureIndexes()
    const fd = this.logFdForIo()
    return this.seekChecked(offset, startingPosition, this.logView.prefix(fd, this.logicalSizeBytes), fd).start
  }

  /**
   * Whole batches from the one holding `offset` (or the next one after a gap), at most `maxBytes`
   * (at least the first batch with `minOneMessage`), never at or past `maxPosition`, none after
   * the one holding `maxOffset`. Null when the segment has nothing at or after `offset`. The bytes
   * are a view of the mapping (native) or a copy of exactly those batches.
   */
  read(offset: number, maxBytes: number, options: SegmentReadOptions = {}): SegmentRead | null {
    assertSafeNonNegativeInteger('maxBytes', maxBytes)
    this.ensureIndexes()
    const fd = this.logFdForIo()
    const logicalEnd = this.logicalSizeBytes
    const mapped = this.logView.prefix(fd, logicalEnd)
    const maxPosition = Math.min(options.maxPosition ?? logicalEnd, logicalEnd)
    const maxOffset = options.maxOffset ?? Number.MAX_SAFE_INTEGER
    const rangeEndFrom = (start: BatchPosition): number =>
      Math.min(maxPosition, start.position + (options.minOneMessage === true ? Math.max(maxBytes, start.sizeBytes) : maxBytes))
    if (mapped !== null) {
      // From the mapping, a read may land on its batch through the index (index-jump.ts), which
      // checked the batch's base offset against the index entry of the batch before it.
      const direct = batchFromIndex(this.offsetIndex, mapped, logicalEnd, offset)
      const directEnd = direct === null ? 0 : rangeEndFrom(direct)
      if (direct !== null && directEnd <= mapped.length) return this.readMapped(offset, direct, directEnd, maxOffset, mapped, fd, true)
    }
    const { scanner, start } = this.seekChecked(offset, 0, mapped, fd)
    if (start === null) return null
    // From the second batch on, the scan checked each one's base offset against the one before.
    const startChecked = scanner.batchesReturned > 1
    const rangeEnd = rangeEndFrom(start)
    if (mapped !== null && rangeEnd <= mapped.length) return this.readMapped(offset, start, rangeEnd, maxOffset, mapped, fd, startChecked)
    const result: SegmentRead = { offset, firstOffset: start.baseOffset, position: start.position, bytes: EMPTY }
    if (rangeEnd <= start.position) return result
    let end: number
    if (options.maxOffset !== undefined) {
      // Copying: learn where the wanted batches end from their headers, then copy only those.
      end = scanWholeBatchesEnd(scanner, start, rangeEnd, maxOffset)
      if (scanner.outOfSequence) throw this.corruptWithin(scanner.stop!)
    } else {
      // Copying a bulk read: one pread of the range, trimmed to whole batches.
      const bytes = this.logView.bytes(fd, this.logPath, mapped, start.position, rangeEnd - start.position)
      end = wholeBatchesEnd(bytes, start.position, start.position, rangeEnd, maxOffset, this.logPath)
      if (!startChecked && end === start.position + start.sizeBytes) this.checkFollowed(start, mapped, fd)
      result.bytes = bytes.subarray(0, end - start.position)
      return result
    }
    if (!startChecked && end === start.position + start.sizeBytes) this.checkFollowed(start, mapped, fd)
    if (end > start.position) result.bytes = this.logView.bytes(fd, this.logPath, mapped, start.position, end - start.position)
    return result
  }

  /** Segment.read from the mapping: the whole batches from `start` that end by `rangeEnd`, none after the one holding `maxOffset`, as a view. */
  private readMapped(offset: number, start: BatchPosition, rangeEnd: number, maxOffset: number, mapped: Buffer, fd: number, startChecked: boolean): SegmentRead {
    const result: SegmentRead = { offset, firstOffset: start.baseOffset, position: start.position, bytes: EMPTY }
    if (rangeEnd <= start.position) return result
    const end = wholeBatchesEnd(mapped, 0, start.position, rangeEnd, maxOffset, this.logPath)
    if (!startChecked && end === start.position + start.sizeBytes) this.checkFollowed(start, mapped, fd)
    if (end > start.position) result.bytes = mapped.subarray(start.position, end)
    return result
  }

  /**
   * The first record with timestamp ≥ `timestamp` and offset ≥ `startingOffset`, or null. Correct
   * when timestamps go backwards: the time index holds max-so-far timestamps, batches whose max
   * timestamp is below the target are skipped by header, and only the batch that can hold the
   * answer is decoded (and CRC-checked).
   */
  findOffsetByTimestamp(timestamp: number, startingOffset = this.baseOffset): { offset: number; timestamp: number } | null {
    this.checkOpen()
    // Cross-checks the time index against the log before trusting its entries.
    this.ensureMaxTimestamp()
    this.ensureIndexes()
    const fd = this.logFdForIo()
    const mapped = this.logView.prefix(fd, this.logicalSizeBytes)
    const from = this.timeScanStart(timestamp, startingOffset, mapped, fd)
    if (from === null) return null
    for (const batch of this.walk(this.scanner(from, this.logicalSizeBytes, false, mapped, fd))) {
      if (batch.maxTimestamp < timestamp || batch.lastOffset < startingOffset) continue
      const decoded = decodeBatch(this.logView.bytes(fd, this.logPath, mapped, batch.position, batch.sizeBytes), 0)
      for (const record of decoded.records) {
        if (record.timestamp >= timestamp && record.offset >= startingOffset) return { offset: record.offset, timestamp: record.timestamp }
      }
    }
    return null
  }

  /**
   * Where a timestamp search may start: the batch named by the time index's floor entry, found
   * through the checked offset lookup, and only if that batch is the one the entry describes (its
   * last offset and max timestamp): a damaged entry or offset index must never start the scan past
   * a batch that holds the answer (found by the on-disk fuzzer), so a mismatch scans the segment
   * from its start. Null when no batch reaches `startingOffset`.
   */
  private timeScanStart(timestamp: number, startingOffset: number, mapped: Buffer | null, fd: number): number | null {
    const floor = this.timeIndex.lookup(timestamp)
    let from = 0
    if (floor.timestamp !== NO_TIMESTAMP && floor.offset > startingOffset) {
      const named = this.seekChecked(floor.offset, 0, mapped, fd).start
      if (named !== null && named.lastOffset === floor.offset && named.maxTimestamp === floor.timestamp) from = named.position
    }
    if (startingOffset > this.baseOffset) {
      const first = this.seekChecked(startingOffset, 0, mapped, fd).start
      if (first === null) return null
      from = Math.max(from, first.position)
    }
    return from
  }

  /**
   * Header-only iteration over the batches from `fromPosition` (a batch start) to the logical
   * end, through a scan buffer of its own. A damaged header inside the logical size is
   * CORRUPT_RECORD.
   */
  *batches(fromPosition = 0): Generator<BatchPosition> {
    this.checkOpen()
    this.ensureLoaded()
    // Lives across yields, when another segment's use may release this one: the descriptor is
    // asked for at every read.
    const scanner = new BatchScanner({
      fs: this.fs,
      fd: () => this.logFdForIo(),
      path: this.logPath,
      fromPosition,
      endPosition: this.logicalSizeBytes,
      buffer: Buffer.allocUnsafe(SCAN_BUFFER_BYTES),
    })
    yield* this.walk(scanner)
  }

  /** First index entry at or past `startPosition + fetchSizeBytes` (read_committed upper bound). */
  fetchUpperBoundOffset(startPosition: number, fetchSizeBytes: number): OffsetPosition | null {
    this.ensureIndexes()
    return this.offsetIndex.fetchUpperBoundOffset(startPosition, fetchSizeBytes)
  }

  /** Aborted transactions overlapping [fetchOffset, upperBoundOffset) (txn-index.ts). */
  collectAbortedTxns(fetchOffset: number, upperBoundOffset: number): TxnIndexSearchResult {
    this.checkOpen()
    const result = this.txnIndex.collectAbortedTxns(fetchOffset, upperBoundOffset)
    this.markUsed()
    return result
  }

  allAbortedTxns(): AbortedTxn[] {
    this.checkOpen()
    const all = this.txnIndex.allAbortedTxns()
    this.markUsed()
    return all
  }

  /** Records an aborted transaction whose ABORT marker was appended to this segment. */
  appendAbortedTxn(txn: AbortedTxn): void {
    this.checkWritable()
    this.txnIndex.append(txn)
  }

  /**
   * Kafka's LogSegment.recover (see the header): returns what was kept and cut. Afterwards the
   * indexes match the log and `invalidTail` is null. Run it before reading: it truncates the file.
   */
  recover(options: RecoverOptions = {}): RecoverResult {
    const fd = this.logFdForIo()
    const fileSizeBefore = this.fs.size(fd)
    this.fileSizeBytes = fileSizeBefore
    const rebuilt = this.rebuildFromLog({ txnState: options.openTxns ?? new Map(), onBatch: options.onBatch, verifyCrc: true })
    const validBytes = rebuilt.stop.position
    this.logView.drop()
    if (fileSizeBefore > validBytes) this.fs.ftruncate(fd, validBytes)
    this.fileSizeBytes = validBytes
    this.tailIsClean = true
    this.invalidTailStop = null
    return {
      validBytes,
      truncatedBytes: fileSizeBefore - validBytes,
      lastOffset: rebuilt.lastOffset,
      openTxns: rebuilt.openTxns,
      stop: rebuilt.stop.reason === 'end' ? null : rebuilt.stop,
    }
  }

  /**
   * Removes every batch whose last offset is ≥ `offset` (so the batch holding `offset` goes too,
   * as in Kafka) and the index entries at or above it. Returns the bytes removed. An emptied
   * segment restarts its roll clock at `nowMs`. The segment becomes active.
   */
  truncateTo(offset: number, nowMs = Date.now()): number {
    this.ensureIndexes()
    const first = this.translateOffset(offset)
    const fd = this.logFdForIo()
    // Active from here on: out of the cache, which must never release it.
    this.sealed = false
    this.cache?.forget(this)
    // Cut the indexes at the first removed offset: entries inside the removed batch go too.
    const cutOffset = first === null ? offset : Math.min(offset, first.baseOffset)
    this.offsetIndex.truncateTo(cutOffset)
    this.timeIndex.truncateTo(cutOffset)
    this.txnIndex.truncateTo(cutOffset)
    this.logView.drop()
    const newSize = first === null ? this.logicalSizeBytes : first.position
    const removed = this.logicalSizeBytes - newSize
    if (this.fileSizeBytes > newSize) this.fs.ftruncate(fd, newSize)
    this.fileSizeBytes = newSize
    this.logicalSizeBytes = newSize
    this.rollingBasedTimestamp = null
    if (newSize === 0) this.createdMs = nowMs
    this.loadTailOrRebuild()
    return removed
  }

  /**
   * The segment stops being the active one (roll): final time-index entry, `.log` trimmed to its
   * logical size, indexes sealed read-only. Reads afterwards map the file.
   */
  onBecomeInactive(): void {
    this.checkOpen()
    this.ensureLoaded()
    if (this.sealed) return
    this.appendTimeIndexEntry(true)
    this.trimPreallocated()
    this.offsetIndex.seal()
    this.timeIndex.seal()
    this.txnIndex.close()
    this.sealed = true
    this.markUsed()
  }

  /**
   * The first damage (invalid header, CRC, or offsets out of order) among the batches holding
   * offsets below `upToOffset`, or null: a CRC-checked scan that changes nothing, for data below
   * the recovery point, where damage is corruption of acknowledged data rather than a torn tail.
   */
  validate(upToOffset = Number.MAX_SAFE_INTEGER): SegmentDamage | null {
    const fd = this.logFdForIo()
    return findDamage(this.scanner(0, this.fs.size(fd), true, null, fd, true), this.baseOffset, upToOffset)
  }

  /**
   * fdatasync of the `.log` only: what group commit needs (indexes are rebuilt from the log). A
   * sealed segment released since it was written reopens its `.log`: fdatasync acts on the file,
   * not the descriptor, and Linux (≥ 4.16) reports a writeback error nobody has seen yet to a
   * descriptor opened after it.
   */
  async flushLog(): Promise<void> {
    const fd = this.logFdForIo()
    this.syncsInFlight++
    try {
      await this.fs.fdatasync(fd)
    } finally {
      this.syncEnded()
    }
  }

  /** fdatasync of the `.log` and of every index written through this segment. */
  async flush(): Promise<void> {
    const fd = this.logFdForIo()
    this.syncsInFlight++
    try {
      await Promise.all([this.fs.fdatasync(fd), this.offsetIndex.flush(), this.timeIndex.flush(), this.txnIndex.flush()])
    } finally {
      this.syncEnded()
    }
  }

  /**
   * Called by the cache (segment-cache.ts) when this sealed segment is the least recently used
   * one over a bound: closes the `.log` descriptor (once no fdatasync is in flight on it), drops
   * the mapping, the loaded index entries and the scan buffer. The next use reopens and reloads
   * them. Never throws: it runs inside another segment's use.
   */
  release(): void {
    if (this.closed || !this.sealed) return
    this.logView.drop()
    this.scanBuffer = null
    // Sealed indexes have no pending entries and no descriptor: unloading writes nothing.
    if (this.indexesResident) {
      this.offsetIndex.unload()
      this.timeIndex.unload()
      this.indexesResident = false
    }
    this.txnIndex.unload()
    if (this.syncsInFlight > 0) this.closeAfterSyncs = true
    else this.closeReleasedFd()
  }

  /**
   * Closes every file. An active segment first gets its final time-index entry and, if
   * preallocated, its `.log` trimmed (Kafka's close), so a clean reopen needs no scan of zeros.
   */
  close(): void {
    if (this.closed) return
    this.cache?.forget(this)
    try {
      if (this.loaded && !this.sealed) {
        try {
          this.appendTimeIndexEntry(true)
        } catch (err) {
          // The final time-index entry is a hint: an index whose state disagrees with the log (a
          // damaged file that passed its checks) must not stop the close; the next open rebuilds it.
          if (!(err instanceof SeglogError) || (err.code !== 'INVALID_OFFSET' && err.code !== 'INDEX_FULL')) throw err
        }
        this.trimPreallocated()
      }
    } finally {
      this.closeFiles()
    }
  }

  /** Closes the segment and unlinks its files (missing ones are fine). */
  closeAndDelete(): void {
    // Pending index entries are dropped, not written: a full disk must not stop a deletion.
    const fd = this.closed ? -1 : this.logFd
    this.closed = true
    this.logFd = -1
    this.cache?.forget(this)
    this.logView.drop()
    runAll([
      () => this.offsetIndex.deleteIfExists(),
      () => this.timeIndex.deleteIfExists(),
      () => this.txnIndex.deleteIfExists(),
      () => fd >= 0 && this.fs.close(fd),
      () => this.fs.exists(this.logPath) && this.fs.unlink(this.logPath),
    ])
  }

  /**
   * Renames every file of the segment to carry `transient` (`.deleted`, `.cleaned`, `.swap`) or
   * none (null); open descriptors keep working, so reads in flight are unaffected.
   */
  changeFileSuffix(transient: TransientSuffix | null): void {
    this.checkOpen()
    this.transient = transient
    const newLogPath = this.filePath('log')
    this.fs.rename(this.logPath, newLogPath)
    this.logPath = newLogPath
    this.offsetIndex.renameTo(this.filePath('index'))
    this.timeIndex.renameTo(this.filePath('timeindex'))
    this.txnIndex.renameTo(this.filePath('txnindex'))
  }

  // --- loading ---------------------------------------------------------------------------------

  private ensureLoaded(): void {
    if (this.loaded) return
    this.checkOpen()
    try {
      this.loadIndexes()
    } catch (err) {
      if (!(err instanceof SeglogError) || err.code !== 'CORRUPT_INDEX') throw err
      this.rebuildAndReport(err)
    }
    this.loaded = true
    this.markUsed()
  }

  /**
   * The offset and time index entries in memory: loaded at the first load, reloaded (and checked
   * against what the first load learned) after a release; an index that fails its checks is
   * rebuilt from the log, as at open.
   */
  private ensureIndexes(): void {
    if (this.indexesResident) {
      this.markUsed()
      return
    }
    if (!this.loaded) {
      this.ensureLoaded()
      return
    }
    this.checkOpen()
    const bounds = { logSizeBytes: this.logicalSizeBytes, lastOffset: this.endOffset - 1 }
    try {
      this.offsetIndex.load(bounds)
      this.timeIndex.load(bounds)
      this.indexesResident = true
    } catch (err) {
      if (!(err instanceof SeglogError) || err.code !== 'CORRUPT_INDEX') throw err
      this.rebuildAndReport(err)
    }
    this.markUsed()
  }

  /** Loads and checks the offset and time indexes, then learns the tail from a bounded scan. */
  private loadIndexes(): void {
    if (this.fileSizeBytes === 0) {
      // A segment rolled just before a crash may lack its index files; for an empty log that is
      // nothing to rebuild or report (Kafka's testRecoverWithEmptyActiveSegment).
      for (const index of [this.offsetIndex, this.timeIndex]) if (!this.fs.exists(index.path)) index.create()
    }
    const fileBounds = { logSizeBytes: this.fileSizeBytes }
    this.offsetIndex.load(fileBounds)
    this.timeIndex.load(fileBounds)
    this.loadTail()
    const bounds = { logSizeBytes: this.logicalSizeBytes, lastOffset: this.endOffset - 1 }
    this.offsetIndex.check(bounds)
    this.timeIndex.check(bounds)
    if (this.sealed) {
      this.offsetIndex.seal()
      this.timeIndex.seal()
    }
    this.indexesResident = true
  }

  /**
   * Learns the logical end and next offset from a scan starting at the last offset-index entry
   * (segment-tail.ts), and the largest timestamp from a scan starting at the floor entry of the
   * time index's last offset (Kafka's loadLargestTimestamp): only batches after the one where the
   * current maximum was first seen can hold a larger one. The second start is usually the later
   * one; when it is earlier (the maximum came early, or timestamps are constant), a sealed
   * segment leaves that longer scan for the first call that needs the maximum.
   */
  private loadTail(): void {
    const lastOffsetEntry = this.offsetIndex.entries > 0 ? this.offsetIndex.lastEntry : null
    const lastTimeEntry = this.timeIndex.entries > 0 ? this.timeIndex.lastEntry : null
    const offsetFrom = lastOffsetEntry?.position ?? 0
    const timeFrom = lastTimeEntry === null ? 0 : this.offsetIndex.lookup(lastTimeEntry.offset).position
    const withTimestamps = !this.sealed || timeFrom >= offsetFrom
    const tail = scanTail(this.scanner(withTimestamps ? Math.min(offsetFrom, timeFrom) : offsetFrom, this.fileSizeBytes), {
      baseOffset: this.baseOffset,
      lastOffsetEntry,
      lastTimeEntry: withTimestamps ? lastTimeEntry : null,
      indexPaths: this.indexPaths(),
    })
    this.setLogicalEnd(tail.stop)
    this.endOffset = tail.endOffset
    this.maxTimestamp = tail.maxTimestamp
    this.offsetOfMaxTimestamp = tail.offsetOfMaxTimestamp
    this.maxTimestampKnown = withTimestamps
    this.bytesSinceLastIndexEntry = this.logicalSizeBytes - offsetFrom
  }

  /** The deferred half of loadTail for a sealed segment; a time index that disagrees is rebuilt. */
  private ensureMaxTimestamp(): void {
    this.ensureLoaded()
    if (this.maxTimestampKnown) return
    this.ensureIndexes()
    const lastTimeEntry = this.timeIndex.entries > 0 ? this.timeIndex.lastEntry : null
    const from = lastTimeEntry === null ? 0 : this.offsetIndex.lookup(lastTimeEntry.offset).position
    try {
      const scan = scanTail(this.scanner(from, this.logicalSizeBytes), {
        baseOffset: this.baseOffset,
        lastOffsetEntry: null,
        lastTimeEntry,
        indexPaths: this.indexPaths(),
      })
      this.maxTimestamp = scan.maxTimestamp
      this.offsetOfMaxTimestamp = scan.offsetOfMaxTimestamp
      this.maxTimestampKnown = true
    } catch (err) {
      if (!(err instanceof SeglogError) || err.code !== 'CORRUPT_INDEX') throw err
      this.rebuildAndReport(err)
    }
  }

  private indexPaths(): string {
    return `${this.offsetIndex.path} / ${this.timeIndex.path}`
  }

  /** The logical end is where valid data stops; what follows is clean only if it is preallocated zeros. */
  private setLogicalEnd(stop: ScanStop): void {
    this.logicalSizeBytes = stop.position
    this.tailIsClean = stop.reason === 'end' || this.isPreallocatedZeros(stop.position)
    this.invalidTailStop = this.tailIsClean ? null : stop
  }

  /** Zeros where the next batch header would be, in a preallocated file: the clean end of the data. */
  private isPreallocatedZeros(position: number): boolean {
    if (this.config.preallocate !== true) return false
    const header = Buffer.alloc(LOG_OVERHEAD_BYTES)
    const read = this.fs.pread(this.logFdForIo(), header, LOG_OVERHEAD_BYTES, position)
    return header.subarray(0, read).every((byte) => byte === 0)
  }

  /** loadTail after a truncation; indexes that disagree with the log are rebuilt, as at open. */
  private loadTailOrRebuild(): void {
    try {
      this.loadTail()
    } catch (err) {
      if (!(err instanceof SeglogError) || err.code !== 'CORRUPT_INDEX') throw err
      this.rebuildAndReport(err)
    }
  }

  private rebuildAndReport(reason: SeglogError): void {
    // Headers only, like the opening scan: an index is rebuilt from what the headers say, and a
    // batch that fails its CRC is reported by the read that meets it. A CRC-checked rebuild made
    // a damaged batch below the log start the logical end of a sealed segment, silently hiding
    // the intact batches after it (found by the on-disk fuzzer, SEED=113500765 input 277).
    const rebuilt = this.rebuildFromLog({ txnState: null, verifyCrc: false })
    this.onIndexRebuild?.({ segmentPath: this.logPath, reason, validBytes: rebuilt.stop.position })
  }

  /**
   * Rebuilds the offset and time indexes (and with `txnState` the transaction index) from a scan
   * of the whole file (segment-rebuild.ts), CRC-checked for recovery. The first invalid byte
   * becomes the logical end; the `.log` is not modified.
   */
  private rebuildFromLog(options: {
    txnState: ReadonlyMap<number, number> | null
    onBatch?: ((batch: BatchPosition, bytes: Buffer) => void) | undefined
    verifyCrc: boolean
  }): RebuildResult {
    const rebuilt = rebuildIndexes(this.scanner(0, this.fileSizeBytes, options.verifyCrc, null, this.logFdForIo(), true), {
      baseOffset: this.baseOffset,
      indexIntervalBytes: this.config.indexIntervalBytes,
      offsetIndex: this.offsetIndex,
      timeIndex: this.timeIndex,
      txn: options.txnState === null ? null : { index: this.txnIndex, openTxns: options.txnState },
      onBatch: options.onBatch,
    })
    this.setLogicalEnd(rebuilt.stop)
    this.endOffset = rebuilt.lastOffset + 1
    this.maxTimestamp = rebuilt.maxTimestamp
    this.offsetOfMaxTimestamp = rebuilt.offsetOfMaxTimestamp
    this.maxTimestampKnown = true
    this.bytesSinceLastIndexEntry = this.logicalSizeBytes - rebuilt.lastIndexEntryPosition
    this.rollingBasedTimestamp = null
    this.appendTimeIndexEntry(true)
    if (this.sealed) {
      this.offsetIndex.seal()
      this.timeIndex.seal()
    }
    this.loaded = true
    this.indexesResident = true
    return rebuilt
  }

  // --- helpers ---------------------------------------------------------------------------------

  private filePath(kind: SegmentFileKind): string {
    return segmentFilePath(this.dir, this.baseOffset, kind, this.transient)
  }

  /**
   * A scanner over the segment's scan buffer, or over `mapped` where that covers the range (then
   * no scan buffer is needed). Only for scans that run to completion inside one synchronous call
   * (they never interleave, and no other segment is used meanwhile, so the descriptor stays open);
   * `batches()` makes its own.
   */
  /**
   * `fromSegmentStart`: the scan covers the segment from its first byte and checks that the first
   * batch starts at the segment's base offset (recovery, index rebuilds and their damage check:
   * the scans that decide where a segment's data ends).
   */
  private scanner(
    fromPosition: number,
    endPosition: number,
    verifyCrc = false,
    mapped: Buffer | null = null,
    fd = this.logFdForIo(),
    fromSegmentStart = false,
  ): BatchScanner {
    const covered = mapped !== null && endPosition <= mapped.length
    if (!covered && this.scanBuffer === null) {
      this.scanBuffer = Buffer.allocUnsafe(SCAN_BUFFER_BYTES)
      this.markUsed() // the cache counts the buffer from now on
    }
    return new BatchScanner({
      fs: this.fs,
      fd,
      path: this.logPath,
      fromPosition,
      endPosition,
      buffer: covered ? undefined : this.scanBuffer!,
      verifyCrc,
      firstReadBytes: verifyCrc ? SCAN_BUFFER_BYTES : this.lookupReadBytes,
      mapped,
      firstBaseOffset: fromSegmentStart ? this.baseOffset : undefined,
    })
  }

  /** The first batch from `scanner` whose last offset is ≥ `offset`, or null; CORRUPT_RECORD on a bad header. */
  /**
   * The batch holding `offset`, scanning from the offset index's floor entry — checked, since an
   * index entry that passed the open-time checks can still be wrong (FM-4): if the scan from it
   * meets a bad header or lands past the batch holding `offset`, the segment is scanned again from
   * its start (the `.log` is the truth; the index only saves time).
   */
  private seekChecked(offset: number, startingPosition: number, mapped: Buffer | null, fd: number): { scanner: BatchScanner; start: BatchPosition | null } {
    const from = Math.max(this.offsetIndex.lookup(offset).position, startingPosition)
    if (from > startingPosition) {
      const scanner = this.scanner(from, this.logicalSizeBytes, false, mapped, fd)
      try {
        const start = this.seek(scanner, offset)
        if (start === null || start.baseOffset <= offset) return { scanner, start }
      } catch (err) {
        if (!(err instanceof SeglogError) || err.code !== 'CORRUPT_RECORD') throw err
      }
    }
    const scanner = this.scanner(startingPosition, this.logicalSizeBytes, false, mapped, fd)
    return { scanner, start: this.seek(scanner, offset) }
  }

  private seek(scanner: BatchScanner, offset: number): BatchPosition | null {
    for (let batch = scanner.next(); batch !== null; batch = scanner.next()) if (batch.lastOffset >= offset) return batch
    this.checkScanEnd(scanner)
    return null
  }

  /** Batches from `fromPosition` to the logical end through `scanner`; CORRUPT_RECORD on a bad header. */
  private *walk(scanner: BatchScanner): Generator<BatchPosition> {
    for (let batch = scanner.next(); batch !== null; batch = scanner.next()) yield batch
    this.checkScanEnd(scanner)
  }

  /** A scan within the logical size must end exactly at its end: anything else is CORRUPT_RECORD. */
  private checkScanEnd(scanner: BatchScanner): void {
    const stop = scanner.stop!
    if (stop.reason !== 'end') throw this.corruptWithin(stop)
  }

  private corruptWithin(stop: Pick<ScanStop, 'position' | 'detail'>): SeglogError {
    return new SeglogError(
      'CORRUPT_RECORD',
      `${this.logPath}: invalid batch at position ${stop.position} within the logical size ${this.logicalSizeBytes}: ${stop.detail}`,
    )
  }

  /**
   * A read's first batch that no scan checked against the batch before it (its scan started at
   * it), and that is the only batch the read returns, is checked against the batch after it: its
   * base offset lies outside the CRC, so only a neighbour can tell it jumped. One 8-byte read.
   * The segment's last batch needs no check here; it was checked when the segment loaded: the
   * tail scan checks it against the batch before it or, when the scan starts at it, against the
   * last offset index entry (keyed by its last offset), and a sealed segment's next offset is
   * checked against the next segment's base offset when the partition opens.
   */
  private checkFollowed(start: BatchPosition, mapped: Buffer | null, fd: number): void {
    const position = start.position + start.sizeBytes
    if (position + BATCH_HEADER_BYTES > this.logicalSizeBytes) return
    const next = baseOffsetAt(this.logView.bytes(fd, this.logPath, mapped, position, BASE_OFFSET_BYTES), 0)
    if (next !== start.lastOffset + 1) throw this.corruptWithin(outOfSequence(position, next, start.lastOffset))
  }

  /**
   * The `.log` descriptor for I/O now: checks the segment is open, reopens a descriptor the cache
   * released, and reports the use to the cache.
   */
  private logFdForIo(): number {
    this.checkOpen()
    if (this.logFd < 0) this.logFd = openFile(this.fs, this.logPath, 'readwrite', this.cache, this)
    this.markUsed()
    return this.logFd
  }

  /** A sealed segment was used: the cache moves it to the most recently used end (and counts its memory). */
  private markUsed(): void {
    if (!this.sealed || this.cache === null) return
    // Back in the cache, which accounts for the descriptor again: a deferred close is off.
    this.closeAfterSyncs = false
    this.cache.touch(this, this.residentBytes)
  }

  private syncEnded(): void {
    this.syncsInFlight--
    if (this.syncsInFlight > 0 || !this.closeAfterSyncs) return
    this.closeAfterSyncs = false
    this.closeReleasedFd()
  }

  /**
   * Closes a released descriptor. A close error is ignored: the descriptor of a sealed segment was
   * only read since it sealed (its writes were fdatasynced by the roll, or by a flush that
   * reopens the file), Linux frees the descriptor whatever close returns, and writeback errors
   * reach fdatasync, not close. Throwing here would fail an unrelated segment's read.
   */
  private closeReleasedFd(): void {
    const fd = this.logFd
    if (fd < 0) return
    this.logFd = -1
    try {
      this.fs.close(fd)
    } catch {
      // See above.
    }
  }

  private firstBatchTimestamp(): number {
    this.ensureLoaded()
    if (this.rollingBasedTimestamp === null && this.logicalSizeBytes > 0) {
      const first = this.scanner(0, this.logicalSizeBytes).next()
      this.rollingBasedTimestamp = first === null ? NO_TIMESTAMP : first.maxTimestamp
    }
    return this.rollingBasedTimestamp ?? NO_TIMESTAMP
  }

  /** The time index entry for the max timestamp so far; forced = the final entry on roll/close. */
  private appendTimeIndexEntry(forced: boolean): void {
    if (this.maxTimestamp < 0) return
    this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp, forced)
  }

  /** Cuts bytes past the logical end before the first append over them (see the header). */
  private discardTrailingBytes(): void {
    if (this.tailIsClean) return
    // Cuts at the logical end: a mapping never reaches past it (log-view.ts), so it stays valid.
    const fd = this.logFdForIo()
    this.fs.ftruncate(fd, this.logicalSizeBytes)
    this.fileSizeBytes = this.logicalSizeBytes
    if (this.config.preallocate === true && this.logicalSizeBytes < this.config.segmentBytes) {
      this.fs.fallocate(fd, this.logicalSizeBytes, this.config.segmentBytes - this.logicalSizeBytes)
      this.fileSizeBytes = this.config.segmentBytes
    }
    this.tailIsClean = true
    this.invalidTailStop = null
  }

  private trimPreallocated(): void {
    if (this.config.preallocate !== true || this.fileSizeBytes <= this.logicalSizeBytes) return
    this.fs.ftruncate(this.logFdForIo(), this.logicalSizeBytes)
    this.fileSizeBytes = this.logicalSizeBytes
  }

  private checkOpen(): void {
    if (this.closed) throw new SeglogError('SEGMENT_CLOSED', `${this.logPath}: segment is closed`)
  }

  private checkWritable(): void {
    this.checkOpen()
    if (this.sealed) throw new SeglogError('SEGMENT_SEALED', `${this.logPath}: segment is sealed (rolled); append to the active segment`)
  }

  /** Closes every descriptor even if writing pending index entries fails (that error is rethrown). */
  private closeFiles(): void {
    if (this.closed) return
    this.closed = true
    this.cache?.forget(this)
    this.logView.drop()
    const fd = this.logFd
    this.logFd = -1
    runAll([() => this.offsetIndex.close(), () => this.timeIndex.close(), () => this.txnIndex.close(), () => fd >= 0 && this.fs.close(fd)])
  }
}

function checkSegmentArgs(baseOffset: number, config: Readonly<SegmentConfig>): void {
  assertSafeNonNegativeInteger('baseOffset', baseOffset)
  assertSafeNonNegativeInteger('config.indexIntervalBytes', config.indexIntervalBytes)
  assertSafeNonNegativeInteger('config.segmentIndexBytes', config.segmentIndexBytes)
  assertSafeNonNegativeInteger('config.segmentBytes', config.segmentBytes)
  assertSafeNonNegativeInteger('config.segmentMs', config.segmentMs)
  if (config.segmentBytes > SEGMENT_BYTES_MAX) throw outOfRange('config.segmentBytes', `<= ${SEGMENT_BYTES_MAX}`, config.segmentBytes)
}

function checkChunk(chunk: AppendChunk, logPath: string): void {
  let total = 0
  for (const buffer of chunk.buffers) total += buffer.length
  if (chunk.buffers.length === 0 || total !== chunk.sizeBytes || chunk.sizeBytes === 0) {
    throw outOfRange('chunk.sizeBytes', `the ${total} bytes of chunk.buffers (> 0) appended to ${logPath}`, chunk.sizeBytes)
  }
}

/** Bytes in a page: reads are rounded up to whole pages, which cost the same to copy as a part. */
const PAGE_BYTES = 4096

function roundUpToPage(bytes: number): number {
  return Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES
}

const EMPTY = Buffer.alloc(0)

/** The int64 base offset that starts a batch header. */
const BASE_OFFSET_BYTES = 8

/**
 * End position of the whole batches from position `from` up to `to` (a read may end mid-batch),
 * stopping after the first one whose last offset reaches `maxOffset`. `buf` holds the file from
 * position `bufStart` on, at least up to `to`. A header too damaged to size its batch ends the
 * run; the next read starting there reports it. A header whose base offset does not follow the
 * previous batch's last offset (batch-scanner.ts: no compaction, so offsets are contiguous) is
 * CORRUPT_RECORD naming `path`: one of the two headers is damaged, and the earlier one may be
 * the read's first batch, which nothing else checked.
 */
function wholeBatchesEnd(buf: Buffer, bufStart: number, from: number, to: number, maxOffset: number, path: string): number {
  let end = from
  let lastOffset = -1
  while (end + BATCH_HEADER_BYTES <= to) {
    const at = end - bufStart
    const baseOffset = baseOffsetAt(buf, at)
    if (end > from && baseOffset !== lastOffset + 1) {
      throw new SeglogError('CORRUPT_RECORD', `${path}: invalid batch at position ${end}: ${outOfSequence(end, baseOffset, lastOffset).detail}`)
    }
    const size = buf.readInt32BE(at + BATCH_LENGTH_POS) + LOG_OVERHEAD_BYTES
    if (size < BATCH_HEADER_BYTES || end + size > to) break
    end += size
    lastOffset = lastOffsetAt(buf, at)
    if (lastOffset >= maxOffset) break
  }
  return end
}

/** The stop of a walk at a batch whose base offset does not continue the previous batch. */
function outOfSequence(position: number, baseOffset: number, previousLastOffset: number): Pick<ScanStop, 'position' | 'detail'> {
  return { position, detail: `base offset ${baseOffset} does not follow the previous batch's last offset ${previousLastOffset}` }
}

/**
 * `wholeBatchesEnd` by header scan, for a read that copies: `scanner` has just returned `first`;
 * later headers are read only while the run has not reached `maxOffset`.
 */
function scanWholeBatchesEnd(scanner: BatchScanner, first: BatchPosition, to: number, maxOffset: number): number {
  let end = first.position
  for (let batch: BatchPosition | null = first; batch !== null; batch = scanner.next()) {
    if (batch.position + batch.sizeBytes > to) break
    end = batch.position + batch.sizeBytes
    if (batch.lastOffset >= maxOffset) break
  }
  return end
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
