// Ports of Kafka's FileRecordsTest (clients/src/test/java/.../record/FileRecordsTest.java): the
// parts about iterating and searching the batches of a log file, which Segment and BatchScanner
// own here.
import { appendFileSync, statSync } from 'node:fs'
import { afterEach, describe, expect, test } from 'vitest'
import { defaultFileSystem } from '../../src/io/file.js'
import { Segment } from '../../src/segment/segment.js'
import { appendBatches, recordBatch, segmentConfig, useTempDir, valuesIn } from './fixtures.js'

const dir = useTempDir()
const open: Segment[] = []
const VALUES = ['abcd', 'efgh', 'ijkl']

afterEach(() => {
  for (const segment of open.splice(0)) segment.close()
})

function segmentWith(batches: Buffer[]): Segment {
  const segment = Segment.create(defaultFileSystem, dir.path, 0, segmentConfig(), 0)
  open.push(segment)
  appendBatches(segment, ...batches)
  return segment
}

function reopen(segment: Segment, sealed: boolean): Segment {
  segment.close()
  open.splice(open.indexOf(segment), 1)
  const reopened = Segment.open(defaultFileSystem, dir.path, segment.baseOffset, segmentConfig(), { sealed })
  open.push(reopened)
  return reopened
}

describe('FileRecords (Kafka FileRecordsTest)', () => {
  for (const sealed of [false, true]) {
    test(`trailing zero bytes do not change iteration (testIterationOverPartialAndTruncation, ${sealed ? 'sealed' : 'active'})`, () => {
      // Property: 0, 2, 4, 5 and 6 more zero bytes after the last batch (17 in the end, as in
      // Kafka, where the writes accumulate) are a torn tail, not batches.
      let segment = segmentWith(VALUES.map((value, i) => recordBatch(i, [value])))
      const size = segment.sizeBytes
      for (const zeros of [0, 2, 4, 5, 6]) {
        appendFileSync(segment.path, Buffer.alloc(zeros))
        segment = reopen(segment, sealed)
        expect([...segment.batches()].map((b) => b.baseOffset)).toEqual([0, 1, 2])
        expect(valuesIn(segment.read(0, 10_000)!.bytes)).toEqual(VALUES)
        expect(segment.sizeBytes).toBe(size)
        expect(segment.nextOffset).toBe(3)
      }
      expect(statSync(segment.path).size).toBe(size + 17)
      expect(segment.invalidTail).toEqual({ reason: 'torn', position: size, detail: 'only 17 bytes remain', bytes: 17 })
    })
  }

  test('searches for an offset from a position (testSearch, contiguous offsets)', () => {
    // Property: translateOffset finds the first batch whose last offset is >= the target, from the
    // start or from a batch's position. Kafka's fourth batch is 'test' at 50, found from offset 3 in
    // the gap; seglog's offsets within a segment are contiguous (docs/decisions.md), so it holds
    // 3..5 and offsets 4 and 5, which no batch starts at, find it.
    const batches = [...VALUES.map((value, i) => recordBatch(i, [value])), recordBatch(3, ['test', 'more', 'last'])]
    const segment = segmentWith(batches)
    const sizes = batches.map((b) => b.length)
    const at = (index: number): number => sizes.slice(0, index).reduce((a, b) => a + b, 0)
    const expectBatch = (index: number, offset: number) =>
      expect.objectContaining({ baseOffset: offset, position: at(index), sizeBytes: sizes[index] })
    expect(segment.translateOffset(0, 0)).toEqual(expectBatch(0, 0))
    expect(segment.translateOffset(1, 0)).toEqual(expectBatch(1, 1))
    expect(segment.translateOffset(1, at(1))).toEqual(expectBatch(1, 1))
    expect(segment.translateOffset(3, at(3))).toEqual(expectBatch(3, 3))
    expect(segment.translateOffset(4, at(3))).toEqual(expectBatch(3, 3))
    expect(segment.translateOffset(5, 0)).toEqual(expectBatch(3, 3))
    expect(segment.translateOffset(0, at(2))).toEqual(expectBatch(2, 2))
    expect(segment.translateOffset(6, 0)).toBeNull()
  })

  test('refuses a search across a gap inside the segment as CORRUPT_RECORD (testSearch)', () => {
    // Kafka's testSearch finds the batch at 50 after batches 0, 1, 2, searching for 3 or 50 from the
    // start or from its position. seglog has no compaction, so the jump 2 → 50 is a damaged base
    // offset (docs/decisions.md): a search that reaches it from a batch before it is CORRUPT_RECORD
    // naming the file and its position. A search that starts at its position has no batch before it
    // to check it against and finds it (a read checks such a batch against the next one).
    const batches = [...VALUES.map((value, i) => recordBatch(i, [value])), recordBatch(50, ['test'])]
    const segment = segmentWith(batches)
    const thirdAt = batches[0]!.length + batches[1]!.length
    const gapAt = thirdAt + batches[2]!.length
    expect(segment.translateOffset(2, 0)).toEqual(expect.objectContaining({ baseOffset: 2 }))
    for (const [offset, from] of [[3, 0], [3, batches[0]!.length], [49, 0], [49, thirdAt]] as const) {
      expect(() => segment.translateOffset(offset, from), `translateOffset(${offset}, ${from})`).toThrow(
        expect.objectContaining({
          code: 'CORRUPT_RECORD',
          message: expect.stringContaining(`${segment.path}: invalid batch at position ${gapAt} within the logical size ${gapAt + batches[3]!.length}: base offset 50 does not follow the previous batch's last offset 2`),
        }),
      )
    }
    expect(segment.translateOffset(50, gapAt)).toEqual(expect.objectContaining({ baseOffset: 50, position: gapAt }))
    expect(() => segment.read(0, 10_000)).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD' }))
  })

  test('a preallocated file reopened after a clean close has its logical size as length (testPreallocateClearShutdown)', () => {
    // Property: clean close trims preallocation, so size = file length on reopen.
    const config = segmentConfig({ preallocate: true, segmentBytes: 1024 * 1024 })
    const segment = Segment.create(defaultFileSystem, dir.path, 0, config, 0)
    open.push(segment)
    appendBatches(segment, ...VALUES.map((value, i) => recordBatch(i, [value])))
    expect(statSync(segment.path).size).toBe(1024 * 1024)
    const size = segment.sizeBytes
    segment.close()
    open.pop()
    const reopened = Segment.open(defaultFileSystem, dir.path, 0, config)
    open.push(reopened)
    expect(reopened.sizeBytes).toBe(size)
    expect(statSync(reopened.path).size).toBe(size)
  })
})
