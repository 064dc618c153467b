/**
 * A FileSystem whose next fdatasync of one chosen file is held until the test releases it — the
 * lever that holds seglog's high watermark (the fsynced end, api.md) below the log end offset, as
 * Kafka's tests do with `updateHighWatermark`.
 *
 * `holdNextSync(name)` arms a hold for the next fdatasync of a file whose path ends with `name`;
 * `arrived` resolves when that call comes in (the bytes are written, not yet durable) and
 * `release()` lets it run. Every other fdatasync, and everything else, is the real file system's.
 * One hold at a time.
 */
import { NodeFileSystem, type OpenMode } from '../../src/io/file.js'

export interface HeldSync {
  /** Resolves when the held fdatasync is called. */
  readonly arrived: Promise<void>
  /** Lets the held fdatasync (past or future) run. */
  release(): void
}

interface Hold {
  pathSuffix: string
  onArrived: () => void
  released: Promise<void>
}

export class HeldSyncFileSystem extends NodeFileSystem {
  private readonly pathsByFd = new Map<number, string>()
  private hold: Hold | null = null

  holdNextSync(pathSuffix: string): HeldSync {
    if (this.hold !== null) throw new Error(`a sync of ${this.hold.pathSuffix} is already held`)
    let onArrived = (): void => {}
    const arrived = new Promise<void>((resolve) => (onArrived = resolve))
    let release = (): void => {}
    const released = new Promise<void>((resolve) => (release = resolve))
    this.hold = { pathSuffix, onArrived, released }
    return { arrived, release }
  }

  override open(filePath: string, mode: OpenMode): number {
    const fd = super.open(filePath, mode)
    this.pathsByFd.set(fd, filePath)
    return fd
  }

  override close(fd: number): void {
    this.pathsByFd.delete(fd)
    super.close(fd)
  }

  override async fdatasync(fd: number): Promise<void> {
    const hold = this.hold
    if (hold !== null && (this.pathsByFd.get(fd) ?? '').endsWith(hold.pathSuffix)) {
      this.hold = null
      hold.onArrived()
      await hold.released
    }
    return super.fdatasync(fd)
  }
}
