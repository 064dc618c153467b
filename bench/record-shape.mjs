#!/usr/bin/env node
/**
 * The ceiling the public record shape puts on a replay (W5). W5 compares seglog with the raw
 * baseline `rawSequentialRead` (bench/lib/baselines.mjs): readSync of a file of length-prefixed
 * 100 B records in 1 MiB chunks, every value compared in place, nothing allocated per record. Here
 * that baseline runs beside the same loop doing what any reader returning api.md's records must do
 * per record — a Buffer view of the value and a `{ offset, timestamp, key, value, headers }` object,
 * kept until its chunk is checked, as `read()` returns a fetch — and nothing else: no decoding, no
 * CRC, no index. Their ratio is the most a replay through this API can reach against W5's baseline
 * on this machine, whatever the engine does.
 *
 *   node bench/record-shape.mjs
 */
import { closeSync, openSync, readSync } from 'node:fs'
import { rawAppend, rawSequentialRead } from './lib/baselines.mjs'
import { chooseBenchRoot } from './lib/machine.mjs'
import { createPayloadPool } from './lib/payloads.mjs'
import { makeTempDir, removeTempDir } from './lib/temp-dir.mjs'

const RECORDS = 1_000_000
const RECORD_BYTES = 100
const PREFIX_BYTES = 4 // rawAppend's length prefix
const CHUNK_BYTES = 1024 * 1024
const ROUNDS = 5

/** rawSequentialRead's loop, returning each chunk's records in the api.md shape before checking them. */
function shapedRead({ path, pool, records }) {
  const fd = openSync(path, 'r')
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES + PREFIX_BYTES + RECORD_BYTES)
  let offset = 0
  let filePosition = 0
  let carried = 0
  const start = process.hrtime.bigint()
  try {
    for (;;) {
      const n = readSync(fd, chunk, carried, CHUNK_BYTES, filePosition)
      filePosition += n
      const end = carried + n
      const fetched = chunk
      const batch = []
      let at = 0
      while (at + PREFIX_BYTES <= end) {
        const length = fetched.readUInt32BE(at)
        if (at + PREFIX_BYTES + length > end) break
        batch.push({ offset: offset++, timestamp: 0, key: null, value: fetched.subarray(at + PREFIX_BYTES, at + PREFIX_BYTES + length), headers: [] })
        at += PREFIX_BYTES + length
      }
      for (const record of batch) if (!record.value.equals(pool.expected(record.offset))) throw new Error(`record ${record.offset} differs`)
      if (n === 0) break
      carried = end - at
      // A fresh buffer per fetch, as read() returns views that stay valid: the records just
      // returned must not see the next chunk's bytes (only the cut record is carried over).
      chunk = Buffer.allocUnsafe(CHUNK_BYTES + PREFIX_BYTES + RECORD_BYTES)
      fetched.copy(chunk, 0, at, end)
    }
  } finally {
    closeSync(fd)
  }
  if (offset !== records) throw new Error(`${offset} records, expected ${records}`)
  return { records: offset, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1]
const pool = createPayloadPool(RECORD_BYTES, 1)
const dir = makeTempDir(chooseBenchRoot().path, 'record-shape')
try {
  const { path } = rawAppend({ dir, pool, batchRecords: 100, records: RECORDS, sync: 'end' })
  const raw = []
  const shaped = []
  rawSequentialRead({ path, pool, records: RECORDS }) // warm-up, and the file into the page cache
  shapedRead({ path, pool, records: RECORDS })
  for (let round = 0; round < ROUNDS; round++) {
    const r = rawSequentialRead({ path, pool, records: RECORDS })
    raw.push(r.records / r.seconds)
    const s = shapedRead({ path, pool, records: RECORDS })
    shaped.push(s.records / s.seconds)
  }
  console.log(`${RECORDS.toLocaleString('en')} × ${RECORD_BYTES} B records, readSync in 1 MiB chunks (warm page cache), alternating, median of ${ROUNDS}:`)
  console.log(`W5 baseline (raw walk, compare in place):   ${(median(raw) / 1e6).toFixed(2)}M rec/s`)
  console.log(`the same returning api.md records:          ${(median(shaped) / 1e6).toFixed(2)}M rec/s = ${(median(shaped) / median(raw)).toFixed(2)}× the baseline: W5's ceiling`)
} finally {
  removeTempDir(dir)
}
