#!/usr/bin/env node
/**
 * CRC-32C throughput, native addon vs pure-JS fallback, for 1 KiB, 64 KiB and 1 MiB inputs.
 *
 * Run: `npx tsc -p tsconfig.build.json && node bench/crc32c.mjs` (imports ../dist).
 * Baseline, measured in the same run over the same bytes: `buf.copy(target)` (memcpy speed), so
 * the numbers can be compared across machines as "fraction of memcpy".
 * Each case: a warm-up, then repeated calls for BENCH_MS (default 300) ms of wall time; the bytes
 * are the same buffer every call, so this is in-cache compute throughput, not memory bandwidth.
 * Then the cost of one cold 10.6 KB batch as a point read meets it (see below).
 * Prints a table and, with `--ndjson`, one JSON object per case for bench/results.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { fallbackBinding, nativeBinding, nativeLoadError } from '../dist/native/load.js'

const measureMs = Number(process.env.BENCH_MS ?? 300)
const sizes = [
  ['1 KiB', 1024],
  ['64 KiB', 64 * 1024],
  ['1 MiB', 1024 * 1024],
]

/** Bytes per nanosecond = GB/s, for `run` called repeatedly on `sizeBytes` bytes. */
function throughput(sizeBytes, run) {
  const warmupEnd = process.hrtime.bigint() + 50_000_000n
  while (process.hrtime.bigint() < warmupEnd) run()
  const batch = Math.max(1, Math.floor((1024 * 1024) / sizeBytes)) // check the clock every ~1 MiB
  const start = process.hrtime.bigint()
  const end = start + BigInt(measureMs) * 1_000_000n
  let calls = 0
  let now = start
  while (now < end) {
    for (let i = 0; i < batch; i++) run()
    calls += batch
    now = process.hrtime.bigint()
  }
  return (calls * sizeBytes) / Number(now - start)
}

let crc32cMethod = 'not loaded'
if (nativeBinding) {
  const packageRoot = fileURLToPath(new URL('..', import.meta.url))
  crc32cMethod = createRequire(import.meta.url)('node-gyp-build')(packageRoot).crc32cMethod
}
console.log(`node ${process.version} ${process.arch}; addon crc32c: ${crc32cMethod}${nativeLoadError ? ` (${nativeLoadError.message})` : ''}`)
console.log('size     copy GB/s  native GB/s  fallback GB/s  native/fallback  native/copy')

const rows = []
for (const [label, sizeBytes] of sizes) {
  const data = randomBytes(sizeBytes)
  const target = Buffer.allocUnsafe(sizeBytes)
  let sink = 0 // keeps results live so no call is optimised away
  const copyGBs = throughput(sizeBytes, () => (sink ^= data.copy(target)))
  const nativeGBs = nativeBinding ? throughput(sizeBytes, () => (sink ^= nativeBinding.crc32c(data))) : NaN
  const fallbackGBs = throughput(sizeBytes, () => (sink ^= fallbackBinding.crc32c(data)))
  if (nativeBinding && nativeBinding.crc32c(data) !== fallbackBinding.crc32c(data)) throw new Error(`CRC mismatch at ${label}`)
  rows.push({ bench: 'crc32c', sizeBytes, copyGBs, nativeGBs, fallbackGBs, crc32cMethod, sink })
  console.log(
    `${label.padEnd(8)} ${copyGBs.toFixed(2).padStart(9)}  ${nativeGBs.toFixed(2).padStart(11)}  ${fallbackGBs.toFixed(2).padStart(13)}` +
      `  ${(nativeGBs / fallbackGBs).toFixed(1).padStart(14)}x  ${(nativeGBs / copyGBs).toFixed(2).padStart(10)}x`,
  )
}
// A point read checks the CRC of one batch it has not touched before: cold in the CPU caches and
// TLB, from a file mapping (4 KiB pages) as the native read path sees it. Random 10.6 KB slices
// (a batch of 100 × 100 B records, bench W6) of a mapped file larger than the caches, against the
// same slice over and over (hot) and against copying the cold slices (memcpy: what touching the
// bytes costs at all). Cold CRC close to cold copy means the memory, not the CRC, is the bound.
if (nativeBinding) {
  const FILE_BYTES = 128 * 1024 * 1024
  const SLICE_BYTES = 10_640
  const SLICES = 100_000
  const dir = mkdtempSync(join(tmpdir(), 'seglog-crc-'))
  try {
    const path = join(dir, 'cold.bin')
    const chunk = randomBytes(1024 * 1024)
    const fd = openSync(path, 'w+')
    for (let at = 0; at < FILE_BYTES; at += chunk.length) writeSync(fd, chunk, 0, chunk.length, at)
    const mapped = nativeBinding.mapFile(fd, 0, FILE_BYTES)
    closeSync(fd)
    let seed = 1
    const starts = Array.from({ length: SLICES }, () => (seed = (seed * 48271) % 2147483647) % (FILE_BYTES - SLICE_BYTES))
    const target = Buffer.allocUnsafe(SLICE_BYTES)
    let sink = 0
    const nsPerSlice = (run) => {
      const start = process.hrtime.bigint()
      for (const at of starts) sink ^= run(at)
      return Number(process.hrtime.bigint() - start) / SLICES
    }
    nsPerSlice((at) => nativeBinding.crc32c(mapped.subarray(at, at + SLICE_BYTES))) // fault the pages in
    const coldCrc = nsPerSlice((at) => nativeBinding.crc32c(mapped.subarray(at, at + SLICE_BYTES)))
    const coldCopy = nsPerSlice((at) => mapped.copy(target, 0, at, at + SLICE_BYTES))
    const hotCrc = nsPerSlice(() => nativeBinding.crc32c(mapped.subarray(0, SLICE_BYTES)))
    console.log(`\n${SLICES.toLocaleString('en')} random ${SLICE_BYTES} B slices of a mapped ${FILE_BYTES >> 20} MiB file (page cache, warm):`)
    console.log(`native crc32c cold ${(coldCrc / 1000).toFixed(2)} µs, copy cold ${(coldCopy / 1000).toFixed(2)} µs, crc32c hot ${(hotCrc / 1000).toFixed(2)} µs per slice`)
    rows.push({ bench: 'crc32c-cold-slices', sizeBytes: SLICE_BYTES, fileBytes: FILE_BYTES, coldCrcNs: coldCrc, coldCopyNs: coldCopy, hotCrcNs: hotCrc, crc32cMethod, sink })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv.includes('--ndjson')) {
  for (const { sink: _sink, ...row } of rows) console.log(JSON.stringify({ ...row, node: process.version, at: new Date().toISOString() }))
}
