/**
 * What the offset index and the time index share (Kafka's AbstractIndex, minus the mapping): a
 * bounded, sorted, append-only IndexFile of one segment, relative offsets from the segment's base
 * offset, and the sealed (read-only) state a segment enters when it rolls.
 *
 * `maxEntries = floor(segmentIndexBytes / entrySize)` bounds an index even though nothing is
 * preallocated: an index that reaches it makes the segment roll (INDEX_FULL on append).
 * Concurrency and crash behaviour: see index-file.ts.
 */
import { SeglogError } from '../errors.js'
import type { FileSystem } from '../io/file.js'
import { RELATIVE_OFFSET_MAX } from '../limits.js'
import { IndexFile, type OpenFile } from './index-file.js'

/**
 * Pending index bytes written together (index-file.ts write-behind): one page, 512 offset entries
 * or 341 time entries. After a crash the opening scan of a segment covers the entries lost with
 * them: at most this / entrySize × indexIntervalBytes more bytes of headers (2 MiB at defaults).
 */
export const INDEX_WRITE_BEHIND_BYTES = 4096

export abstract class SparseIndex {
  readonly maxEntries: number
  protected readonly file: IndexFile
  protected sealed = false

  protected constructor(
    fs: FileSystem,
    filePath: string,
    readonly baseOffset: number,
    maxIndexBytes: number,
    entrySizeBytes: number,
    writeBehindBytes: number,
    openFile?: OpenFile,
  ) {
    this.file = new IndexFile(fs, filePath, entrySizeBytes, writeBehindBytes, openFile)
    this.maxEntries = Math.floor(maxIndexBytes / entrySizeBytes)
  }

  get path(): string {
    return this.file.path
  }

  get entries(): number {
    return this.file.entries
  }

  /** Bytes of entries, which is also the file's length. */
  get sizeBytes(): number {
    return this.file.sizeBytes
  }

  /** Bytes of memory the loaded entries take. */
  get residentBytes(): number {
    return this.file.residentBytes
  }

  get isSealed(): boolean {
    return this.sealed
  }

  /** Starts an empty, writable file now. */
  create(): void {
    this.file.create()
    this.sealed = false
  }

  /** Removes every entry, creating the file if missing (recovery rebuilds from here); writable again. */
  reset(): void {
    this.create()
  }

  /** Read-only from now on; releases the write descriptor. */
  seal(): void {
    this.sealed = true
    this.file.closeFd()
  }

  /** Writes entries still pending in memory to the file (no fsync). */
  persist(): void {
    this.file.persist()
  }

  /** Writes pending entries and fdatasyncs the file. */
  flush(): Promise<void> {
    return this.file.flush()
  }

  close(): void {
    this.file.closeFd()
  }

  /** Drops the entries from memory (the file keeps them); `load` brings them back. Stays sealed. */
  unload(): void {
    this.file.unload()
  }

  renameTo(newPath: string): void {
    this.file.renameTo(newPath)
  }

  deleteIfExists(): void {
    this.file.deleteIfExists()
  }

  /** Throws RangeError unless `slot` holds an entry. */
  protected checkSlot(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.entries) {
      throw new RangeError(`Slot ${slot} is out of range for ${this.entries} entries of ${this.path}`)
    }
  }

  /** `offset − baseOffset`, or SEGMENT_OFFSET_OVERFLOW when it does not fit an int32 ≥ 0. */
  protected relativeOffset(offset: number): number {
    const relative = offset - this.baseOffset
    if (!Number.isSafeInteger(relative) || relative < 0 || relative > RELATIVE_OFFSET_MAX) {
      throw new SeglogError(
        'SEGMENT_OFFSET_OVERFLOW',
        `${this.path}: offset ${offset} does not fit a relative offset from base offset ${this.baseOffset}`,
      )
    }
    return relative
  }

  /** INDEX_FULL for an append to a sealed index or one at `limitEntries`. */
  protected checkRoomFor(limitEntries: number): void {
    if (this.sealed) throw new SeglogError('INDEX_FULL', `${this.path}: index is sealed; roll the segment`)
    if (this.entries >= limitEntries) {
      throw new SeglogError('INDEX_FULL', `${this.path}: index is full (${this.entries} entries); roll the segment`)
    }
  }

  /** Largest relative offset an entry may hold under `lastOffset` (the segment's, when known). */
  protected maxRelativeOffset(lastOffset: number | undefined): number {
    return lastOffset === undefined ? RELATIVE_OFFSET_MAX : lastOffset - this.baseOffset
  }
}
