import * as fs from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { bindings, makeTempDir, patternBytes, removeTempDirs, writeFile } from './helpers.js'

afterEach(removeTempDirs)

describe.each(bindings.map((b) => [b.kind, b] as const))('fallocate (%s)', (_kind, binding) => {
  it('grows an empty file to cover the range with allocated zero bytes', () => {
    // Property: after fallocate the range exists on disk (blocks, not a hole) and reads as zeros.
    const filePath = writeFile(makeTempDir(), 'index', new Uint8Array(0))
    const fd = fs.openSync(filePath, 'r+')
    try {
      binding.fallocate(fd, 0, 64 * 1024)
      const stat = fs.fstatSync(fd)
      expect(stat.size).toBe(64 * 1024)
      expect(stat.blocks * 512).toBeGreaterThanOrEqual(64 * 1024)
      expect(fs.readFileSync(filePath).equals(Buffer.alloc(64 * 1024))).toBe(true)
    } finally {
      fs.closeSync(fd)
    }
  })

  it('keeps the bytes already in the file', () => {
    // Property: allocation never overwrites data inside the range, only extends past the end.
    const bytes = patternBytes(10_000)
    const filePath = writeFile(makeTempDir(), 'index', bytes)
    const fd = fs.openSync(filePath, 'r+')
    try {
      binding.fallocate(fd, 5000, 15_000)
      const content = fs.readFileSync(filePath)
      expect(content.byteLength).toBe(20_000)
      expect(content.subarray(0, 10_000).equals(bytes)).toBe(true)
      expect(content.subarray(10_000).equals(Buffer.alloc(10_000))).toBe(true)
    } finally {
      fs.closeSync(fd)
    }
  })

  it('grows to a range starting past the end, leaving the gap zero', () => {
    // Property: the file size becomes position + length; the bytes between old end and position read as zeros.
    const filePath = writeFile(makeTempDir(), 'index', patternBytes(100))
    const fd = fs.openSync(filePath, 'r+')
    try {
      binding.fallocate(fd, 8192, 4096)
      const content = fs.readFileSync(filePath)
      expect(content.byteLength).toBe(8192 + 4096)
      expect(content.subarray(0, 100).equals(patternBytes(100))).toBe(true)
      expect(content.subarray(100).equals(Buffer.alloc(8192 + 4096 - 100))).toBe(true)
    } finally {
      fs.closeSync(fd)
    }
  })

  it('does not shrink a file longer than the range, nor act on length 0', () => {
    // Property: fallocate only ever grows.
    const bytes = patternBytes(10_000)
    const filePath = writeFile(makeTempDir(), 'index', bytes)
    const fd = fs.openSync(filePath, 'r+')
    try {
      binding.fallocate(fd, 0, 4096)
      binding.fallocate(fd, 50_000, 0)
      expect(fs.readFileSync(filePath).equals(bytes)).toBe(true)
    } finally {
      fs.closeSync(fd)
    }
  })

  it('throws EBADF for a read-only fd', () => {
    // Property: failures carry their errno name (a full disk would be ENOSPC the same way).
    const filePath = writeFile(makeTempDir(), 'index', new Uint8Array(0))
    const fd = fs.openSync(filePath, 'r')
    try {
      expect(() => binding.fallocate(fd, 0, 4096)).toThrow(expect.objectContaining({ code: 'EBADF' }))
    } finally {
      fs.closeSync(fd)
    }
  })
})
