/**
 * One segment of a partition (Kafka's LogSegment): a `.log` of whole record batches plus its
 * offset index, time index and transaction index, all named by the segment's base offset
 * (file-names.ts) and all reached through the FileSystem seam.
 *
 * `Segment` is the segment's one public class; its methods delegate to one module per concept,
 * each over the segment's fields (segment-state.ts: sizes, active vs sealed):
 * - segment-files.ts: descriptors, paths, close and delete, fdatasync, the Log-wide cache's
 *   release and reopen (segment-cache.ts);
 * - segment-load.ts: opening — indexes trusted after their checks or rebuilt from the log;
 * - segment-append.ts: the append path (index entries by Kafka's interval rule);
 * - segment-roll.ts: when to roll, and sealing on roll;
 * - segment-read.ts: reads (views of the mapping, or copies), header iteration;
 * - segment-walk.ts: header scans and the checked seek every operation uses;
 * - segment-time-lookup.ts: the first record at or after a timestamp;
 * - segment-recovery.ts: recovery, validation and truncation;
 * - tail-damage.ts: whether valid batches follow damage (the partition's recovery decides with it).
 *
 * Concurrency: single-threaded; callers serialise every operation on a segment (the partition's
 * append queue). `flush` and `flushLog` are the only asynchronous operations (segment-files.ts
 * says what may overlap them). Crash: `open` and `recover` handle a torn tail and indexes ahead
 * of or behind the log (segment-load.ts, segment-recovery.ts).
 */
import { SeglogError, assertSafeNonNegativeInteger, outOfRange } from '../errors.js'
import { asSeglogError } from '../io/io-errors.js'
import type { FileSystem } from '../io/file.js'
import type { OffsetPosition } from '../index/offset-index.js'
import type { AbortedTxn, TxnIndexSearchResult } from '../index/txn-index.js'
import { SEGMENT_BYTES_MAX } from '../limits.js'
import type { BatchPosition, ScanStop } from './batch-scanner.js'
import { segmentFilePath, type TransientSuffix } from './file-names.js'
import { scanProducerBatches, type ProducerBatchVisitor } from './producer-scan.js'
import { append, appendAbortedTxn, appendFromFile, canConvertToRelativeOffset, type AppendChunk, type LogFileRange } from './segment-append.js'
import { openFile, type ReleasableSegment, type SegmentCache } from './segment-cache.js'
import { changeFileSuffix, close, closeAndDelete, closeFiles, flush, flushLog, logFdForIo, markUsed, release } from './segment-files.js'
import { ensureIndexes, ensureLoaded, ensureMaxTimestamp, type IndexRebuildEvent } from './segment-load.js'
import {
  allAbortedTxns,
  batches,
  collectAbortedTxns,
  fetchUpperBoundOffset,
  read,
  translateOffset,
  type SegmentRead,
  type SegmentReadOptions,
} from './segment-read.js'
import type { SegmentDamage } from './segment-rebuild.js'
import { recover, truncateTo, validate, type RecoverOptions, type RecoverResult } from './segment-recovery.js'
import { onBecomeInactive, shouldRoll, timeWaitedForRoll, type RollCheck } from './segment-roll.js'
import { SegmentState, type SegmentConfig, type SegmentStateOptions } from './segment-state.js'
import { findOffsetByTimestamp } from './segment-time-lookup.js'

export type { BatchPosition, ScanStop } from './batch-scanner.js'
export type { SegmentDamage } from './segment-rebuild.js'
export type { AppendChunk, LogFileRange } from './segment-append.js'
export type { IndexRebuildEvent } from './segment-load.js'
export type { SegmentRead, SegmentReadOptions } from './segment-read.js'
export type { RecoverOptions, RecoverResult } from './segment-recovery.js'
export type { RollCheck } from './segment-roll.js'
export type { SegmentConfig } from './segment-state.js'

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

export class Segment implements ReleasableSegment {
  private readonly s: SegmentState

  private constructor(
    fs: FileSystem,
    readonly dir: string,
    readonly baseOffset: number,
    readonly config: Readonly<SegmentConfig>,
    logFd: number,
    options: SegmentStateOptions,
  ) {
    this.s = new SegmentState(fs, dir, baseOffset, config, logFd, options, this)
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
      const s = segment.s
      s.logicalSizeBytes = 0
      s.offsetIndex.create()
      s.timeIndex.create()
      s.txnIndex.reset()
      s.loaded = true
      s.indexesResident = true
      s.maxTimestampKnown = true
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
  static open(fs: FileSystem, dir: string, baseOffset: number, config: Readonly<SegmentConfig>, options: SegmentOpenOptions = {}): Segment {
    checkSegmentArgs(baseOffset, config)
    const sealed = options.sealed ?? false
    const fd = openFile(fs, segmentFilePath(dir, baseOffset, 'log', options.transient ?? null), 'readwrite', options.cache ?? null)
    let segment: Segment | null = null
    try {
      segment = new Segment(fs, dir, baseOffset, config, fd, { ...options, sealed, nowMs: options.nowMs ?? Date.now() })
      const s = segment.s
      if (s.fileSizeBytes > SEGMENT_BYTES_MAX) {
        throw new SeglogError('CORRUPT_RECORD', `${s.logPath}: ${s.fileSizeBytes} bytes is more than a segment can hold (${SEGMENT_BYTES_MAX})`, {
          path: s.logPath,
          reason: 'segment-too-large',
        })
      }
      if (sealed) markUsed(s)
      else ensureLoaded(s)
      return segment
    } catch (err) {
      if (segment !== null) closeFiles(segment.s)
      else fs.close(fd)
      throw err
    }
  }

  /** Path of the `.log` (with the current transient suffix, if any). */
  get path(): string {
    return this.s.logPath
  }

  /**
   * The `.log` descriptor, for sendfile(2) (read-only use: never write or truncate through it).
   * Reopened if the cache released it; valid until the caller next yields to the event loop or
   * uses another segment (either may release this one and close it).
   */
  get fd(): number {
    return logFdForIo(this.s)
  }

  get isSealed(): boolean {
    return this.s.sealed
  }

  /** Logical size: bytes of whole batches. For a sealed segment not yet loaded, the file size. */
  get sizeBytes(): number {
    return this.s.logicalSizeBytes
  }

  /**
   * Where and why the data ended before the end of the file, when what follows is not
   * preallocated zeros: a torn or corrupt tail `open` found (the log layer decides whether to
   * `recover`). Null when the file ends cleanly. The next append cuts that region off.
   */
  get invalidTail(): (ScanStop & { bytes: number }) | null {
    ensureLoaded(this.s)
    const stop = this.s.invalidTailStop
    return stop === null ? null : { ...stop, bytes: this.s.fileSizeBytes - stop.position }
  }

  /** The offset after the last batch; baseOffset when empty. */
  get nextOffset(): number {
    ensureLoaded(this.s)
    return this.s.endOffset
  }

  /**
   * Largest batch max timestamp in the segment, or -1 (NO_TIMESTAMP); retention and time lookups
   * use it. The first call on a sealed segment may scan from where that maximum was first seen.
   */
  get maxTimestampSoFar(): number {
    ensureMaxTimestamp(this.s)
    return this.s.maxTimestamp
  }

  /** Offset where `maxTimestampSoFar` was seen, or -1. */
  get offsetOfMaxTimestampSoFar(): number {
    ensureMaxTimestamp(this.s)
    return this.s.offsetOfMaxTimestamp
  }

  get offsetIndexEntries(): number {
    ensureIndexes(this.s)
    return this.s.offsetIndex.entries
  }

  get timeIndexEntries(): number {
    ensureIndexes(this.s)
    return this.s.timeIndex.entries
  }

  /** The offset index's last entry, or (baseOffset, 0). */
  get lastOffsetIndexEntry(): OffsetPosition {
    ensureIndexes(this.s)
    return this.s.offsetIndex.lastEntry
  }

  /** The time index's last entry, or (-1, baseOffset). */
  get lastTimeIndexEntry(): { timestamp: number; offset: number } {
    ensureIndexes(this.s)
    return this.s.timeIndex.lastEntry
  }

  /** Whether the descriptor is open now (false while released by the cache, or closed). */
  get holdsDescriptor(): boolean {
    return this.s.logFd >= 0
  }

  /** Bytes of memory the loaded index entries and the scan buffer take (what the cache counts). */
  get residentBytes(): number {
    return this.s.residentBytes
  }

  /** Whether `offset` fits this segment's 32-bit relative offsets. */
  canConvertToRelativeOffset(offset: number): boolean {
    return canConvertToRelativeOffset(this.s, offset)
  }

  /** Appends whole batches at the logical end, all or nothing (segment-append.ts). */
  append(chunk: AppendChunk): void {
    append(this.s, chunk)
  }

  /** Copies whole batches from another `.log` from `startPosition`; returns the bytes appended (segment-append.ts). */
  appendFromFile(source: LogFileRange, startPosition: number): number {
    return appendFromFile(this.s, source, startPosition)
  }

  /** Kafka's shouldRoll (kafka-storage.md §3.4, segment-roll.ts). */
  shouldRoll(next: RollCheck): boolean {
    return shouldRoll(this.s, next)
  }

  /** Kafka's timeWaitedForRoll: by record timestamps when the first batch has one, else wall clock. */
  timeWaitedForRoll(nowMs: number, messageTimestamp: number): number {
    return timeWaitedForRoll(this.s, nowMs, messageTimestamp)
  }

  /**
   * The first batch holding an offset ≥ `offset`: the offset index's floor entry, then a header
   * scan. Null when no batch in this segment reaches `offset`.
   */
  translateOffset(offset: number, startingPosition = 0): BatchPosition | null {
    return translateOffset(this.s, offset, startingPosition)
  }

  /**
   * Whole batches from the one holding `offset` (or the next one after a gap), at most `maxBytes`
   * (at least the first batch with `minOneMessage`), never at or past `maxPosition`, none after
   * the one holding `maxOffset`. Null when the segment has nothing at or after `offset`. The bytes
   * are a view of the mapping (native) or a copy of exactly those batches (segment-read.ts).
   */
  read(offset: number, maxBytes: number, options: SegmentReadOptions = {}): SegmentRead | null {
    return read(this.s, offset, maxBytes, options)
  }

  /** The first record with timestamp ≥ `timestamp` and offset ≥ `startingOffset`, or null (segment-time-lookup.ts). */
  findOffsetByTimestamp(timestamp: number, startingOffset = this.baseOffset): { offset: number; timestamp: number } | null {
    return findOffsetByTimestamp(this.s, timestamp, startingOffset)
  }

  /**
   * Header-only iteration over the batches from `fromPosition` (a batch start) to the logical
   * end, through a scan buffer of its own. A damaged header inside the logical size is
   * CORRUPT_RECORD.
   */
  batches(fromPosition = 0): Generator<BatchPosition> {
    return batches(this.s, fromPosition)
  }

  /**
   * Every batch holding offsets ≥ `fromOffset`, in order, with the producer batch each one is (or
   * null): producer state replay at open (producer-scan.ts). Returns the producer batches met.
   */
  scanProducerBatches(fromOffset: number, visit: ProducerBatchVisitor): number {
    return scanProducerBatches(this.s, fromOffset, visit)
  }

  /** First index entry at or past `startPosition + fetchSizeBytes` (read_committed upper bound). */
  fetchUpperBoundOffset(startPosition: number, fetchSizeBytes: number): OffsetPosition | null {
    return fetchUpperBoundOffset(this.s, startPosition, fetchSizeBytes)
  }

  /** Aborted transactions overlapping [fetchOffset, upperBoundOffset) (txn-index.ts). */
  collectAbortedTxns(fetchOffset: number, upperBoundOffset: number): TxnIndexSearchResult {
    return collectAbortedTxns(this.s, fetchOffset, upperBoundOffset)
  }

  allAbortedTxns(): AbortedTxn[] {
    return allAbortedTxns(this.s)
  }

  /** Records an aborted transaction whose ABORT marker was appended to this segment. */
  appendAbortedTxn(txn: AbortedTxn): void {
    appendAbortedTxn(this.s, txn)
  }

  /**
   * Kafka's LogSegment.recover (segment-recovery.ts): returns what was kept and cut. Afterwards
   * the indexes match the log and `invalidTail` is null. Run it before reading: it truncates the file.
   */
  recover(options: RecoverOptions = {}): RecoverResult {
    return recover(this.s, options)
  }

  /**
   * Removes every batch whose last offset is ≥ `offset` (so the batch holding `offset` goes too,
   * as in Kafka) and the index entries at or above it. Returns the bytes removed. An emptied
   * segment restarts its roll clock at `nowMs`. The segment becomes active.
   */
  truncateTo(offset: number, nowMs = Date.now()): number {
    return truncateTo(this.s, offset, nowMs)
  }

  /**
   * The segment stops being the active one (roll): final time-index entry, `.log` trimmed to its
   * logical size, indexes sealed read-only. Reads afterwards map the file.
   */
  onBecomeInactive(): void {
    onBecomeInactive(this.s)
  }

  /** The first damage among the batches holding offsets below `upToOffset`, or null; changes nothing (segment-recovery.ts). */
  validate(upToOffset = Number.MAX_SAFE_INTEGER): SegmentDamage | null {
    return validate(this.s, upToOffset)
  }

  /** fdatasync of the `.log` only: what group commit needs (segment-files.ts). */
  flushLog(): Promise<void> {
    return flushLog(this.s)
  }

  /** fdatasync of the `.log` and of every index written through this segment. */
  flush(): Promise<void> {
    return flush(this.s)
  }

  /** Called by the cache: closes the descriptor, drops the mapping and loaded indexes; never throws (segment-files.ts). */
  release(): void {
    release(this.s)
  }

  /** Closes every file; an active segment first gets its final time-index entry and its preallocation trimmed. */
  close(): void {
    close(this.s)
  }

  /** Closes the segment and unlinks its files (missing ones are fine). */
  closeAndDelete(): void {
    closeAndDelete(this.s)
  }

  /**
   * Renames every file of the segment to carry `transient` (`.deleted`, `.cleaned`, `.swap`) or
   * none (null); open descriptors keep working, so reads in flight are unaffected.
   */
  changeFileSuffix(transient: TransientSuffix | null): void {
    changeFileSuffix(this.s, transient)
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
