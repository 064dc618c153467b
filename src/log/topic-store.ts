/**
 * Topic metadata: `<dir>/topics/<topic>.json`, one file per topic holding its partition count and
 * resolved config, each written with the atomic protocol (format.md "Topic metadata").
 *
 * | field      | meaning                                            |
 * |------------|----------------------------------------------------|
 * | version    | 1                                                  |
 * | name       | topic name                                         |
 * | partitions | partition count (grows only)                       |
 * | config     | the full resolved TopicConfig at the last change   |
 *
 * Crash behaviour: the metadata file is the commit point of createTopic (partition directories are
 * made and fsynced first; directories with no metadata are orphans that open() removes) and the
 * first step of deleteTopic (the file goes first, then the directories).
 */
import { invalidArgType, invalidArgValue, SeglogError } from '../errors.js'
import { writeFileAtomic } from '../io/atomic-file.js'
import type { FileSystem } from '../io/file.js'
import { joinPath } from '../io/file.js'
import { resolveTopicConfig, type TopicConfig } from '../options.js'

export const TOPICS_DIR_NAME = 'topics'
const METADATA_VERSION = 1
const TOPIC_NAME_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/

export interface TopicMetadata {
  name: string
  partitions: number
  config: Readonly<TopicConfig>
}

/** Throws a Node-style argument error unless `name` is a legal topic name (api.md). */
export function validateTopicName(name: unknown, { allowInternal = false } = {}): asserts name is string {
  if (typeof name !== 'string') throw invalidArgType('topic', 'of type string', name)
  if (!TOPIC_NAME_PATTERN.test(name) || name === '.' || name === '..') {
    throw invalidArgValue('topic', name, 'must be 1-249 characters of [a-zA-Z0-9._-], not "." or ".."')
  }
  if (!allowInternal && name.startsWith('__')) {
    throw invalidArgValue('topic', name, 'starts with "__", which is reserved for internal topics')
  }
}

function metadataPath(dir: string, name: string): string {
  return joinPath(dir, TOPICS_DIR_NAME, `${name}.json`)
}

export function encodeTopicMetadata(meta: TopicMetadata): Buffer {
  return Buffer.from(JSON.stringify({ version: METADATA_VERSION, ...meta }, null, 2) + '\n')
}

/** Loads every topic's metadata; a file that fails to parse is CORRUPT_RECORD naming it. */
export function loadTopics(fs: FileSystem, dir: string): Map<string, TopicMetadata> {
  const topicsDir = joinPath(dir, TOPICS_DIR_NAME)
  const topics = new Map<string, TopicMetadata>()
  if (!fs.exists(topicsDir)) return topics
  for (const file of fs.readdir(topicsDir).sort()) {
    if (!file.endsWith('.json')) continue // .tmp leftovers are removed by open()
    const path = joinPath(topicsDir, file)
    let meta: TopicMetadata
    try {
      const raw = JSON.parse(fs.readFile(path).toString('utf8')) as Record<string, unknown>
      if (raw.version !== METADATA_VERSION) throw new Error(`version ${String(raw.version)}`)
      validateTopicName(raw.name, { allowInternal: true })
      if (`${raw.name}.json` !== file) throw new Error(`name ${String(raw.name)} does not match the file name`)
      if (!Number.isSafeInteger(raw.partitions) || (raw.partitions as number) < 1) throw new Error('bad partition count')
      meta = { name: raw.name, partitions: raw.partitions as number, config: resolveTopicConfig(raw.config) }
    } catch (cause) {
      // A config value this version cannot act on (seglog 0.1.0 accepted cleanupPolicy 'compact'
      // and did nothing with it) is not damage: refused as at createTopic, naming the file to edit.
      if (cause instanceof SeglogError && (cause.code === 'UNSUPPORTED_FEATURE' || cause.code === 'UNSUPPORTED_COMPRESSION_TYPE')) {
        throw new SeglogError(cause.code, `Topic metadata ${path}: ${cause.message}`, { cause, path })
      }
      throw new SeglogError('CORRUPT_RECORD', `Corrupt topic metadata ${path}: ${(cause as Error).message}`, { cause, path, reason: 'corrupt-metadata' })
    }
    topics.set(meta.name, meta)
  }
  return topics
}

export async function writeTopic(fs: FileSystem, dir: string, meta: TopicMetadata): Promise<void> {
  const topicsDir = joinPath(dir, TOPICS_DIR_NAME)
  if (!fs.exists(topicsDir)) {
    fs.mkdirp(topicsDir)
    await fs.fsyncDir(dir)
  }
  await writeFileAtomic(fs, topicsDir, `${meta.name}.json`, encodeTopicMetadata(meta))
}

export async function removeTopic(fs: FileSystem, dir: string, name: string): Promise<void> {
  fs.unlink(metadataPath(dir, name))
  await fs.fsyncDir(joinPath(dir, TOPICS_DIR_NAME))
}
