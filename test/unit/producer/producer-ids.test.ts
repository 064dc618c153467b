import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SeglogError } from '../../../src/errors.js'
import { defaultFileSystem, NodeFileSystem } from '../../../src/io/file.js'
import { binding } from '../../../src/native/load.js'
import {
  decodeProducerIdBlock,
  encodeProducerIdBlock,
  PRODUCER_ID_BLOCK_FILE,
  ProducerIdAllocator,
} from '../../../src/producer/producer-ids.js'
import { FaultFileSystem } from '../../helpers/fault-fs.js'
import { randomInt, seededRandom } from '../../helpers/seeded-random.mjs'
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dirs.js'
import { crashImage, noDamage } from '../../reliability/simfs/crash-image.js'
import { SimFS, simFsWithDirs } from '../../reliability/simfs/sim-fs.js'

const CRC32C = createRequire(import.meta.url)('crc-32/crc32c') as { buf(data: Uint8Array, seed?: number): number }
const clock = () => 1_700_000_000_000

afterEach(() => removeTempDirs())

/** Counts atomic replaces (renames) of the block file: one per block reserved. */
class CountingFileSystem extends NodeFileSystem {
  renames = 0
  constructor() {
    super(binding)
  }
  override rename(from: string, to: string): void {
    this.renames++
    super.rename(from, to)
  }
}

async function allocateMany(allocator: ProducerIdAllocator, count: number): Promise<number[]> {
  const ids: number[] = []
  for (let i = 0; i < count; i++) ids.push(await allocator.allocate())
  return ids
}

describe('producer id allocation', () => {
  it('never hands out an id twice across reopens, skipping the rest of each block', async () => {
    // Property: over many reopen cycles with random numbers of allocations, every id is new and
    // ids only grow; a reopen resumes at the persisted block end.
    const dir = makeTempDir('seglog-producer-ids-')
    const random = seededRandom(1010)
    const seen: number[] = []
    for (let cycle = 0; cycle < 12; cycle++) {
      const allocator = await ProducerIdAllocator.open(defaultFileSystem, dir, { blockSize: 5 })
      const resumeAt = allocator.reservedEnd
      const ids = await allocateMany(allocator, randomInt(random, 0, 12))
      if (ids.length > 0) expect(ids[0]).toBe(resumeAt)
      seen.push(...ids)
    }
    expect(seen.length).toBeGreaterThan(20)
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!)
  })

  it('starts at 0 in a directory that never allocated and resumes past the block after a reopen', async () => {
    const dir = makeTempDir('seglog-producer-ids-')
    const first = await ProducerIdAllocator.open(defaultFileSystem, dir, { blockSize: 1000 })
    expect(await allocateMany(first, 3)).toEqual([0, 1, 2])
    const second = await ProducerIdAllocator.open(defaultFileSystem, dir)
    expect(await second.allocate()).toBe(1000)
  })

  it('writes the block file once per block, shared by concurrent allocations', async () => {
    // Property: k concurrent allocate() calls cost ceil(k / blockSize) atomic writes and get k distinct ids.
    const dir = makeTempDir('seglog-producer-ids-')
    const fs = new CountingFileSystem()
    const allocator = await ProducerIdAllocator.open(fs, dir, { blockSize: 4 })
    const ids = await Promise.all(Array.from({ length: 10 }, () => allocator.allocate()))
    expect([...ids].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(fs.renames).toBe(3)
    expect(decodeProducerIdBlock(readFileSync(join(dir, PRODUCER_ID_BLOCK_FILE)), 'f')).toBe(12)
  })

  it('hands out no id of a block whose write failed, and tries again on the next allocation', async () => {
    const dir = makeTempDir('seglog-producer-ids-')
    const fs = new FaultFileSystem()
    const allocator = await ProducerIdAllocator.open(fs, dir, { blockSize: 2 })
    expect(await allocateMany(allocator, 2)).toEqual([0, 1])
    fs.plan.writeLimit = () => 0 // the disk is full
    await expect(allocator.allocate()).rejects.toMatchObject({ code: 'ENOSPC' })
    await expect(allocator.allocate()).rejects.toMatchObject({ code: 'ENOSPC' })
    expect(allocator.reservedEnd).toBe(2)
    fs.plan.writeLimit = undefined
    expect(await allocator.allocate()).toBe(2)
    expect((await ProducerIdAllocator.open(defaultFileSystem, dir)).reservedEnd).toBe(4)
  })

  it('lays the file out as version, reserved end and the CRC-32C of both lines', () => {
    const body = 'version 1\nreserved-end 123456\n'
    const crc = (CRC32C.buf(Buffer.from(body)) >>> 0).toString(16).padStart(8, '0')
    expect(encodeProducerIdBlock(123_456).toString('latin1')).toBe(`${body}crc32c ${crc}\n`)
    expect(decodeProducerIdBlock(encodeProducerIdBlock(2 ** 53 - 1), 'f')).toBe(2 ** 53 - 1)
  })
})

describe('a damaged producer id block file is refused, never guessed around', () => {
  function expectRefused(data: Buffer, where: string): void {
    let thrown: unknown
    try {
      decodeProducerIdBlock(data, '/log/producer-id-block')
    } catch (err) {
      thrown = err
    }
    expect(thrown, where).toBeInstanceOf(SeglogError)
    const err = thrown as SeglogError
    if (err.code === 'CORRUPT_RECORD') {
      expect(err.reason, where).toBe('corrupt-metadata')
      expect(err.path, where).toBe('/log/producer-id-block')
    } else {
      // A flip of the version digit to a larger one reads as a newer file: refused too.
      expect(err.code, where).toBe('UNSUPPORTED_FORMAT_VERSION')
    }
  }

  it('refuses every single-bit flip and every truncation', () => {
    // Property: no damaged variant of a valid file yields a reserved end (which could be lower).
    const good = encodeProducerIdBlock(70_000)
    for (let i = 0; i < good.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Buffer.from(good)
        bad[i]! ^= 1 << bit
        expectRefused(bad, `byte ${i} bit ${bit}`)
      }
    }
    for (let length = 0; length < good.length; length++) expectRefused(good.subarray(0, length), `truncated to ${length}`)
    expectRefused(Buffer.concat([good, Buffer.from('x')]), 'a trailing byte')
  })

  it('refuses to open on a damaged file and on a newer version', async () => {
    const dir = makeTempDir('seglog-producer-ids-')
    const path = join(dir, PRODUCER_ID_BLOCK_FILE)
    writeFileSync(path, encodeProducerIdBlock(5000).toString('latin1').replace('5000', '5001'))
    await expect(ProducerIdAllocator.open(defaultFileSystem, dir)).rejects.toMatchObject({ code: 'CORRUPT_RECORD', reason: 'corrupt-metadata', path })
    writeFileSync(path, 'version 2\nwhatever a newer seglog writes\n')
    await expect(ProducerIdAllocator.open(defaultFileSystem, dir)).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT_VERSION' })
  })
})

describe('producer id allocation across power cuts (SimFS)', () => {
  const DIR = '/log'
  const IMAGES_PER_CRASH_POINT = 16

  /** Events of one block write on a SimFS that does not crash. */
  async function eventsOfOneBlockWrite(): Promise<number> {
    const fs = simFsWithDirs([DIR], { clock })
    const allocator = await ProducerIdAllocator.open(fs, DIR, { blockSize: 3 })
    const before = fs.eventCount
    await allocator.allocate()
    return fs.eventCount - before
  }

  it('never hands out again an id handed out before a crash at any step of a block write', async () => {
    // Property: at every crash point of the write reserving ids 3..5 (and of the one before it),
    // and for every image a power cut can leave, a reopened allocator's first id is above every id
    // handed out before the crash, and the reopen never fails (no torn file).
    const steps = await eventsOfOneBlockWrite()
    expect(steps).toBeGreaterThanOrEqual(5)
    const outcomes = { oldBlock: 0, newBlock: 0 }
    for (let crashAfter = 1; crashAfter <= steps + 1; crashAfter++) {
      const fs = simFsWithDirs([DIR], { clock })
      const allocator = await ProducerIdAllocator.open(fs, DIR, { blockSize: 3 })
      const handedOut = await allocateMany(allocator, 3) // 0, 1, 2: the first block, durable
      const images: SimFS[] = []
      let seed = crashAfter * 1000
      fs.armCrash(crashAfter, () => {
        for (let i = 0; i < IMAGES_PER_CRASH_POINT; i++) images.push(new SimFS({ root: crashImage(fs.root, seededRandom(seed++), noDamage()), clock }))
      })
      let resolved = false
      void allocator.allocate().then((id) => {
        handedOut.push(id)
        resolved = true
      })
      for (let turns = 0; !fs.crashed && !resolved && turns < 1000; turns++) await new Promise((r) => setImmediate(r))
      if (resolved) {
        fs.crashNow()
        images.push(new SimFS({ root: crashImage(fs.root, seededRandom(seed), noDamage()), clock }))
      }
      expect(images.length).toBeGreaterThan(0)
      for (const image of images) {
        const where = `crash after event ${crashAfter} (${resolved ? 'allocation resolved' : 'allocation pending'})`
        const reopened = await ProducerIdAllocator.open(image, DIR, { blockSize: 3 })
        const next = await reopened.allocate()
        expect(next, where).toBeGreaterThan(Math.max(...handedOut))
        expect([3, 6], where).toContain(next)
        if (next === 3) outcomes.oldBlock++
        else outcomes.newBlock++
      }
    }
    // Both outcomes of a crash inside the write are exercised: the old block end survived (resume
    // at 3) and the new one did (resume at 6).
    expect(outcomes.oldBlock).toBeGreaterThan(0)
    expect(outcomes.newBlock).toBeGreaterThan(0)
  })
})
