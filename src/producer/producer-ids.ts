/**
 * Durable producer id allocation for one log directory (issue 10 §4: "producer ids are allocated
 * durably by the log and never reused after any restart or crash"). A reused id would be fatal
 * to dedupe: a new producer with an old producer's id, epoch 0, sequence 0 could be answered as a
 * duplicate of the old one's batch (its records silently dropped) or refused as out of order.
 *
 * Ids are handed out in blocks, as Kafka's `ProducerIdManager` does: the end of the current block
 * is persisted BEFORE any id of it is handed out, so an allocation costs one atomic file write
 * per `blockSize` ids (default 1000) instead of one fsync per producer. After a restart or a crash
 * allocation resumes at the persisted end: the unused rest of the last block is skipped, never
 * handed out again. Ids start at 0 and grow; they are int64 in the batch header and stay safe
 * integers here (2^53 − 1 ids: a producer per microsecond for 285 years).
 *
 * File `producer-id-block` in the log directory, text, replaced atomically (writeFileAtomic:
 * `.tmp` → fsync → rename → fsync(dir)):
 *
 *   line 1: `version 1`
 *   line 2: `reserved-end <n>`   every id handed out so far is below n; the next block starts at n
 *   line 3: `crc32c <8 lowercase hex digits>`   CRC-32C of the bytes of lines 1–2 (newlines included)
 *
 * Crash behaviour: before the rename completes the old file (or none) is what survives, and no id
 * of the new block was handed out; after it, the new end survives. A missing file therefore means
 * no id was ever handed out: allocation starts at 0. Open() of the log removes a stray `.tmp`.
 *
 * A damaged file (bad checksum, torn, unparsable, an end that is not a safe integer) is REFUSED
 * with CORRUPT_RECORD (reason `corrupt-metadata`, the file's path), never guessed around. Decision:
 * the damaged number is the only record of which ids were handed out, and no other bound is safe:
 * the partitions' producer state forgets expired producers and deleted topics, and a clock-based
 * jump trusts a clock. Refusing costs only new producers (the open() of the log, reads and plain
 * appends are unaffected when the log opens the allocator lazily, on the first producer); an
 * operator restores the file, or writes one whose reserved-end is above every id ever used. A
 * version above 1 is UNSUPPORTED_FORMAT_VERSION (a newer seglog wrote it; guessing its layout could
 * move the end backwards).
 *
 * Errors of the write are the file system's own (ENOSPC, EIO, with the path): fail-stop is the
 * caller's decision, as for every metadata file (atomic-file.ts); ids of a block whose write
 * failed are never handed out, and the next allocate() tries the write again.
 *
 * Concurrency: one instance per open log directory (the directory lock makes it the only writer),
 * used from the event loop. Concurrent allocate() calls share one block write.
 */
import { SeglogError } from '../errors.js'
import { crc32c } from '../format/crc32c.js'
import { writeFileAtomic } from '../io/atomic-file.js'
import { joinPath, type FileSystem } from '../io/file.js'

export const PRODUCER_ID_BLOCK_FILE = 'producer-id-block'
export const PRODUCER_ID_BLOCK_VERSION = 1
/** Ids per block write: one fsync'd file replace per 1000 producers (Kafka's block size is 1000 too). */
export const PRODUCER_ID_BLOCK_SIZE_DEFAULT = 1000

export interface ProducerIdAllocatorOptions {
  /** Ids reserved per file write (≥ 1). Tests use small blocks to cross block boundaries. */
  blockSize?: number
}

export class ProducerIdAllocator {
  /** The next id to hand out. */
  private nextId: number
  /** The persisted end of the current block: ids below it may be handed out. */
  private blockEnd: number
  /** The block write in progress, shared by every allocate() waiting for it. */
  private reserving: Promise<void> | null = null

  private constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    private readonly blockSize: number,
    reservedEnd: number,
  ) {
    // Whatever was left of the last block may have been handed out before the restart: skip it.
    this.nextId = reservedEnd
    this.blockEnd = reservedEnd
  }

  /**
   * Reads `dir/producer-id-block` (missing: nothing was ever allocated). Rejects with
   * CORRUPT_RECORD for a damaged file and UNSUPPORTED_FORMAT_VERSION for a newer one (header).
   */
  static async open(fs: FileSystem, dir: string, options: ProducerIdAllocatorOptions = {}): Promise<ProducerIdAllocator> {
    const blockSize = options.blockSize ?? PRODUCER_ID_BLOCK_SIZE_DEFAULT
    if (!Number.isSafeInteger(blockSize) || blockSize < 1) throw new RangeError(`blockSize must be an integer >= 1, got ${blockSize}`)
    const path = joinPath(dir, PRODUCER_ID_BLOCK_FILE)
    const reservedEnd = fs.exists(path) ? decodeProducerIdBlock(fs.readFile(path), path) : 0
    return new ProducerIdAllocator(fs, dir, blockSize, reservedEnd)
  }

  /** A producer id never handed out before by this directory, durably so (header). */
  async allocate(): Promise<number> {
    while (this.nextId >= this.blockEnd) {
      this.reserving ??= this.reserveBlock().finally(() => {
        this.reserving = null
      })
      await this.reserving
    }
    return this.nextId++
  }

  /** The persisted end of the current block (what a restart would resume at). */
  get reservedEnd(): number {
    return this.blockEnd
  }

  private async reserveBlock(): Promise<void> {
    const end = this.blockEnd + this.blockSize
    if (!Number.isSafeInteger(end)) {
      throw new SeglogError('STORAGE_ERROR', `Producer ids of ${this.dir} are exhausted: the next block would end at ${end}, past 2^53 - 1`)
    }
    // Persist first; only then may ids of the block be handed out.
    await writeFileAtomic(this.fs, this.dir, PRODUCER_ID_BLOCK_FILE, encodeProducerIdBlock(end))
    this.blockEnd = end
  }
}

export function encodeProducerIdBlock(reservedEnd: number): Buffer {
  const body = Buffer.from(`version ${PRODUCER_ID_BLOCK_VERSION}\nreserved-end ${reservedEnd}\n`)
  return Buffer.concat([body, Buffer.from(`crc32c ${checksumOf(body)}\n`)])
}

/** The reserved end stored in `data` (the file at `path`); throws as the header says. */
export function decodeProducerIdBlock(data: Buffer, path: string): number {
  const text = data.toString('latin1')
  const lines = text.split('\n')
  const version = /^version (\d{1,9})$/.exec(lines[0] ?? '')
  if (version !== null && Number(version[1]) > PRODUCER_ID_BLOCK_VERSION) {
    throw new SeglogError('UNSUPPORTED_FORMAT_VERSION', `${path}: producer id block version ${version[1]} is newer than this seglog reads (${PRODUCER_ID_BLOCK_VERSION})`, { path })
  }
  const end = /^reserved-end (\d{1,16})$/.exec(lines[1] ?? '')
  const checksum = /^crc32c ([0-9a-f]{8})$/.exec(lines[2] ?? '')
  const bodyBytes = (lines[0]?.length ?? 0) + (lines[1]?.length ?? 0) + 2
  const wellFormed =
    version !== null &&
    Number(version[1]) === PRODUCER_ID_BLOCK_VERSION &&
    end !== null &&
    checksum !== null &&
    lines.length === 4 &&
    lines[3] === '' &&
    checksum[1] === checksumOf(data.subarray(0, bodyBytes))
  const reservedEnd = end === null ? NaN : Number(end[1])
  if (!wellFormed || !Number.isSafeInteger(reservedEnd)) {
    throw new SeglogError(
      'CORRUPT_RECORD',
      `${path}: the producer id block file is damaged (${data.length} bytes that do not validate); refusing to allocate producer ids, since a guess could reuse one — restore the file or write one whose reserved-end is above every producer id in use`,
      { path, reason: 'corrupt-metadata' },
    )
  }
  return reservedEnd
}

function checksumOf(body: Uint8Array): string {
  return crc32c(body).toString(16).padStart(8, '0')
}
