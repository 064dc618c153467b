#!/usr/bin/env node
/**
 * Segment append and sequential read throughput (src/segment/segment.ts), against raw `fs` calls
 * on the same bytes measured in the same run.
 *
 * Run: `npx tsc -p tsconfig.build.json && node bench/segment.mjs` (imports ../dist); add
 * `SEGLOG_NO_NATIVE=1` for the pure-JS binding. BENCH_SEGMENT_MB (default 256) sets the bytes
 * appended per case; SEGLOG_BENCH_DIR the disk (bench/lib/machine.mjs avoids tmpfs).
 *
 * Append: 100-byte and 1 KiB records in batches of 100, pre-encoded once (a pool of 64 batches of
 * random values), offsets assigned by patching bytes 0–7 as the partition does, one
 * `Segment.append` per batch, no fsync (durability 'os': page cache only). Baseline: one
 * `fs.writeSync` per batch of the same bytes at the end of a plain file, also without fsync.
 * The two alternate, REPEATS times each, best run kept; after each run the file is fdatasynced
 * (untimed) so the next one does not start behind the kernel's dirty-page writeback throttle.
 * Read: the segment written above, read from offset 0 to the end in 1 MiB `read()` calls, opened
 * sealed (views of one mapping on the native binding, pread copies on the fallback) and active
 * (pread copies into a new Buffer per read). Sealed: the first pass over a freshly opened segment
 * (it faults the mapping in) and the best of REPEATS later passes; active: the best later pass.
 * Baseline: `fs.readSync` of the raw file in 1 MiB chunks into one reused buffer, best of
 * REPEATS. Every side touches one byte per 4 KiB page of what it got, so a mapping is really
 * faulted in. All reads come from the page cache (the data was just written): this is the CPU
 * cost of the read path, not the disk's.
 * MB/s = 10^6 bytes of batches (headers included) per second, the same bytes on both sides.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, fdatasyncSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { encodeBatch } from '../dist/format/batch.js'
import { LOG_OVERHEAD_BYTES, lastOffsetAt, maxTimestampAt, setBaseOffset } from '../dist/format/batch-header.js'
import { defaultFileSystem } from '../dist/io/file.js'
import { binding } from '../dist/native/load.js'
import { Segment } from '../dist/segment/segment.js'
import { secondsSince, startClock } from './lib/clock.mjs'
import { chooseBenchRoot } from './lib/machine.mjs'
import { makeTempDir, removeTempDir } from './lib/temp-dir.mjs'

const TOTAL_BYTES = Number(process.env.BENCH_SEGMENT_MB ?? 256) * 1e6
const BATCH_RECORDS = 100
const POOL_BATCHES = 64
const READ_BYTES = 1024 * 1024
const REPEATS = 3
const PAGE_BYTES = 4096
const CONFIG = {
  indexIntervalBytes: 4096,
  segmentIndexBytes: 10 * 1024 * 1024,
  segmentBytes: 0x7fffffff,
  segmentMs: 7 * 24 * 3600 * 1000,
}

/** One byte per page, so mapped data is faulted in and copies are read. */
function touch(bytes) {
  let sum = 0
  for (let i = 0; i < bytes.length; i += PAGE_BYTES) sum += bytes[i]
  return sum
}

function batchPool(recordBytes) {
  const now = Date.now()
  return Array.from({ length: POOL_BATCHES }, () =>
    encodeBatch(Array.from({ length: BATCH_RECORDS }, () => ({ value: randomBytes(recordBytes), timestamp: now }))),
  )
}

function appendSegment(dir, pool, batches) {
  const segment = Segment.create(defaultFileSystem, dir, 0, CONFIG, Date.now())
  const start = startClock()
  let offset = 0
  let bytes = 0
  for (let i = 0; i < batches; i++) {
    const batch = pool[i % POOL_BATCHES]
    setBaseOffset(batch, offset)
    const largestOffset = lastOffsetAt(batch)
    segment.append({ buffers: [batch], sizeBytes: batch.length, largestOffset, maxTimestamp: maxTimestampAt(batch), offsetOfMaxTimestamp: largestOffset })
    offset = largestOffset + 1
    bytes += batch.length
  }
  const seconds = secondsSince(start)
  segment.close()
  return { seconds, bytes, records: offset }
}

function appendRaw(path, pool, batches) {
  const fd = openSync(path, 'w')
  const start = startClock()
  let position = 0
  for (let i = 0; i < batches; i++) {
    const batch = pool[i % POOL_BATCHES]
    position += writeSync(fd, batch, 0, batch.length, position)
  }
  const seconds = secondsSince(start)
  closeSync(fd)
  return { seconds, bytes: position }
}

/** The fastest of REPEATS runs: the least disturbed by whatever else the machine is doing. */
function bestOf(run) {
  let best = null
  for (let i = 0; i < REPEATS; i++) {
    const result = run()
    if (best === null || result.seconds < best.seconds) best = result
  }
  return best
}

/** Untimed: write back what a run left dirty, so the next run starts from a quiet page cache. */
function settle(path) {
  const fd = openSync(path, 'r')
  fdatasyncSync(fd)
  closeSync(fd)
}

/** Next offset after the whole batches in `bytes`. */
function nextOffsetAfter(bytes) {
  let last = 0
  for (let pos = 0; pos < bytes.length; pos += bytes.readInt32BE(pos + 8) + LOG_OVERHEAD_BYTES) last = pos
  return lastOffsetAt(bytes, last) + 1
}

/** Passes over one opened segment: the first (a sealed segment's mapping is faulted in) and the best later one. */
function readSegment(dir, sealed, records) {
  const segment = Segment.open(defaultFileSystem, dir, 0, CONFIG, { sealed })
  const passes = []
  for (let pass = 0; pass <= REPEATS; pass++) {
    const start = startClock()
    let offset = 0
    let bytes = 0
    let sink = 0
    while (offset < records) {
      const read = segment.read(offset, READ_BYTES, { minOneMessage: true })
      sink += touch(read.bytes)
      bytes += read.bytes.length
      offset = nextOffsetAfter(read.bytes)
    }
    passes.push({ seconds: secondsSince(start), bytes, sink })
  }
  segment.close()
  const later = passes.slice(1).reduce((best, p) => (p.seconds < best.seconds ? p : best))
  return { first: passes[0], later }
}

function readRaw(path) {
  const fd = openSync(path, 'r')
  const chunk = Buffer.allocUnsafe(READ_BYTES)
  const start = startClock()
  let bytes = 0
  let sink = 0
  for (let n = readSync(fd, chunk, 0, READ_BYTES, 0); n > 0; n = readSync(fd, chunk, 0, READ_BYTES, bytes)) {
    sink += touch(chunk.subarray(0, n))
    bytes += n
  }
  const seconds = secondsSince(start)
  closeSync(fd)
  return { seconds, bytes, sink }
}

const mbps = (r) => r.bytes / 1e6 / r.seconds
const benchRoot = chooseBenchRoot()
console.log(`node ${process.version}; binding ${binding.kind}; durability 'os' (no fsync); data in ${benchRoot.note}`)
console.log('case                          record  batch  binding    seglog MB/s  raw MB/s  ratio')
const rows = []
for (const recordBytes of [100, 1024]) {
  const pool = batchPool(recordBytes)
  const batchBytes = pool[0].length
  const batches = Math.max(1, Math.floor(TOTAL_BYTES / batchBytes))
  const dir = makeTempDir(benchRoot.path, 'segment')
  try {
    let raw = null
    let appended = null
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      const last = repeat === REPEATS - 1
      for (const file of ['raw.log', '00000000000000000000.log', '00000000000000000000.index', '00000000000000000000.timeindex']) {
        rmSync(join(dir, file), { force: true })
      }
      const rawRun = appendRaw(join(dir, 'raw.log'), pool, batches)
      settle(join(dir, 'raw.log'))
      const segmentRun = appendSegment(dir, pool, batches)
      settle(join(dir, '00000000000000000000.log'))
      if (segmentRun.bytes !== rawRun.bytes) throw new Error(`appended ${segmentRun.bytes} bytes, raw ${rawRun.bytes}`)
      if (raw === null || rawRun.seconds < raw.seconds) raw = rawRun
      if (appended === null || segmentRun.seconds < appended.seconds) appended = segmentRun
      if (last) break
    }
    const rawRead = bestOf(() => readRaw(join(dir, 'raw.log')))
    const sealed = readSegment(dir, true, appended.records)
    const active = readSegment(dir, false, appended.records)
    const cases = [
      ['append', appended, raw],
      ['read sealed, first pass', sealed.first, rawRead],
      ['read sealed, later passes', sealed.later, rawRead],
      ['read active (pread)', active.later, rawRead],
    ]
    for (const [name, seglog, baseline] of cases) {
      if (seglog.bytes !== appended.bytes) throw new Error(`${name}: ${seglog.bytes} bytes, expected ${appended.bytes}`)
      const row = { bench: 'segment', case: name, durability: 'os', recordBytes, batchRecords: BATCH_RECORDS, binding: binding.kind, seglogMBps: mbps(seglog), rawMBps: mbps(baseline), bytes: seglog.bytes }
      rows.push(row)
      console.log(
        `${name.padEnd(29)} ${String(recordBytes).padStart(6)}  ${String(BATCH_RECORDS).padStart(5)}  ${binding.kind.padEnd(9)} ${row.seglogMBps.toFixed(0).padStart(12)} ${row.rawMBps.toFixed(0).padStart(9)}  ${(row.seglogMBps / row.rawMBps).toFixed(2).padStart(5)}`,
      )
    }
  } finally {
    removeTempDir(dir)
  }
}
if (process.argv.includes('--ndjson')) {
  for (const row of rows) console.log(JSON.stringify({ ...row, node: process.version, at: new Date().toISOString() }))
}
