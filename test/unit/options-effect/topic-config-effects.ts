/**
 * TopicConfig: what each key does, shown through each way a config reaches a topic — createTopic's
 * options, Log.open's defaults for new topics, and alterTopicConfig on a topic created without it.
 *
 * Every effect is an observation the default would not produce (more segments, a deleted segment, a
 * refused batch, a flush, a stamped time, a preallocated file). Where the value under test is the
 * default (`durability: 'fsync'`, `messageTimestampType: 'CreateTime'`), `counter` holds the other
 * value and each route must beat it (topic-config-routes.ts, which also adds each effect's
 * control). Values that have no effect yet are refused (options.ts `checkSupported`): their tests
 * show the refusal on every route and that nothing was written.
 */
import { statSync } from 'node:fs'
import { expect, vi } from 'vitest'
import { DEFAULT_TOPIC_CONFIG } from '../../../src/index.js'
import { appendEach, storedAttributes, TOPIC, type EffectTable } from './harness.js'
import { effectTests, refusalTests, refuseOthers, type Subject } from './topic-config-routes.js'

const SMALL_SEGMENT_BYTES = 1024
/** Batches of a 600-byte value: one per 1024-byte segment. */
const BIG_VALUE_BYTES = 600

/** fdatasync rounds of the log's partitions (metrics: counted as each starts). */
function fsyncs(t: Subject): number {
  return t.log.metrics().fsyncs
}

/** Retention by size over 4 one-batch segments: what the 'delete' policy and retentionBytes do. */
async function expectSizeRetention(t: Subject): Promise<void> {
  await appendEach(t.p, 4, BIG_VALUE_BYTES)
  expect(t.p.log.segments.length).toBe(4)
  const events: { deletedSegments: number }[] = []
  t.log.on('retention', (event: { deletedSegments: number }) => events.push(event))
  await t.log.runRetention()
  // 4 × ~670 bytes against 700: the two oldest go (a third would leave less than the limit).
  expect(t.p.logStartOffset).toBe(2)
  expect(events).toEqual([expect.objectContaining({ deletedSegments: 2 })])
}

/** A value other than the default for each compaction knob. */
const COMPACTION_NON_DEFAULTS = { deleteRetentionMs: 1, minCompactionLagMs: 1, minCleanableDirtyRatio: 0.25 } as const

export const topicConfigEffects: EffectTable = {
  'TopicConfig.segmentBytes': effectTests({
    name: 'a batch that would pass segmentBytes goes to a new segment',
    config: { segmentBytes: SMALL_SEGMENT_BYTES },
    // A bug (reported): Segment.shouldRoll judges by the config the active segment was created with
    // and PartitionLog.updateConfig only changes the one for segments to come, so after
    // alterTopicConfig the active segment fills up to the old segmentBytes (128 MiB by default)
    // before the new value applies; a reopen applies it. Kafka's roll check reads the current config.
    observe: async (t) => {
      await appendEach(t.p, 4, BIG_VALUE_BYTES)
      expect(t.p.log.segments.length).toBe(4)
      expect(t.log.metrics().segmentsRolled).toBe(3)
    },
  }),
  'TopicConfig.segmentMs': effectTests({
    name: 'a batch more than segmentMs after the first one goes to a new segment',
    config: { segmentMs: 60_000 },
    // The same bug as segmentBytes': after alterTopicConfig the active segment rolls by the old
    // segmentMs (7 days by default).
    observe: async (t) => {
      await appendEach(t.p, 1)
      t.clock.sleep(60_000)
      await appendEach(t.p, 1)
      expect(t.p.log.segments.length, 'exactly segmentMs later: no roll').toBe(1)
      t.clock.sleep(1)
      await appendEach(t.p, 1)
      expect(t.p.log.segments.length).toBe(2)
    },
  }),
  'TopicConfig.segmentIndexBytes': effectTests({
    name: 'a segment whose offset index is full rolls (48 bytes: 6 entries)',
    config: { segmentIndexBytes: 48 },
    base: { segmentBytes: 4096, indexIntervalBytes: 0 },
    newSegments: true,
    observe: async (t) => {
      await appendEach(t.p, 10)
      // Ten ~75-byte batches are far from segmentBytes: only the index can have rolled it.
      expect(t.p.log.segments.length).toBe(3)
      expect(t.p.log.segments[1]!.offsetIndexEntries).toBe(6)
    },
  }),
  'TopicConfig.indexIntervalBytes': effectTests({
    name: 'indexIntervalBytes 0 indexes every batch after the first; the default 4096 none of six small ones',
    config: { indexIntervalBytes: 0 },
    base: { segmentBytes: 4096 },
    newSegments: true,
    observe: async (t) => {
      await appendEach(t.p, 5)
      expect(t.p.log.activeSegment.offsetIndexEntries).toBe(5)
    },
  }),
  'TopicConfig.retentionBytes': effectTests({
    name: 'retention deletes the oldest segments beyond retentionBytes',
    config: { retentionBytes: 700 },
    base: { segmentBytes: SMALL_SEGMENT_BYTES },
    observe: expectSizeRetention,
  }),
  'TopicConfig.retentionMs': effectTests({
    name: 'retention deletes segments whose records are older than retentionMs',
    config: { retentionMs: 60_000 },
    base: { segmentBytes: SMALL_SEGMENT_BYTES },
    observe: async (t) => {
      await appendEach(t.p, 3, BIG_VALUE_BYTES)
      t.clock.sleep(60_000)
      await t.log.runRetention()
      expect(t.p.logStartOffset, 'exactly retentionMs old: kept').toBe(0)
      t.clock.sleep(1)
      await t.log.runRetention()
      expect(t.p.logStartOffset).toBe(3)
      expect(t.p.log.segments.length).toBe(1) // the emptied log keeps one (new, empty) active segment
    },
  }),
  'TopicConfig.cleanupPolicy': [
    // 'delete' is the default and the only accepted policy: its effect is that retention deletes.
    ...effectTests({
      name: "cleanupPolicy 'delete': retention deletes segments",
      config: { cleanupPolicy: 'delete' },
      base: { segmentBytes: SMALL_SEGMENT_BYTES, retentionBytes: 700 },
      values: ['delete'],
      observe: expectSizeRetention,
    }),
    ...refuseOthers('cleanupPolicy', ['delete', 'compact', 'compact,delete'], ['delete'], 'UNSUPPORTED_FEATURE'),
  ],
  'TopicConfig.maxMessageBytes': effectTests({
    name: 'a batch over maxMessageBytes is refused with RECORD_TOO_LARGE and nothing is written',
    config: { maxMessageBytes: 256 },
    observe: async (t) => {
      await expect(t.p.append([{ value: 'x'.repeat(300) }])).rejects.toMatchObject({ code: 'RECORD_TOO_LARGE' })
      expect(t.p.logEndOffset).toBe(0)
      expect((await t.p.append([{ value: 'x'.repeat(100) }])).baseOffset).toBe(0)
    },
  }),
  'TopicConfig.messageTimestampType': (['LogAppendTime', 'CreateTime'] as const).flatMap((value) => {
    // The clock reads 5,000,000; the record says 42. LogAppendTime also sets the attributes' timestamp-type bit.
    const appendTime = value === 'LogAppendTime'
    return effectTests({
      name: appendTime ? "'LogAppendTime' stamps the log's clock on the batch, over the record's own timestamp" : "'CreateTime' keeps the record's own timestamp",
      config: { messageTimestampType: value },
      counter: { messageTimestampType: appendTime ? 'CreateTime' : 'LogAppendTime' },
      values: [value],
      observe: async (t) => {
        t.clock.nowMs = 5_000_000
        expect((await t.p.append([{ value: 'a', timestamp: 42 }])).logAppendTime).toBe(appendTime ? 5_000_000 : -1)
        expect((await t.p.read({ offset: 0 })).records[0]!.timestamp).toBe(appendTime ? 5_000_000 : 42)
        expect(storedAttributes(t.p.log.activeSegment.path) & 0x08, 'the timestamp-type bit').toBe(appendTime ? 0x08 : 0)
      },
    })
  }),
  'TopicConfig.compressionType': [
    // Nothing is compressed yet: 'none' and 'producer' (keep what the producer sent, which is
    // uncompressed) are accepted, and the effect to see is uncompressed batches on disk.
    ...(['none', 'producer'] as const).flatMap((value) =>
      effectTests({
        name: `'${value}' is kept as the topic's config and batches are stored uncompressed (codec bits 0)`,
        config: { compressionType: value },
        counter: { compressionType: value === 'none' ? 'producer' : 'none' },
        values: [value],
        observe: async (t) => {
          // The two differ only in what the topic says it does until a codec exists.
          expect(t.log.describeTopic(TOPIC).config.compressionType).toBe(value)
          await t.p.append([{ value: 'a'.repeat(200) }])
          expect(storedAttributes(t.p.log.activeSegment.path) & 0x07).toBe(0)
          expect((await t.p.read({ offset: 0 })).records[0]!.value!.toString()).toBe('a'.repeat(200))
        },
      }),
    ),
    ...refuseOthers('compressionType', ['none', 'gzip', 'lz4', 'zstd', 'snappy', 'producer'], ['none', 'producer'], 'UNSUPPORTED_COMPRESSION_TYPE'),
  ],
  'TopicConfig.durability': [
    ...effectTests({
      name: "'os': acks 'all' is acknowledged and readable without an fdatasync",
      config: { durability: 'os' },
      counter: { durability: 'fsync' },
      values: ['os'],
      observe: async (t) => {
        await appendEach(t.p, 3)
        expect(t.p.highWatermark).toBe(3)
        expect(fsyncs(t)).toBe(0)
      },
    }),
    ...effectTests({
      name: "'fsync': acks 'all' waits for an fdatasync",
      config: { durability: 'fsync' },
      counter: { durability: 'os' },
      values: ['fsync'],
      observe: async (t) => {
        await appendEach(t.p, 1)
        expect(fsyncs(t)).toBe(1)
      },
    }),
  ],
  'TopicConfig.flushMessages': effectTests({
    name: "'os' mode flushes once flushMessages records are not yet flushed",
    config: { flushMessages: 3 },
    base: { durability: 'os' },
    observe: async (t) => {
      await appendEach(t.p, 2)
      expect(fsyncs(t)).toBe(0)
      await appendEach(t.p, 1) // the third starts a flush as it is written
      expect(fsyncs(t)).toBe(1)
      await t.p.flush()
    },
  }),
  'TopicConfig.flushMs': [
    ...effectTests({
      name: "'os' mode flushes on the first write flushMs after the last flush (by the log's clock)",
      config: { flushMs: 60_000 },
      base: { durability: 'os' },
      observe: async (t) => {
        await appendEach(t.p, 1)
        t.clock.sleep(59_999)
        await appendEach(t.p, 1)
        expect(fsyncs(t)).toBe(0)
        t.clock.sleep(1)
        await appendEach(t.p, 1)
        expect(fsyncs(t)).toBe(1)
        await t.p.flush()
      },
    }),
    ...effectTests({
      name: "'os' mode flushes every flushMs by a timer when nothing is written",
      config: { flushMs: 60_000 },
      base: { durability: 'os' },
      fakeTimers: true,
      observe: async (t, periods) => {
        await appendEach(t.p, 1)
        expect(periods()).toContain(60_000)
        vi.advanceTimersByTime(59_999)
        expect(fsyncs(t)).toBe(0)
        vi.advanceTimersByTime(1) // the timer starts the flush synchronously
        expect(fsyncs(t)).toBe(1)
        await t.p.flush()
      },
    }),
  ],
  ...Object.fromEntries(
    (['deleteRetentionMs', 'minCompactionLagMs', 'minCleanableDirtyRatio'] as const).map((key) => [
      `TopicConfig.${key}`,
      [
        // It tunes compaction, a later feature: its effect today is that only its default is accepted.
        ...effectTests({
          name: `${key} at its default (${DEFAULT_TOPIC_CONFIG[key]}) is accepted, as describeTopic reports it`,
          config: { [key]: DEFAULT_TOPIC_CONFIG[key] },
          observe: async (t) => {
            expect((await t.p.append([{ value: 'a' }])).baseOffset).toBe(0)
          },
        }),
        ...refusalTests({ name: `${key} ${COMPACTION_NON_DEFAULTS[key]} is refused with UNSUPPORTED_FEATURE: it has no effect yet`, config: { [key]: COMPACTION_NON_DEFAULTS[key] }, code: 'UNSUPPORTED_FEATURE' }),
      ],
    ]),
  ),
  'TopicConfig.preallocate': effectTests({
    name: 'a new segment file is allocated to segmentBytes at once, its logical size still what was written',
    config: { preallocate: true },
    base: { segmentBytes: 4096 },
    newSegments: true,
    observe: async (t) => {
      const active = t.p.log.activeSegment
      expect(statSync(active.path).size).toBe(4096)
      expect(active.sizeBytes).toBeLessThan(200)
    },
  }),
}
