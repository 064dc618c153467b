/**
 * The segments of one partition (Kafka's LocalLog + LogLoader): the sorted list of segments, the
 * log start and end offsets, rolling, loading and recovering the directory, and removing whole
 * segments for retention. It performs file operations only; queueing, group commit and the high
 * watermark live in partition.ts.
 *
 * Directory: `<topic>-<partition>/` holding `<20-digit base offset>.log|.index|.timeindex|.txnindex`
 * (format.md). Invariants:
 * - segments are sorted by base offset; the last is the active one, every other one is sealed;
 * - segment i's next offset equals segment i+1's base offset (no gap: a missing middle segment is
 *   corruption, never renumbered or skipped);
 * - logStartOffset lies in the first segment, and LEO = the active segment's next offset.
 *
 * Loading (design.md "Open and recovery"): leftovers are resolved first (`.deleted`, `.cleaned`,
 * `.tmp` removed; index files without a `.log` removed; `.swap` completed). After an unclean
 * shutdown every segment from the one holding the recovery point onwards is re-validated (length
 * bounds, magic, CRC-32C): a torn or corrupt tail at or past the recovery point was never
 * acknowledged and is cut off (with every later segment); damage below the recovery point is
 * `CORRUPT_RECORD` naming the file and position, unless `repair` — then the partition is cut there
 * and the lost offsets are reported. Recovered bytes are fdatasynced before they count as durable.
 *
 * Concurrency: single-threaded; the partition serialises appends, rolls and retention.
 */
import { SeglogError, type SeglogErrorDetails } from '../errors.js'
import type { FileSystem } from '../io/file.js'
import { joinPath } from '../io/file.js'
import type { TopicConfig } from '../options.js'
import { parseSegmentFileName } from '../segment/file-names.js'
import { hasValidBatchAfter } from '../segment/tail-damage.js'
import { hasTestBug } from '../test-bugs.js'
import { deleteSegmentsBelowLogStart } from './retention.js'
import { Segment, type AppendChunk, type IndexRebuildEvent, type SegmentConfig } from '../segment/segment.js'
import { deleteProducerSnapshotsBelow, listProducerSnapshots, writeProducerSnapshot } from '../producer/producer-snapshot.js'
import { ProducerStateManager } from '../producer/producer-state-manager.js'
import { recoverProducerState, type ProducerRecoveryReport } from './producer-recovery.js'
import type { SegmentCache } from '../segment/segment-cache.js'

export interface PartitionLoadOptions {
  /** Everything below this offset was fsynced and validated (checkpoint); null = unknown. */
  recoveryPoint: number | null
  /** Checkpointed log start offset; null = unknown (the first segment's base offset). */
  logStartOffset: number | null
  /** Whether a checksum vouches for `recoveryPoint` (checkpoint-file.ts): then a log end below it is lost data. */
  recoveryPointVerified?: boolean
  /** Whether a checksum vouches for `logStartOffset`: then a first segment above it is lost data. */
  logStartVerified?: boolean
  cleanShutdown: boolean
  repair: boolean
  nowMs: number
  /** The Log's bound on sealed segments' descriptors and memory (segment-cache.ts). Default none. */
  segmentCache?: SegmentCache | null
  /** Producers idle this long are forgotten (Log option; default PRODUCER_ID_EXPIRATION_MS_DEFAULT). */
  producerIdExpirationMs?: number
}

/** Kafka's producer.id.expiration.ms default: one day. */
export const PRODUCER_ID_EXPIRATION_MS_DEFAULT = 86_400_000

export interface PartitionRecoveryReport extends ProducerRecoveryReport {
  truncatedBytes: number
  /** First offset cut off by recovery (torn tail or repair), or null when nothing was cut. */
  truncatedFromOffset: number | null
  rebuiltIndexes: number
  /** With `repair`: the offsets [from, to) lost to damage below the recovery point. */
  lostOffsets: { from: number; to: number } | null
  /** Leftover files removed or completed (`.deleted`, `.cleaned`, `.tmp`, `.swap`, orphan indexes). */
  leftovers: string[]
}

export function segmentConfigOf(config: Readonly<TopicConfig>): SegmentConfig {
  return {
    indexIntervalBytes: config.indexIntervalBytes,
    segmentIndexBytes: config.segmentIndexBytes,
    segmentBytes: config.segmentBytes,
    segmentMs: config.segmentMs,
    preallocate: config.preallocate,
  }
}

export class PartitionLog {
  /** Sorted by base offset; the last one is active. Never empty. */
  readonly segments: Segment[]
  logStartOffset: number
  /** Everything below is fsynced and validated: recovery after a crash starts here. */
  recoveryPoint: number
  /** Segments written since the last flush started (their `.log` needs an fdatasync). */
  private readonly dirty = new Set<Segment>()
  private segmentConfig: SegmentConfig
  rebuiltIndexes = 0
  /** The partition's producer state (producer-state-manager.ts): staged and committed by batch-writer.ts. */
  readonly producerState = new ProducerStateManager()
  producerIdExpirationMs = PRODUCER_ID_EXPIRATION_MS_DEFAULT
  /** Whether any producer snapshot file may exist: once one does, every roll and close writes one. */
  private producerSnapshotsExist = false

  private constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
    config: Readonly<TopicConfig>,
    segments: Segment[],
    logStartOffset: number,
    recoveryPoint: number,
    private readonly segmentCache: SegmentCache | null,
  ) {
    this.segmentConfig = segmentConfigOf(config)
    this.segments = segments
    this.logStartOffset = logStartOffset
    this.recoveryPoint = recoveryPoint
  }

  get activeSegment(): Segment {
    return this.segments[this.segments.length - 1]!
  }

  get logEndOffset(): number {
    return this.activeSegment.nextOffset
  }

  /** Bytes of the partition's `.log` files. */
  get sizeBytes(): number {
    let total = 0
    for (const segment of this.segments) total += segment.sizeBytes
    return total
  }

  /** Applies a changed topic config to segments created from now on (and to roll checks). */
  updateConfig(config: Readonly<TopicConfig>): void {
    this.segmentConfig = segmentConfigOf(config)
  }

  // --- loading ---------------------------------------------------------------------------------

  /** Opens (creating if missing) and, after an unclean shutdown, recovers a partition directory. */
  static async load(
    fs: FileSystem,
    dir: string,
    config: Readonly<TopicConfig>,
    options: PartitionLoadOptions,
  ): Promise<{ log: PartitionLog; report: PartitionRecoveryReport }> {
    const report: PartitionRecoveryReport = {
      truncatedBytes: 0,
      truncatedFromOffset: null,
      rebuiltIndexes: 0,
      lostOffsets: null,
      leftovers: [],
      producerSnapshotOffset: null,
      corruptProducerSnapshots: [],
      producerBatchesReplayed: 0,
    }
    const segmentConfig = segmentConfigOf(config)
    let createdDir = false
    if (!fs.exists(dir)) {
      fs.mkdirp(dir)
      createdDir = true
    }
    const bases = resolveLeftovers(fs, dir, report)
    const onIndexRebuild = (_event: IndexRebuildEvent): void => {
      report.rebuiltIndexes++
    }
    const segments: Segment[] = []
    try {
      for (let i = 0; i < bases.length; i++) {
        const sealed = i < bases.length - 1
        segments.push(Segment.open(fs, dir, bases[i]!, segmentConfig, { sealed, nowMs: options.nowMs, onIndexRebuild, cache: options.segmentCache }))
      }
      checkFirstSegmentAtLogStart(dir, segments, options, report)
      let logStartOffset = Math.max(options.logStartOffset ?? 0, segments[0]?.baseOffset ?? 0)
      if (segments.length === 0) {
        segments.push(Segment.create(fs, dir, logStartOffset, segmentConfig, options.nowMs, { cache: options.segmentCache }))
        await fs.fsyncDir(dir)
        if (createdDir) await fs.fsyncDir(joinPath(dir, '..'))
      }
      const log = new PartitionLog(fs, dir, config, segments, logStartOffset, 0, options.segmentCache ?? null)
      if (!options.cleanShutdown) await log.recover(options, report)
      // Dead segments wholly below the checkpointed start go first: their damage is irrelevant.
      await deleteSegmentsBelowLogStart(log, options.nowMs)
      log.checkNoGaps(options.repair, report)
      if (options.cleanShutdown) log.checkActiveSegmentWhole(options, report)
      if (log.logEndOffset < logStartOffset) {
        // Files were lost below the checkpointed start (Kafka testLogEndLessThanStartAfterReopen):
        // restart empty at the log start offset.
        await log.replaceAllWithEmptySegmentAt(logStartOffset, options.nowMs)
      }
      await deleteSegmentsBelowLogStart(log, options.nowMs)
      log.checkEndAtRecoveryPoint(options, report)
      logStartOffset = Math.max(logStartOffset, log.segments[0]!.baseOffset)
      log.logStartOffset = logStartOffset
      log.recoveryPoint = log.logEndOffset
      log.rebuiltIndexes = report.rebuiltIndexes
      log.producerIdExpirationMs = options.producerIdExpirationMs ?? PRODUCER_ID_EXPIRATION_MS_DEFAULT
      // Last: the segments are final, every cut made (producer-recovery.ts).
      Object.assign(
        report,
        await recoverProducerState(fs, log, { nowMs: options.nowMs, producerIdExpirationMs: log.producerIdExpirationMs }),
      )
      log.producerSnapshotsExist = listProducerSnapshots(fs, dir).length > 0
      return { log, report }
    } catch (err) {
      for (const segment of segments) {
        try {
          segment.close()
        } catch {
          // A segment in a state recovery refused may fail its closing writes: the open error matters.
        }
      }
      throw err
    }
  }

  /**
   * Unclean shutdown: re-validate every segment from the one holding the recovery point; cut a torn
   * tail, refuse damage to acknowledged data (tail-damage.ts), fsync what stays.
   */
  private async recover(options: PartitionLoadOptions, report: PartitionRecoveryReport): Promise<void> {
    const recoveryPoint = Math.max(options.recoveryPoint ?? 0, this.segments[0]!.baseOffset)
    const first = Math.max(this.floorIndex(recoveryPoint), 0)
    for (let i = first; i < this.segments.length; i++) {
      const segment = this.segments[i]!
      const damage = segment.validate()
      if (damage === null) continue
      const belowRecoveryPoint = damage.firstBadOffset < recoveryPoint
      const followedByValidData =
        !belowRecoveryPoint &&
        (hasValidBatchAfter(this.fs, segment.fd, this.fs.size(segment.fd), damage.position, damage.firstBadOffset) ||
          this.segments.slice(i + 1).some((later) => hasValidBatchAfter(this.fs, later.fd, this.fs.size(later.fd), -1, later.baseOffset)))
      if ((belowRecoveryPoint || followedByValidData) && !hasTestBug('truncate-mid-log')) {
        const why = belowRecoveryPoint ? `below the recovery point (offset ${recoveryPoint})` : 'followed by valid record batches, so not a torn tail'
        if (!options.repair) {
          throw new SeglogError(
            'CORRUPT_RECORD',
            `Corrupt record batch in ${segment.path} at position ${damage.position} (${damage.detail}), ${why}; open with { repair: true } to truncate the partition there`,
            { path: segment.path, position: damage.position, offset: damage.firstBadOffset, reason: 'damaged-acknowledged-data' },
          )
        }
        addLostOffsets(report, damage.firstBadOffset, this.logEndOffset)
      }
      const result = segment.recover()
      report.truncatedBytes += result.truncatedBytes
      report.truncatedFromOffset = result.lastOffset + 1
      // The cut can start before the damage validate() named (recover stops at the first invalid byte).
      if (report.lostOffsets !== null) report.lostOffsets.from = Math.min(report.lostOffsets.from, result.lastOffset + 1)
      // Everything after a cut was written after the cut bytes (or is given up by repair).
      for (const later of this.segments.splice(i + 1)) {
        report.truncatedBytes += later.sizeBytes
        later.closeAndDelete()
      }
      reactivate(segment)
      break
    }
    for (let i = first; i < this.segments.length; i++) {
      const segment = this.segments[i]!
      if (i < this.segments.length - 1) segment.onBecomeInactive()
      await segment.flush()
    }
    await this.fs.fsyncDir(this.dir)
  }

  /**
   * Everything below a verified recovery point was fsynced: a log that now ends below it lost
   * acknowledged records that no per-segment check sees (an active segment cut at a batch boundary
   * or missing; found by the on-disk fuzzer). CORRUPT_RECORD, or with repair the loss is reported.
   */
  private checkEndAtRecoveryPoint(options: PartitionLoadOptions, report: PartitionRecoveryReport): void {
    const recoveryPoint = options.recoveryPoint
    if (options.recoveryPointVerified !== true || recoveryPoint === null || this.logEndOffset >= recoveryPoint) return
    if (!options.repair) {
      throw new SeglogError(
        'CORRUPT_RECORD',
        `Missing records in ${this.dir}: the log ends at offset ${this.logEndOffset} (${this.activeSegment.path}) but its checkpointed recovery point is ${recoveryPoint}; open with { repair: true } to continue from offset ${this.logEndOffset}`,
        { path: this.activeSegment.path, offset: this.logEndOffset, reason: 'log-end-below-recovery-point' },
      )
    }
    addLostOffsets(report, this.logEndOffset, recoveryPoint)
  }

  /**
   * After a clean shutdown the active segment was closed whole (trimmed and fsynced), so bytes its
   * opening scan could not read are damage, not a torn write — even when the recovery-point
   * checkpoint that would also catch it is gone (found by the on-disk fuzzer). CORRUPT_RECORD, or
   * with repair the segment is cut there and the loss reported.
   */
  private checkActiveSegmentWhole(options: PartitionLoadOptions, report: PartitionRecoveryReport): void {
    const active = this.activeSegment
    const damage = active.invalidTail
    if (damage === null) return
    if (!options.repair) {
      throw new SeglogError(
        'CORRUPT_RECORD',
        `Corrupt record batch in ${active.path} at position ${damage.position} (${damage.detail}) after a clean shutdown; open with { repair: true } to truncate the partition there`,
        { path: active.path, position: damage.position, offset: active.nextOffset, reason: 'damaged-active-segment' },
      )
    }
    const endBefore = active.nextOffset
    report.truncatedBytes += active.recover().truncatedBytes
    // recover() checks CRCs, which the opening scan did not: its cut can lie below the damage seen.
    const lostFrom = active.nextOffset
    addLostOffsets(report, lostFrom, Math.max(options.recoveryPoint ?? endBefore, endBefore))
    report.truncatedFromOffset = Math.min(report.truncatedFromOffset ?? lostFrom, lostFrom)
  }

  /** A gap between consecutive segments is a missing middle segment: corruption (FM-8). */
  private checkNoGaps(repair: boolean, report: PartitionRecoveryReport): void {
    for (let i = 0; i + 1 < this.segments.length; i++) {
      const segment = this.segments[i]!
      const next = this.segments[i + 1]!
      // A sealed segment whose opening scan stopped early is damaged (it was whole when rolled).
      const damage = segment.invalidTail
      let detail: string | null = null
      let facts: SeglogErrorDetails = {}
      if (damage !== null && segment.nextOffset === next.baseOffset) {
        // The next segment starts exactly where this one's valid batches end, so the bytes after
        // them hold no record: untrimmed preallocation or a tail cut mid-roll. Trim, don't refuse —
        // unless a CRC-checked look finds a damaged batch before them, which the trim would cut
        // too, leaving a hole below the next segment (found by the on-disk fuzzer, SEED=3376726478
        // input 956: a read then made no progress below the HW).
        const firstBad = segment.validate()
        if (firstBad === null || firstBad.position >= damage.position) {
          report.truncatedBytes += segment.recover().truncatedBytes
          continue
        }
        detail = `Corrupt record batch in ${segment.path} at position ${firstBad.position} (${firstBad.detail})`
        facts = { path: segment.path, position: firstBad.position, offset: firstBad.firstBadOffset, reason: 'damaged-acknowledged-data' }
      } else if (damage !== null) {
        detail = `Corrupt record batch in ${segment.path} at position ${damage.position} (${damage.detail})`
        facts = { path: segment.path, position: damage.position, offset: segment.nextOffset, reason: 'damaged-acknowledged-data' }
      } else if (segment.nextOffset !== next.baseOffset) {
        detail = `Missing or overlapping segment in ${this.dir}: ${segment.path} ends at offset ${segment.nextOffset} but the next segment starts at ${next.baseOffset}`
        facts = { path: segment.path, offset: segment.nextOffset, reason: 'missing-segment' }
      }
      if (detail === null) continue
      if (!repair) throw new SeglogError('CORRUPT_RECORD', `${detail}; open with { repair: true } to truncate the partition there`, facts)
      const lostTo = this.logEndOffset
      for (const later of this.segments.splice(i + 1)) {
        report.truncatedBytes += later.sizeBytes
        later.closeAndDelete()
      }
      // The cut starts where recover() stops: at a damaged batch that can lie below the gap.
      report.truncatedBytes += segment.recover().truncatedBytes
      const lostFrom = Math.min(segment.nextOffset, next.baseOffset)
      addLostOffsets(report, lostFrom, lostTo)
      report.truncatedFromOffset = Math.min(report.truncatedFromOffset ?? lostFrom, lostFrom)
      reactivate(segment)
      return
    }
  }


  // --- appending -------------------------------------------------------------------------------

  /** Whether an append with these properties must go to a new segment first (kafka-storage.md §3.4). */
  shouldRoll(sizeBytes: number, maxTimestamp: number, largestOffset: number, nowMs: number): boolean {
    const { segmentBytes, segmentMs } = this.segmentConfig // the current config, not the one the segment was made with
    return this.activeSegment.shouldRoll({ sizeBytes, maxTimestamp, largestOffset, nowMs, segmentBytes, segmentMs })
  }

  /**
   * Appends whole batches (offsets assigned) to the active segment. Throws DISK_FULL /
   * STORAGE_ERROR with nothing appended (segment.ts).
   */
  append(chunk: AppendChunk): void {
    const active = this.activeSegment
    active.append(chunk)
    this.dirty.add(active)
  }

  /**
   * Starts a new active segment at LEO. With `durable`, the old segment's tail is fdatasynced
   * before the switch and the new file's directory entry afterwards, so nothing is ever written
   * (let alone acknowledged) into a segment whose predecessor could still lose its tail (FM-9).
   */
  async roll(nowMs: number, durable: boolean): Promise<Segment> {
    const old = this.activeSegment
    const baseOffset = old.nextOffset
    if (durable) {
      await old.flush()
      this.dirty.delete(old)
    }
    if (old.sizeBytes === 0 && old.baseOffset === baseOffset) return old // nothing to roll away from
    const segment = Segment.create(this.fs, this.dir, baseOffset, this.segmentConfig, nowMs, { cache: this.segmentCache })
    old.onBecomeInactive()
    this.segments.push(segment)
    if (durable) await this.fs.fsyncDir(this.dir)
    else this.dirty.add(old)
    return segment
  }

  /**
   * Captures, synchronously, the segments with unsynced bytes and returns the flush that makes them
   * durable (the GroupCommit contract: writes after this call are not covered).
   */
  captureFlush(): () => Promise<void> {
    const segments = [...this.dirty]
    this.dirty.clear()
    return async () => {
      for (const segment of segments) {
        try {
          await segment.flushLog()
        } catch (err) {
          // Retention deleted it after this flush was captured: its bytes are gone, nothing to sync.
          if (err instanceof SeglogError && err.code === 'SEGMENT_CLOSED') continue
          throw err
        }
      }
    }
  }

  // --- producer snapshots ----------------------------------------------------------------------

  /**
   * Writes the producer state at the log end as a snapshot (at a roll, the new segment's base
   * offset; at close, the log end). Only between drains (nothing staged). Idle producers are
   * expired first, so they are not written. A partition that never had producer state writes
   * nothing; once a snapshot exists, an empty state is written too, so the newest snapshot is never
   * older than the last roll (the replay after a crash stays about one segment long).
   *
   * Returns false when the write failed. Not fail-stop: no append depends on a snapshot (the log is
   * the truth; a missing snapshot costs replay time at the next open), so the failure is reported
   * to the caller — close then skips the clean-shutdown marker, so the next open replays from an
   * older snapshot instead of trusting the state at close (decisions.md "Idempotent producers").
   */
  async snapshotProducerState(nowMs: number): Promise<boolean> {
    const state = this.producerState
    if (state.size === 0 && !this.producerSnapshotsExist) return true
    try {
      if (state.mapEndOffset < this.logEndOffset) state.updateMapEndOffset(this.logEndOffset)
      state.expire(nowMs, this.producerIdExpirationMs)
      if ((await state.takeSnapshot(this.fs, this.dir)) !== null) this.producerSnapshotsExist = true
      return true
    } catch {
      return false
    }
  }

  /** Whether the partition has had producer state (a snapshot file exists; see `ensureProducerSnapshotBeforeFirstBatch`). */
  get hasProducerSnapshots(): boolean {
    return this.producerSnapshotsExist
  }

  /**
   * Before the first producer batch of a partition is written: a durable snapshot of the (empty)
   * state at the log end, below that batch. It keeps the invariant open relies on — no snapshot
   * file means no producer batch at or above the log start (producer-recovery.ts) — so a partition
   * that never had producers needs no scan at open, and a crash right after its first producer
   * batch still finds the snapshot to replay from. Throws the write's error: the batches must not
   * be written without it. Only between drains (nothing staged).
   */
  async ensureProducerSnapshotBeforeFirstBatch(): Promise<void> {
    if (this.producerSnapshotsExist) return
    const state = this.producerState
    if (state.mapEndOffset < this.logEndOffset) state.updateMapEndOffset(this.logEndOffset)
    await writeProducerSnapshot(this.fs, this.dir, state.mapEndOffset, state.entries())
    this.producerSnapshotsExist = true
  }

  /**
   * Retention and deleteRecords are about to move the log start to `newStart`: the producer state
   * must not go with the batches (Kafka keeps producers across retention), so if no snapshot at or
   * above `newStart` exists one is taken first — empty too, so a snapshot at or above the log start
   * always exists once one did (truncateAndReload deletes those below the log start). Then, once
   * the segments went, `dropProducerSnapshotsBelowLogStart`.
   */
  async snapshotBeforeLogStartMoves(newStart: number, nowMs: number): Promise<void> {
    if (!this.producerSnapshotsExist || this.producerState.latestSnapshotOffset >= newStart) return
    await this.snapshotProducerState(nowMs)
  }

  /** Snapshots below the log start are never loaded again: delete them (issue 10 §2). */
  async dropProducerSnapshotsBelowLogStart(): Promise<void> {
    if (!this.producerSnapshotsExist) return
    await deleteProducerSnapshotsBelow(this.fs, this.dir, this.logStartOffset)
  }

  /** Forgets producers idle for producerIdExpirationMs (background task; between drains). */
  expireProducers(nowMs: number): number {
    return this.producerState.expire(nowMs, this.producerIdExpirationMs).length
  }

  // --- lookup ----------------------------------------------------------------------------------

  /** Index in `segments` of the segment holding `offset` (floor by base offset), or -1. */
  floorIndex(offset: number): number {
    const segments = this.segments
    let lo = 0
    let hi = segments.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (segments[mid]!.baseOffset <= offset) {
        found = mid
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }

  // --- retention -------------------------------------------------------------------------------

  /**
   * Removes the given leading segments (the caller has already advanced logStartOffset durably):
   * renamed to `.deleted` (open descriptors and mappings keep working for readers in flight), the
   * directory fsynced, then unlinked — never truncated (a truncated mapping SIGBUSes its readers).
   * If every segment would go, a new empty active segment at LEO is created first.
   */
  async deleteLeadingSegments(count: number, nowMs: number): Promise<Segment[]> {
    if (count <= 0) return []
    if (count >= this.segments.length) {
      await this.roll(nowMs, true)
      count = Math.min(count, this.segments.length - 1)
    }
    const removed = this.segments.splice(0, count)
    for (const segment of removed) {
      this.dirty.delete(segment) // deleted data needs no fdatasync ('os' mode leaves segments dirty)
      segment.changeFileSuffix('.deleted')
    }
    await this.fs.fsyncDir(this.dir)
    for (const segment of removed) segment.closeAndDelete()
    return removed
  }

  private async replaceAllWithEmptySegmentAt(offset: number, nowMs: number): Promise<void> {
    const old = this.segments.splice(0)
    for (const segment of old) segment.closeAndDelete()
    this.segments.push(Segment.create(this.fs, this.dir, offset, this.segmentConfig, nowMs, { cache: this.segmentCache }))
    await this.fs.fsyncDir(this.dir)
  }

  /** When the segment's `.log` was last written (time-based retention's cap on future timestamps). */
  lastModifiedMs(segment: Segment): number {
    return this.fs.mtimeMs(segment.path)
  }

  /** Closes every segment (active one trimmed with its final time-index entry). */
  close(): void {
    for (const segment of this.segments) segment.close()
  }

  /** Closes and removes every file and the directory (deleteTopic). */
  deleteAll(): void {
    for (const segment of this.segments.splice(0)) segment.closeAndDelete()
    for (const name of this.fs.readdir(this.dir)) this.fs.unlink(joinPath(this.dir, name))
    this.fs.rmdir(this.dir)
  }
}

/** A sealed segment that recovery cut becomes the last one: make it writable again (no-op truncate). */
function reactivate(segment: Segment): void {
  if (segment.isSealed) segment.truncateTo(segment.nextOffset)
}

/**
 * Resolves leftovers of interrupted operations and returns the base offsets of the `.log` files
 * that remain, sorted. `.deleted`/`.cleaned`/`.tmp` files go; `.swap` files are renamed into
 * place after the originals they replace are removed (Kafka LogLoader steps 1–2); index files
 * without a `.log` go (KAFKA testBogusIndexSegmentsAreRemoved).
 */
function resolveLeftovers(fs: FileSystem, dir: string, report: PartitionRecoveryReport): number[] {
  const names = fs.readdir(dir)
  const logs = new Set<number>()
  const swaps: { name: string; baseOffset: number }[] = []
  const indexes: { name: string; baseOffset: number }[] = []
  for (const name of names) {
    const parsed = parseSegmentFileName(name)
    if (parsed === null) continue
    if (parsed.transient === '.deleted' || parsed.transient === '.cleaned' || parsed.transient === '.tmp') {
      fs.unlink(joinPath(dir, name))
      report.leftovers.push(name)
    } else if (parsed.transient === '.swap') {
      swaps.push({ name, baseOffset: parsed.baseOffset })
    } else if (parsed.kind === 'log') {
      logs.add(parsed.baseOffset)
    } else if (parsed.kind !== 'snapshot') {
      indexes.push({ name, baseOffset: parsed.baseOffset })
    }
  }
  for (const swap of swaps) {
    const finalName = swap.name.slice(0, -'.swap'.length)
    const finalPath = joinPath(dir, finalName)
    if (fs.exists(finalPath)) fs.unlink(finalPath)
    fs.rename(joinPath(dir, swap.name), finalPath)
    if (finalName.endsWith('.log')) logs.add(swap.baseOffset)
    report.leftovers.push(swap.name)
  }
  for (const index of indexes) {
    if (logs.has(index.baseOffset)) continue
    fs.unlink(joinPath(dir, index.name))
    report.leftovers.push(index.name)
  }
  return [...logs].sort((a, b) => a - b)
}

/** Widens the reported loss to cover [from, to). */
function addLostOffsets(report: PartitionRecoveryReport, from: number, to: number): void {
  const lost = report.lostOffsets
  report.lostOffsets = lost === null ? { from, to } : { from: Math.min(lost.from, from), to: Math.max(lost.to, to) }
}

/**
 * Segments go only after the log start moved past them durably (retention, deleteRecords), so a
 * first segment above a verified checkpointed log start means the segments before it were lost
 * (found by the on-disk fuzzer: the log start silently moved up). CORRUPT_RECORD, or with repair
 * the loss is reported and the log starts at the first segment left.
 */
function checkFirstSegmentAtLogStart(dir: string, segments: readonly Segment[], options: PartitionLoadOptions, report: PartitionRecoveryReport): void {
  const logStart = options.logStartOffset
  const first = segments[0]
  if (options.logStartVerified !== true || logStart === null || first === undefined || first.baseOffset <= logStart) return
  if (!options.repair) {
    throw new SeglogError(
      'CORRUPT_RECORD',
      `Missing segment in ${dir}: the first segment ${first.path} starts at offset ${first.baseOffset} but the checkpointed log start is ${logStart}; open with { repair: true } to start the partition at ${first.baseOffset}`,
      { path: first.path, offset: logStart, reason: 'missing-segment' },
    )
  }
  addLostOffsets(report, logStart, first.baseOffset)
}
