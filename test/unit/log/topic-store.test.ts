import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defaultFileSystem } from '../../../src/io/file.js'
import { resolveTopicConfig } from '../../../src/options.js'
import { loadTopics, removeTopic, validateTopicName, writeTopic } from '../../../src/log/topic-store.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seglog-topics-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('topic names', () => {
  it('accepts Kafka-legal names and rejects the rest with Node-style errors', () => {
    // Property: names follow api.md: 1-249 of [a-zA-Z0-9._-], not . or .., no reserved __ prefix.
    for (const ok of ['orders', 'a', 'x'.repeat(249), 'a.b-c_d', '...']) expect(() => validateTopicName(ok)).not.toThrow()
    for (const bad of ['', '.', '..', 'x'.repeat(250), 'a b', 'a/b', 'ü', '__consumer_offsets']) {
      expect(() => validateTopicName(bad), bad).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    }
    expect(() => validateTopicName(3)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    expect(() => validateTopicName('__transaction_state', { allowInternal: true })).not.toThrow()
  })
})

describe('topic metadata files', () => {
  it('round-trips name, partition count and config, and forgets removed topics', async () => {
    // Property: what writeTopic stores, loadTopics returns; removeTopic deletes it durably.
    const config = resolveTopicConfig({ segmentBytes: 4096, durability: 'os' })
    await writeTopic(defaultFileSystem, dir, { name: 'orders', partitions: 3, config })
    await writeTopic(defaultFileSystem, dir, { name: 'audit', partitions: 1, config })
    const topics = loadTopics(defaultFileSystem, dir)
    expect([...topics.keys()].sort()).toEqual(['audit', 'orders'])
    expect(topics.get('orders')).toEqual({ name: 'orders', partitions: 3, config })
    await removeTopic(defaultFileSystem, dir, 'audit')
    expect([...loadTopics(defaultFileSystem, dir).keys()]).toEqual(['orders'])
    expect(readdirSync(join(dir, 'topics'))).toEqual(['orders.json'])
  })

  it('names the file when topic metadata is corrupt', () => {
    // Property: a damaged metadata file is a typed CORRUPT_RECORD error naming the path.
    mkdirSync(join(dir, 'topics'))
    writeFileSync(join(dir, 'topics', 'orders.json'), '{"version":1,"name":"orders","partitions":0}')
    expect(() => loadTopics(defaultFileSystem, dir)).toThrow(expect.objectContaining({ code: 'CORRUPT_RECORD', message: expect.stringContaining('orders.json') }))
  })

  it('refuses a stored config value this version cannot act on as it would at createTopic, naming the file', () => {
    // Property: a topic that an older seglog let be 'compact' (with no effect) is not served as if
    // it were 'delete', and is not reported as damage either.
    mkdirSync(join(dir, 'topics'))
    const config = { ...resolveTopicConfig({}), cleanupPolicy: 'compact' }
    writeFileSync(join(dir, 'topics', 'orders.json'), JSON.stringify({ version: 1, name: 'orders', partitions: 1, config }))
    expect(() => loadTopics(defaultFileSystem, dir)).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_FEATURE', message: expect.stringContaining('orders.json') }),
    )
  })
})
