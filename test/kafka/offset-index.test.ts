// Ports of Kafka's OffsetIndexTest (storage/src/test/java/.../log/OffsetIndexTest.java).
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { defaultFileSystem } from '../../src/io/file.js'
import { OffsetIndex } from '../../src/index/offset-index.js'
import { seededRandom, useTempDir } from './fixtures.js'

const BASE_OFFSET = 45
const dir = useTempDir()
let index: OffsetIndex

function newIndex(baseOffset: number, maxIndexBytes: number, name = 'test.index'): OffsetIndex {
  const idx = new OffsetIndex(defaultFileSystem, join(dir.path, name), baseOffset, maxIndexBytes)
  idx.create()
  return idx
}

beforeEach(() => {
  index = newIndex(BASE_OFFSET, 30 * 8)
})

afterEach(() => {
  index.close()
})

describe('OffsetIndex (Kafka OffsetIndexTest)', () => {
  test('finds every appended offset and the floor entry for the others (randomLookupTest)', () => {
    // Property: lookup returns the entry with the largest offset <= the target, or (base, 0).
    expect(index.lookup(92)).toEqual({ offset: BASE_OFFSET, position: 0 })
    const random = seededRandom(7)
    const expected = new Map<number, number>()
    let offset = BASE_OFFSET + 1
    let position = 0
    for (let i = 0; i < index.maxEntries; i++) {
      offset += random(15) + 1
      position += random(15) + 1
      expected.set(offset, position)
      index.append(offset, position)
    }
    for (const [o, p] of expected) expect(index.lookup(o)).toEqual({ offset: o, position: p })
    const keys = [...expected.keys()]
    for (let target = BASE_OFFSET; target < keys[keys.length - 1]!; target++) {
      const floor = keys.filter((k) => k <= target).pop()
      const answer = floor === undefined ? { offset: BASE_OFFSET, position: 0 } : { offset: floor, position: expected.get(floor) }
      expect(index.lookup(target)).toEqual(answer)
    }
  })

  test('finds the first and last entries of a full index (lookupExtremeCases)', () => {
    // Property: the search bounds include both ends of a full index.
    expect(index.lookup(BASE_OFFSET)).toEqual({ offset: BASE_OFFSET, position: 0 })
    for (let i = 0; i < index.maxEntries; i++) index.append(BASE_OFFSET + i + 1, i)
    expect(index.lookup(BASE_OFFSET)).toEqual({ offset: BASE_OFFSET, position: 0 })
    expect(index.lookup(BASE_OFFSET + index.maxEntries)).toEqual({
      offset: BASE_OFFSET + index.maxEntries,
      position: index.maxEntries - 1,
    })
  })

  test('reads entries back by slot and rejects a slot past the end (testEntry, testEntryOverflow)', () => {
    // Property: entry(i) is the i-th appended pair; an empty slot is a RangeError.
    expect(() => index.entry(0)).toThrow(RangeError)
    for (let i = 0; i < index.maxEntries; i++) index.append(BASE_OFFSET + i, i)
    for (let i = 0; i < index.maxEntries; i++) expect(index.entry(i)).toEqual({ offset: BASE_OFFSET + i, position: i })
  })

  test('refuses an append to a full index (appendTooMany)', () => {
    // Property: maxEntries bounds the index; the next append is INDEX_FULL.
    for (let i = 0; i < index.maxEntries; i++) index.append(BASE_OFFSET + i + 1, i)
    expect(index.isFull).toBe(true)
    expect(() => index.append(BASE_OFFSET + index.maxEntries + 1, 1)).toThrow(expect.objectContaining({ code: 'INDEX_FULL' }))
  })

  test('refuses an offset below the last one (appendOutOfOrder)', () => {
    // Property: offsets are strictly increasing.
    index.append(51, 0)
    expect(() => index.append(50, 1)).toThrow(expect.objectContaining({ code: 'INVALID_OFFSET' }))
  })

  test('bounds a fetch by the first entry at or past its end (testFetchUpperBoundOffset)', () => {
    // Property: fetchUpperBoundOffset = first entry with position >= start + size, else none.
    expect(index.fetchUpperBoundOffset(0, 5)).toBeNull()
    const entries = [
      { offset: BASE_OFFSET, position: 0 },
      { offset: BASE_OFFSET + 1, position: 10 },
      { offset: BASE_OFFSET + 2, position: 23 },
      { offset: BASE_OFFSET + 3, position: 37 },
    ]
    for (const e of entries) index.append(e.offset, e.position)
    const [first, second, third, fourth] = entries as [typeof entries[0], typeof entries[0], typeof entries[0], typeof entries[0]]
    expect(index.fetchUpperBoundOffset(first.position, 5)).toEqual(second)
    expect(index.fetchUpperBoundOffset(first.position, 10)).toEqual(second)
    expect(index.fetchUpperBoundOffset(first.position, 23)).toEqual(third)
    expect(index.fetchUpperBoundOffset(first.position, 22)).toEqual(third)
    expect(index.fetchUpperBoundOffset(second.position, 24)).toEqual(fourth)
    expect(index.fetchUpperBoundOffset(fourth.position, 1)).toBeNull()
    expect(index.fetchUpperBoundOffset(first.position, 200)).toBeNull()
    expect(index.fetchUpperBoundOffset(second.position, 200)).toBeNull()
  })

  test('keeps its entries across close and reopen, read-only (testReopen)', () => {
    // Property: a reopened sealed index answers like the original and refuses appends.
    index.append(51, 0)
    index.append(52, 1)
    index.close()
    const reopened = new OffsetIndex(defaultFileSystem, index.path, BASE_OFFSET, 30 * 8)
    reopened.load({ logSizeBytes: 1000 })
    reopened.seal()
    expect(reopened.lookup(51)).toEqual({ offset: 51, position: 0 })
    expect(reopened.lookup(52)).toEqual({ offset: 52, position: 1 })
    expect(reopened.lastOffset).toBe(52)
    expect(reopened.entries).toBe(2)
    expect(() => reopened.append(53, 1)).toThrow(expect.objectContaining({ code: 'INDEX_FULL' }))
  })

  test('truncates entries at and above an offset, and appends after each truncation (truncate)', () => {
    // Property: truncateTo(o) removes exactly the entries with offset >= o.
    const idx = newIndex(0, 10 * 8, 'truncate.index')
    idx.reset()
    for (let i = 1; i < 10; i++) idx.append(i, i)

    idx.truncateTo(12)
    expect(idx.lookup(10)).toEqual({ offset: 9, position: 9 })
    expect(idx.lastOffset).toBe(9)

    idx.append(10, 10)
    idx.truncateTo(10)
    expect(idx.lookup(10)).toEqual({ offset: 9, position: 9 })
    expect(idx.lastOffset).toBe(9)
    idx.append(10, 10)

    idx.truncateTo(9)
    expect(idx.lookup(10)).toEqual({ offset: 8, position: 8 })
    expect(idx.lastOffset).toBe(8)
    idx.append(9, 9)

    idx.truncateTo(5)
    expect(idx.lookup(10)).toEqual({ offset: 4, position: 4 })
    expect(idx.lastOffset).toBe(4)
    idx.append(5, 5)

    idx.reset()
    expect(idx.entries).toBe(0)
    idx.append(0, 0)
    idx.persist()
    expect(defaultFileSystem.fileSize(idx.path)).toBe(8)
    idx.close()
  })

  test('accepts an entry at the base offset itself (testSanityLastOffsetEqualToBaseOffset)', () => {
    // Property: relative offset 0 is a valid entry and passes the opening checks.
    const idx = newIndex(20, 10 * 8, 'base.index')
    idx.append(20, 0)
    idx.close()
    const reopened = new OffsetIndex(defaultFileSystem, idx.path, 20, 10 * 8)
    expect(() => reopened.load({ logSizeBytes: 100, lastOffset: 20 })).not.toThrow()
    expect(reopened.lastEntry).toEqual({ offset: 20, position: 0 })
  })
})
