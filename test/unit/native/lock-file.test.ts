import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fallbackBinding, nativeBinding } from '../../../src/native/load.js'
import {
  bindings,
  firstLine,
  fixturePath,
  killAndWait,
  makeTempDir,
  removeTempDirs,
  runNode,
  sourceUrl,
  startNode,
  tsChildArgs,
} from './helpers.js'

afterEach(removeTempDirs)

function lockPathIn(dir: string): string {
  return path.join(dir, '.lock')
}

/** The pid of a process that has exited (so it is not alive, barring reuse right now). */
async function deadPid(): Promise<number> {
  const result = await runNode(['-e', 'console.log(process.pid)'])
  return Number.parseInt(result.stdout, 10)
}

describe.each(bindings.map((b) => [b.kind, b] as const))('lockFile (%s)', (kind, binding) => {
  it('refuses a second lock on the same file in the same process', () => {
    // Property: the lock excludes every other holder, this process included (flock, not fcntl).
    const lockPath = lockPathIn(makeTempDir())
    const handle = binding.lockFile(lockPath)
    try {
      expect(handle).toBeGreaterThanOrEqual(0)
      expect(binding.lockFile(lockPath)).toBe(-1)
    } finally {
      binding.unlockFile(handle)
    }
  })

  it('can be taken again once released', () => {
    // Property: unlockFile really releases.
    const lockPath = lockPathIn(makeTempDir())
    const first = binding.lockFile(lockPath)
    binding.unlockFile(first)
    const second = binding.lockFile(lockPath)
    expect(second).toBeGreaterThanOrEqual(0)
    binding.unlockFile(second)
  })

  it('writes the holder pid into the lock file', () => {
    // Property: the file names its holder (for humans and for the fallback's liveness check).
    const lockPath = lockPathIn(makeTempDir())
    const handle = binding.lockFile(lockPath)
    try {
      expect(fs.readFileSync(lockPath, 'utf8')).toBe(`${process.pid}\n`)
    } finally {
      binding.unlockFile(handle)
    }
  })

  it('refuses the lock while a child process holds it, and takes it after the child is SIGKILLed', async () => {
    // Property: another process's lock is respected, and a killed holder never leaves a stale lock.
    const lockPath = lockPathIn(makeTempDir())
    const child = startNode([...tsChildArgs, fixturePath('lock-holder.mjs'), sourceUrl('src/native/load.ts'), kind, lockPath])
    try {
      const { handle: childHandle } = JSON.parse(await firstLine(child)) as { handle: number }
      expect(childHandle).toBeGreaterThanOrEqual(0)
      expect(binding.lockFile(lockPath)).toBe(-1)
    } finally {
      await killAndWait(child, 'SIGKILL')
    }
    const handle = binding.lockFile(lockPath)
    expect(handle).toBeGreaterThanOrEqual(0)
    expect(fs.readFileSync(lockPath, 'utf8')).toBe(`${process.pid}\n`)
    binding.unlockFile(handle)
  })

  it('throws for a handle it did not return, or one already released', () => {
    // Property: unlockFile never closes or deletes something that is not a held lock.
    const lockPath = lockPathIn(makeTempDir())
    const handle = binding.lockFile(lockPath)
    binding.unlockFile(handle)
    expect(() => binding.unlockFile(handle)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    expect(() => binding.unlockFile(987_654)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
  })

  it('throws ENOENT for a lock file in a missing directory', () => {
    // Property: a bad path is an error with its errno name, not a refused lock.
    const lockPath = path.join(makeTempDir(), 'missing', '.lock')
    expect(() => binding.lockFile(lockPath)).toThrow(expect.objectContaining({ code: 'ENOENT' }))
  })
})

describe('lockFile (fallback pid file)', () => {
  it('takes over a lock file naming a dead process', async () => {
    // Property: a pid file left by a crashed holder is stale and replaced by ours.
    const lockPath = lockPathIn(makeTempDir())
    fs.writeFileSync(lockPath, `${await deadPid()}\n`)
    const handle = fallbackBinding.lockFile(lockPath)
    expect(handle).toBeGreaterThanOrEqual(0)
    expect(fs.readFileSync(lockPath, 'utf8')).toBe(`${process.pid}\n`)
    fallbackBinding.unlockFile(handle)
    expect(fs.existsSync(lockPath)).toBe(false)
  })

  it('takes over an empty or garbage lock file', () => {
    // Property: a file without a pid (torn write, foreign content) does not block forever.
    for (const content of ['', 'garbage\n', '-5\n', '0\n']) {
      const lockPath = lockPathIn(makeTempDir())
      fs.writeFileSync(lockPath, content)
      const handle = fallbackBinding.lockFile(lockPath)
      expect(handle, JSON.stringify(content)).toBeGreaterThanOrEqual(0)
      fallbackBinding.unlockFile(handle)
    }
  })

  it('refuses a lock file naming a live process', () => {
    // Property: a live holder's pid is respected (here: the test runner's parent process).
    const lockPath = lockPathIn(makeTempDir())
    fs.writeFileSync(lockPath, `${process.ppid}\n`)
    expect(fallbackBinding.lockFile(lockPath)).toBe(-1)
    expect(fs.readFileSync(lockPath, 'utf8')).toBe(`${process.ppid}\n`)
  })

  it('leaves the lock file alone on unlock if another holder has taken it over', () => {
    // Property: unlock deletes only a file that still names this process.
    const lockPath = lockPathIn(makeTempDir())
    const handle = fallbackBinding.lockFile(lockPath)
    fs.writeFileSync(lockPath, `${process.ppid}\n`)
    fallbackBinding.unlockFile(handle)
    expect(fs.readFileSync(lockPath, 'utf8')).toBe(`${process.ppid}\n`)
  })

  it('leaves no temporary file behind', () => {
    // Property: the write-then-link create cleans up after itself, whether it wins or loses.
    const dir = makeTempDir()
    const handle = fallbackBinding.lockFile(lockPathIn(dir))
    expect(fallbackBinding.lockFile(lockPathIn(dir))).toBe(-1)
    expect(fs.readdirSync(dir)).toEqual(['.lock'])
    fallbackBinding.unlockFile(handle)
  })
})

describe.runIf(nativeBinding !== null)('lockFile (addon flock)', () => {
  it('keeps the lock file on unlock', () => {
    // Property: unlinking a flock file would race with a concurrent opener, so it stays.
    const lockPath = lockPathIn(makeTempDir())
    nativeBinding!.unlockFile(nativeBinding!.lockFile(lockPath))
    expect(fs.existsSync(lockPath)).toBe(true)
  })

  it('is seen as held by a fallback contender', () => {
    // Property: the pid the addon writes keeps a pure-JS process out while the addon holds the lock.
    const lockPath = lockPathIn(makeTempDir())
    const handle = nativeBinding!.lockFile(lockPath)
    try {
      expect(fallbackBinding.lockFile(lockPath)).toBe(-1)
    } finally {
      nativeBinding!.unlockFile(handle)
    }
  })
})
