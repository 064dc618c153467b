import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, test } from 'vitest'
import { decodeBatch } from '../../../src/format/batch.js'
import { NodeFileSystem, defaultFileSystem, type FileSystem, type OpenMode } from '../../../src/io/file.js'
import { DEFAULT_TOPIC_CONFIG, type TopicConfig } from '../../../src/options.js'
import { PartitionLog } from '../../../src/partition/partition-log.js'
import { segmentFilePath } from '../../../src/segment/file-names.js'
import { SegmentCache, openFile } from '../../../src/segment/segment-cache.js'
import { Segment } from '../../../src/segment/segment.js'
import { HeldSyncFileSystem } from '../../helpers/held-sync-file-system.js'
import { chunkOf, recordBatch, seededRandom, useTempDir } from '../../kafka/fixtures.js'

const dir = useTempDir()
const logs: PartitionLog[] = []

afterEach(() => {
  for (const log of logs.splice(0)) log.close()
})

const BATCHES_PER_SEGMENT = 5
const RECORDS_PER_BATCH = 4
const RECORDS_PER_SEGMENT = BATCHES_PER_SEGMENT * RECORDS_PER_BATCH
const CONFIG: TopicConfig = { ...DEFAULT_TOPIC_CONFIG, indexIntervalBytes: 100, durability: 'os' }

function valueOf(offset: number): string {
  return `value ${offset} `.padEnd(40, String.fromCharCode(97 + (offset % 26)))
}

function load(fs: FileSystem, cache: SegmentCache | null): Promise<PartitionLog> {
  const options = { recoveryPoint: null, logStartOffset: null, cleanShutdown: true, repair: false, nowMs: 0, segmentCache: cache }
  return PartitionLog.load(fs, dir.path, CONFIG, options).then(({ log }) => {
    logs.push(log)
    return log
  })
}

/** A partition of `sealed` full segments plus an active one holding one batch; closed again. */
async function writePartition(sealed: number): Promise<void> {
  const log = await load(defaultFileSystem, null)
  let offset = 0
  for (let segment = 0; segment <= sealed; segment++) {
    const batches = segment === sealed ? 1 : BATCHES_PER_SEGMENT
    for (let b = 0; b < batches; b++) {
      const values = Array.from({ length: RECORDS_PER_BATCH }, (_, i) => valueOf(offset + i))
      log.append(chunkOf(recordBatch(offset, values)))
      offset += RECORDS_PER_BATCH
    }
    if (segment < sealed) await log.roll(0, false)
  }
  await log.captureFlush()()
  logs.splice(logs.indexOf(log), 1)
  log.close()
}

/** The record at `offset`, read as the partition's reader does: one whole batch from the segment holding it. */
function readRecord(log: PartitionLog, offset: number): { key: Buffer | null; value: Buffer | null } {
  const segment = log.segments[log.floorIndex(offset)]!
  const read = segment.read(offset, 1 << 20, { maxOffset: offset })!
  const batch = decodeBatch(read.bytes, 0)
  expect(batch.sizeBytes).toBe(read.bytes.length)
  const record = batch.records.find((r) => r.offset === offset)!
  return { key: record.key, value: record.value }
}

/** Names of the files of `dir` this process holds open (from /proc/self/fd). */
function openFilesIn(dirPath: string): string[] {
  const names: string[] = []
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`)
    } catch {
      continue // the descriptor readdir itself used, already closed
    }
    if (target.startsWith(dirPath + '/')) names.push(basename(target))
  }
  return names
}

function sealedFilesOpen(log: PartitionLog): string[] {
  const activeBase = basename(log.activeSegment.path, '.log')
  return openFilesIn(dir.path).filter((name) => !name.startsWith(activeBase))
}

function residentIndexBytes(log: PartitionLog): number {
  return log.segments.slice(0, -1).reduce((sum, segment) => sum + segment.residentBytes, 0)
}

/** A `gc()` for this worker (vitest runs without --expose-gc). */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

describe('SegmentCache over a partition', () => {
  test('keeps at most 4 sealed segments holding descriptors while 50 segments are read in random order', async () => {
    // Property: open sealed descriptors never exceed the cache bound, and reads stay correct across releases.
    await writePartition(50)
    const cache = new SegmentCache({ residentSegmentsMax: 4 })
    const log = await load(defaultFileSystem, cache)
    expect(log.segments).toHaveLength(51)
    expect(sealedFilesOpen(log).length).toBeLessThanOrEqual(4)
    // Memory is held by the resident segments only, not in proportion to the log.
    const notResident = log.segments.slice(0, -1).filter((s) => !cache.has(s))
    expect(notResident).toHaveLength(46)
    expect(notResident.reduce((sum, s) => sum + s.residentBytes, 0)).toBe(0)

    const random = seededRandom(7)
    const total = 50 * RECORDS_PER_SEGMENT
    const segmentsRead = new Set<number>()
    let maxSealedOpen = 0
    for (let i = 0; i < 400; i++) {
      const offset = random(total)
      expect(readRecord(log, offset).value?.toString()).toBe(valueOf(offset))
      segmentsRead.add(Math.floor(offset / RECORDS_PER_SEGMENT))
      const open = sealedFilesOpen(log)
      // Only `.log` descriptors: sealed indexes are read whole and never kept open.
      expect(open.every((name) => name.endsWith('.log'))).toBe(true)
      maxSealedOpen = Math.max(maxSealedOpen, open.length)
      expect(cache.residentSegments).toBeLessThanOrEqual(4)
    }
    expect(segmentsRead.size).toBe(50)
    expect(maxSealedOpen).toBeGreaterThan(0)
    expect(maxSealedOpen).toBeLessThanOrEqual(4)
    expect(cache.releases).toBeGreaterThan(300)
    expect(log.segments.slice(0, -1).filter((s) => s.holdsDescriptor).length).toBeLessThanOrEqual(4)
  })

  test('keeps Buffers read before their segment was released equal to what was written, through GCs', async () => {
    // Property: a release never invalidates bytes a reader holds (mappings live until their views are collected).
    await writePartition(12)
    const cache = new SegmentCache({ residentSegmentsMax: 2 })
    const log = await load(defaultFileSystem, cache)
    const held: Array<{ offset: number; value: Buffer }> = []
    for (let offset = 0; offset < 4 * RECORDS_PER_SEGMENT; offset++) held.push({ offset, value: readRecord(log, offset).value! })
    for (let offset = 4 * RECORDS_PER_SEGMENT; offset < 12 * RECORDS_PER_SEGMENT; offset++) readRecord(log, offset)
    expect(log.segments.slice(0, 4).some((s) => s.holdsDescriptor)).toBe(false)

    const gc = exposeGc()
    for (let round = 0; round < 10; round++) {
      // Churn so that freed memory would be reused and overwritten.
      let churn: Buffer[] | null = Array.from({ length: 256 }, (_, i) => Buffer.alloc(4096, i))
      churn = null
      gc()
      await new Promise((resolve) => setImmediate(resolve))
    }
    const wrong = held.filter(({ offset, value }) => value.toString() !== valueOf(offset)).map((h) => h.offset)
    expect(wrong).toEqual([])
  })

  test('bounds the index bytes loaded for sealed segments, releasing by size as well as by count', async () => {
    // Property: loaded index memory over sealed segments never exceeds indexBytesMax, and the cache counts it exactly.
    await writePartition(20)
    const probe = await load(defaultFileSystem, null)
    readRecord(probe, 0)
    const perSegment = probe.segments[0]!.residentBytes
    expect(perSegment).toBeGreaterThan(0)
    logs.splice(logs.indexOf(probe), 1)
    probe.close()

    const indexBytesMax = Math.floor(perSegment * 3.5)
    const cache = new SegmentCache({ residentSegmentsMax: 1000, indexBytesMax })
    const log = await load(defaultFileSystem, cache)
    const sealed = log.segments.slice(0, -1)
    for (let offset = 0; offset < 20 * RECORDS_PER_SEGMENT; offset += 3) {
      expect(readRecord(log, offset).value?.toString()).toBe(valueOf(offset))
      expect(residentIndexBytes(log)).toBeLessThanOrEqual(indexBytesMax)
      const counted = sealed.filter((s) => cache.has(s)).reduce((sum, s) => sum + s.residentBytes, 0)
      expect(cache.residentIndexBytes).toBe(counted)
    }
    // The count bound (1000) never bound: every release was for size.
    expect(cache.releases).toBeGreaterThan(0)
    expect(sealed.filter((s) => !cache.has(s)).every((s) => s.residentBytes === 0 && !s.holdsDescriptor)).toBe(true)
  })

  test('never releases the active segment, and takes a rolled one under its bound', async () => {
    // Property: the active segment keeps its descriptors and stays appendable however full the cache is.
    await writePartition(6)
    const cache = new SegmentCache({ residentSegmentsMax: 1 })
    const log = await load(defaultFileSystem, cache)
    const active = log.activeSegment
    for (let offset = 0; offset < 6 * RECORDS_PER_SEGMENT; offset++) readRecord(log, offset)
    expect(active.holdsDescriptor).toBe(true)
    expect(cache.has(active)).toBe(false)

    const next = active.nextOffset
    log.append(chunkOf(recordBatch(next, [valueOf(next)])))
    expect(readRecord(log, next).value?.toString()).toBe(valueOf(next))
    await log.roll(0, false)
    expect(cache.has(active)).toBe(true)
    readRecord(log, 0)
    expect(active.holdsDescriptor).toBe(false)
    expect(readRecord(log, next).value?.toString()).toBe(valueOf(next))
    await log.captureFlush()()
  })

  test('leaves a descriptor open under an fdatasync in flight and closes it when the sync ends', async () => {
    // Property: a release never closes the descriptor a pending fdatasync runs on (its number could be reused).
    await writePartition(3)
    const fs = new HeldSyncFileSystem()
    const cache = new SegmentCache({ residentSegmentsMax: 1 })
    const log = await load(fs, cache)
    const first = log.segments[0]!
    const held = fs.holdNextSync(basename(first.path))
    const flushed = first.flushLog()
    await held.arrived
    readRecord(log, RECORDS_PER_SEGMENT) // the second segment: the first is released
    expect(cache.has(first)).toBe(false)
    expect(first.holdsDescriptor).toBe(true)
    expect(sealedFilesOpen(log)).toContain(basename(first.path))
    held.release()
    await flushed
    expect(first.holdsDescriptor).toBe(false)
    expect(sealedFilesOpen(log)).not.toContain(basename(first.path))
    expect(readRecord(log, 0).value?.toString()).toBe(valueOf(0))
  })

  test('reloads a released segment whose index file was damaged meanwhile by rebuilding it from the log', async () => {
    // Property: reloaded indexes pass the same checks as at open; a failing one is rebuilt, reads stay right.
    await writePartition(2)
    const config = { ...CONFIG }
    const cache = new SegmentCache({ residentSegmentsMax: 1 })
    const rebuilt: string[] = []
    const open = (base: number): Segment =>
      Segment.open(defaultFileSystem, dir.path, base, config, { sealed: true, cache, onIndexRebuild: (e) => rebuilt.push(e.segmentPath) })
    const first = open(0)
    const second = open(RECORDS_PER_SEGMENT)
    try {
      const entries = first.offsetIndexEntries
      expect(entries).toBeGreaterThan(0)
      expect(second.nextOffset).toBe(2 * RECORDS_PER_SEGMENT)
      expect(first.holdsDescriptor).toBe(false)
      const indexPath = segmentFilePath(dir.path, 0, 'index', null)
      writeFileSync(indexPath, Buffer.concat([readFileSync(indexPath), Buffer.alloc(3)]))
      const read = first.read(5, 1 << 20, { maxOffset: 5 })!
      expect(decodeBatch(read.bytes, 0).records.map((r) => r.value?.toString())).toContain(valueOf(5))
      expect(rebuilt).toEqual([first.path])
      expect(first.offsetIndexEntries).toBe(entries)
      expect(readFileSync(indexPath).length).toBe(entries * 8)
    } finally {
      first.close()
      second.close()
    }
  })

  test('costs no index memory for a sealed segment until it is first used', async () => {
    // Property: opening many sealed segments allocates no entry buffers; the first lookup loads them.
    await writePartition(2)
    const segment = Segment.open(defaultFileSystem, dir.path, 0, { ...CONFIG }, { sealed: true })
    try {
      expect(segment.residentBytes).toBe(0)
      expect(segment.offsetIndexEntries).toBeGreaterThan(0)
      expect(segment.residentBytes).toBeGreaterThan(0)
    } finally {
      segment.close()
    }
  })

  test('keeps a batches() walk correct when its segment is released between yields', async () => {
    // Property: a long-lived header walk reopens the descriptor instead of reading a closed (or reused) one.
    await writePartition(3)
    const cache = new SegmentCache({ residentSegmentsMax: 1 })
    const log = await load(defaultFileSystem, cache)
    const [first, second] = log.segments
    const walked: number[] = []
    for (const batch of first!.batches()) {
      walked.push(batch.baseOffset)
      readRecord(log, RECORDS_PER_SEGMENT + walked.length) // uses the second segment: releases the first
      expect(first!.holdsDescriptor).toBe(false)
    }
    expect(walked).toEqual(Array.from({ length: BATCHES_PER_SEGMENT }, (_, b) => b * RECORDS_PER_BATCH))
    expect(second!.nextOffset).toBe(2 * RECORDS_PER_SEGMENT)
  })
})

/** The real file system, except that the next `failures` opens fail with EMFILE. */
class DescriptorLimitFileSystem extends NodeFileSystem {
  failures = 0
  opens = 0

  override open(filePath: string, mode: OpenMode): number {
    this.opens++
    if (this.failures > 0) {
      this.failures--
      throw Object.assign(new Error(`EMFILE: too many open files, open '${filePath}'`), { code: 'EMFILE', syscall: 'open', path: filePath })
    }
    return super.open(filePath, mode)
  }
}

describe('running out of descriptors', () => {
  test('releases the least recently used sealed segment and retries once on EMFILE', async () => {
    // Property: one EMFILE costs one release and a retry; the read succeeds.
    await writePartition(4)
    const fs = new DescriptorLimitFileSystem()
    const cache = new SegmentCache({ residentSegmentsMax: 3 })
    const log = await load(fs, cache)
    for (let s = 0; s < 3; s++) readRecord(log, s * RECORDS_PER_SEGMENT)
    expect(cache.residentSegments).toBe(3)
    const releases = cache.releases
    fs.failures = 1
    expect(readRecord(log, 3 * RECORDS_PER_SEGMENT + 1).value?.toString()).toBe(valueOf(3 * RECORDS_PER_SEGMENT + 1))
    // One release to make room for the retried open, one when the reopened segment joined the full cache.
    expect(cache.releases).toBe(releases + 2)
    expect(log.segments[0]!.holdsDescriptor).toBe(false)
  })

  test('throws STORAGE_ERROR naming the file when the retry hits EMFILE too, and recovers afterwards', async () => {
    // Property: exhaustion is a typed error with the path, never a raw errno or a crash; the segment stays usable.
    await writePartition(3)
    const fs = new DescriptorLimitFileSystem()
    const cache = new SegmentCache({ residentSegmentsMax: 2 })
    const log = await load(fs, cache)
    for (let s = 0; s < 3; s++) readRecord(log, s * RECORDS_PER_SEGMENT)
    expect(log.segments[0]!.holdsDescriptor).toBe(false)
    fs.failures = 2
    expect(() => readRecord(log, 1)).toThrow(
      expect.objectContaining({ code: 'STORAGE_ERROR', message: expect.stringContaining(log.segments[0]!.path) }),
    )
    expect(fs.failures).toBe(0) // the open and its one retry
    expect(readRecord(log, 1).value?.toString()).toBe(valueOf(1))
  })

  test('openFile without a cache turns EMFILE into STORAGE_ERROR and passes other errors through', () => {
    // Property: only descriptor exhaustion is translated; ENOENT stays what it is.
    const fs = new DescriptorLimitFileSystem()
    fs.failures = 1
    const path = join(dir.path, 'x.log')
    expect(() => openFile(fs, path, 'create', null)).toThrow(expect.objectContaining({ code: 'STORAGE_ERROR', message: expect.stringContaining(path) }))
    expect(() => openFile(fs, join(dir.path, 'missing.log'), 'readwrite', null)).toThrow(expect.objectContaining({ code: 'ENOENT' }))
    const fd = openFile(fs, path, 'create', null)
    fs.close(fd)
  })
})
