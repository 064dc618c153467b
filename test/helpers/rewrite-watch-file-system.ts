/**
 * A FileSystem that watches the atomic rewrites of one metadata file (src/io/atomic-file.ts: write
 * `<name>.tmp`, fsync it, rename it over `<name>`, fsync the directory), so that a test can tell
 * "no rewrite was started" and await "the rewrite in flight is durable" instead of sleeping while a
 * background write (the checkpoint a roll schedules) may or may not have happened yet.
 *
 * `started` counts opens of `<name>.tmp` (the protocol's first, synchronous step), `finished`
 * counts directory fsyncs that completed after a rename over `<name>`. Everything is the real file
 * system's.
 */
import { basename, dirname } from 'node:path'
import { NodeFileSystem, type OpenMode } from '../../src/io/file.js'

export class RewriteWatchFileSystem extends NodeFileSystem {
  started = 0
  finished = 0
  /** Directories holding a rename over `<name>` that no completed fsync has covered yet. */
  private readonly renamedIn: string[] = []
  private readonly waiting: { count: number; resolve: () => void }[] = []

  constructor(private readonly name: string) {
    super()
  }

  /** Resolves once `count` rewrites have finished (at once if they have). */
  rewritesFinished(count: number): Promise<void> {
    if (this.finished >= count) return Promise.resolve()
    return new Promise((resolve) => this.waiting.push({ count, resolve }))
  }

  override open(filePath: string, mode: OpenMode): number {
    if (basename(filePath) === `${this.name}.tmp`) this.started++
    return super.open(filePath, mode)
  }

  override rename(from: string, to: string): void {
    super.rename(from, to)
    if (basename(to) === this.name) this.renamedIn.push(dirname(to))
  }

  override async fsyncDir(dirPath: string): Promise<void> {
    const covered = this.renamedIn.filter((dir) => dir === dirPath).length
    await super.fsyncDir(dirPath)
    if (covered === 0) return
    for (let i = 0; i < covered; i++) this.renamedIn.splice(this.renamedIn.indexOf(dirPath), 1)
    this.finished += covered
    for (const waiter of this.waiting.filter((w) => w.count <= this.finished)) {
      this.waiting.splice(this.waiting.indexOf(waiter), 1)
      waiter.resolve()
    }
  }
}
