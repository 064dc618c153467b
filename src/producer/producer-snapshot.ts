/**
 * Producer snapshot files: `<offset, 20 digits>.snapshot` in a partition directory, the state of
 * every producer after all batches below `offset` (format.md "Producer snapshots
 * (`<offset>.snapshot`)"; Kafka's layout is kafka-storage.md §2.7).
 *
 * | pos | size | field                                                            |
 * |----:|-----:|------------------------------------------------------------------|
 * |   0 |    2 | version uint16 = 1                                               |
 * |   2 |    4 | crc uint32 = CRC-32C of bytes [6, end of file)                   |
 * |   6 |    … | body: one MessagePack value (msgpackr, no record extension):     |
 * |     |      | [offset, [producer, …]]                                          |
 *
 * producer = [producerId, producerEpoch, coordinatorEpoch, lastTimestampMs,
 *             currentTxnFirstOffset (−1 = none), [batch, …] (0–5, oldest first)]
 * batch    = [firstSeq, lastSeq, lastOffset, offsetDelta, timestampMs]
 *
 * Unlike Kafka (one batch per producer, written in place) all five retained batches are kept, so
 * every one of them still dedupes after a restart, and the file is replaced atomically
 * (tmp → fsync → rename → fsync(dir), io/atomic-file.ts): a crash leaves the old set of snapshots
 * or the new one, never a torn file under the final name; a `.tmp` leftover is removed by open.
 *
 * Reading never trusts a byte: a file that is short, too large, of another version, fails its CRC,
 * does not decode, names another offset than its file name, or breaks any range or ordering rule
 * below is reported as corrupt (null / a reason) and never throws, so the caller falls back to an
 * older snapshot or a scan of the log. I/O errors other than a missing file do throw.
 */
import { Packr, Unpackr } from 'msgpackr'
import { crc32c } from '../format/crc32c.js'
import { incrementSequence } from '../format/sequence.js'
import { writeFileAtomic } from '../io/atomic-file.js'
import type { FileSystem } from '../io/file.js'
import { joinPath } from '../io/file.js'
import { parseSegmentFileName, segmentFileName } from '../segment/file-names.js'
import { PRODUCER_BATCHES_RETAINED, type BatchMetadata, type ProducerEntry } from './producer-entry.js'

export const PRODUCER_SNAPSHOT_VERSION = 1

/** version (2) + crc (4): the bytes before the body. */
export const PRODUCER_SNAPSHOT_HEADER_BYTES = 6

/**
 * Producers one snapshot may hold: 2^20, about 200 MiB of snapshot with five batches each and
 * several times that in memory. A bound on what a damaged count can make a reader allocate; a
 * partition with more live producers than this fails the snapshot write loudly rather than writing
 * a file no reader would accept.
 */
export const PRODUCER_SNAPSHOT_PRODUCERS_MAX = 1 << 20

/** Largest snapshot read: PRODUCER_SNAPSHOT_PRODUCERS_MAX producers at their largest encoding (≤ 256 bytes) fit. */
export const PRODUCER_SNAPSHOT_BYTES_MAX = 256 * 1024 * 1024

const INT16_MIN = -0x8000
const INT16_MAX = 0x7fff
const INT32_MIN = -0x8000_0000
const INT32_MAX = 0x7fff_ffff

// Plain MessagePack: arrays of numbers, no record/structure extension (readable by any decoder).
const packer = new Packr({ useRecords: false })
const unpacker = new Unpackr({ useRecords: false })

/** `00000000000000000042.snapshot` for 42. */
export function producerSnapshotFileName(offset: number): string {
  return segmentFileName(offset, 'snapshot')
}

/** The file's bytes for the state at `offset` (producers sorted by id, so equal states give equal bytes). */
export function encodeProducerSnapshot(offset: number, entries: Iterable<Readonly<ProducerEntry>>): Buffer {
  const producers = [...entries].sort((a, b) => a.producerId - b.producerId)
  if (producers.length > PRODUCER_SNAPSHOT_PRODUCERS_MAX) {
    throw new RangeError(`A producer snapshot holds at most ${PRODUCER_SNAPSHOT_PRODUCERS_MAX} producers, not ${producers.length}`)
  }
  const value = [
    offset,
    producers.map((e) => [
      e.producerId,
      e.producerEpoch,
      e.coordinatorEpoch,
      e.lastTimestampMs,
      e.currentTxnFirstOffset ?? -1,
      e.batches.map((b) => [b.firstSeq, b.lastSeq, b.lastOffset, b.offsetDelta, b.timestampMs]),
    ]),
  ]
  // The reader's rules, applied before writing: a state the reader would refuse (a batch at or
  // above `offset`, say) is a bug in the caller, and must not become a file that silently drops it.
  try {
    parseBody(value, offset)
  } catch (err) {
    if (err instanceof SnapshotShapeError) throw new RangeError(`Producer snapshot at offset ${offset} would not read back: ${err.message}`)
    throw err
  }
  const body = packer.pack(value)
  const file = Buffer.allocUnsafe(PRODUCER_SNAPSHOT_HEADER_BYTES + body.length)
  file.writeUInt16BE(PRODUCER_SNAPSHOT_VERSION, 0)
  body.copy(file, PRODUCER_SNAPSHOT_HEADER_BYTES)
  file.writeUInt32BE(crc32c(file.subarray(PRODUCER_SNAPSHOT_HEADER_BYTES)), 2)
  return file
}

export type SnapshotDecodeResult = { ok: true; entries: ProducerEntry[] } | { ok: false; reason: string }

/** Decodes the bytes of the snapshot named `offset`; never throws. */
export function decodeProducerSnapshot(bytes: Uint8Array, offset: number): SnapshotDecodeResult {
  if (bytes.length < PRODUCER_SNAPSHOT_HEADER_BYTES) return { ok: false, reason: `${bytes.length} bytes is shorter than the header` }
  if (bytes.length > PRODUCER_SNAPSHOT_BYTES_MAX) return { ok: false, reason: `${bytes.length} bytes is over ${PRODUCER_SNAPSHOT_BYTES_MAX}` }
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const version = view.readUInt16BE(0)
  if (version !== PRODUCER_SNAPSHOT_VERSION) return { ok: false, reason: `unknown version ${version}` }
  const body = view.subarray(PRODUCER_SNAPSHOT_HEADER_BYTES)
  const stored = view.readUInt32BE(2)
  const computed = crc32c(body)
  if (stored !== computed) return { ok: false, reason: `CRC-32C ${hex(stored)} does not match the content's ${hex(computed)}` }
  let value: unknown
  try {
    value = unpacker.unpack(body)
  } catch (err) {
    return { ok: false, reason: `body does not decode: ${(err as Error).message}` }
  }
  try {
    return { ok: true, entries: parseBody(value, offset) }
  } catch (err) {
    if (err instanceof SnapshotShapeError) return { ok: false, reason: err.message }
    throw err
  }
}

function hex(crc: number): string {
  return crc.toString(16).padStart(8, '0')
}

/** A rule of the body broken; caught by decodeProducerSnapshot, never escapes it. */
class SnapshotShapeError extends Error {}

function parseBody(value: unknown, offset: number): ProducerEntry[] {
  const [snapshotOffset, producers] = tuple(value, 2, 'body')
  if (snapshotOffset !== offset) throw new SnapshotShapeError(`holds offset ${String(snapshotOffset)}, its file name ${offset}`)
  if (!Array.isArray(producers) || producers.length > PRODUCER_SNAPSHOT_PRODUCERS_MAX) throw new SnapshotShapeError('producers is not an array of allowed length')
  const entries: ProducerEntry[] = new Array(producers.length)
  let previousId = -1
  for (let i = 0; i < producers.length; i++) {
    const entry = parseProducer(producers[i], offset, `producer ${i}`)
    // Sorted and unique: one entry per producer id, as written.
    if (entry.producerId <= previousId) throw new SnapshotShapeError(`producer ${i}: id ${entry.producerId} is not above ${previousId}`)
    previousId = entry.producerId
    entries[i] = entry
  }
  return entries
}

function parseProducer(value: unknown, snapshotOffset: number, where: string): ProducerEntry {
  const [producerId, producerEpoch, coordinatorEpoch, lastTimestampMs, txnFirstOffset, batches] = tuple(value, 6, where)
  const id = integer(producerId, 0, Number.MAX_SAFE_INTEGER, `${where} id`)
  const txn = integer(txnFirstOffset, -1, snapshotOffset - 1, `${where} currentTxnFirstOffset`)
  if (!Array.isArray(batches) || batches.length > PRODUCER_BATCHES_RETAINED) throw new SnapshotShapeError(`${where}: batches is not an array of at most ${PRODUCER_BATCHES_RETAINED}`)
  const parsed: BatchMetadata[] = []
  let previousLastOffset = -1
  for (let i = 0; i < batches.length; i++) {
    const batch = parseBatch(batches[i], snapshotOffset, `${where} batch ${i}`)
    if (batch.lastOffset - batch.offsetDelta <= previousLastOffset) throw new SnapshotShapeError(`${where} batch ${i}: offsets do not follow the previous batch`)
    previousLastOffset = batch.lastOffset
    parsed.push(batch)
  }
  return {
    producerId: id,
    producerEpoch: integer(producerEpoch, INT16_MIN, INT16_MAX, `${where} epoch`),
    batches: parsed,
    lastTimestampMs: integer(lastTimestampMs, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, `${where} lastTimestampMs`),
    coordinatorEpoch: integer(coordinatorEpoch, INT32_MIN, INT32_MAX, `${where} coordinatorEpoch`),
    currentTxnFirstOffset: txn === -1 ? null : txn,
  }
}

function parseBatch(value: unknown, snapshotOffset: number, where: string): BatchMetadata {
  const [firstSeq, lastSeq, lastOffset, offsetDelta, timestampMs] = tuple(value, 5, where)
  const batch: BatchMetadata = {
    firstSeq: integer(firstSeq, -1, INT32_MAX, `${where} firstSeq`),
    lastSeq: integer(lastSeq, -1, INT32_MAX, `${where} lastSeq`),
    // The state at `snapshotOffset` holds only batches below it.
    lastOffset: integer(lastOffset, 0, snapshotOffset - 1, `${where} lastOffset`),
    offsetDelta: integer(offsetDelta, 0, INT32_MAX, `${where} offsetDelta`),
    timestampMs: integer(timestampMs, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, `${where} timestampMs`),
  }
  if (batch.offsetDelta > batch.lastOffset) throw new SnapshotShapeError(`${where}: offsetDelta ${batch.offsetDelta} is past offset 0`)
  // The sequence range follows from the offset range (lastSequence = baseSequence + lastOffsetDelta), or both are −1.
  const seqsAgree = batch.firstSeq === -1 ? batch.lastSeq === -1 : batch.lastSeq === incrementSequence(batch.firstSeq, batch.offsetDelta)
  if (!seqsAgree) throw new SnapshotShapeError(`${where}: sequences ${batch.firstSeq}..${batch.lastSeq} do not span offsetDelta ${batch.offsetDelta}`)
  return batch
}

function tuple(value: unknown, length: number, where: string): unknown[] {
  if (!Array.isArray(value) || value.length !== length) throw new SnapshotShapeError(`${where} is not an array of ${length}`)
  return value
}

function integer(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new SnapshotShapeError(`${what} ${String(value)} is not an integer in [${min}, ${max}]`)
  }
  return value
}

/** Writes the snapshot at `offset` atomically and durably (tmp → fsync → rename → fsync(dir)). */
export function writeProducerSnapshot(fs: FileSystem, dir: string, offset: number, entries: Iterable<Readonly<ProducerEntry>>): Promise<void> {
  return writeFileAtomic(fs, dir, producerSnapshotFileName(offset), encodeProducerSnapshot(offset, entries))
}

/**
 * The snapshot at `offset` decoded, or why it cannot be used (missing, too large, corrupt). Other
 * I/O errors (EIO) throw: they are the storage's failure, not the file's content.
 */
export function inspectProducerSnapshot(fs: FileSystem, dir: string, offset: number): SnapshotDecodeResult {
  const path = joinPath(dir, producerSnapshotFileName(offset))
  const sizeBytes = fs.fileSize(path)
  if (sizeBytes < 0) return { ok: false, reason: 'missing' }
  if (sizeBytes > PRODUCER_SNAPSHOT_BYTES_MAX) return { ok: false, reason: `${sizeBytes} bytes is over ${PRODUCER_SNAPSHOT_BYTES_MAX}` }
  let bytes: Buffer
  try {
    bytes = fs.readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, reason: 'missing' }
    throw err
  }
  return decodeProducerSnapshot(bytes, offset)
}

/** The producers of the snapshot at `offset`, or null if it is missing or unusable (never throws for content). */
export function readProducerSnapshot(fs: FileSystem, dir: string, offset: number): ProducerEntry[] | null {
  const result = inspectProducerSnapshot(fs, dir, offset)
  return result.ok ? result.entries : null
}

/** Offsets of the snapshot files in `dir`, ascending (`.tmp` and other transient names are not snapshots). */
export function listProducerSnapshots(fs: FileSystem, dir: string): number[] {
  const offsets: number[] = []
  for (const name of fs.readdir(dir)) {
    const parsed = parseSegmentFileName(name)
    if (parsed !== null && parsed.kind === 'snapshot' && parsed.transient === null) offsets.push(parsed.baseOffset)
  }
  return offsets.sort((a, b) => a - b)
}

/**
 * Deletes the snapshots whose offset satisfies `doomed`, then fsyncs the directory if any went,
 * so a deleted snapshot cannot come back after a power cut (one above a truncation point would
 * describe batches that no longer exist). Returns the offsets deleted.
 */
export async function deleteProducerSnapshots(fs: FileSystem, dir: string, doomed: (offset: number) => boolean): Promise<number[]> {
  const deleted: number[] = []
  for (const offset of listProducerSnapshots(fs, dir)) {
    if (!doomed(offset)) continue
    try {
      fs.unlink(joinPath(dir, producerSnapshotFileName(offset)))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
    deleted.push(offset)
  }
  if (deleted.length > 0) await fs.fsyncDir(dir)
  return deleted
}

/** Deletes every snapshot below `offset` (retention: state below the log start is never loaded). */
export function deleteProducerSnapshotsBelow(fs: FileSystem, dir: string, offset: number): Promise<number[]> {
  return deleteProducerSnapshots(fs, dir, (o) => o < offset)
}

/** Deletes every snapshot above `offset` (truncation: they describe batches cut off the log). */
export function deleteProducerSnapshotsAbove(fs: FileSystem, dir: string, offset: number): Promise<number[]> {
  return deleteProducerSnapshots(fs, dir, (o) => o > offset)
}

/**
 * Kafka's removeStraySnapshots, run at open: snapshots are taken at segment rolls (at the new
 * segment's base offset) and at a clean close (at the log end), so a snapshot at no segment's base
 * offset is a leftover — except the newest such one when it lies above every segment's base, the
 * clean-close snapshot. Deletes the others; returns the offsets deleted.
 */
export function removeStrayProducerSnapshots(fs: FileSystem, dir: string, segmentBaseOffsets: readonly number[]): Promise<number[]> {
  const bases = new Set(segmentBaseOffsets)
  const maxBase = segmentBaseOffsets.length === 0 ? -1 : Math.max(...segmentBaseOffsets)
  const strays = listProducerSnapshots(fs, dir).filter((o) => !bases.has(o))
  const newestStray = strays.length === 0 ? -1 : strays[strays.length - 1]!
  // With no segments at all, Kafka keeps the newest stray too.
  const keep = newestStray > maxBase || segmentBaseOffsets.length === 0 ? newestStray : -1
  return deleteProducerSnapshots(fs, dir, (o) => !bases.has(o) && o !== keep)
}
