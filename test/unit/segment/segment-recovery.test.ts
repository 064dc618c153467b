import { appendFileSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { encodeControlBatch } from '../../../src/format/control.js'
import { defaultFileSystem } from '../../../src/io/file.js'
import { Segment, type BatchPosition } from '../../../src/segment/segment.js'
import { appendBatches, recordBatch, segmentConfig, useTempDir, valuesIn } from '../../kafka/fixtures.js'

const dir = useTempDir()
const open: Segment[] = []

afterEach(() => {
  for (const segment of open.splice(0)) segment.close()
})

const NAME = '00000000000000000000'

function track(segment: Segment): Segment {
  open.push(segment)
  return segment
}

describe('Segment crash recovery', () => {
  test('a preallocated log left untrimmed by a crash finds its end at the zeros', () => {
    // Property: zeros after the data are not a batch (batchLength 0 < 14): the logical end is
    // found by scanning, appends continue there, and recover() cuts the zeros off.
    const config = segmentConfig({ preallocate: true, segmentBytes: 256 * 1024 })
    const live = track(Segment.create(defaultFileSystem, dir.path, 0, config, 0))
    appendBatches(live, recordBatch(0, ['a']), recordBatch(1, ['b']))
    const size = live.sizeBytes
    // The crash: copy the files as they are while the segment is open (not trimmed).
    const crashDir = join(dir.path, 'crash')
    mkdirSync(crashDir)
    for (const suffix of ['.log', '.index', '.timeindex']) copyFileSync(join(dir.path, NAME + suffix), join(crashDir, NAME + suffix))
    expect(statSync(join(crashDir, `${NAME}.log`)).size).toBe(256 * 1024)

    const reopened = track(Segment.open(defaultFileSystem, crashDir, 0, config))
    expect(reopened.sizeBytes).toBe(size)
    expect(reopened.nextOffset).toBe(2)
    expect(reopened.invalidTail).toBeNull()
    appendBatches(reopened, recordBatch(2, ['c']))
    expect(valuesIn(reopened.read(0, 10_000)!.bytes)).toEqual(['a', 'b', 'c'])
    const result = reopened.recover()
    expect(result.validBytes).toBe(reopened.sizeBytes)
    expect(result.truncatedBytes).toBe(256 * 1024 - reopened.sizeBytes)
    expect(statSync(reopened.path).size).toBe(reopened.sizeBytes)
  })

  test('index entries still pending at a crash are covered by the opening scan, with no rebuild', () => {
    // Property: the on-disk index is a prefix of the real one; open trusts it and scans the rest.
    const config = segmentConfig({ indexIntervalBytes: 0, segmentIndexBytes: 64 * 1024 })
    const live = track(Segment.create(defaultFileSystem, dir.path, 0, config, 0))
    for (let i = 0; i < 700; i++) appendBatches(live, recordBatch(i, [`v${i}`], { timestamp: 1000 + i }))
    const crashDir = join(dir.path, 'crash')
    mkdirSync(crashDir)
    for (const suffix of ['.log', '.index', '.timeindex']) copyFileSync(join(dir.path, NAME + suffix), join(crashDir, NAME + suffix))
    expect(statSync(join(crashDir, `${NAME}.index`)).size).toBe(512 * 8)
    const reopened = track(Segment.open(defaultFileSystem, crashDir, 0, config, { onIndexRebuild: () => expect.fail('no rebuild expected') }))
    expect(reopened.nextOffset).toBe(700)
    expect(reopened.maxTimestampSoFar).toBe(1699)
    for (const offset of [0, 511, 512, 600, 699]) expect(valuesIn(reopened.read(offset, 1, { minOneMessage: true })!.bytes)).toEqual([`v${offset}`])
    expect(reopened.findOffsetByTimestamp(1650)?.offset).toBe(650)
    appendBatches(reopened, recordBatch(700, ['next']))
    expect(reopened.lastOffsetIndexEntry.offset).toBe(700)
  })

  test('a torn tail is reported by open and cut off by the next append, never resurrected', () => {
    // Property: bytes after the logical end cannot reappear after new data.
    const config = segmentConfig()
    const segment = track(Segment.create(defaultFileSystem, dir.path, 0, config, 0))
    appendBatches(segment, recordBatch(0, ['a']), recordBatch(1, ['b']))
    const size = segment.sizeBytes
    segment.close()
    open.pop()
    // Garbage, then a whole valid batch that must never be read back.
    appendFileSync(segment.path, Buffer.concat([Buffer.alloc(20, 0xff), recordBatch(2, ['ghost'])]))
    const reopened = track(Segment.open(defaultFileSystem, dir.path, 0, config))
    expect(reopened.sizeBytes).toBe(size)
    expect(reopened.invalidTail).toEqual(expect.objectContaining({ reason: 'corrupt', position: size }))
    const replacement = recordBatch(2, ['c'])
    appendBatches(reopened, replacement)
    expect(statSync(reopened.path).size).toBe(size + replacement.length)
    expect(reopened.invalidTail).toBeNull()
    reopened.close()
    open.pop()
    const again = track(Segment.open(defaultFileSystem, dir.path, 0, config))
    expect(valuesIn(again.read(0, 10_000)!.bytes)).toEqual(['a', 'b', 'c'])
  })

  test('recover() reports every valid batch in order to onBatch', () => {
    // Property: the producer-state layer can replay exactly the batches recovery keeps.
    const segment = track(Segment.create(defaultFileSystem, dir.path, 0, segmentConfig(), 0))
    appendBatches(segment, recordBatch(0, ['a']), recordBatch(1, ['b', 'c']), recordBatch(3, ['d']))
    writeFileSync(segment.path, Buffer.alloc(7, 0x11), { flag: 'a' })
    const seen: Array<Pick<BatchPosition, 'baseOffset' | 'lastOffset'> & { bytes: number }> = []
    const result = segment.recover({ onBatch: (batch, bytes) => seen.push({ baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, bytes: bytes.length }) })
    expect(seen.map((b) => [b.baseOffset, b.lastOffset])).toEqual([[0, 0], [1, 2], [3, 3]])
    expect(seen.reduce((sum, b) => sum + b.bytes, 0)).toBe(result.validBytes)
    expect(result).toEqual(expect.objectContaining({ truncatedBytes: 7, lastOffset: 3, stop: expect.objectContaining({ reason: 'torn' }) }))
  })

  test('a corrupt transaction index is refused on use until recover() rebuilds it', () => {
    // Property: the .txnindex is never trusted blindly, and recovery with the open transactions
    // of earlier segments rebuilds it.
    const segment = track(Segment.create(defaultFileSystem, dir.path, 0, segmentConfig(), 0))
    appendBatches(
      segment,
      recordBatch(0, ['t'], { producerId: 7, producerEpoch: 0, transactional: true }),
      encodeControlBatch({ type: 'ABORT', producerId: 7, producerEpoch: 0, coordinatorEpoch: 1, timestamp: 5, baseOffset: 1 }),
    )
    segment.appendAbortedTxn({ producerId: 7, firstOffset: 0, lastOffset: 1, lastStableOffset: 2 })
    segment.close()
    open.pop()
    appendFileSync(join(dir.path, `${NAME}.txnindex`), Buffer.alloc(3))
    const reopened = track(Segment.open(defaultFileSystem, dir.path, 0, segmentConfig()))
    expect(() => reopened.collectAbortedTxns(0, 10)).toThrow(expect.objectContaining({ code: 'CORRUPT_INDEX' }))
    reopened.recover()
    expect(reopened.collectAbortedTxns(0, 10)).toEqual({
      abortedTxns: [{ producerId: 7, firstOffset: 0, lastOffset: 1, lastStableOffset: 2 }],
      isComplete: false,
    })
    expect(readFileSync(join(dir.path, `${NAME}.txnindex`)).length).toBe(34)
  })
})

describe('Segment.open of an empty segment', () => {
  test('recreates missing index files of an empty log without reporting a rebuild', () => {
    // Property: a roll cut short by a crash before the index files exist reopens cleanly
    // (Kafka's testRecoverWithEmptyActiveSegment).
    writeFileSync(join(dir.path, `${NAME}.log`), Buffer.alloc(0))
    const segment = track(Segment.open(defaultFileSystem, dir.path, 0, segmentConfig(), { onIndexRebuild: () => expect.fail('no rebuild expected') }))
    expect(segment.nextOffset).toBe(0)
    for (const suffix of ['.index', '.timeindex']) expect(statSync(join(dir.path, NAME + suffix)).size).toBe(0)
    appendBatches(segment, recordBatch(0, ['first']))
    expect(valuesIn(segment.read(0, 1000)!.bytes)).toEqual(['first'])
  })
})

describe('Segment.validate', () => {
  test('finds the first damaged batch below an offset without changing the file', () => {
    // Property: damage is reported with the first offset it costs, only when below `upToOffset`.
    const segment = track(Segment.create(defaultFileSystem, dir.path, 0, segmentConfig(), 0))
    for (let i = 0; i < 10; i++) appendBatches(segment, recordBatch(i * 2, ['a', 'b']))
    expect(segment.validate()).toBeNull()
    const damagedAt = segment.translateOffset(6)!.position
    const bytes = readFileSync(segment.path)
    bytes[damagedAt + 70] ^= 0xff // inside the records: only the CRC can tell
    writeFileSync(segment.path, bytes)
    expect(segment.validate()).toEqual({ firstBadOffset: 6, position: damagedAt, detail: 'CRC-32C mismatch' })
    expect(segment.validate(7)).toEqual(expect.objectContaining({ firstBadOffset: 6 }))
    expect(segment.validate(6)).toBeNull()
    expect(readFileSync(segment.path)).toEqual(bytes)
  })
})
