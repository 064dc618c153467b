/**
 * The producer state of one partition (Kafka's `ProducerStateManager`, kafka-storage.md §3.5–3.8):
 * one ProducerEntry per producer id, the offset the state has reached (`mapEndOffset`), and the
 * snapshot files that make it survive a restart (producer-snapshot.ts).
 *
 * Appending (a pipelined producer has up to five batches in flight; one drained run is written with
 * one writev, design.md write path):
 *   for each batch of the run, in queue order, with the offsets it will be written at:
 *     stage(batch) → { kind: 'append' } | { kind: 'duplicate', baseOffset, lastOffset, pending }
 *                    or throws the typed error, having changed nothing;
 *   write the appended batches; then commitStaged() if the write succeeded, discardStaged() if it
 *   failed (DISK_FULL): the state is then exactly what it was before the first stage.
 * Each staged batch is checked against the committed state plus every batch staged before it, so
 * batch n+1 of a producer follows batch n before either is on disk. A duplicate of a batch that is
 * itself only staged has `pending: true`: it is answered by that write's outcome. Offsets given to
 * stage must not go back: a run that failed and is re-gathered is staged again, from the start.
 * Plain (non-producer) batches do not stage; once the run is written and committed,
 * `updateMapEndOffset(logEndOffset)`.
 *
 * Recovery and truncation (Kafka's truncateAndReload + rebuildProducerState, §3.8 step 7):
 *   const r = await state.truncateAndReload(fs, dir, { logStartOffset, logEndOffset, nowMs, producerIdExpirationMs })
 *   then for every batch of the log from r.replayFromOffset (= state.mapEndOffset) to logEndOffset:
 *     a producer batch → state.replayBatch(batch)  (no validation: whatever the log holds)
 *     any other batch  → state.updateMapEndOffset(batch.lastOffset + 1)
 * truncateAndReload deletes the snapshots above the log end (they describe cut batches: the retry of
 * a cut batch must append, reliability.md FM-13) and below the log start, then — unless the state
 * already ends exactly at the log end — forgets everything and loads the newest valid snapshot at
 * or below the log end (corrupt ones are deleted and reported; none: empty at the log start),
 * dropping producers that expired meanwhile.
 *
 * Snapshots: `takeSnapshot` writes the committed state at mapEndOffset unless a snapshot there was
 * already written (Kafka's testSkipSnapshotIfOffsetUnchanged). Call `expire` first so expired ids
 * are not written. Before moving the log start past the newest snapshot (retention,
 * deleteRecords), take a snapshot, so the state of producers whose batches go is not lost. A
 * snapshot is only as good as the log below it: one taken above what a power cut keeps is deleted
 * by the next truncateAndReload, which falls back to an older one, so snapshot at offsets already
 * fsynced (a roll after its flush, close after the final flush).
 *
 * Expiration (§3.7): `expire(nowMs, producerIdExpirationMs)` forgets producers with no open
 * transaction whose last timestamp is that old (client timestamps, as Kafka), skipping any with
 * staged batches.
 *
 * Single-threaded: one partition's append path calls it; nothing here awaits except file I/O,
 * which must not run while batches are staged (those methods refuse).
 */
import type { FileSystem } from '../io/file.js'
import { outOfRange, assertSafeNonNegativeInteger } from '../errors.js'
import { hasTestBug } from '../test-bugs.js'
import { copyProducerEntry, emptyProducerEntry, type ProducerEntry } from './producer-entry.js'
import {
  deleteProducerSnapshots,
  inspectProducerSnapshot,
  listProducerSnapshots,
  writeProducerSnapshot,
} from './producer-snapshot.js'
import {
  applyBatch,
  batchFirstOffset,
  batchLastOffset,
  checkBatchArguments,
  validateBatch,
  type CompletedTxn,
  type ProducerBatch,
} from './producer-validation.js'

/** Planted bug (test-bugs.ts): truncateAndReload keeps and loads snapshots above the log end. */
const NOT_ROLLED_BACK = hasTestBug('producer-state-not-rolled-back')

export type StageResult =
  | { readonly kind: 'append'; readonly completedTxn: CompletedTxn | null }
  | {
      readonly kind: 'duplicate'
      /** The original batch's first and last offsets. */
      readonly baseOffset: number
      readonly lastOffset: number
      /** The original is staged in this run, not committed: the duplicate shares its write's outcome. */
      readonly pending: boolean
    }

export interface ReloadOptions {
  logStartOffset: number
  logEndOffset: number
  nowMs: number
  producerIdExpirationMs: number
}

export interface ReloadResult {
  /** False when the state already ended at the log end: nothing was forgotten or loaded. */
  reloaded: boolean
  /** Offset of the snapshot loaded; null if none was (the state starts empty at the log start). */
  snapshotOffset: number | null
  /** Replay the log's batches from here (= mapEndOffset) to the log end. */
  replayFromOffset: number
  /** Snapshots deleted for lying above the log end or below the log start. */
  outOfRangeSnapshots: number[]
  /** Snapshots that could not be used, newest first, each deleted: for `log.recovery`. */
  corruptSnapshots: { offset: number; reason: string }[]
  /** Producers of the loaded snapshot left out because they expired. */
  expiredProducers: number
}

interface StagedBatch {
  readonly producerId: number
  readonly lastOffset: number
  /** The producer's entry after this batch (a copy: the committed entry is untouched). */
  readonly entry: ProducerEntry
}

export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerEntry>()
  /** Batches staged since the last commit or discard, in queue order. */
  private staged: StagedBatch[] = []
  /** Per producer, its entry after its last staged batch. */
  private readonly stagedView = new Map<number, ProducerEntry>()
  private mapEnd = 0
  /** Offset of the last snapshot written or loaded (else where the state started), for the skip rule. */
  private lastSnapshotOffset = 0

  /** The offset the state has reached: it reflects every batch below it. */
  get mapEndOffset(): number {
    return this.mapEnd
  }

  /** Producers in the committed state. */
  get size(): number {
    return this.producers.size
  }

  /** Offset of the last snapshot written or loaded (else where the state started). */
  get latestSnapshotOffset(): number {
    return this.lastSnapshotOffset
  }

  get stagedCount(): number {
    return this.staged.length
  }

  /** The committed state of a producer (do not mutate), or undefined. */
  entry(producerId: number): Readonly<ProducerEntry> | undefined {
    return this.producers.get(producerId)
  }

  /** Every producer of the committed state (do not mutate). */
  entries(): IterableIterator<Readonly<ProducerEntry>> {
    return this.producers.values()
  }

  /** First offset of the earliest open transaction (Kafka's firstUndecidedOffset), or null. */
  firstUndecidedOffset(): number | null {
    let first: number | null = null
    for (const entry of this.producers.values()) {
      const txn = entry.currentTxnFirstOffset
      if (txn !== null && (first === null || txn < first)) first = txn
    }
    return first
  }

  /**
   * Validates a client batch at the offsets the caller assigned it, against the committed state
   * and every batch staged before it. Throws INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER
   * or INVALID_TXN_STATE (with `offset`) without changing anything; RangeError/TypeError for
   * impossible arguments or offsets below what is already staged or committed.
   */
  stage(batch: ProducerBatch): StageResult {
    checkBatchArguments(batch, true)
    const nextOffset = this.staged.length > 0 ? this.staged[this.staged.length - 1]!.lastOffset + 1 : this.mapEnd
    const firstOffset = batchFirstOffset(batch)
    if (firstOffset < nextOffset) throw outOfRange('firstOffset', `>= ${nextOffset} (offsets already staged or committed)`, firstOffset)
    const current = this.currentEntry(batch.producerId)
    const duplicate = this.duplicateResult(current, batch)
    if (duplicate !== null) return duplicate
    const next = copyProducerEntry(current)
    const completedTxn = applyBatch(next, batch)
    this.staged.push({ producerId: batch.producerId, lastOffset: batchLastOffset(batch), entry: next })
    this.stagedView.set(batch.producerId, next)
    return { kind: 'append', completedTxn }
  }

  /**
   * What `stage` would answer for `batch` now, without staging it (and without checking its
   * offsets, which only the final stage knows): the append path asks before it decides to roll,
   * so a duplicate or a refused batch never rolls a segment. Throws as `stage` does.
   */
  check(batch: ProducerBatch): StageResult {
    checkBatchArguments(batch, true)
    return this.duplicateResult(this.currentEntry(batch.producerId), batch) ?? { kind: 'append', completedTxn: null }
  }

  private currentEntry(producerId: number): ProducerEntry {
    return this.stagedView.get(producerId) ?? this.producers.get(producerId) ?? emptyProducerEntry(producerId)
  }

  /** validateBatch's answer as a StageResult when it is a duplicate; null when the batch may be appended. */
  private duplicateResult(current: Readonly<ProducerEntry>, batch: ProducerBatch): StageResult | null {
    const duplicate = validateBatch(current, batch)
    if (duplicate === null) return null
    // Staged offsets are at or above mapEndOffset, committed ones below it.
    const pending = duplicate.lastOffset >= this.mapEnd
    return { kind: 'duplicate', baseOffset: duplicate.lastOffset - duplicate.offsetDelta, lastOffset: duplicate.lastOffset, pending }
  }

  /** The staged batches were written: they become the state, and mapEndOffset passes them. */
  commitStaged(): void {
    if (this.staged.length === 0) return
    for (const [producerId, entry] of this.stagedView) this.producers.set(producerId, entry)
    this.mapEnd = Math.max(this.mapEnd, this.staged[this.staged.length - 1]!.lastOffset + 1)
    this.clearStaged()
  }

  /** The staged batches were not written: forget them; the state is exactly as before the first stage. */
  discardStaged(): void {
    this.clearStaged()
  }

  private clearStaged(): void {
    this.staged = []
    this.stagedView.clear()
  }

  /**
   * Applies a batch read from the log, unvalidated (Kafka's REPLICATION origin: an older epoch, a
   * sequence gap, a marker's bumped epoch are all taken as the log has them). A batch ending below
   * mapEndOffset is already reflected and ignored. Returns the transaction a marker closed.
   */
  replayBatch(batch: ProducerBatch): CompletedTxn | null {
    this.assertNothingStaged('replayBatch')
    checkBatchArguments(batch, false)
    const lastOffset = batchLastOffset(batch)
    if (lastOffset < this.mapEnd) return null
    let entry = this.producers.get(batch.producerId)
    if (entry === undefined) {
      entry = emptyProducerEntry(batch.producerId)
      this.producers.set(batch.producerId, entry)
    }
    const completed = applyBatch(entry, batch)
    this.mapEnd = lastOffset + 1
    return completed
  }

  /**
   * A batch without producer state was written or replayed: the state has reached `offset`. Not
   * while batches are staged (commit them first: they lie below any offset a later write reaches).
   */
  updateMapEndOffset(offset: number): void {
    this.assertNothingStaged('updateMapEndOffset')
    assertSafeNonNegativeInteger('offset', offset)
    if (offset < this.mapEnd) throw outOfRange('offset', `>= mapEndOffset ${this.mapEnd} (use truncateAndReload to go back)`, offset)
    this.mapEnd = offset
  }

  /** Forgets idle producers without an open transaction (§3.7). Returns their ids. */
  expire(nowMs: number, producerIdExpirationMs: number): number[] {
    const expired: number[] = []
    for (const [producerId, entry] of this.producers) {
      if (this.stagedView.has(producerId)) continue
      if (isExpired(entry, nowMs, producerIdExpirationMs)) expired.push(producerId)
    }
    for (const producerId of expired) this.producers.delete(producerId)
    return expired
  }

  /**
   * Writes the committed state as the snapshot at mapEndOffset, unless one was already written or
   * loaded at that offset. Returns the offset written, or null.
   */
  async takeSnapshot(fs: FileSystem, dir: string): Promise<number | null> {
    this.assertNothingStaged('takeSnapshot')
    if (this.mapEnd <= this.lastSnapshotOffset) return null
    const offset = this.mapEnd
    await writeProducerSnapshot(fs, dir, offset, this.producers.values())
    this.lastSnapshotOffset = offset
    return offset
  }

  /** Rolls the state back (or loads it at open) to the log's range; see the header for the replay that follows. */
  async truncateAndReload(fs: FileSystem, dir: string, options: ReloadOptions): Promise<ReloadResult> {
    this.assertNothingStaged('truncateAndReload')
    const { logStartOffset, logEndOffset, nowMs, producerIdExpirationMs } = options
    assertSafeNonNegativeInteger('logStartOffset', logStartOffset)
    assertSafeNonNegativeInteger('logEndOffset', logEndOffset)
    if (logEndOffset < logStartOffset) throw outOfRange('logEndOffset', `>= logStartOffset ${logStartOffset}`, logEndOffset)
    // The planted bug keeps (and loads) snapshots above the log end: state not rolled back (FM-13).
    const keepAbove = NOT_ROLLED_BACK
    const outOfRangeSnapshots = await deleteProducerSnapshots(fs, dir, (o) => (o > logEndOffset && !keepAbove) || o < logStartOffset)
    const result: ReloadResult = { reloaded: false, snapshotOffset: null, replayFromOffset: 0, outOfRangeSnapshots, corruptSnapshots: [], expiredProducers: 0 }
    if (logEndOffset === this.mapEnd) {
      // Already at the log end (Kafka's onLogStartOffsetIncremented): only the start may move.
      this.mapEnd = Math.max(this.mapEnd, logStartOffset)
      result.replayFromOffset = this.mapEnd
      return result
    }
    result.reloaded = true
    this.producers.clear()
    this.mapEnd = logStartOffset
    this.lastSnapshotOffset = logStartOffset
    const candidates = listProducerSnapshots(fs, dir).reverse()
    for (const offset of candidates) {
      const read = inspectProducerSnapshot(fs, dir, offset)
      if (!read.ok) {
        result.corruptSnapshots.push({ offset, reason: read.reason })
        await deleteProducerSnapshots(fs, dir, (o) => o === offset)
        continue
      }
      for (const entry of read.entries) {
        if (isExpired(entry, nowMs, producerIdExpirationMs)) result.expiredProducers++
        else this.producers.set(entry.producerId, entry)
      }
      result.snapshotOffset = offset
      this.mapEnd = Math.min(offset, logEndOffset) // below the log end except with the planted bug
      this.lastSnapshotOffset = this.mapEnd
      break
    }
    result.replayFromOffset = this.mapEnd
    return result
  }

  /** Forgets all state and deletes every snapshot: the log restarts empty at `offset`. */
  async truncateFullyAndStartAt(fs: FileSystem, dir: string, offset: number): Promise<void> {
    this.assertNothingStaged('truncateFullyAndStartAt')
    assertSafeNonNegativeInteger('offset', offset)
    await deleteProducerSnapshots(fs, dir, () => true)
    this.producers.clear()
    this.mapEnd = offset
    this.lastSnapshotOffset = 0
  }

  private assertNothingStaged(method: string): void {
    if (this.staged.length > 0) throw new Error(`ProducerStateManager.${method} called with ${this.staged.length} batches staged: commit or discard them first`)
  }
}

/** Kafka's isProducerExpired: no open transaction and idle for at least the expiration time. */
function isExpired(entry: Readonly<ProducerEntry>, nowMs: number, producerIdExpirationMs: number): boolean {
  return entry.currentTxnFirstOffset === null && nowMs - entry.lastTimestampMs >= producerIdExpirationMs
}
