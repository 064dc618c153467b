import { describe, expect, it } from 'vitest'
import { DEFAULT_TOPIC_CONFIG, resolveTopicConfig } from '../../src/options.js'

describe('resolveTopicConfig', () => {
  it('returns the api.md defaults when nothing is given', () => {
    // Property: an absent config means exactly the documented defaults.
    const config = resolveTopicConfig(undefined)
    expect(config.segmentBytes).toBe(128 * 1024 * 1024)
    expect(config.indexIntervalBytes).toBe(4096)
    expect(config.durability).toBe('fsync')
    expect(config.retentionBytes).toBe(-1)
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('merges given keys over the base and leaves the base untouched', () => {
    // Property: a partial config overrides only the keys it names.
    const config = resolveTopicConfig({ segmentBytes: 4096, durability: 'os' })
    expect(config.segmentBytes).toBe(4096)
    expect(config.durability).toBe('os')
    expect(config.segmentMs).toBe(DEFAULT_TOPIC_CONFIG.segmentMs)
    expect(DEFAULT_TOPIC_CONFIG.segmentBytes).toBe(128 * 1024 * 1024)
  })

  it('rejects unknown keys, wrong types and out-of-range values with Node-style codes', () => {
    // Property: bad config is a programmer error with a stable code, never silently accepted.
    expect(() => resolveTopicConfig({ segmentByte: 10 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    expect(() => resolveTopicConfig({ segmentBytes: '10' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    expect(() => resolveTopicConfig({ segmentBytes: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }))
    expect(() => resolveTopicConfig({ segmentBytes: 2 ** 31 })).toThrow(RangeError)
    expect(() => resolveTopicConfig({ retentionMs: -2 })).toThrow(RangeError)
    expect(() => resolveTopicConfig({ durability: 'never' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    expect(() => resolveTopicConfig({ minCleanableDirtyRatio: 1.5 })).toThrow(RangeError)
    expect(() => resolveTopicConfig(null)).toThrow(TypeError)
    expect(() => resolveTopicConfig([1])).toThrow(TypeError)
  })

  it('refuses values that have no effect yet with typed SeglogErrors, and accepts the ones that do', () => {
    // Property: no option is accepted and then ignored — compaction and compression are later
    // features, so their values are refused until they act; the defaults (what describeTopic
    // reports) still pass, so a described config can be given back.
    for (const cleanupPolicy of ['compact', 'compact,delete']) {
      expect(() => resolveTopicConfig({ cleanupPolicy })).toThrow(expect.objectContaining({ name: 'SeglogError', code: 'UNSUPPORTED_FEATURE' }))
    }
    for (const compressionType of ['gzip', 'lz4', 'zstd', 'snappy']) {
      expect(() => resolveTopicConfig({ compressionType })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_COMPRESSION_TYPE' }))
    }
    expect(() => resolveTopicConfig({ deleteRetentionMs: 1 })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_FEATURE' }))
    expect(() => resolveTopicConfig({ minCompactionLagMs: 1 })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_FEATURE' }))
    expect(() => resolveTopicConfig({ minCleanableDirtyRatio: 0.25 })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_FEATURE' }))
    expect(resolveTopicConfig({ ...DEFAULT_TOPIC_CONFIG })).toEqual(DEFAULT_TOPIC_CONFIG)
    expect(resolveTopicConfig({ compressionType: 'none', cleanupPolicy: 'delete' }).compressionType).toBe('none')
  })

  it('skips keys the caller owns', () => {
    // Property: extraKeys (like `partitions`) are not treated as unknown topic config.
    expect(resolveTopicConfig({ partitions: 3, retentionMs: -1 }, DEFAULT_TOPIC_CONFIG, ['partitions']).retentionMs).toBe(-1)
  })
})
