/**
 * How a segment reads bytes of its `.log`: views of one read-only mapping of the file's first
 * bytes on the native binding (zero-copy: a point read costs no syscall and no copy), pread
 * copies of exactly the bytes asked for otherwise (the fallback binding, whose "mapping" would be
 * a copy of the whole file, and bytes past the mapped prefix).
 *
 * Why mapping an active segment is safe. Touching a mapped page past the end of its file raises
 * SIGBUS, which kills the process, so a mapping must never reach past the file's end at any later
 * time. A mapping here covers [0, the logical size at the time of mapping), and nothing cuts a
 * live segment's file below its logical size:
 * - the only truncation of a live active segment is the rollback of a failed append (DISK_FULL:
 *   positional-write.ts and the index rollback in Segment.append), which truncates back to where
 *   the append started — the logical end, at or past every mapped byte; cutting a torn or
 *   preallocated tail before the first append also cuts at the logical end;
 * - recovery truncates while the log opens, before any read could map anything;
 * - `Segment.truncateTo` (recovery's reactivation of a sealed segment; Kafka's replica
 *   truncation) drops the mapping, and its caller must know that no view of the removed range is
 *   still in use — the rule sealed segments always had;
 * - retention renames and unlinks, never truncates, and a mapping holds the inode.
 * Views already handed out keep their mapping alive: it is unmapped by its finalizer once the last
 * view is collected, never explicitly, so replacing or dropping the mapping here never
 * invalidates a Buffer a reader holds.
 *
 * Remap policy: the first read maps [0, logical size). A sealed segment never grows, so that is
 * its only mapping. An active one does: bytes appended after the mapping was made are read with
 * pread, and the file is mapped again once ACTIVE_SEGMENT_REMAP_BYTES have accumulated past the
 * mapping, so a reader following the tail creates one mapping per that many appended bytes (each
 * alive until its views are collected), not one per read.
 *
 * Concurrency: single-threaded, owned by one Segment.
 */
import { SeglogError } from '../errors.js'
import type { FileSystem } from '../io/file.js'
import { ACTIVE_SEGMENT_REMAP_BYTES } from '../limits.js'

export class LogView {
  private mapping: Buffer | null = null
  private readonly maps: boolean

  constructor(private readonly fs: FileSystem) {
    this.maps = fs.binding.kind === 'native'
  }

  /** Bytes currently mapped (0 when nothing is). */
  get mappedBytes(): number {
    return this.mapping?.length ?? 0
  }

  /**
   * The mapping to read [0, logicalSizeBytes) of `fd` through, made or renewed by the policy in
   * the header; null when reads copy (fallback binding, or an empty segment). It may end before
   * `logicalSizeBytes`: `bytes` copies what lies past it.
   */
  prefix(fd: number, logicalSizeBytes: number): Buffer | null {
    if (!this.maps || logicalSizeBytes === 0) return null
    const mapping = this.mapping
    if (mapping !== null && mapping.length <= logicalSizeBytes && logicalSizeBytes - mapping.length < ACTIVE_SEGMENT_REMAP_BYTES) {
      return mapping
    }
    this.mapping = this.fs.mapFile(fd, 0, logicalSizeBytes)
    return this.mapping
  }

  /**
   * [position, position + length) of the `.log`: a view of `mapped` (from `prefix`) when the range
   * lies inside it, else a pread copy of exactly that range (STORAGE_ERROR if the file is shorter).
   */
  bytes(fd: number, filePath: string, mapped: Buffer | null, position: number, length: number): Buffer {
    if (mapped !== null && position + length <= mapped.length) return mapped.subarray(position, position + length)
    const bytes = Buffer.allocUnsafe(length)
    const read = this.fs.pread(fd, bytes, length, position)
    if (read !== length) {
      throw new SeglogError('STORAGE_ERROR', `${filePath}: short read, ${read} of ${length} bytes at position ${position}`)
    }
    return bytes
  }

  /** Forgets the mapping (views already handed out stay valid); the next `prefix` maps again. */
  drop(): void {
    this.mapping = null
  }
}
