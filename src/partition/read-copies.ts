/**
 * Memory for the private copies readers get of mapped batches (decisions.md "Readers get private
 * copies"). On the native binding a segment is read through one read-only mapping that every
 * reader shares, so a record's Buffers cannot be views of it: a write into one would be a SIGSEGV
 * (or, with a writable private mapping, a change every other reader of that segment would see).
 * reader.ts copies into memory from here instead — a whole batch, its CRC checked in the same pass
 * (format/crc32c.ts copyWithCrc32c), or, when a read returns a few records of a large batch, just
 * those records' keys, values and header values (`copyRecordFields`).
 *
 * Memory is a bump allocator over slabs of READ_COPY_SLAB_BYTES that only moves forward; a slab is
 * never reused, only collected by V8 with its last view. Fresh memory is what a copy costs: on this
 * VM the first touch of a 4 KiB page costs more than copying it, so each slab is allocated a huge
 * page larger than it needs and only its 2 MiB-aligned part is used, advised to transparent huge
 * pages first (binding.adviseHugePages): a 10.6 KB batch's copy into fresh memory went from 11× to
 * 2.8× the CRC alone (`node bench/read-copy.mjs`). The unused head is never touched, so it costs
 * address space, not memory. (Reusing warm memory
 * would make the copy free — copying into memory already touched costs no more than the CRC alone —
 * but nothing in JS can tell when the last view of a slab died, and the addon's external-buffer
 * finalizers run only when the event loop turns, which a replay of resolved reads never lets it
 * do: decisions.md has the measurements.)
 *
 * Invariants:
 * - A byte is handed out at most once: `used` only grows within a slab and a full slab is
 *   replaced, never rewound. So no write into one read's records can reach another read's, and a
 *   record stays valid for as long as it is referenced.
 * - Slabs are `Buffer.allocUnsafeSlow` memory (zero-filling would touch every page before the
 *   huge-page advice): like any Node `allocUnsafe` Buffer, the ArrayBuffer behind a record's
 *   Buffers (`.buffer`) may hold other bytes of this process outside the record's own, which
 *   api.md tells programs not to read (`node --zero-fill-buffers` zero-fills these too). A batch
 *   too large to share a slab gets an allocation of exactly its size, which the copy overwrites.
 *
 * Bounds: one current slab; earlier slabs live while any record from them does (a program that keeps
 * a few records of a long replay pins their slabs; copying what it keeps frees them, as with
 * Node's own pooled Buffers).
 *
 * Concurrency: single-threaded; `reserve` is synchronous, and its result is used at once.
 */
import type { LogRecord } from '../format/batch-records.js'
import { READ_COPY_SLAB_BYTES } from '../limits.js'
import { binding } from '../native/load.js'

/** Transparent huge page size: a slab is allocated this much larger so a whole aligned slab fits. */
const HUGE_PAGE_BYTES = 2 * 1024 * 1024

/** Largest copy taken from a slab: a quarter, so one large batch does not waste most of a slab. */
const SLAB_SHARE_BYTES_MAX = READ_COPY_SLAB_BYTES / 4

export class ReadCopies {
  private slab: Buffer | null = null
  private used = 0
  private end = 0
  /** Where the bytes the last `reserve` returned start in its result. */
  start = 0

  constructor(private readonly newSlab: () => Buffer) {}

  /** A Buffer with `sizeBytes` bytes at `this.start` that no one else has been or will be given. */
  reserve(sizeBytes: number): Buffer {
    if (sizeBytes > SLAB_SHARE_BYTES_MAX) {
      this.start = 0
      return Buffer.allocUnsafeSlow(sizeBytes)
    }
    let slab = this.slab
    if (slab === null || this.end - this.used < sizeBytes) {
      slab = this.slab = this.newSlab()
      this.used = binding.adviseHugePages(slab)
      this.end = Math.min(slab.length, this.used + READ_COPY_SLAB_BYTES)
    }
    this.start = this.used
    this.used += sizeBytes
    return slab
  }

  /** A private copy of `view`. */
  copy(view: Buffer): Buffer {
    const slab = this.reserve(view.length)
    const start = this.start
    slab.set(view, start)
    return slab.subarray(start, start + view.length)
  }

  /**
   * Replaces the keys, values and header values of `records[from…]` (views of shared memory) by
   * private copies.
   */
  copyRecordFields(records: LogRecord[], from: number): void {
    for (let i = from; i < records.length; i++) {
      const record = records[i]!
      if (record.key !== null) record.key = this.copy(record.key)
      if (record.value !== null) record.value = this.copy(record.value)
      const headers = record.headers
      for (let h = 0; h < headers.length; h++) {
        const header = headers[h]!
        if (header[1] !== null) header[1] = this.copy(header[1])
      }
    }
  }
}

/** The process's copies: one allocator for every partition, so idle partitions hold no slab. */
export const readCopies = new ReadCopies(() => Buffer.allocUnsafeSlow(READ_COPY_SLAB_BYTES + HUGE_PAGE_BYTES))
