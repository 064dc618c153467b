/**
 * The one interface over the native addon (`native/*.c`) and its pure-JS twin
 * (`src/native/fallback.ts`). JS owns validation and state; the binding exposes flat functions
 * over plain fds and Buffers (the classic-level / lmdb-js split).
 *
 * Both implementations must behave the same for every caller; only speed and the zero-copy
 * property of `mapFile` differ — which is why a mapping is never handed to a user: it is
 * read-only memory every reader shares (reader.ts copies what it returns). Errors from system calls are `Error`s with the errno name as
 * `code` (`'EBADF'`, `'ENOSPC'`, …) and the syscall name as `syscall`, like Node's own.
 */

export type MapAdvice = 'normal' | 'sequential' | 'random' | 'willneed' | 'dontneed'

/** `sendfile` result when the output would block (EAGAIN) and nothing was sent. */
export const SENDFILE_WOULD_BLOCK = -1

export interface NativeBinding {
  /** 'native' when the addon is loaded, 'fallback' for the pure-JS twin. */
  readonly kind: 'native' | 'fallback'

  /**
   * CRC-32C (Castagnoli) of `data`, continuing from `crc` (default 0) so that
   * `crc32c(b, crc32c(a)) === crc32c(concat(a, b))`. Returns an unsigned 32-bit integer.
   * Native: SSE4.2 `crc32` instructions where the CPU has them, a slicing table otherwise.
   */
  crc32c(data: Uint8Array, crc?: number): number

  /**
   * Copies `source[sourceStart, sourceEnd)` to `target` at `targetStart` (as
   * `source.copy(target, targetStart, sourceStart, sourceEnd)`) and returns the CRC-32C (from 0)
   * of `source[crcStart, sourceEnd)`, with `sourceStart ≤ crcStart ≤ sourceEnd`. The checksum is of
   * the bytes copied, so a caller that compares it with a stored CRC vouches for the copy it holds.
   * Native: one pass, each chunk checksummed then copied while in cache (the read path's private
   * copies of mapped batches; decisions.md "Readers get private copies"). Fallback: copy, then
   * crc32c of the copy. Ranges out of bounds or overlapping throw `ERR_OUT_OF_RANGE`; a target that
   * is a `mapFile` mapping (read-only memory) throws `ERR_INVALID_ARG_VALUE`.
   */
  copyWithCrc32c(source: Uint8Array, sourceStart: number, sourceEnd: number, target: Uint8Array, targetStart: number, crcStart: number): number

  /**
   * Read-only view of bytes [position, position + length) of the open file `fd`.
   * Native: an mmap(PROT_READ, MAP_SHARED) of the page-aligned range; the returned Buffer (and every
   * view sliced from it) keeps the mapping alive, munmap runs in the finalizer once the last view
   * is collected — never a use-after-unmap. Fallback: a pread copy.
   * Throws `ERR_OUT_OF_RANGE` if the range reaches past the file's current size (a mapping past EOF
   * would SIGBUS on access). `length === 0` returns an empty Buffer.
   * Callers must never truncate a file below a range that may still be mapped (design.md).
   */
  mapFile(fd: number, position: number, length: number): Buffer

  /**
   * Asks the kernel to back the 2 MiB-aligned part of `buffer` with transparent huge pages
   * (madvise MADV_HUGEPAGE; a hint that never changes contents) and returns the byte offset in
   * `buffer` where that part starts, 0 when there is none. For memory about to be written for the
   * first time: on this VM a fresh 4 KiB page fault costs more than copying the page, a huge page
   * fault a fraction of that (decisions.md "Readers get private copies"). Fallback: returns 0.
   */
  adviseHugePages(buffer: Buffer): number

  /** madvise hint for a Buffer returned by `mapFile`; a no-op for the fallback or a copy. */
  adviseMapping(mapping: Buffer, advice: MapAdvice): void

  /**
   * sendfile(2): copy up to `length` bytes of `inFd` starting at `position` to `outFd` without
   * copying through JS. Returns the bytes sent (0 at end of input), or `SENDFILE_WOULD_BLOCK` when
   * `outFd` is non-blocking and full — the caller waits for writability; it is never spun on here.
   * Fallback: pread into a buffer, then write; a short write returns the count written.
   */
  sendfile(outFd: number, inFd: number, position: number, length: number): number

  /**
   * Take the exclusive lock on `path` (created if missing) for this process and return a handle,
   * or return -1 if another holder (this process included) has it.
   * Native: open + flock(LOCK_EX | LOCK_NB); the kernel drops the lock when the process dies, so
   * there is never a stale lock after kill -9. Fallback: O_EXCL create of a file holding our pid;
   * a file whose pid is no longer alive is stale and taken over.
   */
  lockFile(path: string): number

  /** Release a handle returned by `lockFile`. */
  unlockFile(handle: number): void

  /**
   * Allocate disk blocks for [position, position + length) of `fd` (fallocate mode 0: the file size
   * grows to cover the range). Used before writing through a mapping so a full disk is an ENOSPC
   * here, not a SIGBUS later. Fallback: extends the file with written zeros where not allocated.
   */
  fallocate(fd: number, position: number, length: number): void
}
