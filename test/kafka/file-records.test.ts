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

  test('searches for an offset from a position, across a gap (testSearch)', () => {
    // Property: translateOffset finds the first batch whose last offset is >= the target.
    const batches = [...VALUES.map((value, i) => recordBatch(i, [value])), recordBatch(50, ['test'])]
    const segment = segmentWith(batches)
    const sizes = batches.map((b) => b.length)
    const at = (index: number): number => sizes.slice(0, index).reduce((a, b) => a + b, 0)
    const expectBatch = (index: number, offset: number) =>
      expect.objectContaining({ baseOffset: offset, position: at(index), sizeBytes: sizes[index] })
    expect(segment.translateOffset(0, 0)).toEqual(expectBatch(0, 0))
    expect(segment.translateOffset(1, 0)).toEqual(expectBatch(1, 1))
    expect(segment.translateOffset(1, at(1))).toEqual(expectBatch(1, 1))
    expect(segment.translateOffset(3, at(3))).toEqual(expectBatch(3, 50))
    expect(segment.translateOffset(50, at(3))).toEqual(expectBatch(3, 50))
    expect(segment.translateOffset(3, 0)).toEqual(expectBatch(3, 50))
    expect(segment.translateOffset(51, 0)).toBeNull()
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
