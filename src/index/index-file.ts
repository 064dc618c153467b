/**
 * The storage shared by the three index files (`.index`, `.timeindex`, `.txnindex`): a file of
 * fixed-size entries, mirrored entirely in memory, appended with checked `pwrite`s.
 *
 * Design decision (differs from Kafka on purpose): indexes are NOT preallocated and NOT written
 * through mmap. Kafka preallocates each index to `segment.index.bytes` (sparse) and writes through
 * a read-write mapping; after a crash the file is full-length with trailing zero entries that look
 * valid (KAFKA-10207, KAFKA-12734), and writing into a sparse hole on a full disk raises SIGBUS,
 * which kills a Node process. Here:
 * - entries are written with `pwrite` at the end of what the file holds, through the FileSystem
 *   seam, checked for a short count (positional-write.ts): a full disk is a DISK_FULL error and
 *   the file is truncated back, never a signal;
 * - the file only ever holds whole entries, a prefix of those in memory: nothing to trim on roll
 *   and no trailing zeros to mistake for entries;
 * - the entries live in a growable Buffer, so lookups never touch the file. Active segments keep
 *   their indexes loaded; sealed segments load them on first lookup (one read of the whole file)
 *   and drop them again (`unload`) when the Log's segment cache releases the segment.
 *
 * Write-behind (`writeBehindBytes`): the offset and time indexes write their new entries once
 * that many bytes are pending (and always on `persist`, `flush`, `closeFd` — so on roll and
 * close), instead of one pwrite per entry: with batches larger than indexIntervalBytes every
 * append adds an entry, and a second syscall per append cost about a third of append throughput
 * (bench/segment.mjs). Losing pending entries in a crash is harmless: the index is a hint, and
 * the segment's opening scan starts at the last entry on disk, so it covers the missing ones (a
 * scan of at most writeBehindBytes / entrySize × indexIntervalBytes more). The transaction index
 * writes through (0): its entries are rare and read_committed readers depend on them.
 *
 * Invariants: the first `persistedEntries × entrySize` bytes of the file equal the same bytes of
 * `buffer` whenever no write is in flight; memory changes only after a write succeeded. A loaded
 * file whose length is not a multiple of the entry size is CORRUPT_INDEX; the semantic checks
 * (monotonic keys, bounds) belong to each index class.
 *
 * Concurrency: single-threaded, like the segment that owns it. Crash: a write torn by a crash
 * leaves a length that is not a multiple of the entry size, or a last entry that fails the owner's
 * checks; the segment then rebuilds the index from the log.
 */
import { SeglogError } from '../errors.js'
import type { FileSystem, OpenMode } from '../io/file.js'
import { writeFullyAt } from '../io/positional-write.js'

/** Entries the in-memory buffer starts with; it doubles from there (an index is usually small). */
const INITIAL_CAPACITY_ENTRIES = 64

/** Opens a file for writing entries: `fs.open` by default; a segment passes one that frees descriptors on EMFILE. */
export type OpenFile = (filePath: string, mode: OpenMode) => number

const UNLOADED = Buffer.alloc(0)

export class IndexFile {
  private buf: Buffer
  private count = 0
  private persisted = 0
  private fd = -1
  private currentPath: string

  constructor(
    private readonly fs: FileSystem,
    filePath: string,
    readonly entrySizeBytes: number,
    /** Pending bytes that trigger a write; 0 writes every entry through. */
    private readonly writeBehindBytes = 0,
    private readonly openFile: OpenFile = (filePath, mode) => fs.open(filePath, mode),
  ) {
    this.currentPath = filePath
    // Nothing until the first append or load: a log holds an index object for every segment, and
    // sealed ones that were never read must cost no entry memory (segment-cache.ts).
    this.buf = UNLOADED
  }

  get path(): string {
    return this.currentPath
  }

  get entries(): number {
    return this.count
  }

  /** Entries already written to the file. */
  get persistedEntries(): number {
    return this.persisted
  }

  /** Bytes of entries (in memory; the file holds `persistedEntries` of them). */
  get sizeBytes(): number {
    return this.count * this.entrySizeBytes
  }

  /** Bytes of memory the entries hold (the buffer's capacity): what a segment cache counts. */
  get residentBytes(): number {
    return this.buf.length
  }

  /** The backing buffer: its first `sizeBytes` bytes are the entries. Do not keep it across appends. */
  get buffer(): Buffer {
    return this.buf
  }

  /** A SeglogError('CORRUPT_INDEX') whose message starts with the path. */
  corrupt(what: string): SeglogError {
    return new SeglogError('CORRUPT_INDEX', `Corrupt index ${this.currentPath}: ${what}`)
  }

  /** Starts an empty file now (O_TRUNC), so the directory entry exists before the first append. */
  create(): void {
    this.closeDescriptor()
    this.fd = this.openFile(this.currentPath, 'truncate')
    this.count = 0
    this.persisted = 0
  }

  /**
   * Reads the whole file into memory. A missing file is CORRUPT_INDEX unless `missingIsEmpty`
   * (the transaction index, which exists only once something was aborted). `maxBytes` bounds the
   * read: a file longer than its segment could justify is corrupt, not something to allocate.
   */
  load(maxBytes: number, missingIsEmpty = false): void {
    const lengthBytes = this.fs.fileSize(this.currentPath)
    if (lengthBytes < 0) {
      if (!missingIsEmpty) throw this.corrupt('file is missing')
      this.count = 0
      this.persisted = 0
      return
    }
    if (lengthBytes % this.entrySizeBytes !== 0) {
      throw this.corrupt(`${lengthBytes} bytes is not a multiple of ${this.entrySizeBytes}`)
    }
    if (lengthBytes > maxBytes) {
      throw this.corrupt(`${lengthBytes} bytes is more than the ${maxBytes} bytes its segment can index`)
    }
    const bytes = this.fs.readFile(this.currentPath)
    // Re-check: the file may have changed between the stat and the read.
    if (bytes.length % this.entrySizeBytes !== 0 || bytes.length > maxBytes) {
      throw this.corrupt(`length changed to ${bytes.length} bytes while loading`)
    }
    this.buf = bytes.length >= INITIAL_CAPACITY_ENTRIES * this.entrySizeBytes ? bytes : this.grownCopy(bytes, bytes.length)
    this.count = bytes.length / this.entrySizeBytes
    this.persisted = this.count
  }

  /**
   * Appends one entry: `fill` writes it into `slot` (entrySize bytes). The entry counts only once
   * any write it triggers succeeded: DISK_FULL / STORAGE_ERROR leave entries and file unchanged.
   */
  append(fill: (slot: Buffer) => void): void {
    const position = this.sizeBytes
    if (position + this.entrySizeBytes > this.buf.length) this.buf = this.grownCopy(this.buf, position)
    fill(this.buf.subarray(position, position + this.entrySizeBytes))
    const pendingBytes = position + this.entrySizeBytes - this.persisted * this.entrySizeBytes
    if (pendingBytes >= this.writeBehindBytes) this.writeUpTo(this.count + 1)
    this.count += 1
  }

  /** Writes the pending entries to the file (no fsync). */
  persist(): void {
    if (this.persisted < this.count) this.writeUpTo(this.count)
  }

  /** Keeps the first `entries` entries, in memory and on disk. */
  truncateToEntries(entries: number): void {
    if (entries >= this.count) return
    if (entries < this.persisted) {
      this.fs.ftruncate(this.openFd(), entries * this.entrySizeBytes)
      this.persisted = entries
    }
    this.count = entries
  }

  /** Empties the memory and the file if it exists; a missing file stays missing. */
  clear(): void {
    this.count = 0
    this.persisted = 0
    if (this.fd >= 0 || this.fs.exists(this.currentPath)) this.fs.ftruncate(this.openFd(), 0)
  }

  /** Writes pending entries, then fdatasync, if the file has been written through this object. */
  async flush(): Promise<void> {
    this.persist()
    if (this.fd >= 0) await this.fs.fdatasync(this.fd)
  }

  /** Writes pending entries and closes the write descriptor; the entries stay readable in memory. */
  closeFd(): void {
    try {
      this.persist()
    } finally {
      this.closeDescriptor()
    }
  }

  /**
   * Writes pending entries, closes the descriptor and drops the entries from memory (the file keeps
   * them; `load` brings them back). For a sealed segment released by the segment cache.
   */
  unload(): void {
    this.closeFd()
    this.buf = UNLOADED
    this.count = 0
    this.persisted = 0
  }

  /** Renames the file if it exists; later writes go to the new name. */
  renameTo(newPath: string): void {
    if (this.fs.exists(this.currentPath)) this.fs.rename(this.currentPath, newPath)
    this.currentPath = newPath
  }

  /** Closes and unlinks the file if it exists; pending entries are dropped with it. */
  deleteIfExists(): void {
    this.closeDescriptor()
    this.persisted = this.count
    if (this.fs.exists(this.currentPath)) this.fs.unlink(this.currentPath)
  }

  private writeUpTo(entries: number): void {
    const from = this.persisted * this.entrySizeBytes
    const to = entries * this.entrySizeBytes
    writeFullyAt(this.fs, this.openFd(), this.currentPath, [this.buf.subarray(from, to)], to - from, from)
    this.persisted = entries
  }

  private closeDescriptor(): void {
    if (this.fd < 0) return
    const fd = this.fd
    this.fd = -1
    this.fs.close(fd)
  }

  private openFd(): number {
    if (this.fd < 0) this.fd = this.openFile(this.currentPath, 'create')
    return this.fd
  }

  private grownCopy(from: Buffer, usedBytes: number): Buffer {
    const capacity = Math.max(INITIAL_CAPACITY_ENTRIES * this.entrySizeBytes, from.length * 2)
    const grown = Buffer.alloc(capacity)
    from.copy(grown, 0, 0, usedBytes)
    return grown
  }
}
