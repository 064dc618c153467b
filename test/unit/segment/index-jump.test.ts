import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { defaultFileSystem } from '../../../src/io/file.js'
import { OffsetIndex } from '../../../src/index/offset-index.js'
import { batchFromIndex } from '../../../src/segment/index-jump.js'
import { recordBatch, useTempDir } from '../../kafka/fixtures.js'

const dir = useTempDir()

/** Batches of three records at base offsets 0, 3, 6, 9, 12 laid end to end, and their positions. */
function logBytes(): { bytes: Buffer; positions: number[] } {
  const batches = [0, 3, 6, 9, 12].map((base) => recordBatch(base, ['a', 'b', 'c'].map((v) => `${v}${base}`)))
  const positions = batches.map((_, i) => batches.slice(0, i).reduce((n, b) => n + b.length, 0))
  return { bytes: Buffer.concat(batches), positions }
}

/** An offset index with the given (offset, position) entries over a segment at base 0. */
function indexOf(entries: Array<[offset: number, position: number]>, logSizeBytes: number): OffsetIndex {
  const buf = Buffer.alloc(entries.length * 8)
  entries.forEach(([offset, position], i) => {
    buf.writeInt32BE(offset, i * 8)
    buf.writeInt32BE(position, i * 8 + 4)
  })
  const path = join(dir.path, '00000000000000000000.index')
  writeFileSync(path, buf)
  const index = new OffsetIndex(defaultFileSystem, path, 0, 4096)
  index.load({ logSizeBytes, lastOffset: 14 })
  return index
}

describe('batchFromIndex', () => {
  test('lands on the batch holding an offset between two entries for consecutive batches', () => {
    // Property: entries keyed by each batch's last offset bracket every offset of the batch after
    // the floor entry's, and the header there agrees with both.
    const { bytes, positions } = logBytes()
    const index = indexOf([[5, positions[1]!], [8, positions[2]!], [11, positions[3]!], [14, positions[4]!]], bytes.length)
    for (const offset of [6, 7, 9, 10, 12, 13]) {
      const batch = batchFromIndex(index, bytes, bytes.length, offset)
      const i = Math.floor(offset / 3)
      expect(batch, `offset ${offset}`).toEqual({ baseOffset: i * 3, lastOffset: i * 3 + 2, position: positions[i], sizeBytes: expect.any(Number), maxTimestamp: -1 })
      expect(batch!.position + batch!.sizeBytes).toBe(positions[i + 1] ?? bytes.length)
    }
    // An offset that is an entry's own (the batch that entry names holds it: the scan from the
    // floor entry finds it at once), before the first entry, or at or past the last: the caller scans.
    for (const offset of [0, 4, 5, 8, 11, 14, 15]) expect(batchFromIndex(index, bytes, bytes.length, offset), `offset ${offset}`).toBeNull()
  })

  test('declines when the entries are sparser than the batches, or the header disagrees with them', () => {
    // Property: only a header that starts right after the floor entry and ends at the next entry is
    // taken; everything else (a batch in between, a jumped base offset outside the CRC, a damaged
    // position, a batch past the mapping or the logical end) leaves it to the checked scan.
    const { bytes, positions } = logBytes()
    const sparse = indexOf([[2, positions[0]!], [11, positions[3]!]], bytes.length)
    expect(batchFromIndex(sparse, bytes, bytes.length, 10)).toBeNull()

    const entries: Array<[number, number]> = [[5, positions[1]!], [8, positions[2]!], [11, positions[3]!]]
    const jumped = Buffer.from(bytes)
    jumped.writeUInt32BE(7, positions[2]! + 4) // batch 6–8 now claims base offset 7
    expect(batchFromIndex(indexOf(entries, bytes.length), jumped, bytes.length, 7)).toBeNull()

    const shifted = indexOf([[5, positions[1]!], [8, positions[2]! + 1], [11, positions[3]!]], bytes.length)
    expect(batchFromIndex(shifted, bytes, bytes.length, 7)).toBeNull()

    const index = indexOf(entries, bytes.length)
    expect(batchFromIndex(index, bytes, bytes.length, 7)).not.toBeNull()
    expect(batchFromIndex(index, bytes.subarray(0, positions[3]! - 1), bytes.length, 7)).toBeNull()
    expect(batchFromIndex(index, bytes, positions[3]! - 1, 7)).toBeNull()
  })
})
