import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { Packr, Unpackr } from 'msgpackr'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defaultFileSystem } from '../../../src/io/file.js'
import type { ProducerEntry } from '../../../src/producer/producer-entry.js'
import {
  PRODUCER_SNAPSHOT_VERSION,
  decodeProducerSnapshot,
  deleteProducerSnapshotsAbove,
  deleteProducerSnapshotsBelow,
  encodeProducerSnapshot,
  listProducerSnapshots,
  producerSnapshotFileName,
  readProducerSnapshot,
  removeStrayProducerSnapshots,
  writeProducerSnapshot,
} from '../../../src/producer/producer-snapshot.js'
import { seededRandom } from '../../helpers/seeded-random.mjs'
import { crashImage, noDamage } from '../../reliability/simfs/crash-image.js'
import { SimFS, simFsWithDirs } from '../../reliability/simfs/sim-fs.js'
import { INT32_MAX } from './producer-batches.js'

const CRC32C = createRequire(import.meta.url)('crc-32/crc32c') as { buf(data: Uint8Array, seed?: number): number }
const clock = () => 1_700_000_000_000

/** Two producers: one with all five batches (one straddling the sequence wrap), one with an open transaction and none. */
function sampleEntries(): ProducerEntry[] {
  return [
    {
      producerId: 2 ** 40 + 3,
      producerEpoch: 32_767,
      batches: [
        { firstSeq: INT32_MAX - 1, lastSeq: 1, lastOffset: 103, offsetDelta: 3, timestampMs: 1_699_999_999_000 },
        { firstSeq: 2, lastSeq: 2, lastOffset: 104, offsetDelta: 0, timestampMs: 1_699_999_999_001 },
        { firstSeq: 3, lastSeq: 12, lastOffset: 120, offsetDelta: 9, timestampMs: 1_699_999_999_002 },
        { firstSeq: 13, lastSeq: 13, lastOffset: 121, offsetDelta: 0, timestampMs: -1 },
        { firstSeq: 14, lastSeq: 15, lastOffset: 2 ** 33, offsetDelta: 1, timestampMs: 1_699_999_999_004 },
      ],
      lastTimestampMs: 1_699_999_999_004,
      coordinatorEpoch: -1,
      currentTxnFirstOffset: null,
    },
    { producerId: 0, producerEpoch: 0, batches: [], lastTimestampMs: 5, coordinatorEpoch: 77, currentTxnFirstOffset: 99 },
  ]
}

const SNAPSHOT_OFFSET = 2 ** 33 + 1

describe('producer snapshot encoding', () => {
  it('round-trips every field of every producer, all five batches included', () => {
    // Property: decode(encode(state)) is the state (sorted by producer id), Kafka's one-batch limit not applied.
    const entries = sampleEntries()
    const decoded = decodeProducerSnapshot(encodeProducerSnapshot(SNAPSHOT_OFFSET, entries), SNAPSHOT_OFFSET)
    expect(decoded).toEqual({ ok: true, entries: [entries[1], entries[0]] })
  })

  it('lays the file out as version, CRC-32C of the rest, then a plain MessagePack body', () => {
    // Property: format.md's layout, checked with an independent CRC and a stock MessagePack decoder.
    const entries = sampleEntries()
    const file = encodeProducerSnapshot(SNAPSHOT_OFFSET, entries)
    expect(file.readUInt16BE(0)).toBe(PRODUCER_SNAPSHOT_VERSION)
    expect(file.readUInt32BE(2)).toBe(CRC32C.buf(file.subarray(6)) >>> 0)
    const body = new Unpackr({ useRecords: false }).unpack(file.subarray(6))
    expect(body).toEqual([
      SNAPSHOT_OFFSET,
      [
        [0, 0, 77, 5, 99, []],
        [2 ** 40 + 3, 32_767, -1, 1_699_999_999_004, -1, entries[0]!.batches.map((b) => [b.firstSeq, b.lastSeq, b.lastOffset, b.offsetDelta, b.timestampMs])],
      ],
    ])
    // Equal states give equal bytes, whatever the order of the map.
    expect(encodeProducerSnapshot(SNAPSHOT_OFFSET, entries.slice().reverse())).toEqual(file)
  })

  it('reports every flipped byte and every truncation as corrupt, never throwing', () => {
    // Property: the CRC covers the body and the header is checked, so no single damaged byte and
    // no prefix of the file is accepted; decode returns a reason and does not throw.
    const file = encodeProducerSnapshot(SNAPSHOT_OFFSET, sampleEntries())
    for (let i = 0; i < file.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = Buffer.from(file)
        bad[i]! ^= mask
        const result = decodeProducerSnapshot(bad, SNAPSHOT_OFFSET)
        expect(result.ok, `byte ${i} ^ ${mask}`).toBe(false)
      }
    }
    for (let length = 0; length < file.length; length++) {
      expect(decodeProducerSnapshot(file.subarray(0, length), SNAPSHOT_OFFSET).ok, `length ${length}`).toBe(false)
    }
    expect(decodeProducerSnapshot(Buffer.concat([file, Buffer.from([0])]), SNAPSHOT_OFFSET).ok).toBe(false)
  })

  it('refuses to write a state its reader would refuse', () => {
    // Property: the write applies the read rules first, so a snapshot never silently loses a producer.
    expect(() => encodeProducerSnapshot(121, sampleEntries())).toThrow(/would not read back/)
    expect(() => encodeProducerSnapshot(99, sampleEntries().slice(1))).toThrow(RangeError)
  })

  it('refuses well-checksummed bodies that break the rules', () => {
    // Property: a valid CRC over a wrong body (another offset, unknown version, bad ranges, unsorted
    // ids, more than five batches, sequences that do not span the offsets) is still refused.
    const reframe = (body: unknown, version = PRODUCER_SNAPSHOT_VERSION): Buffer => {
      const payload = new Packr({ useRecords: false }).pack(body)
      const out = Buffer.alloc(6 + payload.length)
      out.writeUInt16BE(version, 0)
      payload.copy(out, 6)
      out.writeUInt32BE(CRC32C.buf(payload) >>> 0, 2)
      return out
    }
    const producer = (id: number, batches: unknown[] = [], txn = -1) => [id, 0, 0, 0, txn, batches]
    const good = reframe([10, [producer(1, [[0, 1, 5, 1, 0]])]])
    expect(decodeProducerSnapshot(good, 10).ok).toBe(true)
    expect(decodeProducerSnapshot(good, 11)).toMatchObject({ ok: false, reason: expect.stringContaining('file name') })
    const bad: [string, Buffer][] = [
      ['version 2', reframe([10, []], 2)],
      ['not an array', reframe({ offset: 10 })],
      ['unsorted ids', reframe([10, [producer(2), producer(1)]])],
      ['repeated id', reframe([10, [producer(1), producer(1)]])],
      ['negative id', reframe([10, [producer(-1)]])],
      ['epoch over int16', reframe([10, [[1, 0x8000, 0, 0, -1, []]]])],
      ['six batches', reframe([10, [producer(1, [0, 1, 2, 3, 4, 5].map((i) => [i, i, i, 0, 0]))]])],
      ['batch at the snapshot offset', reframe([10, [producer(1, [[0, 0, 10, 0, 0]])]])],
      ['txn at the snapshot offset', reframe([10, [producer(1, [], 10)]])],
      ['sequences not spanning offsets', reframe([10, [producer(1, [[0, 5, 5, 1, 0]])]])],
      ['offsets going back', reframe([10, [producer(1, [[0, 0, 5, 0, 0], [1, 1, 4, 0, 0]])]])],
      ['float', reframe([10, [producer(1.5)]])],
      ['string', reframe([10, [producer('1' as unknown as number)]])],
    ]
    for (const [what, bytes] of bad) expect(decodeProducerSnapshot(bytes, 10).ok, what).toBe(false)
  })
})

describe('producer snapshot files', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'seglog-psnap-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('writes <20-digit offset>.snapshot atomically and reads it back', async () => {
    // Property: the file name is Kafka's, no .tmp is left, and the content reads back equal.
    await writeProducerSnapshot(defaultFileSystem, dir, 4096, sampleEntries().slice(1))
    expect(readdirSync(dir)).toEqual(['00000000000000004096.snapshot'])
    expect(producerSnapshotFileName(4096)).toBe('00000000000000004096.snapshot')
    expect(readProducerSnapshot(defaultFileSystem, dir, 4096)).toEqual(sampleEntries().slice(1))
  })

  it('reads a missing, empty, truncated or garbage snapshot as null', () => {
    // Property: the caller can always fall back; only real I/O failures throw.
    expect(readProducerSnapshot(defaultFileSystem, dir, 500)).toBeNull()
    const good = encodeProducerSnapshot(500, sampleEntries().slice(1))
    for (const bytes of [Buffer.alloc(0), good.subarray(0, good.length >> 1), Buffer.alloc(64, 0xee)]) {
      writeFileSync(join(dir, producerSnapshotFileName(500)), bytes)
      expect(readProducerSnapshot(defaultFileSystem, dir, 500)).toBeNull()
    }
  })

  it('lists snapshots by offset, ignoring .tmp leftovers and other files, and deletes below or above an offset', async () => {
    // Property: only final `<offset>.snapshot` names count, sorted numerically.
    for (const offset of [300, 7, 1000, 42]) await writeProducerSnapshot(defaultFileSystem, dir, offset, [])
    writeFileSync(join(dir, producerSnapshotFileName(500) + '.tmp'), 'x')
    writeFileSync(join(dir, '00000000000000000000.log'), '')
    writeFileSync(join(dir, 'notes.snapshot'), '')
    expect(listProducerSnapshots(defaultFileSystem, dir)).toEqual([7, 42, 300, 1000])
    expect(await deleteProducerSnapshotsBelow(defaultFileSystem, dir, 42)).toEqual([7])
    expect(await deleteProducerSnapshotsAbove(defaultFileSystem, dir, 300)).toEqual([1000])
    expect(await deleteProducerSnapshotsAbove(defaultFileSystem, dir, 300)).toEqual([])
    expect(listProducerSnapshots(defaultFileSystem, dir)).toEqual([42, 300])
  })

  it('removes stray snapshots but keeps the clean-shutdown one above every segment (scenario 33)', async () => {
    // Property: Kafka's testRemoveStraySnapshotsKeepCleanShutdownSnapshot and testRemoveAllStraySnapshots.
    for (const offset of [5, 2, 42]) await writeProducerSnapshot(defaultFileSystem, dir, offset, [])
    expect(await removeStrayProducerSnapshots(defaultFileSystem, dir, [5])).toEqual([2])
    expect(listProducerSnapshots(defaultFileSystem, dir)).toEqual([5, 42])
    await writeProducerSnapshot(defaultFileSystem, dir, 2, [])
    expect(await removeStrayProducerSnapshots(defaultFileSystem, dir, [42])).toEqual([2, 5])
    expect(listProducerSnapshots(defaultFileSystem, dir)).toEqual([42])
  })
})

describe('producer snapshot crash safety (SimFS power cuts)', () => {
  const DIR = '/log/orders-0'
  const IMAGES_PER_CRASH_POINT = 24

  /** The events one snapshot write takes, counted on a SimFS that does not crash. */
  async function eventsOfOneWrite(): Promise<number> {
    const fs = simFsWithDirs([DIR], { clock })
    const before = fs.eventCount
    await writeProducerSnapshot(fs, DIR, 1, [])
    return fs.eventCount - before
  }

  it('leaves the old snapshot or the new one after a power cut at any step of the write, never a torn file', async () => {
    // Property: tmp → fsync → rename → fsync(dir): at every crash point and for every image a power
    // cut can leave, each snapshot present reads back whole (old or new content), the durable old
    // one is never lost, and once the write resolved the new one survives.
    const oldEntries = sampleEntries().slice(1)
    const newEntries = sortById(sampleEntries().map((e) => ({ ...e, batches: e.batches.slice(0, 4) }))) // all below offset 1000
    const steps = await eventsOfOneWrite()
    expect(steps).toBeGreaterThanOrEqual(5)
    const outcomes = { oldOnly: 0, newAfterCrash: 0 }
    for (const newOffset of [5000, 1000]) {
      for (let crashAfter = 1; crashAfter <= steps + 1; crashAfter++) {
        const fs = simFsWithDirs([DIR], { clock })
        await writeProducerSnapshot(fs, DIR, 1000, oldEntries)
        const images: SimFS[] = []
        let seed = crashAfter * 10_000 + newOffset
        fs.armCrash(crashAfter, () => {
          for (let i = 0; i < IMAGES_PER_CRASH_POINT; i++) images.push(new SimFS({ root: crashImage(fs.root, seededRandom(seed++), noDamage()), clock }))
        })
        let resolved = false
        void writeProducerSnapshot(fs, DIR, newOffset, newEntries).then(() => (resolved = true))
        for (let turns = 0; !fs.crashed && !resolved && turns < 1000; turns++) await new Promise((r) => setImmediate(r))
        if (resolved) {
          // The write finished before the crash point: a power cut now must keep the new snapshot.
          fs.crashNow()
          images.push(new SimFS({ root: crashImage(fs.root, seededRandom(seed), noDamage()), clock }))
        }
        expect(images.length).toBeGreaterThan(0)
        for (const image of images) {
          const where = `new at ${newOffset}, crash after event ${crashAfter}`
          const offsets = listProducerSnapshots(image, DIR)
          let holdsNew: boolean
          if (newOffset === 1000) {
            expect(offsets, where).toEqual([1000])
            const read = readProducerSnapshot(image, DIR, 1000)
            expect([oldEntries, newEntries], where).toContainEqual(read)
            holdsNew = JSON.stringify(read) === JSON.stringify(newEntries)
          } else {
            expect([[1000], [1000, 5000]], where).toContainEqual(offsets)
            expect(readProducerSnapshot(image, DIR, 1000), where).toEqual(oldEntries)
            holdsNew = offsets.includes(5000)
            if (holdsNew) expect(readProducerSnapshot(image, DIR, 5000), where).toEqual(newEntries)
          }
          if (resolved) expect(holdsNew, `${where}: the write had resolved`).toBe(true)
          else if (holdsNew) outcomes.newAfterCrash++
          else outcomes.oldOnly++
        }
      }
    }
    // Both outcomes of a crash in the middle of the protocol are exercised.
    expect(outcomes.newAfterCrash).toBeGreaterThan(0)
    expect(outcomes.oldOnly).toBeGreaterThan(0)
  })
})

function sortById(entries: ProducerEntry[]): ProducerEntry[] {
  return entries.slice().sort((a, b) => a.producerId - b.producerId)
}
