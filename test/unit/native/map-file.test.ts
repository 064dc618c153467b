import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { MapAdvice } from '../../../src/native/binding.js'
import { nativeBinding } from '../../../src/native/load.js'
import { bindings, fixturePath, makeTempDir, packageRoot, patternBytes, removeTempDirs, runNode, writeFile } from './helpers.js'

const PAGE_BYTES = 4096
const FILE_BYTES = 5 * PAGE_BYTES + 123
const ADVICE: MapAdvice[] = ['normal', 'sequential', 'random', 'willneed', 'dontneed']

afterEach(removeTempDirs)

describe.each(bindings.map((b) => [b.kind, b] as const))('mapFile (%s)', (_kind, binding) => {
  function openPattern(): { fd: number; bytes: Buffer; filePath: string } {
    const bytes = patternBytes(FILE_BYTES)
    const filePath = writeFile(makeTempDir(), 'segment.log', bytes)
    return { fd: fs.openSync(filePath, 'r'), bytes, filePath }
  }

  it('returns exactly the bytes of the requested range', () => {
    // Property: [position, position + length) of the file, for aligned, unaligned and page-crossing ranges.
    const { fd, bytes } = openPattern()
    try {
      const ranges = [
        [0, FILE_BYTES],
        [0, 1],
        [1, PAGE_BYTES],
        [PAGE_BYTES - 3, 7],
        [PAGE_BYTES, PAGE_BYTES],
        [2 * PAGE_BYTES + 17, 2 * PAGE_BYTES + 100],
        [FILE_BYTES - 1, 1],
      ]
      for (const [position, length] of ranges) {
        const mapping = binding.mapFile(fd, position!, length!)
        expect(mapping.byteLength, `[${position}, +${length})`).toBe(length)
        expect(mapping.equals(bytes.subarray(position!, position! + length!)), `[${position}, +${length})`).toBe(true)
      }
    } finally {
      fs.closeSync(fd)
    }
  })

  it('returns an empty Buffer for length 0, also at the end of the file', () => {
    // Property: zero-length ranges inside the file are valid and empty.
    const { fd } = openPattern()
    try {
      expect(binding.mapFile(fd, 0, 0).byteLength).toBe(0)
      expect(binding.mapFile(fd, FILE_BYTES, 0).byteLength).toBe(0)
    } finally {
      fs.closeSync(fd)
    }
  })

  it('rejects a range reaching past the end of the file with ERR_OUT_OF_RANGE', () => {
    // Property: no mapping past EOF is ever handed out (touching it would SIGBUS); the message has the numbers.
    const { fd } = openPattern()
    try {
      for (const [position, length] of [
        [0, FILE_BYTES + 1],
        [FILE_BYTES, 1],
        [FILE_BYTES + PAGE_BYTES, 0],
        [FILE_BYTES - 10, 11],
      ]) {
        let error: unknown
        try {
          binding.mapFile(fd, position!, length!)
        } catch (err) {
          error = err
        }
        expect(error, `[${position}, +${length})`).toBeInstanceOf(RangeError)
        expect((error as NodeJS.ErrnoException).code).toBe('ERR_OUT_OF_RANGE')
        expect((error as Error).message).toContain(String(FILE_BYTES))
        expect((error as Error).message).toContain(String(position! + length!))
      }
    } finally {
      fs.closeSync(fd)
    }
  })

  it('keeps reading the file bytes after the fd is closed and the file unlinked', () => {
    // Property: a mapping owns what it maps; retention may unlink a segment while readers hold views.
    const { fd, bytes, filePath } = openPattern()
    const mapping = binding.mapFile(fd, 10, FILE_BYTES - 10)
    fs.closeSync(fd)
    fs.unlinkSync(filePath)
    expect(fs.existsSync(filePath)).toBe(false)
    expect(mapping.equals(bytes.subarray(10))).toBe(true)
  })

  it('throws EBADF with the syscall for a closed fd', () => {
    // Property: system call failures surface as Node-style errors with the errno name.
    const { fd } = openPattern()
    fs.closeSync(fd)
    expect(() => binding.mapFile(fd, 0, 1)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'fstat' }))
  })

  it('leaves a mapping readable under every advice', () => {
    // Property: advice is only a hint: after any of them (dontneed included) the bytes are the file's.
    const { fd, bytes } = openPattern()
    try {
      const mapping = binding.mapFile(fd, 100, FILE_BYTES - 100)
      for (const advice of ADVICE) {
        binding.adviseMapping(mapping, advice)
        binding.adviseMapping(mapping.subarray(PAGE_BYTES, 2 * PAGE_BYTES), advice)
        expect(mapping.equals(bytes.subarray(100)), advice).toBe(true)
      }
    } finally {
      fs.closeSync(fd)
    }
  })

  it('ignores advice on memory that is not a mapping', () => {
    // Property: dontneed on ordinary (anonymous) memory would zero it; it must not reach madvise.
    const large = Buffer.allocUnsafeSlow(1024 * 1024) // big enough for malloc to mmap it anonymously
    patternBytes(large.byteLength).copy(large)
    const small = Buffer.from(patternBytes(PAGE_BYTES))
    binding.adviseMapping(large, 'dontneed')
    binding.adviseMapping(small.subarray(1), 'dontneed')
    expect(large.equals(patternBytes(large.byteLength))).toBe(true)
    expect(small.equals(patternBytes(PAGE_BYTES))).toBe(true)
  })
})

describe.runIf(nativeBinding !== null)('mapFile in the addon', () => {
  it('shows writes made to the file after mapping (a shared mapping, not a copy)', () => {
    // Property: index files written with pwrite are read through the live mapping.
    const filePath = writeFile(makeTempDir(), 'index', Buffer.alloc(PAGE_BYTES))
    const fd = fs.openSync(filePath, 'r+')
    try {
      const mapping = nativeBinding!.mapFile(fd, 0, PAGE_BYTES)
      fs.writeSync(fd, Buffer.from([1, 2, 3, 4]), 0, 4, 100)
      expect([...mapping.subarray(100, 104)]).toEqual([1, 2, 3, 4])
    } finally {
      fs.closeSync(fd)
    }
  })

  it('keeps a slice readable after its parent is collected, and unmaps once the slice is collected', async () => {
    // Property: munmap runs only after the last view is gone (no use-after-unmap), and it does run (no leak).
    const filePath = path.join(makeTempDir(), 'segment.log')
    fs.writeFileSync(filePath, patternBytes(FILE_BYTES + 9000))
    const result = await runNode(['--expose-gc', fixturePath('map-gc-child.mjs'), packageRoot, filePath])
    expect(result.stderr).toBe('')
    expect(result.signal).toBeNull()
    expect(result.code).toBe(0)
  })
})
