import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeFileAtomic } from '../../../src/io/atomic-file.js'
import { NodeFileSystem, type FileSystem } from '../../../src/io/file.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seglog-atomic-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** Records the order of durability-relevant calls. */
function tracingFs(calls: string[], failFsync = false): FileSystem {
  const real = new NodeFileSystem()
  return Object.assign(Object.create(real) as FileSystem, {
    fsync: async (fd: number) => {
      calls.push('fsync')
      if (failFsync) throw Object.assign(new Error('EIO'), { code: 'EIO' })
      return real.fsync(fd)
    },
    rename: (a: string, b: string) => {
      calls.push('rename')
      real.rename(a, b)
    },
    fsyncDir: async (d: string) => {
      calls.push('fsyncDir')
      return real.fsyncDir(d)
    },
  })
}

describe('writeFileAtomic', () => {
  it('fsyncs the temp file before the rename and the directory after it', async () => {
    // Property: the tmp → fsync → rename → fsync(dir) protocol runs in that order.
    const calls: string[] = []
    await writeFileAtomic(tracingFs(calls), dir, 'meta.json', Buffer.from('{"v":1}'))
    expect(calls).toEqual(['fsync', 'rename', 'fsyncDir'])
    expect(readFileSync(join(dir, 'meta.json'), 'utf8')).toBe('{"v":1}')
    expect(readdirSync(dir)).toEqual(['meta.json'])
  })

  it('keeps the previous version and leaves no temp file when the fsync fails', async () => {
    // Property: a failed write never replaces the good copy and is reported, not retried.
    await writeFileAtomic(new NodeFileSystem(), dir, 'meta.json', Buffer.from('old'))
    const calls: string[] = []
    await expect(writeFileAtomic(tracingFs(calls, true), dir, 'meta.json', Buffer.from('new'))).rejects.toThrow('EIO')
    expect(calls).toEqual(['fsync'])
    expect(readFileSync(join(dir, 'meta.json'), 'utf8')).toBe('old')
    expect(readdirSync(dir)).toEqual(['meta.json'])
  })
})
