import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DirLock } from '../../../src/io/dir-lock.js'
import { defaultFileSystem } from '../../../src/io/file.js'
import { distUrl } from '../../helpers/dist.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seglog-lock-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))


describe('DirLock', () => {
  it('refuses a second holder in the same process with LOG_LOCKED until released', () => {
    // Property: one writer per directory, also within one process.
    const first = DirLock.acquire(defaultFileSystem, dir)
    expect(() => DirLock.acquire(defaultFileSystem, dir)).toThrow(expect.objectContaining({ code: 'LOG_LOCKED' }))
    first.release()
    DirLock.acquire(defaultFileSystem, dir).release()
  })

  it('lets the fallback binding take a lock the native binding released in this process', async () => {
    // Property: a released lock is free for either binding (the pid left behind is not a holder).
    const { NodeFileSystem } = await import('../../../src/io/file.js')
    const { fallbackBinding, nativeBinding } = await import('../../../src/native/load.js')
    if (nativeBinding === null) return
    DirLock.acquire(new NodeFileSystem(nativeBinding), dir).release()
    const fallbackLock = DirLock.acquire(new NodeFileSystem(fallbackBinding), dir)
    expect(() => DirLock.acquire(new NodeFileSystem(fallbackBinding), dir)).toThrow(expect.objectContaining({ code: 'LOG_LOCKED' }))
    fallbackLock.release()
  })

  it('refuses while another process holds it and succeeds once that process is killed', async () => {
    // Property: the lock conflicts across processes and dies with its holder (no stale lock after kill -9).
    const script = `const { binding } = await import(${JSON.stringify(distUrl('native/load.js'))}); if (binding.lockFile(${JSON.stringify(join(dir, '.lock'))}) < 0) process.exit(3); console.log('locked'); setInterval(() => {}, 1000)`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    })
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => (d.toString().includes('locked') ? resolve() : undefined))
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)))
    })
    expect(() => DirLock.acquire(defaultFileSystem, dir)).toThrow(expect.objectContaining({ code: 'LOG_LOCKED' }))
    const exited = new Promise((resolve) => child.on('exit', resolve))
    child.kill('SIGKILL')
    await exited
    DirLock.acquire(defaultFileSystem, dir).release()
  })
})
