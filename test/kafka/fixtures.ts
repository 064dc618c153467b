/**
 * Test support shared by the segment and index tests (test/kafka, test/unit/index,
 * test/unit/segment): temp directories, a seeded random source, a FileSystem that injects write
 * faults (short writes, errno errors) into files chosen by name, and batch/segment builders.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import { decodeBatch, encodeBatch, type DecodedRecord, type EncodeBatchOptions } from '../../src/format/batch.js'
import { NO_TIMESTAMP, lastOffsetAt, maxTimestampAt } from '../../src/format/batch-header.js'
import { NodeFileSystem, type OpenMode } from '../../src/io/file.js'
import type { AppendChunk, Segment, SegmentConfig } from '../../src/segment/segment.js'

/** A fresh directory under os.tmpdir() for each test, removed after it. */
export function useTempDir(): { readonly path: string } {
  const dir = { path: '' }
  beforeEach(() => {
    dir.path = mkdtempSync(join(tmpdir(), 'seglog-test-'))
  })
  afterEach(() => {
    rmSync(dir.path, { recursive: true, force: true })
  })
  return dir
}

/** Deterministic PRNG (mulberry32): failures reproduce from the seed in the test. */
export function seededRandom(seed: number): (below: number) => number {
  let state = seed >>> 0
  return (below: number) => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296
    return Math.floor(unit * below)
  }
}

export interface WriteFault {
  /** The fault hits the next write to a file whose path ends with this. */
  pathSuffix: string
  /** Write only this many bytes and report that count (a full disk, as Node reports it). */
  writeBytes?: number
  /** Or throw a system error with this errno name, writing nothing. */
  errorCode?: string
}

/** The real file system, except that the armed fault hits one write and then disarms. */
export class FaultyFileSystem extends NodeFileSystem {
  fault: WriteFault | null = null
  private readonly paths = new Map<number, string>()

  override open(filePath: string, mode: OpenMode): number {
    const fd = super.open(filePath, mode)
    this.paths.set(fd, filePath)
    return fd
  }

  override close(fd: number): void {
    this.paths.delete(fd)
    super.close(fd)
  }

  override pwrite(fd: number, data: Uint8Array, position: number): number {
    return this.pwritev(fd, [data], position)
  }

  override pwritev(fd: number, data: readonly Uint8Array[], position: number): number {
    const fault = this.fault
    if (fault === null || !(this.paths.get(fd) ?? '').endsWith(fault.pathSuffix)) {
      return data.length === 1 ? super.pwrite(fd, data[0]!, position) : super.pwritev(fd, data, position)
    }
    this.fault = null
    if (fault.errorCode !== undefined) {
      throw Object.assign(new Error(`${fault.errorCode}: injected write error`), { code: fault.errorCode, syscall: 'write' })
    }
    const partial = Buffer.concat(data).subarray(0, fault.writeBytes ?? 0)
    return partial.length === 0 ? 0 : super.pwrite(fd, partial, position)
  }
}

// --- segments -------------------------------------------------------------------------------

/** Kafka's LogTestUtils.createSegment defaults: a 10-byte index interval, roomy indexes. */
export function segmentConfig(overrides: Partial<SegmentConfig> = {}): SegmentConfig {
  return {
    indexIntervalBytes: 10,
    segmentIndexBytes: 1000,
    segmentBytes: 1024 * 1024,
    segmentMs: 7 * 24 * 3600 * 1000,
    ...overrides,
  }
}

/** One v2 batch at `baseOffset` holding `values`, every record stamped `timestamp` (default -1: none). */
export function recordBatch(baseOffset: number, values: readonly string[], options: EncodeBatchOptions = {}): Buffer {
  const timestamp = options.timestamp ?? NO_TIMESTAMP
  return encodeBatch(
    values.map((value) => ({ value, timestamp })),
    { ...options, baseOffset, timestamp },
  )
}

/** The append chunk for whole batches, with largest offset and max timestamp read from their headers. */
export function chunkOf(...batches: Buffer[]): AppendChunk {
  let max = { timestamp: NO_TIMESTAMP, offset: -1 }
  for (const batch of batches) {
    if (maxTimestampAt(batch) > max.timestamp) max = { timestamp: maxTimestampAt(batch), offset: lastOffsetAt(batch) }
  }
  return {
    buffers: batches,
    sizeBytes: batches.reduce((sum, b) => sum + b.length, 0),
    largestOffset: lastOffsetAt(batches[batches.length - 1]!),
    maxTimestamp: max.timestamp,
    offsetOfMaxTimestamp: max.offset,
  }
}

/** Appends each batch as its own chunk. */
export function appendBatches(segment: Segment, ...batches: Buffer[]): void {
  for (const batch of batches) segment.append(chunkOf(batch))
}

/** Values of every record in `bytes` (whole batches), in order. */
export function valuesIn(bytes: Buffer): string[] {
  return recordsIn(bytes).map((r) => r.value?.toString() ?? '<null>')
}

/** Records of every batch in `bytes` (whole batches). */
export function recordsIn(bytes: Buffer): DecodedRecord[] {
  const records: DecodedRecord[] = []
  for (let pos = 0; pos < bytes.length; ) {
    const batch = decodeBatch(bytes, pos)
    records.push(...batch.records)
    pos += batch.sizeBytes
  }
  return records
}
