// Record-batch codec throughput: encode and decode of 100-record batches of 100-byte and 1 KiB
// records, each next to baselines measured in the same run on the same bytes (Buffer.copy, and
// fs.writeSync to a temp file), so the ratio says how far the codec is from moving the bytes.
//
// Build first: npx tsc -p tsconfig.build.json
// Run:         node bench/encode.mjs            (native addon if built)
//              SEGLOG_NO_NATIVE=1 node bench/encode.mjs
// Output: one NDJSON line per measurement on stdout (bench/ keeps results as data).
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeBatch, encodeBatch } from '../dist/format/batch.js'
import { binding } from '../dist/native/load.js'

const RECORDS_PER_BATCH = 100
// Long enough that timer resolution and JIT warm-up are noise; short enough for a quick run.
const MEASURE_MS = 1500
const WARMUP_MS = 300
// Each fs.writeSync call writes this many batches: one syscall per batch would measure syscalls.
const WRITE_CHUNK_BATCHES = 16

/** Runs `fn` repeatedly for about `ms`; returns calls per second. */
function rate(fn, ms) {
  let calls = 0
  const start = process.hrtime.bigint()
  const deadline = start + BigInt(ms) * 1_000_000n
  let now = start
  while (now < deadline) {
    for (let i = 0; i < 50; i++) fn()
    calls += 50
    now = process.hrtime.bigint()
  }
  return calls / (Number(now - start) / 1e9)
}

function measure(fn) {
  rate(fn, WARMUP_MS)
  return rate(fn, MEASURE_MS)
}

function makeRecords(recordBytes) {
  const records = []
  for (let i = 0; i < RECORDS_PER_BATCH; i++) {
    const value = Buffer.allocUnsafe(recordBytes)
    for (let j = 0; j < recordBytes; j++) value[j] = (i * 31 + j * 7) & 0xff
    records.push({ key: `key-${String(i).padStart(6, '0')}`, value, headers: i % 10 === 0 ? { trace: 'abc123' } : undefined })
  }
  return records
}

const dir = mkdtempSync(join(tmpdir(), 'seglog-bench-encode-'))
try {
  for (const recordBytes of [100, 1024]) {
    const records = makeRecords(recordBytes)
    const timestamp = Date.now()
    const sample = encodeBatch(records, { timestamp })
    const batchBytes = sample.length
    const base = { bench: 'encode', binding: binding.kind, recordBytes, recordsPerBatch: RECORDS_PER_BATCH, batchBytes, node: process.version }
    const mbps = (batchesPerSec) => +((batchesPerSec * batchBytes) / 1e6).toFixed(1)

    const copyTarget = Buffer.allocUnsafe(batchBytes)
    const copyRate = measure(() => sample.copy(copyTarget, 0))

    const chunk = Buffer.concat(Array.from({ length: WRITE_CHUNK_BATCHES }, () => sample))
    const fd = openSync(join(dir, `write-${recordBytes}.bin`), 'w')
    let writes = 0
    const writeRate = measure(() => {
      // Rewind every 64 MiB so the baseline measures writes, not a growing file.
      const position = (writes++ * chunk.length) % (64 * 1024 * 1024)
      writeSync(fd, chunk, 0, chunk.length, position)
    }) * WRITE_CHUNK_BATCHES
    closeSync(fd)

    const encodeRate = measure(() => encodeBatch(records, { timestamp }))
    const decodeRate = measure(() => decodeBatch(sample))
    const decodeNoCrcRate = measure(() => decodeBatch(sample, 0, { verifyCrc: false }))

    const copyMBps = mbps(copyRate)
    const writeMBps = mbps(writeRate)
    const lines = [
      { op: 'baseline Buffer.copy', MBps: copyMBps },
      { op: 'baseline fs.writeSync', MBps: writeMBps },
      { op: 'encodeBatch', MBps: mbps(encodeRate), recordsPerSec: Math.round(encodeRate * RECORDS_PER_BATCH) },
      { op: 'decodeBatch (CRC verified)', MBps: mbps(decodeRate), recordsPerSec: Math.round(decodeRate * RECORDS_PER_BATCH) },
      { op: 'decodeBatch (no CRC)', MBps: mbps(decodeNoCrcRate), recordsPerSec: Math.round(decodeNoCrcRate * RECORDS_PER_BATCH) },
    ]
    for (const line of lines) {
      const ratios = line.op.startsWith('baseline')
        ? {}
        : { vsCopy: +(line.MBps / copyMBps).toFixed(3), vsWriteSync: +(line.MBps / writeMBps).toFixed(3) }
      console.log(JSON.stringify({ ...base, ...line, ...ratios }))
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
