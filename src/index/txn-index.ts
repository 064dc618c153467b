/**
 * The transaction index of one segment (`<base>.txnindex`, Kafka's TransactionIndex): one entry
 * per aborted transaction whose ABORT marker lives in this segment, so a read_committed fetch can
 * learn which producers' data to drop without decoding the log.
 *
 * | pos | size | field                                                                       |
 * |----:|-----:|-----------------------------------------------------------------------------|
 * |   0 |    2 | version int16 = 0 (a reader rejects anything else)                          |
 * |   2 |    8 | producerId int64                                                            |
 * |  10 |    8 | firstOffset int64: first offset of the transaction (may be in an earlier segment) |
 * |  18 |    8 | lastOffset int64: offset of the ABORT marker                                 |
 * |  26 |    8 | lastStableOffset int64: LSO when the abort completed (first offset of the next still-open transaction of another producer, else lastOffset + 1) |
 *
 * Big-endian, 34 bytes per entry (Kafka's AbortedTxn). Not preallocated, not mapped, created
 * lazily by the first append (most segments never see an abort, and Kafka does the same).
 * Invariants: lastOffset strictly increasing (else INVALID_OFFSET) and ≥ the segment's base
 * offset. Opening checks: length a multiple of 34, version 0, producerId ≥ 0,
 * firstOffset ≤ lastOffset, lastOffset strictly increasing, within [baseOffset, the segment's
 * last offset]; otherwise CORRUPT_INDEX and the segment rebuilds it from the log's control batches.
 * Storage, durability and crash behaviour: index-file.ts. The entries are loaded on first use and
 * kept in memory (a segment holds at most one entry per 78-byte marker batch) until `unload` (the
 * segment cache released a sealed segment).
 */
import { readInt64, writeInt64 } from '../format/batch-header.js'
import { SeglogError } from '../errors.js'
import type { FileSystem } from '../io/file.js'
import { SEGMENT_BYTES_MAX } from '../limits.js'
import { type IndexBounds, maxIndexBytesFor } from './index-bounds.js'
import { IndexFile, type OpenFile } from './index-file.js'

/** Bytes of one AbortedTxn entry. */
export const TXN_INDEX_ENTRY_BYTES = 34
/** The only entry version Kafka has defined. */
export const ABORTED_TXN_VERSION = 0

const VERSION_POS = 0
const PRODUCER_ID_POS = 2
const FIRST_OFFSET_POS = 10
const LAST_OFFSET_POS = 18
const LAST_STABLE_OFFSET_POS = 26

export interface AbortedTxn {
  producerId: number
  firstOffset: number
  lastOffset: number
  lastStableOffset: number
}

export interface TxnIndexSearchResult {
  abortedTxns: AbortedTxn[]
  /** True when no later segment can hold an aborted transaction overlapping the range. */
  isComplete: boolean
}

export class TransactionIndex {
  private readonly file: IndexFile
  private loaded = false

  constructor(
    fs: FileSystem,
    filePath: string,
    /** The segment's base offset: no entry may end below it. */
    readonly startOffset: number,
    openFile?: OpenFile,
  ) {
    this.file = new IndexFile(fs, filePath, TXN_INDEX_ENTRY_BYTES, 0, openFile)
  }

  /** Bytes of memory the loaded entries take (0 until first use). */
  get residentBytes(): number {
    return this.loaded ? this.file.residentBytes : 0
  }

  get path(): string {
    return this.file.path
  }

  get entries(): number {
    this.ensureLoaded()
    return this.file.entries
  }

  get isEmpty(): boolean {
    return this.entries === 0
  }

  /** Reads and checks the file if it exists (a missing file is an empty index); CORRUPT_INDEX. */
  load(bounds?: IndexBounds): void {
    const maxBytes =
      bounds === undefined ? maxIndexBytesFor({ logSizeBytes: SEGMENT_BYTES_MAX }, TXN_INDEX_ENTRY_BYTES) : maxIndexBytesFor(bounds, TXN_INDEX_ENTRY_BYTES)
    this.file.load(maxBytes, true)
    this.loaded = true
    this.check(bounds?.lastOffset)
  }


  /** Appends one aborted transaction; INVALID_OFFSET unless its lastOffset is above the last entry's. */
  append(txn: AbortedTxn): void {
    this.ensureLoaded()
    const count = this.file.entries
    if (txn.lastOffset < this.startOffset || txn.firstOffset > txn.lastOffset || txn.firstOffset < 0 || txn.producerId < 0) {
      throw new SeglogError(
        'INVALID_OFFSET',
        `${this.path}: aborted txn (producer ${txn.producerId}, ${txn.firstOffset}..${txn.lastOffset}) does not belong to a segment starting at ${this.startOffset}`,
      )
    }
    if (count > 0 && txn.lastOffset <= this.lastOffsetAt(count - 1)) {
      throw new SeglogError(
        'INVALID_OFFSET',
        `${this.path}: aborted txn last offset ${txn.lastOffset} is not above the previous ${this.lastOffsetAt(count - 1)}`,
      )
    }
    this.file.append((slot) => {
      slot.writeInt16BE(ABORTED_TXN_VERSION, VERSION_POS)
      writeInt64(slot, PRODUCER_ID_POS, txn.producerId)
      writeInt64(slot, FIRST_OFFSET_POS, txn.firstOffset)
      writeInt64(slot, LAST_OFFSET_POS, txn.lastOffset)
      writeInt64(slot, LAST_STABLE_OFFSET_POS, txn.lastStableOffset)
    })
  }

  allAbortedTxns(): AbortedTxn[] {
    this.ensureLoaded()
    const all: AbortedTxn[] = []
    for (let slot = 0; slot < this.file.entries; slot++) all.push(this.entryAt(slot))
    return all
  }

  /**
   * Aborted transactions overlapping [fetchOffset, upperBoundOffset): those with
   * lastOffset ≥ fetchOffset and firstOffset < upperBoundOffset. Complete (no need to look at later
   * segments) at the first entry whose lastStableOffset ≥ upperBoundOffset: every transaction that
   * could overlap the range was decided before that entry's abort (kafka-storage.md §3.6).
   */
  collectAbortedTxns(fetchOffset: number, upperBoundOffset: number): TxnIndexSearchResult {
    this.ensureLoaded()
    const abortedTxns: AbortedTxn[] = []
    for (let slot = 0; slot < this.file.entries; slot++) {
      const txn = this.entryAt(slot)
      if (txn.lastOffset >= fetchOffset && txn.firstOffset < upperBoundOffset) abortedTxns.push(txn)
      if (txn.lastStableOffset >= upperBoundOffset) return { abortedTxns, isComplete: true }
    }
    return { abortedTxns, isComplete: false }
  }

  /** Removes every entry whose ABORT marker is at or after `offset`. */
  truncateTo(offset: number): void {
    this.ensureLoaded()
    let keep = this.file.entries
    while (keep > 0 && this.lastOffsetAt(keep - 1) >= offset) keep--
    this.file.truncateToEntries(keep)
  }

  /** Removes every entry (recovery rebuilds from here); a missing file stays missing. */
  reset(): void {
    this.file.clear()
    this.loaded = true
  }

  flush(): Promise<void> {
    return this.file.flush()
  }

  close(): void {
    this.file.closeFd()
  }

  /** Drops the entries from memory (the file keeps them); the next use loads them again. */
  unload(): void {
    this.file.unload()
    this.loaded = false
  }

  renameTo(newPath: string): void {
    this.file.renameTo(newPath)
  }

  deleteIfExists(): void {
    this.file.deleteIfExists()
  }

  private ensureLoaded(): void {
    if (!this.loaded) this.load()
  }

  private check(lastOffsetBound: number | undefined): void {
    const buf = this.file.buffer
    let previousLastOffset = this.startOffset - 1
    for (let slot = 0; slot < this.file.entries; slot++) {
      const version = buf.readInt16BE(slot * TXN_INDEX_ENTRY_BYTES + VERSION_POS)
      if (version !== ABORTED_TXN_VERSION) throw this.file.corrupt(`entry ${slot} has unknown version ${version}`)
      const txn = this.entryAt(slot)
      if (!Number.isSafeInteger(txn.producerId) || txn.producerId < 0) {
        throw this.file.corrupt(`entry ${slot} has producer id ${txn.producerId}`)
      }
      if (!Number.isSafeInteger(txn.firstOffset) || txn.firstOffset < 0 || txn.firstOffset > txn.lastOffset) {
        throw this.file.corrupt(`entry ${slot} first offset ${txn.firstOffset} is not in [0, last offset ${txn.lastOffset}]`)
      }
      if (!Number.isSafeInteger(txn.lastOffset) || txn.lastOffset <= previousLastOffset) {
        throw this.file.corrupt(
          `entry ${slot} last offset ${txn.lastOffset} is not above ${previousLastOffset} (segment base offset ${this.startOffset})`,
        )
      }
      if (lastOffsetBound !== undefined && txn.lastOffset > lastOffsetBound) {
        throw this.file.corrupt(`entry ${slot} last offset ${txn.lastOffset} is past the segment's last offset ${lastOffsetBound}`)
      }
      previousLastOffset = txn.lastOffset
    }
  }

  private lastOffsetAt(slot: number): number {
    return readInt64(this.file.buffer, slot * TXN_INDEX_ENTRY_BYTES + LAST_OFFSET_POS)
  }

  private entryAt(slot: number): AbortedTxn {
    const buf = this.file.buffer
    const at = slot * TXN_INDEX_ENTRY_BYTES
    return {
      producerId: readInt64(buf, at + PRODUCER_ID_POS),
      firstOffset: readInt64(buf, at + FIRST_OFFSET_POS),
      lastOffset: readInt64(buf, at + LAST_OFFSET_POS),
      lastStableOffset: readInt64(buf, at + LAST_STABLE_OFFSET_POS),
    }
  }
}
