import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import type { FileSystem } from '../../../src/io/file.js'
import { defaultFileSystem } from '../../../src/io/file.js'
import { RELATIVE_OFFSET_MAX } from '../../../src/limits.js'
import { Segment, type SegmentConfig } from '../../../src/segment/segment.js'
import { FaultyFileSystem, appendBatches, chunkOf, recordBatch, segmentConfig, useTempDir, valuesIn } from '../../kafka/fixtures.js'

const dir = useTempDir()
const open: Segment[] = []

afterEach(() => {
  for (const segment of open.splice(0)) segment.close()
})

function create(config: Partial<SegmentConfig> = {}, fs: FileSystem = defaultFileSystem, nowMs = 0): Segment {
  const segment = Segment.create(fs, dir.path, 0, segmentConfig(config), nowMs)
  open.push(segment)
  return segment
}

describe('Segment.append', () => {
  test('a short write is DISK_FULL and leaves the file at its previous size', () => {
    // Property: a write cut short by a full disk is undone; memory and file agree afterwards.
    const fs = new FaultyFileSystem()
    const segment = create({}, fs)
    appendBatches(segment, recordBatch(0, ['first']))
    const size = segment.sizeBytes
    fs.fault = { pathSuffix: '.log', writeBytes: 20 }
    expect(() => appendBatches(segment, recordBatch(1, ['second']))).toThrow(expect.objectContaining({ code: 'DISK_FULL' }))
    expect(statSync(segment.path).size).toBe(size)
    expect(segment.sizeBytes).toBe(size)
    expect(segment.nextOffset).toBe(1)
    appendBatches(segment, recordBatch(1, ['second']))
    expect(valuesIn(segment.read(0, 10_000)!.bytes)).toEqual(['first', 'second'])
  })

  test('ENOSPC is DISK_FULL and another write error is STORAGE_ERROR, both with nothing written', () => {
    // Property: errno errors map to the public codes and roll back the same way.
    const fs = new FaultyFileSystem()
    const segment = create({}, fs)
    fs.fault = { pathSuffix: '.log', errorCode: 'ENOSPC' }
    expect(() => appendBatches(segment, recordBatch(0, ['x']))).toThrow(expect.objectContaining({ code: 'DISK_FULL' }))
    fs.fault = { pathSuffix: '.log', errorCode: 'EIO' }
    expect(() => appendBatches(segment, recordBatch(0, ['x']))).toThrow(expect.objectContaining({ code: 'STORAGE_ERROR' }))
    expect(statSync(segment.path).size).toBe(0)
    expect(segment.nextOffset).toBe(0)
  })

  test('a failed index write takes the log bytes of that append back out', () => {
    // Property: an append is all-or-nothing across the .log and its indexes, also when the
    // write-behind of index entries is the write that fails.
    const fs = new FaultyFileSystem()
    const segment = create({ indexIntervalBytes: 0, segmentIndexBytes: 64 * 1024 }, fs)
    fs.fault = { pathSuffix: '.index', writeBytes: 100 }
    let failedAt = -1
    for (let i = 0; i < 600 && failedAt < 0; i++) {
      const size = segment.sizeBytes
      try {
        appendBatches(segment, recordBatch(i, [`v${i}`]))
      } catch (err) {
        expect(err).toEqual(expect.objectContaining({ code: 'DISK_FULL' }))
        expect(statSync(segment.path).size).toBe(size)
        expect(segment.nextOffset).toBe(i)
        failedAt = i
      }
    }
    // 512 pending entries make the first write: the 513th batch's append (offset 512).
    expect(failedAt).toBe(512)
    expect(statSync(join(dir.path, '00000000000000000000.index')).size).toBe(0)
    appendBatches(segment, recordBatch(512, ['again']))
    expect(statSync(join(dir.path, '00000000000000000000.index')).size).toBe(512 * 8)
    expect(valuesIn(segment.read(511, 10_000)!.bytes)).toEqual(['v511', 'again'])
    segment.close()
    open.pop()
    const reopened = Segment.open(fs, dir.path, 0, segment.config, { onIndexRebuild: () => expect.fail('no rebuild expected') })
    open.push(reopened)
    expect(reopened.nextOffset).toBe(513)
    expect(reopened.offsetIndexEntries).toBe(512)
  })

  test('indexes a multi-batch chunk by its largest offset at its start position', () => {
    // Property: Kafka's rule — the entry goes to the first chunk after > interval bytes, keyed by
    // the chunk's largest offset, pointing at the chunk's start.
    const segment = create({ indexIntervalBytes: 100 })
    const first = recordBatch(0, ['x'.repeat(150)])
    appendBatches(segment, first)
    segment.append(chunkOf(recordBatch(1, ['a']), recordBatch(2, ['b', 'c'])))
    expect(segment.lastOffsetIndexEntry).toEqual({ offset: 3, position: first.length })
    expect(segment.translateOffset(2)?.baseOffset).toBe(2)
    expect(segment.translateOffset(1)?.baseOffset).toBe(1)
  })

  test('refuses a batch whose offsets go backwards', () => {
    // Property: offsets in a segment strictly increase.
    const segment = create()
    appendBatches(segment, recordBatch(0, ['a', 'b']))
    expect(() => appendBatches(segment, recordBatch(1, ['c']))).toThrow(expect.objectContaining({ code: 'INVALID_OFFSET' }))
  })

  test('refuses an append that needs an index entry when the index is full', () => {
    // Property: INDEX_FULL before anything is written; the caller must roll.
    const segment = create({ indexIntervalBytes: 1, segmentIndexBytes: 3 * 12 })
    for (let i = 0; i < 3; i++) appendBatches(segment, recordBatch(i, ['v'], { timestamp: 10 + i }))
    expect(segment.shouldRoll({ sizeBytes: 100, maxTimestamp: 20, nowMs: 0, largestOffset: 3 })).toBe(true)
    const size = segment.sizeBytes
    expect(() => appendBatches(segment, recordBatch(3, ['v'], { timestamp: 20 }))).toThrow(expect.objectContaining({ code: 'INDEX_FULL' }))
    expect(segment.sizeBytes).toBe(size)
  })

  test('refuses appends after roll and every operation after close', () => {
    // Property: a sealed segment is read-only; a closed one is SEGMENT_CLOSED.
    const segment = create()
    appendBatches(segment, recordBatch(0, ['a']))
    segment.onBecomeInactive()
    expect(() => appendBatches(segment, recordBatch(1, ['b']))).toThrow(expect.objectContaining({ code: 'SEGMENT_SEALED' }))
    expect(() => segment.appendAbortedTxn({ producerId: 1, firstOffset: 0, lastOffset: 0, lastStableOffset: 1 })).toThrow(
      expect.objectContaining({ code: 'SEGMENT_SEALED' }),
    )
    expect(valuesIn(segment.read(0, 1000)!.bytes)).toEqual(['a'])
    segment.close()
    expect(() => segment.read(0, 1000)).toThrow(expect.objectContaining({ code: 'SEGMENT_CLOSED' }))
  })
})

describe('Segment.shouldRoll, one condition at a time', () => {
  const next = { sizeBytes: 100, maxTimestamp: -1, nowMs: 0, largestOffset: 1 }

  test('rolls when the next append would pass segmentBytes, but never an empty segment', () => {
    // Property: size roll needs data already in the segment.
    const segment = create({ segmentBytes: 1000 })
    expect(segment.shouldRoll({ ...next, sizeBytes: 5000 })).toBe(false)
    appendBatches(segment, recordBatch(0, ['x'.repeat(500)]))
    expect(segment.shouldRoll({ ...next, sizeBytes: 1000 - segment.sizeBytes })).toBe(false)
    expect(segment.shouldRoll({ ...next, sizeBytes: 1001 - segment.sizeBytes })).toBe(true)
  })

  test('rolls by record timestamps when the first batch has one', () => {
    // Property: time waited = append max timestamp − first batch max timestamp, not the clock.
    const segment = create({ segmentMs: 1000 }, defaultFileSystem, 0)
    expect(segment.shouldRoll({ ...next, maxTimestamp: 50_000, nowMs: 99_999 })).toBe(false)
    appendBatches(segment, recordBatch(0, ['a'], { timestamp: 10_000 }))
    expect(segment.shouldRoll({ ...next, maxTimestamp: 11_000, nowMs: 99_999 })).toBe(false)
    expect(segment.shouldRoll({ ...next, maxTimestamp: 11_001, nowMs: 0 })).toBe(true)
  })

  test('rolls by the wall clock since creation when batches carry no timestamp, minus the jitter', () => {
    // Property: time waited = now − create time; the jitter shortens segmentMs.
    const segment = create({ segmentMs: 1000, rollJitterMs: 100 }, defaultFileSystem, 5000)
    appendBatches(segment, recordBatch(0, ['a']))
    expect(segment.shouldRoll({ ...next, nowMs: 5900 })).toBe(false)
    expect(segment.shouldRoll({ ...next, nowMs: 5901 })).toBe(true)
  })

  test('rolls when the offset index is full', () => {
    // Property: a full offset index forces a roll.
    // 48 bytes: 6 offset entries; 4 time entries, but batches without timestamps add none.
    const segment = create({ indexIntervalBytes: 0, segmentIndexBytes: 48 })
    for (let i = 0; i < 6; i++) appendBatches(segment, recordBatch(i, ['v']))
    expect(segment.offsetIndexEntries).toBe(5)
    expect(segment.shouldRoll({ ...next, largestOffset: 6 })).toBe(false)
    appendBatches(segment, recordBatch(6, ['v']))
    expect(segment.offsetIndexEntries).toBe(6)
    expect(segment.shouldRoll({ ...next, largestOffset: 7 })).toBe(true)
  })

  test('rolls when the time index is full, one entry early', () => {
    // Property: the time index's last slot is reserved, so it is full at maxEntries − 1.
    const segment = create({ indexIntervalBytes: 0, segmentIndexBytes: 12 * 3 })
    appendBatches(segment, recordBatch(0, ['a'], { timestamp: 1 }), recordBatch(1, ['b'], { timestamp: 2 }))
    expect(segment.shouldRoll({ ...next, largestOffset: 2 })).toBe(false)
    appendBatches(segment, recordBatch(2, ['c'], { timestamp: 3 }))
    expect(segment.timeIndexEntries).toBe(2)
    expect(segment.shouldRoll({ ...next, largestOffset: 3 })).toBe(true)
  })

  test('rolls when the largest offset would not fit a relative offset', () => {
    // Property: relative offsets are int32.
    const segment = create()
    expect(segment.shouldRoll({ ...next, largestOffset: RELATIVE_OFFSET_MAX })).toBe(false)
    expect(segment.shouldRoll({ ...next, largestOffset: RELATIVE_OFFSET_MAX + 1 })).toBe(true)
  })
})

describe('Segment roll', () => {
  test('onBecomeInactive writes the final time-index entry, trims preallocation and seals', () => {
    // Property: a rolled segment's files hold exactly its data and its max timestamp is indexed.
    const segment = create({ preallocate: true, segmentBytes: 64 * 1024, indexIntervalBytes: 1_000_000 })
    appendBatches(segment, recordBatch(0, ['a'], { timestamp: 30 }), recordBatch(1, ['b'], { timestamp: 20 }))
    expect(segment.timeIndexEntries).toBe(0)
    segment.onBecomeInactive()
    expect(segment.isSealed).toBe(true)
    expect(statSync(segment.path).size).toBe(segment.sizeBytes)
    expect(segment.lastTimeIndexEntry).toEqual({ timestamp: 30, offset: 0 })
    expect(readFileSync(join(dir.path, '00000000000000000000.timeindex')).length).toBe(12)
    expect(valuesIn(segment.read(0, 10_000)!.bytes)).toEqual(['a', 'b'])
  })
})

describe('Segment files on a full disk', () => {
  test('create with preallocation on a full disk is DISK_FULL and leaves no files behind', () => {
    // Property: a segment that could not be created does not exist afterwards.
    class NoSpace extends FaultyFileSystem {
      override fallocate(): void {
        throw Object.assign(new Error('ENOSPC: injected'), { code: 'ENOSPC' })
      }
    }
    expect(() => create({ preallocate: true }, new NoSpace())).toThrow(expect.objectContaining({ code: 'DISK_FULL' }))
    expect(readdirSync(dir.path)).toEqual([])
  })

  test('any other failure to create is STORAGE_ERROR carrying the failure, and leaves no files behind', () => {
    // Property: whatever fails below (an errno, or an error that is none), create reports a
    // seglog error with the original as its cause.
    const failures = [Object.assign(new Error('EIO: injected'), { code: 'EIO' }), new Error('not an errno')]
    for (const failure of failures) {
      class Failing extends FaultyFileSystem {
        override fallocate(): void {
          throw failure
        }
      }
      expect(() => create({ preallocate: true }, new Failing())).toThrow(expect.objectContaining({ code: 'STORAGE_ERROR', cause: failure }))
      expect(readdirSync(dir.path)).toEqual([])
    }
  })

  test('close still closes every file when pending index entries cannot be written', () => {
    // Property: a failing write-behind is reported, and the segment is closed anyway.
    const fs = new FaultyFileSystem()
    const segment = create({ indexIntervalBytes: 0 }, fs)
    for (let i = 0; i < 5; i++) appendBatches(segment, recordBatch(i, ['v']))
    fs.fault = { pathSuffix: '.index', errorCode: 'ENOSPC' }
    expect(() => segment.close()).toThrow(expect.objectContaining({ code: 'DISK_FULL' }))
    expect(() => segment.read(0, 100)).toThrow(expect.objectContaining({ code: 'SEGMENT_CLOSED' }))
    open.pop()
  })

  test('closeAndDelete drops pending index entries instead of writing them', () => {
    // Property: deleting a segment never needs free space.
    const fs = new FaultyFileSystem()
    const segment = create({ indexIntervalBytes: 0 }, fs)
    for (let i = 0; i < 5; i++) appendBatches(segment, recordBatch(i, ['v']))
    fs.fault = { pathSuffix: '.index', errorCode: 'ENOSPC' }
    segment.closeAndDelete()
    open.pop()
    expect(readdirSync(dir.path)).toEqual([])
    expect(fs.fault).not.toBeNull()
  })
})
