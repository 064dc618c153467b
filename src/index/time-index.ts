/**
 * The time index of one segment (`<base>.timeindex`, Kafka's TimeIndex): a sparse map from the
 * largest timestamp seen so far to the offset where it was seen.
 *
 * | pos | size | field                                                              |
 * |----:|-----:|--------------------------------------------------------------------|
 * |   0 |    8 | timestamp int64 = max timestamp in the segment up to this entry    |
 * |   8 |    4 | relativeOffset int32 = (offset of that max) − baseOffset           |
 *
 * Big-endian, 12 bytes per entry. Meaning of (T, O): no record at an offset before the batch
 * holding O has a timestamp above T, so a search for the first record with timestamp ≥ t can start
 * at the floor entry of t even when timestamps go backwards inside the log.
 *
 * Invariants: timestamps strictly increasing (an entry is only added when its timestamp is above
 * the last one), offsets non-decreasing (a lower one → INVALID_OFFSET). Full at
 * `entries ≥ maxEntries − 1`: the last slot is reserved for the final entry written when the
 * segment rolls (`maybeAppend(ts, offset, true)`). Storage, durability and crash behaviour:
 * index-file.ts.
 *
 * Opening checks (`load`): length a multiple of 12, timestamps ≥ 0 and strictly increasing,
 * offsets non-decreasing, relative offsets ≥ 0 and ≤ the segment's last offset; otherwise
 * CORRUPT_INDEX. A zero-padded file fails the timestamp check (KAFKA-10207: its last timestamp of
 * 0 once made Kafka delete a live segment as expired).
 */
import { NO_TIMESTAMP, readInt64, writeInt64 } from '../format/batch-header.js'
import { SeglogError } from '../errors.js'
import type { FileSystem } from '../io/file.js'
import { TIME_INDEX_ENTRY_BYTES } from '../limits.js'
import { type IndexBounds, maxIndexBytesFor } from './index-bounds.js'
import { countBelow, largestLowerBoundSlot, warmEntries } from './index-search.js'
import type { OpenFile } from './index-file.js'
import { INDEX_WRITE_BEHIND_BYTES, SparseIndex } from './sparse-index.js'

export interface TimestampOffset {
  timestamp: number
  offset: number
}

const TIMESTAMP_POS = 0
const RELATIVE_OFFSET_POS = 8
const WARM_ENTRIES = warmEntries(TIME_INDEX_ENTRY_BYTES)

export class TimeIndex extends SparseIndex {
  private readonly timestampKey = (slot: number): number => this.timestampAt(slot)
  private readonly relativeKey = (slot: number): number => this.relativeAt(slot)

  /**
   * An empty index over `filePath`; `create()` or `load()` it before use. `writeBehindBytes` 0
   * writes every entry through (tests of the file itself); see index-file.ts. `openFile` opens the
   * file for writing (default `fs.open`).
   */
  constructor(fs: FileSystem, filePath: string, baseOffset: number, maxIndexBytes: number, writeBehindBytes = INDEX_WRITE_BEHIND_BYTES, openFile?: OpenFile) {
    super(fs, filePath, baseOffset, maxIndexBytes, TIME_INDEX_ENTRY_BYTES, writeBehindBytes, openFile)
  }

  /** Full one entry early: the last slot is kept for the entry written on roll. */
  get isFull(): boolean {
    return this.sealed || this.entries >= this.maxEntries - 1
  }

  /** The last entry, or (NO_TIMESTAMP, baseOffset) when empty. */
  get lastEntry(): TimestampOffset {
    return this.entries === 0 ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset } : this.entry(this.entries - 1)
  }

  entry(slot: number): TimestampOffset {
    this.checkSlot(slot)
    return { timestamp: this.timestampAt(slot), offset: this.baseOffset + this.relativeAt(slot) }
  }

  /** Reads and checks the file (see the header); throws CORRUPT_INDEX. */
  load(bounds: IndexBounds): void {
    // +1 entry: the final entry on roll may repeat the offset of the entry before it.
    this.file.load(maxIndexBytesFor(bounds, TIME_INDEX_ENTRY_BYTES, 1))
    this.check(bounds)
  }

  /** The opening checks against `bounds`; repeatable once the segment's last offset is known. */
  check(bounds: IndexBounds): void {
    const maxRelative = this.maxRelativeOffset(bounds.lastOffset)
    let previousTimestamp = NO_TIMESTAMP
    let previousRelative = 0
    for (let slot = 0; slot < this.entries; slot++) {
      const timestamp = this.timestampAt(slot)
      const relative = this.relativeAt(slot)
      if (!Number.isSafeInteger(timestamp) || timestamp <= previousTimestamp) {
        throw this.file.corrupt(`entry ${slot} timestamp ${timestamp} is not above ${previousTimestamp}`)
      }
      if (relative < previousRelative || relative > maxRelative) {
        throw this.file.corrupt(
          `entry ${slot} relative offset ${relative} is outside [${previousRelative}, ${maxRelative}] for base offset ${this.baseOffset}`,
        )
      }
      previousTimestamp = timestamp
      previousRelative = relative
    }
  }

  /**
   * Adds (timestamp → offset) if `timestamp` is above the last entry's. INDEX_FULL when full unless
   * `skipFullCheck` (the final entry on roll, which may use the reserved slot); INVALID_OFFSET if
   * `offset` is below the last entry's or `timestamp` below the last timestamp.
   */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): void {
    this.checkRoomFor(skipFullCheck ? this.maxEntries : this.maxEntries - 1)
    const relative = this.relativeOffset(offset)
    const last = this.lastEntry
    // Appending an entry equal to the last one happens on close and roll: ignored, not an error.
    if (this.entries > 0 && offset < last.offset) {
      throw new SeglogError(
        'INVALID_OFFSET',
        `${this.path}: offset ${offset} appended to slot ${this.entries} is below the last offset ${last.offset}`,
      )
    }
    if (this.entries > 0 && timestamp < last.timestamp) {
      throw new SeglogError(
        'INVALID_OFFSET',
        `${this.path}: timestamp ${timestamp} appended to slot ${this.entries} is below the last timestamp ${last.timestamp}`,
      )
    }
    if (timestamp <= last.timestamp) return
    this.file.append((slot) => {
      writeInt64(slot, TIMESTAMP_POS, timestamp)
      slot.writeInt32BE(relative, RELATIVE_OFFSET_POS)
    })
  }

  /** The entry with the largest timestamp ≤ `timestamp`, or (NO_TIMESTAMP, baseOffset). */
  lookup(timestamp: number): TimestampOffset {
    const slot = largestLowerBoundSlot(this.entries, WARM_ENTRIES, timestamp, this.timestampKey)
    return slot < 0 ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset } : this.entry(slot)
  }

  /** Removes every entry with offset ≥ `offset`; a sealed index becomes writable. */
  truncateTo(offset: number): void {
    this.file.truncateToEntries(countBelow(this.entries, offset - this.baseOffset, this.relativeKey))
    this.sealed = false
  }

  private timestampAt(slot: number): number {
    return readInt64(this.file.buffer, slot * TIME_INDEX_ENTRY_BYTES + TIMESTAMP_POS)
  }

  private relativeAt(slot: number): number {
    return this.file.buffer.readInt32BE(slot * TIME_INDEX_ENTRY_BYTES + RELATIVE_OFFSET_POS)
  }
}
