/**
 * SimFS (sim-fs.ts) behaves like the FileSystem seam it replaces, counts events, crashes where it
 * is told to, and knows exactly what a completed sync made durable.
 */
import { describe, expect, it } from 'vitest'
import { crashImage, noDamage } from './crash-image.js'
import { SimFS, simFsWithDirs } from './sim-fs.js'
import type { DirNode } from './sim-nodes.js'

const clock = () => 1_600_000_000_000
/** crash-image.ts choices: 0 drops every volatile change, 0.3 keeps every one. */
const DROP_ALL = () => 0
const KEEP_ALL = () => 0.3

function freshFs(): SimFS {
  return simFsWithDirs(['/d'], { clock })
}

function imageFs(fs: SimFS, random: () => number): SimFS {
  return new SimFS({ root: crashImage(fs.root, random, noDamage()), clock })
}

async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve))
}

describe('SimFS', () => {
  it('reads back what was written, with holes zero-filled and short reads at the end', () => {
    // Property: pwrite/pwritev/pread/size/ftruncate/readFile agree like a POSIX file.
    const fs = freshFs()
    const fd = fs.open('/d/f', 'create')
    expect(fs.pwrite(fd, Buffer.from('abc'), 0)).toBe(3)
    expect(fs.pwritev(fd, [Buffer.from('x'), Buffer.from('yz')], 5)).toBe(3)
    expect(fs.size(fd)).toBe(8)
    expect(fs.readFile('/d/f')).toEqual(Buffer.from('abc\0\0xyz'))
    const target = Buffer.alloc(10)
    expect(fs.pread(fd, target, 10, 6)).toBe(2)
    expect(target.subarray(0, 2).toString()).toBe('yz')
    fs.ftruncate(fd, 2)
    expect(fs.readFile('/d/f').toString()).toBe('ab')
    expect(fs.fileSize('/d/f')).toBe(2)
    expect(fs.fileSize('/d/missing')).toBe(-1)
  })

  it('raises Node-style errors with the code, syscall and path', () => {
    // Property: the engine's error handling sees the same codes as from node:fs.
    const fs = freshFs()
    expect(() => fs.open('/d/missing', 'readwrite')).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'open', path: '/d/missing' }))
    fs.close(fs.open('/d/f', 'create'))
    expect(() => fs.open('/d/f', 'createExclusive')).toThrow(expect.objectContaining({ code: 'EEXIST' }))
    expect(() => fs.rmdir('/d')).toThrow(expect.objectContaining({ code: 'ENOTEMPTY' }))
    expect(() => fs.unlink('/d')).toThrow(expect.objectContaining({ code: 'EISDIR' }))
    expect(() => fs.pwrite(fs.open('/d/f', 'read'), Buffer.from('x'), 0)).toThrow(expect.objectContaining({ code: 'EBADF' }))
  })

  it('returns mapped ranges as copies that later writes do not change, and refuses ranges past the end', () => {
    // Property: mapFile is a read-only snapshot, like the fallback binding's.
    const fs = freshFs()
    const fd = fs.open('/d/f', 'create')
    fs.pwrite(fd, Buffer.from('hello'), 0)
    const mapped = fs.mapFile(fd, 1, 3)
    fs.pwrite(fd, Buffer.from('HELLO'), 0)
    expect(mapped.toString()).toBe('ell')
    expect(() => fs.mapFile(fd, 3, 3)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(fs.binding.mapFile(fd, 0, 5).toString()).toBe('HELLO')
  })

  it('makes durable only the writes issued before a sync was called, once it completes', async () => {
    // Property: FM-20 — a datasync covers what was written before the call, not what lands while it runs.
    const fs = freshFs()
    const fd = fs.open('/d/f', 'create')
    await fs.fsyncDir('/d')
    fs.pwrite(fd, Buffer.from('first'), 0)
    const sync = fs.fdatasync(fd)
    fs.pwrite(fd, Buffer.from('second'), 5)
    expect(imageFs(fs, DROP_ALL).readFile('/d/f').toString()).toBe('')
    await sync
    expect(imageFs(fs, DROP_ALL).readFile('/d/f').toString()).toBe('first')
    expect(imageFs(fs, KEEP_ALL).readFile('/d/f').toString()).toBe('firstsecond')
  })

  it('loses a created file at a crash until its directory is fsynced, even if its data was', async () => {
    // Property: FM-9 — a new name is volatile until fsyncDir of its directory completes.
    const fs = freshFs()
    const fd = fs.open('/d/new.log', 'createExclusive')
    fs.pwrite(fd, Buffer.from('data'), 0)
    await fs.fdatasync(fd)
    expect(imageFs(fs, DROP_ALL).exists('/d/new.log')).toBe(false)
    expect(imageFs(fs, KEEP_ALL).readFile('/d/new.log').toString()).toBe('data')
    await fs.fsyncDir('/d')
    expect(imageFs(fs, DROP_ALL).readFile('/d/new.log').toString()).toBe('data')
  })

  it('reverts a rename as a unit and brings back an unlinked file until the directory is fsynced', async () => {
    // Property: the tmp → rename protocol and retention's unlink are only as durable as fsyncDir.
    const fs = freshFs()
    for (const [name, text] of [
      ['/d/final', 'old'],
      ['/d/final.tmp', 'new'],
      ['/d/gone', 'kept'],
    ]) {
      const fd = fs.open(name, 'create')
      fs.pwrite(fd, Buffer.from(text), 0)
      await fs.fsync(fd)
      fs.close(fd)
    }
    await fs.fsyncDir('/d')
    fs.rename('/d/final.tmp', '/d/final')
    fs.unlink('/d/gone')
    const reverted = imageFs(fs, DROP_ALL)
    expect(reverted.readFile('/d/final').toString()).toBe('old')
    expect(reverted.readFile('/d/final.tmp').toString()).toBe('new')
    expect(reverted.readFile('/d/gone').toString()).toBe('kept')
    const kept = imageFs(fs, KEEP_ALL)
    expect(kept.readFile('/d/final').toString()).toBe('new')
    expect(kept.readdir('/d').sort()).toEqual(['final'])
  })

  it('drops a whole subtree whose directory entry was never fsynced', async () => {
    // Property: a partition directory made with mkdirp vanishes with everything in it unless its parent is fsynced.
    const fs = freshFs()
    fs.mkdirp('/d/p/q')
    const fd = fs.open('/d/p/q/f', 'create')
    fs.pwrite(fd, Buffer.from('x'), 0)
    await fs.fdatasync(fd)
    await fs.fsyncDir('/d/p/q')
    await fs.fsyncDir('/d/p')
    expect(imageFs(fs, DROP_ALL).exists('/d/p')).toBe(false)
    await fs.fsyncDir('/d')
    expect(imageFs(fs, DROP_ALL).readFile('/d/p/q/f').toString()).toBe('x')
  })

  it('says an acknowledged byte string is durable only once its data and every directory entry on its path are', async () => {
    // Property: ackCoverage is the check the harness runs at each acknowledgement.
    const fs = freshFs()
    fs.mkdirp('/d/p')
    const fd = fs.open('/d/p/0.log', 'create')
    fs.pwrite(fd, Buffer.from('..record..'), 0)
    expect(fs.ackCoverage('/d/p', Buffer.from('record'))).toBe('data-not-durable')
    await fs.fdatasync(fd)
    expect(fs.ackCoverage('/d/p', Buffer.from('record'))).toBe('entry-not-durable')
    await fs.fsyncDir('/d/p')
    expect(fs.ackCoverage('/d/p', Buffer.from('record'))).toBe('entry-not-durable')
    await fs.fsyncDir('/d')
    expect(fs.ackCoverage('/d/p', Buffer.from('record'))).toBe('durable')
  })

  it('crashes right after the armed event, runs the callback inside it, and never completes a sync again', async () => {
    // Property: the crash image is taken at exactly event n, and the abandoned process learns nothing more.
    const fs = freshFs()
    let seenAtCrash: number | null = null
    fs.armCrash(3, () => (seenAtCrash = fs.eventCount))
    const fd = fs.open('/d/f', 'create') // event 1
    fs.pwrite(fd, Buffer.from('a'), 0) // event 2
    let synced = false
    void fs.fdatasync(fd).then(() => (synced = true)) // event 3: the call; its completion would be event 4
    expect(seenAtCrash).toBe(3)
    expect(fs.crashed).toBe(true)
    expect(fs.lastEventOp).toBe('fdatasync')
    void fs.fsyncDir('/d').then(() => (synced = true))
    await turns(10)
    expect(synced).toBe(false)
    expect(fs.eventCount).toBe(3)
  })

  it('fails the chosen sync with EIO fsyncgate-style: the writes stay readable, a crash loses them, a retry does not save them', async () => {
    // Property: after a failed fsync Linux marks the pages clean; the data is gone at a power cut whatever follows.
    const fs = freshFs()
    const fd = fs.open('/d/f', 'create')
    await fs.fsyncDir('/d')
    let failed: string | null = null
    fs.failSync(2, (what) => (failed = what))
    fs.pwrite(fd, Buffer.from('safe'), 0)
    await fs.fdatasync(fd)
    fs.pwrite(fd, Buffer.from('lost'), 4)
    await expect(fs.fdatasync(fd)).rejects.toMatchObject({ code: 'EIO', syscall: 'fdatasync', path: '/d/f' })
    expect(failed).toBe('fdatasync /d/f')
    expect(fs.readFile('/d/f').toString()).toBe('safelost')
    await fs.fdatasync(fd) // the retry "succeeds"
    expect(imageFs(fs, KEEP_ALL).readFile('/d/f').toString()).toBe('safe')
  })

  it('keeps its state when called through an Object.create wrapper, as the planted bugs wrap it', () => {
    // Property: src/test-bugs.ts withTestBugs does not split the SimFS's counters or crash state.
    const fs = freshFs()
    const wrapped = Object.create(fs) as SimFS
    fs.armCrash(2, () => {})
    const fd = wrapped.open('/d/f', 'create')
    wrapped.pwrite(fd, Buffer.from('a'), 0)
    expect(fs.eventCount).toBe(2)
    expect(fs.crashed).toBe(true)
    expect(fs.readFile('/d/f').toString()).toBe('a')
  })

  it('gives each boot its own lock table: a lock held before a crash is free after it', () => {
    // Property: flock locks die with the process, so the post-crash SimFS starts unlocked.
    const fs = freshFs()
    expect(fs.binding.lockFile('/d/.lock')).toBeGreaterThan(0)
    expect(fs.binding.lockFile('/d/.lock')).toBe(-1)
    const next = new SimFS({ root: crashImage(fs.root, KEEP_ALL, noDamage()) as DirNode, clock })
    expect(next.binding.lockFile('/d/.lock')).toBeGreaterThan(0)
  })
})
