/**
 * What `Log.open` removes from a log directory before serving it: leftovers of interrupted writes
 * and of interrupted topic changes. Nothing here removes a file that may hold a record no other
 * file holds.
 */
import { TMP_SUFFIX } from '../io/atomic-file.js'
import { joinPath, type FileSystem } from '../io/file.js'
import type { TopicMetadata } from './topic-store.js'

const PARTITION_DIR_PATTERN = /^(.+)-(\d+)$/

/** `<topic>-<partition>`: a partition's directory under the log directory. */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`
}

/** `.tmp` files of an atomic replace that a crash interrupted (the original is intact). */
export function removeTmpFiles(fs: FileSystem, dir: string): void {
  if (!fs.exists(dir)) return
  for (const name of fs.readdir(dir)) if (name.endsWith(TMP_SUFFIX)) fs.unlink(joinPath(dir, name))
}

/** A partition directory and its files (no subdirectories). The caller fsyncs the parent. */
export function removeDirectory(fs: FileSystem, dir: string): void {
  for (const name of fs.readdir(dir)) fs.unlink(joinPath(dir, name))
  fs.rmdir(dir)
}

/**
 * Partition directories with no topic metadata (a crashed createTopic, or a deleteTopic cut between
 * its metadata and its files) are removed — but only when they hold no record: a directory with
 * data whose metadata is missing or damaged is kept and reported, never deleted on a guess.
 * Returns the directories kept.
 */
export async function removeOrphanPartitionDirs(fs: FileSystem, dir: string, topics: ReadonlyMap<string, TopicMetadata>): Promise<string[]> {
  const kept: string[] = []
  let removed = false
  for (const name of fs.readdir(dir)) {
    const match = PARTITION_DIR_PATTERN.exec(name)
    if (match === null) continue
    const topic = topics.get(match[1]!)
    const partition = Number(match[2])
    if (topic !== undefined && partition < topic.partitions) continue
    const path = joinPath(dir, name)
    if (fs.fileSize(path) < 0) continue
    let names: string[]
    try {
      names = fs.readdir(path)
    } catch {
      continue // not a directory
    }
    if (names.some((n) => n.endsWith('.log') && fs.fileSize(joinPath(path, n)) > 0)) {
      kept.push(name)
      continue
    }
    removeDirectory(fs, path)
    removed = true
  }
  if (removed) await fs.fsyncDir(dir)
  return kept
}
