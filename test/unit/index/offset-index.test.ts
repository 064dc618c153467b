import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { defaultFileSystem } from '../../../src/io/file.js'
import { OffsetIndex } from '../../../src/index/offset-index.js'
import { FaultyFileSystem, seededRandom, useTempDir } from '../../kafka/fixtures.js'

const dir = useTempDir()
const BASE = 100

function writeIndex(entries: Array<[relativeOffset: number, position: number]>, zeroBytes = 0): string {
  const buf = Buffer.alloc(entries.length * 8 + zeroBytes)
  entries.forEach(([rel, pos], i) => {
    buf.writeInt32BE(rel, i * 8)
    buf.writeInt32BE(pos, i * 8 + 4)
  })
  const path = join(dir.path, `${BASE}.index`)
  writeFileSync(path, buf)
  return path
}

function load(path: string, logSizeBytes: number, lastOffset?: number): OffsetIndex {
  const idx = new OffsetIndex(defaultFileSystem, path, BASE, 1024)
  idx.load({ logSizeBytes, lastOffset })
  return idx
}

const corrupt = expect.objectContaining({ code: 'CORRUPT_INDEX' })

describe('OffsetIndex opening checks', () => {
  test('accepts a well-formed index', () => {
    // Property: an index that satisfies every check loads with all its entries.
    const idx = load(writeIndex([[3, 100], [9, 300], [20, 900]]), 1000, BASE + 25)
    expect(idx.entries).toBe(3)
    expect(idx.lookup(BASE + 10)).toEqual({ offset: BASE + 9, position: 300 })
  })

  test('rejects a zero-padded index left untrimmed by a crash (KAFKA-10207)', () => {
    // Property: trailing zero entries repeat offset 0 and position 0, which breaks monotonicity.
    expect(() => load(writeIndex([[3, 100], [9, 300]], 8 * 5), 1000)).toThrow(corrupt)
  })

  test('rejects positions at or beyond the log size', () => {
    // Property: every position must point inside the .log.
    expect(() => load(writeIndex([[3, 100], [9, 1000]]), 1000)).toThrow(/position 1000/)
  })

  test('rejects offsets that do not increase', () => {
    // Property: offsets are strictly increasing.
    expect(() => load(writeIndex([[3, 100], [3, 300]]), 1000)).toThrow(corrupt)
    expect(() => load(writeIndex([[5, 100], [4, 300]]), 1000)).toThrow(corrupt)
  })

  test('rejects positions that do not increase', () => {
    // Property: each entry points at a later batch than the one before.
    expect(() => load(writeIndex([[3, 300], [5, 100]]), 1000)).toThrow(corrupt)
  })

  test('rejects a length that is not a multiple of 8, naming the path and numbers', () => {
    // Property: a torn entry means the file cannot be trusted.
    const path = writeIndex([[3, 100]], 3)
    expect(() => load(path, 1000)).toThrow(`Corrupt index ${path}: 11 bytes is not a multiple of 8`)
  })

  test('rejects offsets past the last offset of the segment, and negative relative offsets', () => {
    // Property: entries must lie within [baseOffset, segment's last offset].
    expect(() => load(writeIndex([[3, 100], [30, 300]]), 1000, BASE + 29)).toThrow(corrupt)
    expect(() => load(writeIndex([[-1, 100]]), 1000)).toThrow(corrupt)
  })

  test('rejects a missing file and one longer than its log could need', () => {
    // Property: no entry file, or more entries than batches fit in the log, is corrupt.
    expect(() => load(join(dir.path, 'missing.index'), 1000)).toThrow(/file is missing/)
    const many = Array.from({ length: 20 }, (_, i): [number, number] => [i, i * 10])
    expect(() => load(writeIndex(many), 200)).toThrow(/more than/)
  })
})

describe('OffsetIndex storage', () => {
  test('writes entries behind, and the file only ever holds whole entries', () => {
    // Property: no preallocation; pending entries reach the file on persist, truncation cuts both.
    const idx = new OffsetIndex(defaultFileSystem, join(dir.path, 'len.index'), 0, 8 * 100)
    idx.create()
    for (let i = 1; i <= 50; i++) idx.append(i * 2, i * 100)
    expect(defaultFileSystem.fileSize(idx.path)).toBe(0)
    idx.persist()
    expect(defaultFileSystem.fileSize(idx.path)).toBe(400)
    idx.truncateTo(51)
    expect(idx.entries).toBe(25)
    expect(defaultFileSystem.fileSize(idx.path)).toBe(200)
    expect(readFileSync(idx.path).readInt32BE(24 * 8)).toBe(50)
    idx.close()
  })

  test('a short write on append is DISK_FULL and leaves file and entries unchanged', () => {
    // Property: a full disk never leaves a torn entry behind or an entry only in memory.
    const fs = new FaultyFileSystem()
    const idx = new OffsetIndex(fs, join(dir.path, 'short.index'), 0, 8 * 100, 0)
    idx.create()
    idx.append(5, 100)
    fs.fault = { pathSuffix: 'short.index', writeBytes: 3 }
    expect(() => idx.append(9, 200)).toThrow(expect.objectContaining({ code: 'DISK_FULL' }))
    expect(idx.entries).toBe(1)
    expect(fs.fileSize(idx.path)).toBe(8)
    fs.fault = { pathSuffix: 'short.index', errorCode: 'ENOSPC' }
    expect(() => idx.append(9, 200)).toThrow(expect.objectContaining({ code: 'DISK_FULL' }))
    fs.fault = { pathSuffix: 'short.index', errorCode: 'EIO' }
    expect(() => idx.append(9, 200)).toThrow(expect.objectContaining({ code: 'STORAGE_ERROR' }))
    idx.append(9, 200)
    expect(idx.lookup(10)).toEqual({ offset: 9, position: 200 })
    expect(fs.fileSize(idx.path)).toBe(16)
    idx.close()
  })

  test('writes pending entries by themselves once a page is pending', () => {
    // Property: write-behind bounds what a crash can lose to INDEX_WRITE_BEHIND_BYTES.
    const idx = new OffsetIndex(defaultFileSystem, join(dir.path, 'behind.index'), 0, 8 * 1000)
    idx.create()
    for (let i = 1; i <= 511; i++) idx.append(i, i)
    expect(defaultFileSystem.fileSize(idx.path)).toBe(0)
    idx.append(512, 512)
    expect(defaultFileSystem.fileSize(idx.path)).toBe(4096)
    idx.close()
    expect(defaultFileSystem.fileSize(idx.path)).toBe(4096)
    idx.append(513, 513)
    idx.close()
    expect(defaultFileSystem.fileSize(idx.path)).toBe(4104)
  })

  test('lookups in a large index agree with a linear floor search, in and out of the warm section', () => {
    // Property: the warm-section shortcut never changes the answer.
    const idx = new OffsetIndex(defaultFileSystem, join(dir.path, 'big.index'), 1000, 8 * 5000)
    idx.create()
    const random = seededRandom(42)
    const offsets: number[] = []
    let offset = 1000
    for (let i = 0; i < 4000; i++) {
      offset += 1 + random(5)
      offsets.push(offset)
      idx.append(offset, i * 70)
    }
    for (let probe = 0; probe < 3000; probe++) {
      const target = 1000 + random(offset - 1000 + 10)
      let slot = -1
      while (slot + 1 < offsets.length && offsets[slot + 1]! <= target) slot++
      const want = slot < 0 ? { offset: 1000, position: 0 } : { offset: offsets[slot], position: slot * 70 }
      expect(idx.lookup(target)).toEqual(want)
    }
    idx.close()
  })
})

describe('OffsetIndex unload', () => {
  test('drops its entries from memory and gets the same ones back from the file on load', () => {
    // Property: unload frees the entries (a released sealed segment) without touching the file; load restores them.
    const idx = new OffsetIndex(defaultFileSystem, join(dir.path, `${BASE}.index`), BASE, 1 << 20, 0)
    idx.create()
    for (let i = 0; i < 300; i++) idx.append(BASE + 2 * i + 1, 100 * i)
    idx.seal()
    const before = Array.from({ length: 300 }, (_, slot) => idx.entry(slot))
    const fileBefore = readFileSync(idx.path)
    expect(idx.residentBytes).toBeGreaterThanOrEqual(300 * 8)
    idx.unload()
    expect(idx.residentBytes).toBe(0)
    expect(idx.entries).toBe(0)
    expect(idx.isSealed).toBe(true)
    expect(readFileSync(idx.path)).toEqual(fileBefore)
    idx.load({ logSizeBytes: 100 * 300, lastOffset: BASE + 600 })
    expect(Array.from({ length: 300 }, (_, slot) => idx.entry(slot))).toEqual(before)
    expect(idx.lookup(BASE + 250)).toEqual({ offset: BASE + 249, position: 12_400 })
  })
})
