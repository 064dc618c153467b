/**
 * The offset index of one segment (`<base>.index`, Kafka's OffsetIndex): a sparse map from offset
 * to the byte position of a batch in the segment's `.log`.
 *
 * | pos | size | field                                                          |
 * |----:|-----:|----------------------------------------------------------------|
 * |   0 |    4 | relativeOffset int32 = offset − baseOffset, in [0, 2^31 − 1]   |
 * |   4 |    4 | position int32 = byte position of a batch start in the `.log`  |
 *
 * Big-endian, 8 bytes per entry, no header, no checksum. Key = the last offset of the appended
 * chunk, value = the chunk's start position (kafka-storage.md §3.2), so `lookup(o)` gives a
 * position at or before the batch holding `o`, and a header scan from there finds it.
 *
 * Invariants: offsets strictly increasing (append of a non-greater offset → INVALID_OFFSET),
 * positions strictly increasing, at most `maxEntries` entries (INDEX_FULL: the segment must roll).
 * Storage, durability and crash behaviour: index-file.ts (pwrite-appended with write-behind,
 * never preallocated, the file holds whole entries only).
 *
 * Opening checks (`load`): length a multiple of 8, offsets and positions strictly increasing, every
 * relative offset ≥ 0 and ≤ the segment's last offset, every position < the log size; otherwise
 * CORRUPT_INDEX and the segment rebuilds the index from its log.
 *
 * A sealed index (the segment rolled, or was opened sealed) is read-only: appends throw
 * INDEX_FULL, as Kafka's read-only index has maxEntries = entries.
 */
import { SeglogError } from '../errors.js'
import type { FileSystem } from '../io/file.js'
import { OFFSET_INDEX_ENTRY_BYTES, SEGMENT_BYTES_MAX } from '../limits.js'
import { type IndexBounds, maxIndexBytesFor } from './index-bounds.js'
import { countBelow, largestLowerBoundSlot, warmEntries } from './index-search.js'
import type { OpenFile } from './index-file.js'
import { INDEX_WRITE_BEHIND_BYTES, SparseIndex } from './sparse-index.js'

export interface OffsetPosition {
  offset: number
  position: number
}

const RELATIVE_OFFSET_POS = 0
const POSITION_POS = 4
const WARM_ENTRIES = warmEntries(OFFSET_INDEX_ENTRY_BYTES)

export class OffsetIndex extends SparseIndex {
  // Bound once: lookups pass them to the searches without allocating a closure per call.
  private readonly relativeKey = (slot: number): number => this.relativeAt(slot)
  private readonly positionKey = (slot: number): number => this.positionAt(slot)

  /**
   * An empty index over `filePath`; `create()` or `load()` it before use. `writeBehindBytes` 0
   * writes every entry through (tests of the file itself); see index-file.ts. `openFile` opens the
   * file for writing (default `fs.open`).
   */
  constructor(fs: FileSystem, filePath: string, baseOffset: number, maxIndexBytes: number, writeBehindBytes = INDEX_WRITE_BEHIND_BYTES, openFile?: OpenFile) {
    super(fs, filePath, baseOffset, maxIndexBytes, OFFSET_INDEX_ENTRY_BYTES, writeBehindBytes, openFile)
  }

  get isFull(): boolean {
    return this.sealed || this.entries >= this.maxEntries
  }

  /** Offset of the last entry, or the base offset when empty (Kafka's lastOffset). */
  get lastOffset(): number {
    return this.entries === 0 ? this.baseOffset : this.offsetAt(this.entries - 1)
  }

  /** The last entry, or (baseOffset, 0) when empty. */
  get lastEntry(): OffsetPosition {
    return this.entries === 0 ? { offset: this.baseOffset, position: 0 } : this.entry(this.entries - 1)
  }

  entry(slot: number): OffsetPosition {
    this.checkSlot(slot)
    return { offset: this.offsetAt(slot), position: this.positionAt(slot) }
  }

  /** Reads and checks the file (see the header); throws CORRUPT_INDEX. */
  load(bounds: IndexBounds): void {
    this.file.load(maxIndexBytesFor(bounds, OFFSET_INDEX_ENTRY_BYTES))
    this.check(bounds)
  }

  /** The opening checks against `bounds`; repeatable once the segment's last offset is known. */
  check(bounds: IndexBounds): void {
    const maxRelative = this.maxRelativeOffset(bounds.lastOffset)
    let previousRelative = -1
    let previousPosition = -1
    for (let slot = 0; slot < this.entries; slot++) {
      const relative = this.relativeAt(slot)
      const position = this.positionAt(slot)
      if (relative < 0 || relative > maxRelative) {
        throw this.file.corrupt(
          `entry ${slot} has relative offset ${relative}, outside [0, ${maxRelative}] for base offset ${this.baseOffset}`,
        )
      }
      if (relative <= previousRelative) {
        throw this.file.corrupt(`entry ${slot} offset ${this.baseOffset + relative} is not above entry ${slot - 1}`)
      }
      if (position <= previousPosition || position >= bounds.logSizeBytes) {
        throw this.file.corrupt(
          `entry ${slot} position ${position} is not above ${previousPosition} and below the log size ${bounds.logSizeBytes}`,
        )
      }
      previousRelative = relative
      previousPosition = position
    }
  }

  /**
   * Adds (offset → position). Throws INDEX_FULL when full or sealed, INVALID_OFFSET unless `offset`
   * is above the last entry, SEGMENT_OFFSET_OVERFLOW when it does not fit a relative offset.
   */
  append(offset: number, position: number): void {
    this.checkRoomFor(this.maxEntries)
    const relative = this.relativeOffset(offset)
    if (this.entries > 0 && offset <= this.lastOffset) {
      throw new SeglogError(
        'INVALID_OFFSET',
        `${this.path}: offset ${offset} appended to slot ${this.entries} is not above the last offset ${this.lastOffset}`,
      )
    }
    if (!Number.isInteger(position) || position < 0 || position > SEGMENT_BYTES_MAX) {
      throw new RangeError(`${this.path}: position ${position} is not in [0, ${SEGMENT_BYTES_MAX}]`)
    }
    this.file.append((slot) => {
      slot.writeInt32BE(relative, RELATIVE_OFFSET_POS)
      slot.writeInt32BE(position, POSITION_POS)
    })
  }

  /** The entry with the largest offset ≤ `offset`, or (baseOffset, 0) if there is none. */
  lookup(offset: number): OffsetPosition {
    const slot = largestLowerBoundSlot(this.entries, WARM_ENTRIES, offset - this.baseOffset, this.relativeKey)
    return slot < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(slot)
  }

  /**
   * The floor entry of `offset` (as `lookup`) and the entry after it, or null when either is
   * missing. Both keys are batch ends, so when the batch at `nextPosition` begins right after
   * `floorOffset` and ends at `nextOffset`, it is the batch holding any offset in
   * (floorOffset, nextOffset]: Segment.read lands on it without a header scan.
   */
  bracket(offset: number): { floorOffset: number; nextOffset: number; nextPosition: number } | null {
    const slot = largestLowerBoundSlot(this.entries, WARM_ENTRIES, offset - this.baseOffset, this.relativeKey)
    if (slot < 0 || slot + 1 >= this.entries) return null
    return { floorOffset: this.offsetAt(slot), nextOffset: this.offsetAt(slot + 1), nextPosition: this.positionAt(slot + 1) }
  }

  /**
   * The first entry whose position is ≥ `startPosition + fetchSizeBytes`, or null: an upper bound
   * on the offsets a fetch of that many bytes from `startPosition` can return (Kafka uses it to
   * bound the aborted-transaction lookup of a read_committed fetch).
   */
  fetchUpperBoundOffset(startPosition: number, fetchSizeBytes: number): OffsetPosition | null {
    const slot = countBelow(this.entries, startPosition + fetchSizeBytes, this.positionKey)
    return slot < this.entries ? this.entry(slot) : null
  }

  /** Removes every entry with offset ≥ `offset`; a sealed index becomes writable. */
  truncateTo(offset: number): void {
    this.file.truncateToEntries(countBelow(this.entries, offset - this.baseOffset, this.relativeKey))
    this.sealed = false
  }

  private relativeAt(slot: number): number {
    return this.file.buffer.readInt32BE(slot * OFFSET_INDEX_ENTRY_BYTES + RELATIVE_OFFSET_POS)
  }

  private offsetAt(slot: number): number {
    return this.baseOffset + this.relativeAt(slot)
  }

  private positionAt(slot: number): number {
    return this.file.buffer.readInt32BE(slot * OFFSET_INDEX_ENTRY_BYTES + POSITION_POS)
  }
}
