import { afterEach, describe, expect, test } from 'vitest'
import { NodeFileSystem, defaultFileSystem } from '../../../src/io/file.js'
import { Segment } from '../../../src/segment/segment.js'
import { appendBatches, chunkOf, recordBatch, recordsIn, segmentConfig, useTempDir, valuesIn } from '../../kafka/fixtures.js'
import { encodeBatch } from '../../../src/format/batch.js'

const dir = useTempDir()
const open: Segment[] = []

afterEach(() => {
  for (const segment of open.splice(0)) segment.close()
})

function create(indexIntervalBytes = 10): Segment {
  const segment = Segment.create(defaultFileSystem, dir.path, 0, segmentConfig({ indexIntervalBytes, segmentIndexBytes: 4096 }), 0)
  open.push(segment)
  return segment
}

function reopenSealed(segment: Segment): Segment {
  segment.close()
  open.splice(open.indexOf(segment), 1)
  const reopened = Segment.open(defaultFileSystem, dir.path, 0, segment.config, { sealed: true })
  open.push(reopened)
  return reopened
}

// Timestamps that go backwards within and across batches.
const BATCH_TIMESTAMPS = [[100], [50], [200, 150], [120], [300, 90, 310], [305], [40], [400]]

function withBackwardsTimestamps(segment: Segment): Array<{ offset: number; timestamp: number }> {
  const records: Array<{ offset: number; timestamp: number }> = []
  let offset = 0
  for (const timestamps of BATCH_TIMESTAMPS) {
    const batch = encodeBatch(
      timestamps.map((timestamp) => ({ value: `v${offset}`, timestamp })),
      { baseOffset: offset },
    )
    segment.append(chunkOf(batch))
    for (const timestamp of timestamps) records.push({ offset: offset++, timestamp })
  }
  return records
}

function bruteForce(records: Array<{ offset: number; timestamp: number }>, target: number, startingOffset: number) {
  return records.find((r) => r.timestamp >= target && r.offset >= startingOffset) ?? null
}

describe('Segment.findOffsetByTimestamp', () => {
  for (const sealed of [false, true]) {
    test(`finds the first record at or after a timestamp when timestamps go backwards (${sealed ? 'sealed' : 'active'})`, () => {
      // Property: the answer equals a brute-force scan for every target and starting offset.
      let segment = create()
      const records = withBackwardsTimestamps(segment)
      if (sealed) segment = reopenSealed(segment)
      expect(segment.maxTimestampSoFar).toBe(400)
      for (let target = 0; target <= 410; target += 5) {
        for (const startingOffset of [0, 3, 7, 12]) {
          expect(segment.findOffsetByTimestamp(target, startingOffset)).toEqual(bruteForce(records, target, startingOffset))
        }
      }
    })
  }
})

describe('Segment.read', () => {
  test('returns whole batches only, at least one with minOneMessage, and stops at maxPosition', () => {
    // Property: a read never ends mid-batch and honours both bounds.
    const segment = create()
    const batches = [0, 1, 2, 3].map((i) => recordBatch(i, [`value-${i}-`.padEnd(40, 'x')]))
    appendBatches(segment, ...batches)
    const size = batches[0]!.length
    expect(valuesIn(segment.read(0, size * 2 + 10)!.bytes)).toHaveLength(2)
    expect(segment.read(0, size - 1)!.bytes.length).toBe(0)
    expect(valuesIn(segment.read(0, size - 1, { minOneMessage: true })!.bytes)).toHaveLength(1)
    expect(valuesIn(segment.read(1, 100_000, { maxPosition: size * 3 })!.bytes)).toHaveLength(2)
    expect(segment.read(3, 100_000)!.position).toBe(size * 3)
  })

  test('reads the same bytes from a sealed segment (mapped on native) as from the active one', () => {
    // Property: sealed reads are views of the same data as active reads.
    let segment = create()
    for (let i = 0; i < 50; i++) appendBatches(segment, recordBatch(i, [`value ${i}`]))
    const active = Array.from({ length: 50 }, (_, i) => Buffer.from(segment.read(i, 300)!.bytes))
    segment = reopenSealed(segment)
    for (let i = 0; i < 50; i++) expect(segment.read(i, 300)!.bytes).toEqual(active[i])
    expect(recordsIn(segment.read(0, 1_000_000)!.bytes).map((r) => r.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  test('iterates batch headers from a batch position', () => {
    // Property: batches(p) yields every batch from p to the end with its position and size.
    const segment = create()
    const batches = [0, 1, 2].map((i) => recordBatch(i * 10, ['a', 'b'], { timestamp: 100 + i }))
    appendBatches(segment, ...batches)
    expect([...segment.batches(batches[0]!.length)]).toEqual([
      { baseOffset: 10, lastOffset: 11, position: batches[0]!.length, sizeBytes: batches[1]!.length, maxTimestamp: 101 },
      { baseOffset: 20, lastOffset: 21, position: batches[0]!.length * 2, sizeBytes: batches[2]!.length, maxTimestamp: 102 },
    ])
  })

  test('a truncated sealed segment becomes active and takes appends', () => {
    // Property: truncateTo reopens a rolled segment for writing at the cut.
    let segment = create()
    appendBatches(segment, recordBatch(0, ['a']), recordBatch(1, ['b']), recordBatch(2, ['c']))
    segment = reopenSealed(segment)
    expect(segment.truncateTo(1)).toBeGreaterThan(0)
    expect(segment.isSealed).toBe(false)
    appendBatches(segment, recordBatch(1, ['B']))
    expect(valuesIn(segment.read(0, 10_000)!.bytes)).toEqual(['a', 'B'])
  })
})

describe('Segment opening cost', () => {
  class CountingFileSystem extends NodeFileSystem {
    bytesRead = 0
    override pread(fd: number, target: Uint8Array, length: number, position: number): number {
      this.bytesRead += length
      return super.pread(fd, target, length, position)
    }
  }

  test('a sealed segment reads without scanning for its max timestamp, and finds it when asked', () => {
    // Property: reads of a sealed segment cost an index load and a bounded tail scan even when
    // the max timestamp came first (constant timestamps); the full scan waits for the first
    // caller that needs the maximum, which then gets the right value.
    const config = segmentConfig({ indexIntervalBytes: 4096, segmentIndexBytes: 64 * 1024 })
    const writer = Segment.create(defaultFileSystem, dir.path, 0, config, 0)
    for (let i = 0; i < 400; i++) appendBatches(writer, recordBatch(i, ['x'.repeat(1000)], { timestamp: i === 0 ? 900 : 500 }))
    const size = writer.sizeBytes
    writer.close()
    const fs = new CountingFileSystem()
    const segment = Segment.open(fs, dir.path, 0, config, { sealed: true })
    open.push(segment)
    expect(valuesIn(segment.read(399, 10_000)!.bytes)).toEqual(['x'.repeat(1000)])
    const readForRead = fs.bytesRead
    expect(readForRead).toBeLessThan(size / 10)
    expect(segment.maxTimestampSoFar).toBe(900)
    expect(segment.offsetOfMaxTimestampSoFar).toBe(0)
    expect(fs.bytesRead - readForRead).toBeGreaterThan(size / 2)
  })
})
