import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { NodeFileSystem, defaultFileSystem } from '../../../src/io/file.js'
import { BatchScanner, type BatchScanRange } from '../../../src/segment/batch-scanner.js'
import { recordBatch, useTempDir } from '../../kafka/fixtures.js'

const dir = useTempDir()
const fds: number[] = []

afterEach(() => {
  for (const fd of fds.splice(0)) defaultFileSystem.close(fd)
})

function scannerOver(bytes: Buffer, options: Partial<BatchScanRange> = {}): BatchScanner {
  const path = join(dir.path, 'scan.log')
  writeFileSync(path, bytes)
  const fd = defaultFileSystem.open(path, 'read')
  fds.push(fd)
  return new BatchScanner({ fs: defaultFileSystem, fd, path, fromPosition: 0, endPosition: bytes.length, ...options })
}

function drain(scanner: BatchScanner): number[] {
  const offsets: number[] = []
  for (let batch = scanner.next(); batch !== null; batch = scanner.next()) offsets.push(batch.baseOffset)
  return offsets
}

describe('BatchScanner', () => {
  test('stops at a header whose max timestamp is not a safe int64 ≥ -1, and checks a first base offset when asked', () => {
    // Property: header fields read before any CRC check never reach the segment's state out of
    // range (H7 SEED=1863601842 input 1562: a max timestamp of 2^63 failed the time index write at
    // close), and a scan from a segment's start holds its first batch to the segment's base.
    const batches = [recordBatch(5, ['a']), recordBatch(6, ['b']), recordBatch(7, ['c'])]
    const damaged = Buffer.concat(batches)
    damaged.writeUInt32BE(0x80000000, batches[0]!.length + 35) // batch 6's max timestamp (bytes 35–42) → 2^63
    const scanner = scannerOver(damaged)
    expect(drain(scanner)).toEqual([5])
    expect(scanner.stop).toMatchObject({ reason: 'corrupt', position: batches[0]!.length })
    expect(drain(scannerOver(Buffer.concat(batches), { firstBaseOffset: 5 }))).toEqual([5, 6, 7])
    const offBase = scannerOver(Buffer.concat(batches), { firstBaseOffset: 4 })
    expect(drain(offBase)).toEqual([])
    expect(offBase).toMatchObject({ outOfSequence: true, stop: { reason: 'corrupt', position: 0 } })
  })

  test('walks batches larger than its buffer and small ones after them, from a small first read', () => {
    // Property: the scan buffer size and first read size never change what is found.
    const batches = [recordBatch(0, ['a']), recordBatch(1, ['x'.repeat(200_000)]), recordBatch(2, ['b']), recordBatch(3, ['c'])]
    const scanner = scannerOver(Buffer.concat(batches), { buffer: Buffer.alloc(4096), firstReadBytes: 100, verifyCrc: true })
    expect(drain(scanner)).toEqual([0, 1, 2, 3])
    expect(scanner.stop).toEqual({ reason: 'end', position: batches.reduce((n, b) => n + b.length, 0), detail: 'end of range' })
  })

  test('returns the whole current batch, inside or beyond the buffer', () => {
    // Property: batchBytes() is byte-identical to the batch on disk.
    const batches = [recordBatch(0, ['y'.repeat(10_000)]), recordBatch(1, ['z'])]
    const scanner = scannerOver(Buffer.concat(batches), { buffer: Buffer.alloc(4096) })
    scanner.next()
    expect(scanner.batchBytes()).toEqual(batches[0])
    scanner.next()
    expect(scanner.batchBytes()).toEqual(batches[1])
  })

  test("stops at Kafka's limits: torn tails, short lengths, wrong magic, bad CRC", () => {
    // Property: each kind of damage stops the walk at its position with its reason.
    const good = recordBatch(0, ['a'])
    const badMagic = Buffer.from(recordBatch(1, ['b']))
    badMagic[16] = 1
    const badCrc = Buffer.from(recordBatch(1, ['b']))
    badCrc[badCrc.length - 1] ^= 1
    const shortLength = Buffer.from(recordBatch(1, ['b']))
    shortLength.writeInt32BE(13, 8)
    const cases: Array<[Buffer, string, boolean]> = [
      [Buffer.concat([good, recordBatch(1, ['b']).subarray(0, 40)]), 'torn', false],
      [Buffer.concat([good, Buffer.alloc(17)]), 'torn', false],
      [Buffer.concat([good, Buffer.alloc(18)]), 'corrupt', false],
      [Buffer.concat([good, shortLength]), 'corrupt', false],
      [Buffer.concat([good, badMagic]), 'corrupt', false],
      [Buffer.concat([good, badCrc]), 'corrupt', true],
    ]
    for (const [bytes, reason, verifyCrc] of cases) {
      const scanner = scannerOver(bytes, { verifyCrc })
      expect(drain(scanner)).toEqual([0])
      expect(scanner.stop).toEqual(expect.objectContaining({ reason, position: good.length }))
    }
    // Without CRC checks a damaged body passes: only recovery pays for checksums.
    expect(drain(scannerOver(Buffer.concat([good, badCrc])))).toEqual([0, 1])
  })

  test('stops at a batch that does not continue the one before: a jumped base offset or a damaged last offset delta', () => {
    // Property: with no compaction, offsets within a segment are contiguous; a header field the
    // CRC does not cover (base offset), or one read before the CRC is checked (lastOffsetDelta),
    // that breaks them stops the walk there, with or without CRC checks (found by H7, SEED=31).
    const batches = [recordBatch(0, ['a', 'b']), recordBatch(2, ['c', 'd', 'e']), recordBatch(5, ['f'])]
    const second = batches[0]!.length
    const third = second + batches[1]!.length
    const jumped = (baseOffset: number): Buffer => {
      const bytes = Buffer.concat(batches)
      bytes.writeUInt32BE(baseOffset, third + 4)
      return bytes
    }
    for (const verifyCrc of [false, true]) {
      for (const baseOffset of [9, 4, 6]) {
        // Forward (offsets still increase), backward, and by one past the expected 5.
        const scanner = scannerOver(jumped(baseOffset), { verifyCrc })
        expect(drain(scanner)).toEqual([0, 2])
        expect(scanner.stop).toEqual(expect.objectContaining({ reason: 'corrupt', position: third }))
        expect(scanner.outOfSequence).toBe(true)
      }
    }
    // lastOffsetDelta 2 → 0: batch 2..4 claims to end at 2, so batch 5 no longer follows it.
    const deltaZeroed = Buffer.concat(batches)
    deltaZeroed.writeInt32BE(0, second + 23)
    const scanner = scannerOver(deltaZeroed)
    expect(drain(scanner)).toEqual([0, 2])
    expect(scanner.stop).toEqual(expect.objectContaining({ reason: 'corrupt', position: third }))
    // With CRC checks the damaged batch itself is refused first.
    const checked = scannerOver(deltaZeroed, { verifyCrc: true })
    expect(drain(checked)).toEqual([0])
    expect(checked.stop).toEqual(expect.objectContaining({ reason: 'corrupt', position: second, detail: 'CRC-32C mismatch' }))
    // The first batch of a scan is checked against nothing before it (a scan may start mid-segment).
    expect(drain(scannerOver(Buffer.concat(batches), { fromPosition: second }))).toEqual([2, 5])
  })
})

describe('BatchScanner through a mapped prefix', () => {
  test('reads headers inside the prefix without pread and past it with pread, finding the same batches', () => {
    // Property: the source of the bytes never changes what the scan finds; the prefix saves the reads.
    const batches = Array.from({ length: 40 }, (_, b) => recordBatch(b * 10, Array.from({ length: 10 }, (_, i) => `v${b * 10 + i}`)))
    const file = Buffer.concat(batches)
    const path = join(dir.path, 'scan.log')
    const counting = new (class extends NodeFileSystem {
      preads = 0
      override pread(fd: number, target: Uint8Array, length: number, position: number): number {
        this.preads++
        return super.pread(fd, target, length, position)
      }
    })()
    const fd = counting.open(path, 'create')
    fds.push(fd)
    counting.pwrite(fd, file, 0)
    const scan = (mappedBytes: number): number[] => {
      const scanner = new BatchScanner({ fs: counting, fd, path, fromPosition: 0, endPosition: file.length, verifyCrc: true, mapped: file.subarray(0, mappedBytes) })
      const found: number[] = []
      for (let batch = scanner.next(); batch !== null; batch = scanner.next()) found.push(batch.baseOffset)
      expect(scanner.stop?.reason).toBe('end')
      return found
    }
    const expected = batches.map((_, b) => b * 10)
    counting.preads = 0
    expect(scan(file.length)).toEqual(expected)
    expect(counting.preads).toBe(0)
    expect(scan(batches[0]!.length * 20 + 5)).toEqual(expected)
    expect(counting.preads).toBeGreaterThan(0)
    expect(scan(0)).toEqual(expected)
  })
})
