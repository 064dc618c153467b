/**
 * copyWithCrc32c and adviseHugePages (NativeBinding): the read path's private, checked copy of a
 * mapped batch, and the huge-page advice for the slabs it copies into
 * (partition/reader.ts). Same results on both bindings, checked against crc-32's table; bad ranges
 * are errors, never out-of-bounds memory access or a write into a read-only mapping.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { createRequire } from 'node:module'
import { afterEach, describe, expect, it } from 'vitest'
import { nativeBinding } from '../../../src/native/load.js'
import { bindings, makeTempDir, patternBytes, removeTempDirs } from './helpers.js'

const require = createRequire(import.meta.url)
const CRC32C = require('crc-32/crc32c') as { buf(data: Uint8Array, seed?: number): number }
const referenceCrc = (data: Uint8Array): number => CRC32C.buf(data, 0) >>> 0

afterEach(removeTempDirs)

describe.each(bindings.map((b) => [b.kind, b] as const))('copyWithCrc32c (%s)', (_kind, binding) => {
  it('copies the range and returns the CRC-32C of its part from crcStart, across the chunk sizes', () => {
    // Property: for any range and CRC start, the target holds exactly the source bytes and the CRC is the reference's.
    const source = patternBytes(80_000)
    for (const length of [0, 1, 20, 21, 22, 100, 767, 768, 8191, 24_575, 24_576, 24_577, 49_153, 79_000]) {
      for (const sourceStart of [0, 3]) {
        for (const crcSkip of [0, Math.min(21, length), length]) {
          const target = Buffer.alloc(length + 16, 0x5a)
          const crc = binding.copyWithCrc32c(source, sourceStart, sourceStart + length, target, 7, sourceStart + crcSkip)
          expect(crc).toBe(referenceCrc(source.subarray(sourceStart + crcSkip, sourceStart + length)))
          expect(target.subarray(7, 7 + length).equals(source.subarray(sourceStart, sourceStart + length))).toBe(true)
          // Nothing outside the target range is touched.
          expect(target.subarray(0, 7).every((b) => b === 0x5a)).toBe(true)
          expect(target.subarray(7 + length).every((b) => b === 0x5a)).toBe(true)
        }
      }
    }
  })

  it('refuses ranges outside either buffer, a CRC start outside the range, and overlapping ranges', () => {
    // Property: no argument makes it read or write outside the buffers it was given.
    const source = Buffer.alloc(100)
    const target = Buffer.alloc(50)
    const call = (sourceStart: number, sourceEnd: number, targetStart: number, crcStart: number, to: Buffer = target) => () =>
      binding.copyWithCrc32c(source, sourceStart, sourceEnd, to, targetStart, crcStart)
    expect(call(0, 101, 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(call(10, 5, 0, 10)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(call(0, 51, 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(call(0, 10, 41, 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(call(5, 10, 0, 4)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(call(5, 10, 0, 11)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(call(-1, 10, 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(call(0.5, 10, 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(call(0, 50, 10, 0, source)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(call(0, 50, 0, 0, source.subarray(40))).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(() => binding.copyWithCrc32c('abc' as unknown as Buffer, 0, 1, target, 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    // Disjoint ranges of one buffer are fine.
    expect(call(0, 50, 50, 0, source)()).toBe(referenceCrc(source.subarray(0, 50)))
  })

  it.runIf(binding === nativeBinding)('refuses a mapping as the target (read-only memory)', () => {
    // Property: a copy into a PROT_READ mapping is an error, not a SIGSEGV.
    const file = path.join(makeTempDir(), 'f')
    fs.writeFileSync(file, patternBytes(8192))
    const fd = fs.openSync(file, 'r')
    try {
      const mapping = binding.mapFile(fd, 0, 8192)
      expect(() => binding.copyWithCrc32c(Buffer.alloc(10), 0, 10, mapping, 0, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
      // A mapping is a fine source.
      const target = Buffer.alloc(8192)
      expect(binding.copyWithCrc32c(mapping, 0, 8192, target, 0, 21)).toBe(referenceCrc(mapping.subarray(21)))
      expect(target.equals(mapping)).toBe(true)
    } finally {
      fs.closeSync(fd)
    }
  })
})

describe.each(bindings.map((b) => [b.kind, b] as const))('adviseHugePages (%s)', (kind, binding) => {
  it('returns where the 2 MiB-aligned part of the buffer starts and never changes its contents', () => {
    // Property: the advice is only a hint; the offset lets a caller use whole huge pages.
    const hugePageBytes = 2 * 1024 * 1024
    const buffer = Buffer.allocUnsafeSlow(2 * hugePageBytes)
    buffer.fill(0x3c)
    const offset = binding.adviseHugePages(buffer)
    expect(buffer.every((b) => b === 0x3c)).toBe(true)
    if (kind === 'native') {
      expect(offset).toBeGreaterThanOrEqual(0)
      expect(offset).toBeLessThan(hugePageBytes)
      // A buffer of two huge pages holds one whole aligned huge page from the offset on.
      expect(offset + hugePageBytes).toBeLessThanOrEqual(buffer.length)
    } else {
      expect(offset).toBe(0)
    }
    // A buffer smaller than a huge page has no aligned part.
    expect(binding.adviseHugePages(Buffer.alloc(4096))).toBe(0)
    expect(() => binding.adviseHugePages('x' as unknown as Buffer)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
  })
})
