/**
 * Recovery, validation and truncation: the operations that decide where a segment's data ends.
 *
 * Recovery (`recover`): Kafka's LogSegment.recover — reset all three indexes, walk the batches
 * checking length bounds, magic, CRC-32C and increasing offsets, stop at the first invalid byte,
 * truncate the `.log` there, rebuild the indexes by the same interval rule and the `.txnindex`
 * from the control batches (segment-rebuild.ts, txn-replay.ts). `validate` finds damage without
 * changing anything, for data below the recovery point. `truncateTo` cuts whole batches off the
 * end (Kafka's replica truncation) and makes the segment active again.
 * Crash: the `.log` may end in a torn batch and the indexes may be ahead of or behind it; loading
 * (segment-load.ts) and `recover` handle both.
 */
import type { BatchPosition, ScanStop } from './batch-scanner.js'
import { logFdForIo } from './segment-files.js'
import { ensureIndexes, loadTailOrRebuild, rebuildFromLog } from './segment-load.js'
import { translateOffset } from './segment-read.js'
import { findDamage, type SegmentDamage } from './segment-rebuild.js'
import type { SegmentState } from './segment-state.js'
import { scanner } from './segment-walk.js'

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

/**
 * Kafka's LogSegment.recover (see the header): returns what was kept and cut. Afterwards the
 * indexes match the log and `invalidTail` is null. Run it before reading: it truncates the file.
 */
export function recover(s: SegmentState, options: RecoverOptions): RecoverResult {
  const fd = logFdForIo(s)
  const fileSizeBefore = s.fs.size(fd)
  s.fileSizeBytes = fileSizeBefore
  const rebuilt = rebuildFromLog(s, { txnState: options.openTxns ?? new Map(), onBatch: options.onBatch, verifyCrc: true })
  const validBytes = rebuilt.stop.position
  s.logView.drop()
  if (fileSizeBefore > validBytes) s.fs.ftruncate(fd, validBytes)
  s.fileSizeBytes = validBytes
  s.tailIsClean = true
  s.invalidTailStop = null
  return {
    validBytes,
    truncatedBytes: fileSizeBefore - validBytes,
    lastOffset: rebuilt.lastOffset,
    openTxns: rebuilt.openTxns,
    stop: rebuilt.stop.reason === 'end' ? null : rebuilt.stop,
  }
}

/**
 * The first damage (invalid header, CRC, or offsets out of order) among the batches holding
 * offsets below `upToOffset`, or null: a CRC-checked scan that changes nothing, for data below
 * the recovery point, where damage is corruption of acknowledged data rather than a torn tail.
 */
export function validate(s: SegmentState, upToOffset: number): SegmentDamage | null {
  const fd = logFdForIo(s)
  return findDamage(scanner(s, 0, s.fs.size(fd), true, null, fd, true), s.baseOffset, upToOffset)
}

/**
 * Removes every batch whose last offset is ≥ `offset` (so the batch holding `offset` goes too,
 * as in Kafka) and the index entries at or above it. Returns the bytes removed. An emptied
 * segment restarts its roll clock at `nowMs`. The segment becomes active.
 */
export function truncateTo(s: SegmentState, offset: number, nowMs: number): number {
  ensureIndexes(s)
  const first = translateOffset(s, offset, 0)
  const fd = logFdForIo(s)
  // Active from here on: out of the cache, which must never release it.
  s.sealed = false
  s.cache?.forget(s.owner)
  // Cut the indexes at the first removed offset: entries inside the removed batch go too.
  const cutOffset = first === null ? offset : Math.min(offset, first.baseOffset)
  s.offsetIndex.truncateTo(cutOffset)
  s.timeIndex.truncateTo(cutOffset)
  s.txnIndex.truncateTo(cutOffset)
  s.logView.drop()
  const newSize = first === null ? s.logicalSizeBytes : first.position
  const removed = s.logicalSizeBytes - newSize
  if (s.fileSizeBytes > newSize) s.fs.ftruncate(fd, newSize)
  s.fileSizeBytes = newSize
  s.logicalSizeBytes = newSize
  s.rollingBasedTimestamp = null
  if (newSize === 0) s.createdMs = nowMs
  loadTailOrRebuild(s)
  return removed
}
