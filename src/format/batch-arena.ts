/**
 * Memory for encoded batches that live only from `append` to their write: a bump allocator over
 * one slab, reset to the start whenever every batch handed out from it has been released.
 *
 * Why: a partition with one producer encodes a batch, writes it and drops it, batch after batch.
 * With a fresh `Buffer.allocUnsafe` per batch, every encode copies the values into memory the CPU
 * has not touched lately (and, above the pool size, a new allocation that the GC must later
 * free); bench W2 (1 KiB records in batches of 100) spent more time copying values into new
 * batches than writing them. Reusing the same slab keeps the batch in cache from encode to
 * `write(2)`.
 *
 * Invariants:
 * - A view is never handed out twice while live: the slab restarts at 0 only when `live` is 0,
 *   i.e. after every view allocated from it since the last restart was released.
 * - `release` must be called at most once per view from `allocate`, and only when its bytes are
 *   no longer needed (the caller's write has returned: FileSystem writes are synchronous and keep
 *   no reference to the data). A view never released only pins its slab: once the slab is full
 *   the arena moves to a new one and the old one is freed by the GC with its last view.
 * - Views of more than SLAB_SHARE_BYTES_MAX, and views from an earlier slab, are plain
 *   allocations as far as `release` is concerned: ignored.
 *
 * Bounds: one slab of BATCH_ARENA_SLAB_BYTES (limits.ts) per arena, plus earlier slabs still
 * pinned by unreleased views.
 *
 * Concurrency: single-threaded; `allocate` and `release` are synchronous.
 */
import { BATCH_ARENA_SLAB_BYTES } from '../limits.js'

/**
 * Largest view taken from a slab; bigger batches get their own allocation. A quarter of the slab,
 * so one large batch cannot make every later small one start a new slab.
 */
const SLAB_SHARE_BYTES_MAX = BATCH_ARENA_SLAB_BYTES / 4

export class BatchArena {
  private slab: Buffer | null = null
  private used = 0
  private live = 0

  /** `sizeBytes` bytes of uninitialised memory, valid until `release`. */
  allocate(sizeBytes: number): Buffer {
    if (sizeBytes > SLAB_SHARE_BYTES_MAX) return Buffer.allocUnsafe(sizeBytes)
    if (this.slab === null || this.used + sizeBytes > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(BATCH_ARENA_SLAB_BYTES)
      this.used = 0
      this.live = 0
    }
    const view = this.slab.subarray(this.used, this.used + sizeBytes)
    this.used += sizeBytes
    this.live++
    return view
  }

  /** `view`'s bytes may be reused: call once, after its last use (see the file header). */
  release(view: Buffer): void {
    if (this.slab === null || view.buffer !== this.slab.buffer) return
    this.live--
    if (this.live === 0) this.used = 0
  }
}
