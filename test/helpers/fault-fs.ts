/**
 * A FileSystem that delegates to the real one and lets a test inject faults per call: make the
 * next fdatasync fail with EIO, cut a write short (a full disk as Node reports it), count calls.
 */
import { NodeFileSystem, type FileSystem } from '../../src/io/file.js'
import { binding } from '../../src/native/load.js'

export interface FaultPlan {
  /** Called before each fdatasync/fsync; throw to fail it. */
  beforeSync?: (fd: number) => void
  /** Called with each write's length; return fewer bytes to cut the write short (nothing is written past that). */
  writeLimit?: (requestedBytes: number) => number
}

export class FaultFileSystem extends NodeFileSystem {
  syncs = 0
  writes = 0
  plan: FaultPlan = {}

  constructor() {
    super(binding)
  }

  override pwrite(fd: number, data: Uint8Array, position: number): number {
    return this.pwritev(fd, [data], position)
  }

  override pwritev(fd: number, data: readonly Uint8Array[], position: number): number {
    this.writes++
    const total = data.reduce((n, d) => n + d.byteLength, 0)
    const limit = this.plan.writeLimit?.(total) ?? total
    const joined = Buffer.concat(data.map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength)))
    // A disk that filled up part way writes only the first `limit` bytes.
    const bytes = limit >= total ? joined : joined.subarray(0, Math.max(limit, 0))
    return bytes.length > 0 ? super.pwritev(fd, [bytes], position) : 0
  }

  override fdatasync(fd: number): Promise<void> {
    this.syncs++
    try {
      this.plan.beforeSync?.(fd)
    } catch (err) {
      return Promise.reject(err)
    }
    return super.fdatasync(fd)
  }

  override fsync(fd: number): Promise<void> {
    this.syncs++
    try {
      this.plan.beforeSync?.(fd)
    } catch (err) {
      return Promise.reject(err)
    }
    return super.fsync(fd)
  }
}

export function eio(): NodeJS.ErrnoException {
  return Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO', errno: -5, syscall: 'fdatasync' })
}

export type { FileSystem }
