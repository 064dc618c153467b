import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { decodeBatch } from '../../../src/format/batch.js'
import { defaultFileSystem } from '../../../src/io/file.js'
import { ACTIVE_SEGMENT_REMAP_BYTES } from '../../../src/limits.js'
import { LogView } from '../../../src/segment/log-view.js'
import { Segment } from '../../../src/segment/segment.js'
import { FaultyFileSystem, appendBatches, recordBatch, segmentConfig, useTempDir } from '../../kafka/fixtures.js'

const dir = useTempDir()
const segments: Segment[] = []
const fds: number[] = []
const native = defaultFileSystem.binding.kind === 'native'

afterEach(() => {
  for (const segment of segments.splice(0)) segment.close()
  for (const fd of fds.splice(0)) defaultFileSystem.close(fd)
})

function create(fs = defaultFileSystem, indexIntervalBytes = 100): Segment {
  const segment = Segment.create(fs, dir.path, 0, segmentConfig({ indexIntervalBytes, segmentBytes: 64 * 1024 * 1024, segmentIndexBytes: 1024 * 1024 }), 0)
  segments.push(segment)
  return segment
}

/** The value of the record at `offset`: fixed width, so every batch of 10 has the same size. */
function valueAt(offset: number): string {
  return `v${String(offset).padStart(7, '0')}`
}

/** `count` batches of 10 records from offset `from`. */
function batchesFrom(from: number, count: number): Buffer[] {
  return Array.from({ length: count }, (_, b) => {
    const base = from + b * 10
    return recordBatch(base, Array.from({ length: 10 }, (_, i) => valueAt(base + i)))
  })
}

/** The number of mappings of `path` in this process (/proc/self/maps). */
function mappingsOf(path: string): number {
  return readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((line) => line.endsWith(path)).length
}

describe('Segment.read of few records', () => {
  for (const sealed of [false, true]) {
    test(`returns only the batch holding maxOffset, not maxBytes worth (${sealed ? 'sealed' : 'active'})`, () => {
      // Property: a point read fetches one batch; without maxOffset the same read returns every batch up to maxBytes.
      const segment = create()
      const batches = batchesFrom(0, 50)
      appendBatches(segment, ...batches)
      if (sealed) segment.onBecomeInactive()
      for (const offset of [0, 9, 10, 255, 499]) {
        const point = segment.read(offset, 1 << 20, { maxOffset: offset })!
        expect(point.bytes).toEqual(batches[Math.floor(offset / 10)])
        const twoBatches = segment.read(offset, 1 << 20, { maxOffset: offset + 10 })!
        expect(twoBatches.bytes).toEqual(Buffer.concat(batches.slice(Math.floor(offset / 10), Math.floor(offset / 10) + 2)))
        const bulk = segment.read(offset, 1 << 20)!
        expect(bulk.bytes).toEqual(Buffer.concat(batches.slice(Math.floor(offset / 10))))
      }
    })
  }

  test('never returns a partial batch when maxBytes or maxPosition cut inside one', () => {
    // Property: every read is whole batches, with or without maxOffset, copied or mapped.
    const segment = create()
    const batches = batchesFrom(0, 5)
    appendBatches(segment, ...batches)
    const size = batches[0]!.length
    for (const maxOffset of [undefined, 49]) {
      expect(segment.read(0, size * 2 + 5, { maxOffset })!.bytes).toEqual(Buffer.concat(batches.slice(0, 2)))
      expect(segment.read(0, 1 << 20, { maxOffset, maxPosition: size * 3 - 1 })!.bytes).toEqual(Buffer.concat(batches.slice(0, 2)))
      expect(segment.read(0, size - 1, { maxOffset })!.bytes.length).toBe(0)
    }
  })
})

describe('reading the active segment through a mapping', () => {
  test.runIf(native)('maps the active segment once and serves reads from it on the native binding', () => {
    // Property: repeated reads of the active segment create one mapping of its file, not a copy per read.
    const segment = create()
    appendBatches(segment, ...batchesFrom(0, 20))
    expect(mappingsOf(segment.path)).toBe(0)
    const reads = [0, 55, 120, 199].map((offset) => segment.read(offset, 1 << 20, { maxOffset: offset })!.bytes)
    expect(mappingsOf(segment.path)).toBe(1)
    // Views of one mapping share its memory.
    expect(new Set(reads.map((bytes) => bytes.buffer)).size).toBe(1)
  })

  test('reads appended data correctly before and after a remap', () => {
    // Property: whatever mix of mapped and copied bytes serves a read, it returns exactly what was appended.
    const segment = create()
    let next = 0
    const written = new Map<number, Buffer>()
    const append = (count: number): void => {
      for (const batch of batchesFrom(next, count)) {
        written.set(next, batch)
        appendBatches(segment, batch)
        next += 10
      }
    }
    append(10)
    expect(segment.read(0, 1 << 20, { maxOffset: 0 })!.bytes).toEqual(written.get(0))
    for (let round = 0; round < 5; round++) {
      append(1)
      expect(segment.read(next - 1, 1 << 20, { maxOffset: next - 1 })!.bytes).toEqual(written.get(next - 10))
      const batchBytes = written.get(0)!.length
      append(Math.ceil(ACTIVE_SEGMENT_REMAP_BYTES / batchBytes / 4))
      for (const offset of [0, next - 1, Math.floor(next / 20) * 10]) {
        expect(segment.read(offset, 1 << 20, { maxOffset: offset })!.bytes).toEqual(written.get(Math.floor(offset / 10) * 10))
      }
    }
  })

  test('keeps earlier reads intact when an append fails with DISK_FULL and is truncated back', () => {
    // Property: the rollback of a failed append never cuts below bytes a reader holds (no SIGBUS, same bytes).
    const fs = new FaultyFileSystem()
    const segment = create(fs)
    const batches = batchesFrom(0, 30)
    appendBatches(segment, ...batches)
    const held = [0, 150, 299].map((offset) => ({ offset, bytes: segment.read(offset, 1 << 20, { maxOffset: offset })!.bytes }))
    fs.fault = { pathSuffix: '.log', writeBytes: 7 }
    expect(() => appendBatches(segment, ...batchesFrom(300, 1))).toThrow(expect.objectContaining({ code: 'DISK_FULL' }))
    expect(segment.nextOffset).toBe(300)
    for (const { offset, bytes } of held) expect(bytes).toEqual(batches[Math.floor(offset / 10)])
    expect(segment.read(299, 1 << 20, { maxOffset: 299 })!.bytes).toEqual(batches[29])
    appendBatches(segment, ...batchesFrom(300, 1))
    expect(decodeBatch(segment.read(300, 1 << 20, { maxOffset: 300 })!.bytes).records[0]!.value?.toString()).toBe(valueAt(300))
  })
})

describe('LogView', () => {
  function fileOf(bytes: number): { fd: number; path: string; write: (more: number) => void } {
    const path = join(dir.path, 'view.log')
    const fd = defaultFileSystem.open(path, 'create')
    fds.push(fd)
    let size = 0
    const write = (more: number): void => {
      const chunk = Buffer.alloc(more, size % 251)
      defaultFileSystem.pwrite(fd, chunk, size)
      size += more
    }
    write(bytes)
    return { fd, path, write }
  }

  test('maps the logical size once and maps again only after ACTIVE_SEGMENT_REMAP_BYTES more', () => {
    // Property: the remap policy bounds mappings per appended byte; the fallback never maps.
    const view = new LogView(defaultFileSystem)
    const file = fileOf(10_000)
    const first = view.prefix(file.fd, 10_000)
    if (!native) {
      expect(first).toBeNull()
      expect(view.bytes(file.fd, file.path, first, 100, 50)).toEqual(Buffer.alloc(50, 0))
      return
    }
    expect(first!.length).toBe(10_000)
    file.write(ACTIVE_SEGMENT_REMAP_BYTES - 1)
    expect(view.prefix(file.fd, 10_000 + ACTIVE_SEGMENT_REMAP_BYTES - 1)).toBe(first)
    file.write(1)
    const second = view.prefix(file.fd, 10_000 + ACTIVE_SEGMENT_REMAP_BYTES)
    expect(second).not.toBe(first)
    expect(second!.length).toBe(10_000 + ACTIVE_SEGMENT_REMAP_BYTES)
    view.drop()
    expect(view.mappedBytes).toBe(0)
    // Dropped mappings stay readable through the views handed out.
    expect(first!.subarray(9_000, 9_010)).toEqual(Buffer.alloc(10, 0))
  })

  test('copies the part of a read that lies past the mapping, exactly as long as asked', () => {
    // Property: bytes() is a view inside the mapping and an exact pread copy outside it.
    const view = new LogView(defaultFileSystem)
    const file = fileOf(8192)
    const mapped = view.prefix(file.fd, 8192)
    file.write(4096)
    const inside = view.bytes(file.fd, file.path, mapped, 4000, 100)
    const across = view.bytes(file.fd, file.path, mapped, 8000, 1000)
    expect(across.length).toBe(1000)
    expect(across.subarray(192)).toEqual(Buffer.alloc(808, 8192 % 251))
    if (native) expect(inside.buffer).toBe(mapped!.buffer)
    expect(across.buffer).not.toBe(mapped?.buffer)
    expect(() => view.bytes(file.fd, file.path, mapped, 12_000, 1000)).toThrow(expect.objectContaining({ code: 'STORAGE_ERROR' }))
  })
})
