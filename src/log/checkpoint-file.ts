/**
 * Per-directory offset checkpoints, in Kafka's CheckpointFile text format (kafka-storage.md §2.9)
 * plus a checksum line:
 *
 *   line 1: version (1)
 *   line 2: entry count
 *   then one line per partition: `<topic> <partition> <offset>`
 *   last line: CRC-32C of every byte above it (8 lowercase hex digits)
 *
 * Used for `recovery-point-offset-checkpoint` (everything below it is flushed and validated) and
 * `log-start-offset-checkpoint`. Written with the atomic protocol (tmp → fsync → rename →
 * fsync(dir)). The checksum is why version 1 exists: open() holds the log to these numbers (a log
 * ending below its recovery point, or starting above its log start, lost data), so a number damaged
 * on disk must be told from a true one (found by the on-disk fuzzer). Version 0 (Kafka's format,
 * no checksum; written by seglog before the checksum existed) is still read, as unverified: it
 * chooses where recovery starts, never refuses an open. A file that fails to parse or to match its
 * checksum is reported as null so the caller falls back to the safe choice (for the recovery
 * point: rescan everything) instead of trusting it.
 */
import { crc32c } from '../format/crc32c.js'
import { writeFileAtomic } from '../io/atomic-file.js'
import type { FileSystem } from '../io/file.js'
import { joinPath } from '../io/file.js'

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint'
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint'

const CHECKPOINT_VERSION = 1
/** Kafka's version, without a checksum: read, never written. */
const UNCHECKED_CHECKPOINT_VERSION = 0

export interface Checkpoint {
  entries: Map<string, number>
  /** Whether a checksum vouches for the numbers (version 1), so open() may refuse on them. */
  verified: boolean
}

/** Key of a partition in a checkpoint map: `<topic> <partition>` (topic names have no spaces). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic} ${partition}`
}

export function encodeCheckpoint(entries: ReadonlyMap<string, number>): Buffer {
  const lines = [String(CHECKPOINT_VERSION), String(entries.size)]
  for (const [key, offset] of entries) lines.push(`${key} ${offset}`)
  const body = Buffer.from(lines.join('\n') + '\n')
  return Buffer.concat([body, Buffer.from(`${checksumOf(body)}\n`)])
}

/** Parses a checkpoint; null if it is malformed in any way (count, version, numbers, checksum). */
export function decodeCheckpoint(text: string): Checkpoint | null {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  let verified = false
  if (lines[0] === String(CHECKPOINT_VERSION)) {
    const checksum = lines.pop()
    const body = lines.length === 0 ? '' : lines.join('\n') + '\n'
    if (checksum !== checksumOf(Buffer.from(body))) return null
    verified = true
  } else if (lines[0] !== String(UNCHECKED_CHECKPOINT_VERSION)) {
    return null
  }
  if (lines.length < 2) return null
  const count = Number(lines[1])
  if (!/^\d+$/.test(lines[1]!) || !Number.isSafeInteger(count) || count !== lines.length - 2) return null
  const entries = new Map<string, number>()
  for (const line of lines.slice(2)) {
    const parts = line.split(' ')
    if (parts.length !== 3) return null
    const [topic, partitionText, offsetText] = parts as [string, string, string]
    const partition = Number(partitionText)
    const offset = Number(offsetText)
    if (topic === '' || !/^\d+$/.test(partitionText) || !/^\d+$/.test(offsetText)) return null
    if (!Number.isSafeInteger(partition) || !Number.isSafeInteger(offset)) return null
    entries.set(partitionKey(topic, partition), offset)
  }
  return { entries, verified }
}

function checksumOf(body: Buffer): string {
  return crc32c(body).toString(16).padStart(8, '0')
}

/** Reads a checkpoint: no entries (verified: nothing was ever checkpointed) if the file is missing, null if it is corrupt. */
export function readCheckpoint(fs: FileSystem, dir: string, name: string): Checkpoint | null {
  const path = joinPath(dir, name)
  if (!fs.exists(path)) return { entries: new Map(), verified: true }
  return decodeCheckpoint(fs.readFile(path).toString('utf8'))
}

export function writeCheckpoint(fs: FileSystem, dir: string, name: string, entries: ReadonlyMap<string, number>): Promise<void> {
  return writeFileAtomic(fs, dir, name, encodeCheckpoint(entries))
}
