import { readFileSync, writeFileSync } from 'node:fs'
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
    const batches = [0, 1, 2].map((i) => recordBatch(i * 2, ['a', 'b'], { timestamp: 100 + i }))
    appendBatches(segment, ...batches)
    expect([...segment.batches(batches[0]!.length)]).toEqual([
      { baseOffset: 2, lastOffset: 3, position: batches[0]!.length, sizeBytes: batches[1]!.length, maxTimestamp: 101 },
      { baseOffset: 4, lastOffset: 5, position: batches[0]!.length * 2, sizeBytes: batches[2]!.length, maxTimestamp: 102 },
    ])
  })

  /** Four batches of three records (0–2, 3–5, 6–8, 9–11), one index entry per batch after the first, reopened. */
  function damagedSegment(sealed: boolean, damage: (bytes: Buffer, positions: number[]) => void): Segment {
    const segment = create()
    const batches = [0, 3, 6, 9].map((base) => recordBatch(base, ['a', 'b', 'c'].map((v) => `${v}${base}`)))
    appendBatches(segment, ...batches)
    const positions = batches.map((_, i) => batches.slice(0, i).reduce((n, b) => n + b.length, 0))
    segment.close()
    open.splice(open.indexOf(segment), 1)
    const bytes = readFileSync(segment.path)
    damage(bytes, positions)
    writeFileSync(segment.path, bytes)
    const reopened = Segment.open(defaultFileSystem, dir.path, 0, segment.config, { sealed })
    open.push(reopened)
    return reopened
  }

  const corrupt = (segment: Segment) => expect.objectContaining({ code: 'CORRUPT_RECORD', message: expect.stringContaining(segment.path) })

  const JUMPED_BASE = (bytes: Buffer, positions: number[]) => bytes.writeUInt32BE(4, positions[1]! + 4)
  const ZEROED_DELTA = (bytes: Buffer, positions: number[]) => bytes.writeInt32BE(0, positions[1]! + 23)
  const FAR_JUMP = (bytes: Buffer, positions: number[]) => bytes.writeUInt32BE(1 << 10, positions[2]!)

  test('the opening scan of an active segment ends where a batch does not follow the one before', () => {
    // Property: a batch that breaks the sequence is never taken as valid data: the scan stops there
    // and reports an invalid tail; the log layer then decides torn tail vs corruption. A zeroed
    // last offset delta leaves its own batch's header consistent (its CRC fails, which recovery
    // and reads check), so the sequence breaks at the batch after it; index rebuilds read headers
    // only, so they stop at the same place.
    for (const [damage, batch] of [[JUMPED_BASE, 1], [ZEROED_DELTA, 2], [FAR_JUMP, 2]] as const) {
      let positions: number[] = []
      const segment = damagedSegment(false, (bytes, at) => {
        damage(bytes, at)
        positions = at
      })
      expect(segment.invalidTail).toEqual(expect.objectContaining({ reason: 'corrupt', position: positions[batch] }))
      segment.closeAndDelete()
      open.splice(open.indexOf(segment), 1)
    }
  })

  test('a sealed segment refuses a read whose first batch, found through an index entry, has a jumped base offset', () => {
    // Property: a base offset (outside the CRC) is trusted only once checked against a
    // neighbouring batch: the index entry for offset 5 lands on batch 3–5, now claiming 4–6, so
    // the read's scan starts at it and only the next batch (6) can tell (found by H7, SEED=31).
    const segment = damagedSegment(true, JUMPED_BASE)
    for (const options of [{ maxOffset: 5 }, { maxOffset: 5, maxPosition: segment.sizeBytes }, {}]) {
      // A point read (the batch alone) and a bulk read (the next batch too), through each path.
      expect(() => segment.read(5, 100_000, options)).toThrow(corrupt(segment))
    }
    // Batches the damage does not touch still read.
    expect(valuesIn(segment.read(9, 100_000)!.bytes)).toEqual(['a9', 'b9', 'c9'])
  })

  test('a sealed segment refuses, rather than skips, offsets a damaged last offset delta drops', () => {
    // Property: lastOffsetDelta is read before the CRC is checked; a header walk that skips a
    // batch by it must notice the next batch does not follow (batch 3–5 claims to end at 3, so a
    // read of 4 would otherwise start at batch 6: found by H7, SEED=31, input 44).
    const segment = damagedSegment(true, ZEROED_DELTA)
    expect(() => segment.read(4, 100_000)).toThrow(corrupt(segment))
    expect(() => segment.read(4, 100_000, { maxOffset: 4 })).toThrow(corrupt(segment))
    expect(() => segment.read(0, 100_000)).toThrow(corrupt(segment))
  })

  test('a sealed segment refuses a read spanning a batch whose base offset jumped far ahead', () => {
    // Property: a multi-batch read never turns a jumped base offset into a hole (H7, SEED=31,
    // input 810: base offset 18 became 2^42 + 18).
    const segment = damagedSegment(true, FAR_JUMP)
    expect(() => segment.read(0, 100_000)).toThrow(corrupt(segment))
    expect(() => segment.read(3, 100_000)).toThrow(corrupt(segment))
    expect(valuesIn(segment.read(0, 100_000, { maxOffset: 2 })!.bytes)).toEqual(['a0', 'b0', 'c0'])
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
