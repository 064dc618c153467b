/**
 * A FileSystem whose next fdatasync of one chosen file is held until the test releases it — the
 * lever that holds seglog's high watermark (the fsynced end, api.md) below the log end offset, as
 * Kafka's tests do with `updateHighWatermark`.
 *
 * `holdNextSync(name)` arms a hold for the next fdatasync of a file whose path ends with `name`;
 * `arrived` resolves when that call comes in (the bytes are written, not yet durable) and
 * `release()` lets it run. Every other fdatasync, and everything else, is the real file system's.
 * One hold at a time. The file behind a descriptor is read from /proc/self/fd (Linux, as seglog).
 */
import { readlinkSync } from 'node:fs'
import { NodeFileSystem } from '../../src/io/file.js'

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

  override async fdatasync(fd: number): Promise<void> {
    const hold = this.hold
    if (hold !== null && readlinkSync(`/proc/self/fd/${fd}`).endsWith(hold.pathSuffix)) {
      this.hold = null
      hold.onArrived()
      await hold.released
    }
    return super.fdatasync(fd)
  }
}
