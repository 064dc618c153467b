/**
 * A partition's high watermark (api.md "Offsets of a partition"): the offset readers read below,
 * with its byte position so a read can stop there without a lookup, and the long-poll waiters it
 * wakes when it moves. With `durability: 'fsync'` it follows the fsynced end, with 'os' the
 * written end (flush-policy.ts decides which end it is given).
 *
 * Writes report where each one ended (`noteWritten`) before the HW reaches it; `advance` moves the
 * HW and picks up the position of the last write end it covers. Invariant: logStartOffset ≤ HW ≤
 * LEO, and the HW never moves backwards while the log is open.
 */
import type { PartitionLog } from './partition-log.js'
import { HighWatermarkWaiters } from './hw-waiters.js'
import type { ReadBound } from './reader.js'

export class HighWatermark {
  readonly waiters = new HighWatermarkWaiters()
  private hw: number
  private hwPosition: ReadBound
  /** Written-but-not-readable batch ends: (end offset, segment base, position), oldest first. */
  private readonly pendingBounds: ReadBound[] = []

  /** At open everything in the log is readable: it was fsynced or recovered. */
  constructor(log: PartitionLog) {
    const leo = log.logEndOffset
    const active = log.activeSegment
    this.hw = leo
    this.hwPosition = { offset: leo, segmentBaseOffset: active.baseOffset, position: active.sizeBytes }
  }

  get offset(): number {
    return this.hw
  }

  /** A write ended here; readable once `advance` reaches `bound.offset`. */
  noteWritten(bound: ReadBound): void {
    this.pendingBounds.push(bound)
  }

  /** Moves the HW to `end` (never back) and wakes the long-polls. */
  advance(end: number): void {
    if (end <= this.hw) return
    const bounds = this.pendingBounds
    let i = 0
    while (i < bounds.length && bounds[i]!.offset <= end) i++
    if (i > 0) {
      this.hwPosition = bounds[i - 1]!
      bounds.splice(0, i)
    }
    this.hw = end
    this.waiters.wakeAll()
  }

  /** Where readable data ends now. */
  readBound(): ReadBound {
    return this.hwPosition.offset === this.hw ? this.hwPosition : { ...this.hwPosition, offset: this.hw }
  }
}
