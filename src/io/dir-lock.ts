/**
 * The one-writer-per-directory lock: `<dir>/.lock`, held for as long as a Log is open.
 *
 * Native binding: flock(LOCK_EX | LOCK_NB) on the file — the kernel releases it when the process
 * dies, so kill -9 never leaves a stale lock, and a second `Log.open` in the same process conflicts
 * too (flock locks belong to the open file description). Fallback: an O_EXCL pid file whose owner
 * is checked for liveness (binding.ts `lockFile`).
 */
import { SeglogError } from '../errors.js'
import { hasTestBug } from '../test-bugs.js'
import type { FileSystem } from './file.js'
import { joinPath } from './file.js'

export const LOCK_FILE_NAME = '.lock'

export class DirLock {
  private released = false

  private constructor(
    private readonly fs: FileSystem,
    private readonly handle: number,
    readonly path: string,
  ) {}

  /** Takes the lock or throws `LOG_LOCKED`. */
  static acquire(fs: FileSystem, dir: string): DirLock {
    const path = joinPath(dir, LOCK_FILE_NAME)
    if (hasTestBug('no-lock')) return new DirLock(fs, -1, path)
    const handle = fs.binding.lockFile(path)
    if (handle < 0) {
      throw new SeglogError('LOG_LOCKED', `Log directory ${dir} is locked by another Log (${path}); one writer process per directory`)
    }
    return new DirLock(fs, handle, path)
  }

  release(): void {
    if (this.released) return
    this.released = true
    if (this.handle < 0) return // planted no-lock bug: nothing was taken
    this.fs.binding.unlockFile(this.handle)
  }
}
