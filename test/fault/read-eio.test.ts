/**
 * A read that meets an I/O error (EIO from pread, the fallback binding's read path and the native
 * one's past its mapping): the call rejects with STORAGE_ERROR carrying the system error, and the
 * log is not failed — writes go on, and the same read succeeds once the device answers again.
 * (On the native binding a media error under a mapping is SIGBUS instead: README "Reads and
 * media errors".)
 */
import { closeSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { NodeFileSystem } from '../../src/io/file.js'
import { Log } from '../../src/log.js'
import { fallbackBinding } from '../../src/native/load.js'
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js'

/** The pread-based file system, whose preads fail with EIO while `failing` is set. */
class FailingReads extends NodeFileSystem {
  failing = false

  constructor() {
    super(fallbackBinding)
  }

  override pread(fd: number, target: Uint8Array, length: number, position: number): number {
    if (this.failing) throw Object.assign(new Error(`EIO: i/o error, read`), { code: 'EIO', errno: -5, syscall: 'read' })
    return super.pread(fd, target, length, position)
  }
}

afterEach(removeTempDirs)

describe('a read that meets EIO', () => {
  it('rejects read, offsetForTimestamp and sendTo with STORAGE_ERROR, leaves the log writable, and reads again once the device recovers', async () => {
    // Property: a read failure is that call's STORAGE_ERROR (cause: the system error), never a
    // fail-stop of the log and never a raw system error.
    const fs = new FailingReads()
    const dir = makeTempDir('seglog-read-eio-')
    const log = await Log.open(dir, { fileSystem: fs })
    try {
      await log.createTopic('t')
      const p = log.partition('t', 0)
      await p.append([{ value: 'one', timestamp: 1000 }])
      fs.failing = true
      const storageError = { name: 'SeglogError', code: 'STORAGE_ERROR', cause: expect.objectContaining({ code: 'EIO' }) }
      await expect(p.read({ offset: 0 })).rejects.toMatchObject(storageError)
      await expect(p.offsetForTimestamp(500)).rejects.toMatchObject(storageError)
      const out = openSync(join(dir, 'out.bin'), 'w')
      await expect(p.sendTo(out, { offset: 0 })).rejects.toMatchObject(storageError).finally(() => closeSync(out))
      expect(log.failure).toBeNull()
      fs.failing = false
      await expect(p.append([{ value: 'two' }])).resolves.toMatchObject({ baseOffset: 1 })
      expect((await p.read({ offset: 0 })).records.map((r) => r.value!.toString())).toEqual(['one', 'two'])
    } finally {
      fs.failing = false
      await log.close()
    }
  })
})
