// Ports of Kafka's TimeIndexTest (storage/src/test/java/.../log/TimeIndexTest.java).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { defaultFileSystem } from '../../src/io/file.js'
import { TimeIndex } from '../../src/index/time-index.js'
import { useTempDir } from './fixtures.js'

const MAX_ENTRIES = 30
const BASE_OFFSET = 45
const dir = useTempDir()
let idx: TimeIndex

beforeEach(() => {
  idx = new TimeIndex(defaultFileSystem, join(dir.path, 'test.timeindex'), BASE_OFFSET, MAX_ENTRIES * 12)
  idx.create()
})

afterEach(() => {
  idx.close()
})

/** Entries (10, 55), (20, 65), … as in Kafka's test. */
function appendEntries(count: number): void {
  for (let i = 1; i <= count; i++) idx.maybeAppend(i * 10, i * 10 + BASE_OFFSET)
}

function timeIndexFile(entries: Array<[timestamp: number, relativeOffset: number]>, extraBytes = 0): string {
  const buf = Buffer.alloc(entries.length * 12 + extraBytes)
  entries.forEach(([ts, rel], i) => {
    buf.writeBigInt64BE(BigInt(ts), i * 12)
    buf.writeInt32BE(rel, i * 12 + 8)
  })
  const path = join(dir.path, 'crafted.timeindex')
  writeFileSync(path, buf)
  return path
}

function loadCrafted(path: string): TimeIndex {
  const crafted = new TimeIndex(defaultFileSystem, path, BASE_OFFSET, MAX_ENTRIES * 12)
  crafted.load({ logSizeBytes: 10_000 })
  return crafted
}

describe('TimeIndex (Kafka TimeIndexTest)', () => {
  test('finds the floor entry of a timestamp, or (-1, base) below the first (testLookUp)', () => {
    // Property: lookup(t) = entry with the largest timestamp <= t.
    expect(idx.lookup(100)).toEqual({ timestamp: -1, offset: BASE_OFFSET })
    appendEntries(MAX_ENTRIES - 1)
    expect(idx.lookup(9)).toEqual({ timestamp: -1, offset: BASE_OFFSET })
    expect(idx.lookup(25)).toEqual({ timestamp: 20, offset: 65 })
    expect(idx.lookup(30)).toEqual({ timestamp: 30, offset: 75 })
  })

  test('reads entries back by slot (testEntry, testEntryOverflow)', () => {
    // Property: entry(i) is the i-th appended pair; an empty slot is a RangeError.
    expect(() => idx.entry(0)).toThrow(RangeError)
    appendEntries(MAX_ENTRIES - 1)
    expect(idx.entry(0)).toEqual({ timestamp: 10, offset: 55 })
    expect(idx.entry(3)).toEqual({ timestamp: 40, offset: 85 })
  })

  test('empties on reset and on truncation below its first entry (testTruncate)', () => {
    // Property: truncateTo(o) removes every entry with offset >= o.
    appendEntries(MAX_ENTRIES - 1)
    idx.reset()
    expect(idx.entries).toBe(0)
    appendEntries(MAX_ENTRIES - 1)
    idx.truncateTo(10 + BASE_OFFSET)
    expect(idx.entries).toBe(0)
  })

  test('keeps the last slot for the forced final entry (testAppend, testIsFull)', () => {
    // Property: full at maxEntries - 1; only a forced append with a non-lower offset uses the last slot.
    expect(idx.isFull).toBe(false)
    appendEntries(MAX_ENTRIES - 1)
    expect(idx.isFull).toBe(true)
    expect(() => idx.maybeAppend(10000, 1000)).toThrow(expect.objectContaining({ code: 'INDEX_FULL' }))
    expect(() => idx.maybeAppend(10000, (MAX_ENTRIES - 2) * 10, true)).toThrow(expect.objectContaining({ code: 'INVALID_OFFSET' }))
    idx.maybeAppend(10000, 1000, true)
    expect(idx.lastEntry).toEqual({ timestamp: 10000, offset: 1000 })
    expect(idx.entries).toBe(MAX_ENTRIES)
  })

  test('reports (-1, base) as the last entry of an empty index (testLastEntry)', () => {
    // Property: lastEntry follows appends.
    expect(idx.lastEntry).toEqual({ timestamp: -1, offset: BASE_OFFSET })
    idx.maybeAppend(1, 1 + BASE_OFFSET)
    expect(idx.lastEntry).toEqual({ timestamp: 1, offset: BASE_OFFSET + 1 })
  })

  test('rejects an offset below the base, a timestamp going back, or a torn length (testSanityCheck)', () => {
    // Property: each of Kafka's three sanity failures is CORRUPT_INDEX on open; a good file opens.
    const good = timeIndexFile([[10, 10], [20, 20], [30, 30]])
    expect(loadCrafted(good).entries).toBe(3)
    const corrupt = expect.objectContaining({ code: 'CORRUPT_INDEX' })
    expect(() => loadCrafted(timeIndexFile([[10, 10], [20, -1]]))).toThrow(corrupt)
    expect(() => loadCrafted(timeIndexFile([[10, 10], [9, 20]]))).toThrow(corrupt)
    expect(() => loadCrafted(timeIndexFile([[10, 10], [20, 20]], 11))).toThrow(corrupt)
  })
})
