/**
 * Baselines, measured in the same process and run as the seglog case they are compared with, on
 * the same disk, with the same record sizes, batching and record values: the ratio seglog/baseline
 * is what the targets are about, and it survives a slow or noisy machine because both sides move.
 *
 * The raw file format is the simplest log there is: each record is a 4-byte big-endian length
 * followed by its value, records of one batch are copied into one buffer and written with one
 * `fs.writeSync` at the end of the file.
 *
 * | baseline                  | for      | what it does                                                |
 * |---------------------------|----------|-------------------------------------------------------------|
 * | rawAppend sync 'end'      | W1, W2   | one writeSync per batch, one fdatasync at the end (timed)   |
 * | rawAppend sync 'batch'    | W3       | writeSync + fdatasync per batch                             |
 * | diskFdatasyncRate         | W4       | 128-byte append + fdatasync in a loop: the disk's sync rate |
 * | rawSequentialRead         | W5       | readSync 1 MiB chunks, walk the length prefixes, compare    |
 * |                           |          | every value with the expected one (same work as a replay)   |
 * | rawPointReads             | W6       | one pread at a computed position per read, value compared   |
 * | rawSocketCopy             | W9       | readSync 1 MiB chunks of the same files + socket.write      |
 *
 * These are upper bounds for what a log can do on this machine through Node's fs API: no index, no
 * CRC, no headers, no offset lookup. Every function throws if the bytes read back are not the
 * bytes written, so a baseline can never win by doing less.
 */
import { closeSync, fdatasyncSync, openSync, readSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { secondsSince, startClock } from './clock.mjs'

/** Length prefix of a raw record: u32 big-endian. */
const PREFIX_BYTES = 4
/** Read size for sequential baselines: large enough that syscalls are not what is measured. */
const READ_CHUNK_BYTES = 1024 * 1024
/** Size of each write in the fdatasync-rate loop: a small record, one page dirtied. */
const SYNC_PROBE_BYTES = 128

/**
 * Appends length-prefixed records in batches of `batchRecords` to `<dir>/raw-<recordBytes>.log`.
 * Stops after `records` records, or, with `durationMs`, at the first batch boundary after that
 * much time. `sync`: 'end' = one fdatasync after the last write (inside the timing), 'batch' =
 * fdatasync after every batch.
 * Returns `{ name, path, records, bytes (payload), fileBytes, seconds }`.
 */
export function rawAppend({ dir, pool, batchRecords, records = Infinity, durationMs = Infinity, sync }) {
  if (sync !== 'end' && sync !== 'batch') throw new RangeError(`rawAppend sync must be 'end' or 'batch', got ${sync}`)
  if (records === Infinity && durationMs === Infinity) throw new RangeError('rawAppend needs records or durationMs')
  const { recordBytes } = pool
  const path = join(dir, `raw-${recordBytes}-${sync}.log`)
  const fd = openSync(path, 'w')
  const batch = Buffer.allocUnsafe(batchRecords * (PREFIX_BYTES + recordBytes))
  let written = 0
  let position = 0
  const deadlineNs = durationMs === Infinity ? null : process.hrtime.bigint() + BigInt(Math.round(durationMs * 1e6))
  const start = startClock()
  try {
    while (written < records && (deadlineNs === null || process.hrtime.bigint() < deadlineNs)) {
      const count = Math.min(batchRecords, records - written)
      let at = 0
      for (let i = 0; i < count; i++) {
        batch.writeUInt32BE(recordBytes, at)
        pool.expected(written + i).copy(batch, at + PREFIX_BYTES)
        at += PREFIX_BYTES + recordBytes
      }
      const n = writeSync(fd, batch, 0, at, position)
      if (n !== at) throw new Error(`Short write to ${path} at position ${position}: ${n} of ${at} bytes`)
      position += at
      written += count
      if (sync === 'batch') fdatasyncSync(fd)
    }
    if (sync === 'end') fdatasyncSync(fd)
    const seconds = secondsSince(start)
    return {
      name: sync === 'end' ? 'raw fs.writeSync per batch + final fdatasync' : 'raw write + fdatasync per batch',
      path,
      records: written,
      bytes: written * recordBytes,
      fileBytes: position,
      seconds,
    }
  } finally {
    closeSync(fd)
  }
}

/** The disk's fdatasync rate: 128-byte appends each followed by fdatasync, for `durationMs`. */
export function diskFdatasyncRate({ dir, durationMs }) {
  const path = join(dir, 'fdatasync-probe.bin')
  const fd = openSync(path, 'w')
  const probe = Buffer.alloc(SYNC_PROBE_BYTES, 0x5a)
  let syncs = 0
  const deadlineNs = process.hrtime.bigint() + BigInt(Math.round(durationMs * 1e6))
  const start = startClock()
  try {
    while (process.hrtime.bigint() < deadlineNs) {
      writeSync(fd, probe, 0, probe.length, syncs * SYNC_PROBE_BYTES)
      fdatasyncSync(fd)
      syncs++
    }
    const seconds = secondsSince(start)
    return { name: 'disk fdatasync rate (128 B append + fdatasync)', syncs, seconds, syncsPerSec: syncs / seconds }
  } finally {
    closeSync(fd)
  }
}

/**
 * Reads a rawAppend file front to back in 1 MiB chunks, walking the length prefixes and comparing
 * every value with `pool.expected(offset)`. Throws on the first difference or a wrong count.
 */
export function rawSequentialRead({ path, pool, records }) {
  const fd = openSync(path, 'r')
  const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES + PREFIX_BYTES + pool.recordBytes)
  let offset = 0
  let filePosition = 0
  let carried = 0 // bytes of a record cut by the previous chunk end, moved to the chunk's start
  const start = startClock()
  try {
    for (;;) {
      const n = readSync(fd, chunk, carried, READ_CHUNK_BYTES, filePosition)
      filePosition += n
      const end = carried + n
      let at = 0
      while (at + PREFIX_BYTES <= end) {
        const length = chunk.readUInt32BE(at)
        if (at + PREFIX_BYTES + length > end) break
        if (pool.expected(offset).compare(chunk, at + PREFIX_BYTES, at + PREFIX_BYTES + length) !== 0) {
          throw new Error(`Raw read of ${path}: record ${offset} at position ${filePosition - end + at} differs from what was written`)
        }
        offset++
        at += PREFIX_BYTES + length
      }
      if (n === 0) {
        if (at !== end) throw new Error(`Raw read of ${path}: ${end - at} trailing bytes after record ${offset}`)
        break
      }
      carried = end - at
      chunk.copy(chunk, 0, at, end)
    }
    const seconds = secondsSince(start)
    if (offset !== records) throw new Error(`Raw read of ${path}: ${offset} records, expected ${records}`)
    return { name: 'raw readSync 1 MiB chunks + length-prefix walk', records: offset, bytes: offset * pool.recordBytes, seconds }
  } finally {
    closeSync(fd)
  }
}

/**
 * One pread per offset in `offsets` from a rawAppend file of fixed-size records (the position is
 * computed, the best any index can do), each value compared with the expected one.
 */
export function rawPointReads({ path, pool, offsets }) {
  const fd = openSync(path, 'r')
  const stride = PREFIX_BYTES + pool.recordBytes
  const target = Buffer.allocUnsafe(stride)
  const start = startClock()
  try {
    for (const offset of offsets) {
      const n = readSync(fd, target, 0, stride, offset * stride)
      if (n !== stride || target.readUInt32BE(0) !== pool.recordBytes || pool.expected(offset).compare(target, PREFIX_BYTES, stride) !== 0) {
        throw new Error(`Raw point read of ${path}: record ${offset} at position ${offset * stride} differs from what was written`)
      }
    }
    const seconds = secondsSince(start)
    return { name: 'raw pread at a computed position', records: offsets.length, bytes: offsets.length * pool.recordBytes, seconds }
  } finally {
    closeSync(fd)
  }
}

/**
 * Copies `paths` (in order) to `socket` with readSync in 1 MiB chunks and socket.write, waiting
 * for 'drain' when the socket buffers; resolves once the bytes are handed to the socket. The
 * caller times the whole exchange (until its receiver confirms the count).
 */
export async function rawSocketCopy({ paths, socket }) {
  let bytes = 0
  for (const path of paths) {
    const fd = openSync(path, 'r')
    try {
      for (let position = 0; ; ) {
        const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES) // socket.write keeps a reference until flushed
        const n = readSync(fd, chunk, 0, READ_CHUNK_BYTES, position)
        if (n === 0) break
        position += n
        bytes += n
        if (!socket.write(n === READ_CHUNK_BYTES ? chunk : chunk.subarray(0, n))) {
          await new Promise((resolve) => socket.once('drain', resolve))
        }
      }
    } finally {
      closeSync(fd)
    }
  }
  return { name: 'raw readSync 1 MiB + socket.write', bytes }
}
