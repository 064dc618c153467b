import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { defaultFileSystem } from '../../../src/io/file.js'
import { TimeIndex } from '../../../src/index/time-index.js'
import { useTempDir } from '../../kafka/fixtures.js'

const dir = useTempDir()
const BASE = 0

function writeTimeIndex(entries: Array<[timestamp: number, relativeOffset: number]>, zeroEntries = 0): string {
  const buf = Buffer.alloc((entries.length + zeroEntries) * 12)
  entries.forEach(([ts, rel], i) => {
    buf.writeBigInt64BE(BigInt(ts), i * 12)
    buf.writeInt32BE(rel, i * 12 + 8)
  })
  const path = join(dir.path, '0.timeindex')
  writeFileSync(path, buf)
  return path
}

function load(path: string, lastOffset?: number): TimeIndex {
  const idx = new TimeIndex(defaultFileSystem, path, BASE, 12 * 100)
  idx.load({ logSizeBytes: 100_000, lastOffset })
  return idx
}

const corrupt = expect.objectContaining({ code: 'CORRUPT_INDEX' })
const NOW = 1_700_000_000_000

describe('TimeIndex opening checks', () => {
  test('accepts increasing timestamps with repeated offsets', () => {
    // Property: offsets only need to be non-decreasing.
    const idx = load(writeTimeIndex([[NOW, 5], [NOW + 10, 5], [NOW + 20, 9]]), 9)
    expect(idx.lookup(NOW + 15)).toEqual({ timestamp: NOW + 10, offset: 5 })
  })

  test('rejects a zero-padded time index whose last timestamp reads 0 (KAFKA-10207)', () => {
    // Property: padding makes the timestamps go back to 0, which must never be trusted.
    expect(() => load(writeTimeIndex([[NOW, 5], [NOW + 10, 9]], 4))).toThrow(/timestamp 0 is not above/)
  })

  test('rejects a single all-zero entry that would claim timestamp 0', () => {
    // Property: a timestamp must be above the previous one, and the first must be >= 0.
    const idx = load(writeTimeIndex([[0, 0]]))
    expect(idx.entries).toBe(1)
    expect(() => load(writeTimeIndex([[-5, 0]]))).toThrow(corrupt)
  })

  test('rejects equal timestamps, offsets going back, and offsets past the segment end', () => {
    // Property: each ordering or bounds violation is CORRUPT_INDEX.
    expect(() => load(writeTimeIndex([[NOW, 5], [NOW, 6]]))).toThrow(corrupt)
    expect(() => load(writeTimeIndex([[NOW, 5], [NOW + 1, 4]]))).toThrow(corrupt)
    expect(() => load(writeTimeIndex([[NOW, 5], [NOW + 1, 40]]), 39)).toThrow(corrupt)
  })
})

describe('TimeIndex appends', () => {
  test('ignores an append whose timestamp is not above the last, and refuses one going back', () => {
    // Property: the index holds max-so-far timestamps only.
    const idx = new TimeIndex(defaultFileSystem, join(dir.path, 'a.timeindex'), 10, 12 * 10)
    idx.create()
    idx.maybeAppend(-1, 10)
    expect(idx.entries).toBe(0)
    idx.maybeAppend(NOW, 12)
    idx.maybeAppend(NOW, 12)
    expect(idx.entries).toBe(1)
    expect(() => idx.maybeAppend(NOW - 1, 13)).toThrow(expect.objectContaining({ code: 'INVALID_OFFSET' }))
    idx.maybeAppend(NOW + 5, 14)
    expect(idx.lastEntry).toEqual({ timestamp: NOW + 5, offset: 14 })
    idx.persist()
    expect(defaultFileSystem.fileSize(idx.path)).toBe(24)
    idx.close()
  })
})
