/**
 * Per-directory offset checkpoints in Kafka's CheckpointFile text format (kafka-storage.md §2.9):
 *
 *   line 1: version (0)
 *   line 2: entry count
 *   then one line per partition: `<topic> <partition> <offset>`
 *
 * Used for `recovery-point-offset-checkpoint` (everything below it is flushed and validated) and
 * `log-start-offset-checkpoint`. Written with the atomic protocol (tmp → fsync → rename →
 * fsync(dir)). A file that fails to parse is reported as null so the caller can fall back to the
 * safe choice (for the recovery point: rescan everything) instead of trusting it.
 */
import { writeFileAtomic } from '../io/atomic-file.js'
import type { FileSystem } from '../io/file.js'
import { joinPath } from '../io/file.js'

export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint'
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint'

const CHECKPOINT_VERSION = 0

/** Key of a partition in a checkpoint map: `<topic> <partition>` (topic names have no spaces). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic} ${partition}`
}

export function encodeCheckpoint(entries: ReadonlyMap<string, number>): Buffer {
  const lines = [String(CHECKPOINT_VERSION), String(entries.size)]
  for (const [key, offset] of entries) lines.push(`${key} ${offset}`)
  return Buffer.from(lines.join('\n') + '\n')
}

/** Parses a checkpoint; null if it is malformed in any way (count, version, numbers). */
export function decodeCheckpoint(text: string): Map<string, number> | null {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  if (lines.length < 2 || lines[0] !== String(CHECKPOINT_VERSION)) return null
  const count = Number(lines[1])
  if (!Number.isSafeInteger(count) || count !== lines.length - 2) return null
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
  return entries
}

/** Reads a checkpoint: an empty map if the file is missing, null if it is corrupt. */
export function readCheckpoint(fs: FileSystem, dir: string, name: string): Map<string, number> | null {
  const path = joinPath(dir, name)
  if (!fs.exists(path)) return new Map()
  return decodeCheckpoint(fs.readFile(path).toString('utf8'))
}

export function writeCheckpoint(fs: FileSystem, dir: string, name: string, entries: ReadonlyMap<string, number>): Promise<void> {
  return writeFileAtomic(fs, dir, name, encodeCheckpoint(entries))
}
