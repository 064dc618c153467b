// Ports of Kafka's LogLoaderTest (core/src/test/scala/unit/kafka/log/LogLoaderTest.scala),
// scenarios 54–57 of kafka-storage.md §5: what Log.open does with a directory after a clean or an
// unclean shutdown. A crash is staged on a closed log (helpers/unclean-shutdown.ts): the
// clean-shutdown marker removed and the recovery point checkpoint set, as Kafka's
// createLog(lastShutdownClean = false, recoveryPoint = …) does. Where seglog deliberately differs
// from Kafka, the test asserts seglog's documented behaviour and says so.
//
// Not ported, because seglog has no transactions or producer state yet: the transaction-index
// halves of 55 (testFullTransactionIndexRecovery, testFullTransactionIndexRecoveryNoSnapshot and
// testRecoverOnlyLastSegment rebuild scenario 38's aborted-transaction list).
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { encodeBatch, type RecordInput } from '../../src/format/batch.js'
import type { CreateTopicOptions, Log } from '../../src/log.js'
import { decodeCheckpoint } from '../../src/log/checkpoint-file.js'
import { SEGMENT_BYTES_MIN } from '../../src/limits.js'
import type { Partition } from '../../src/partition/partition.js'
import { segmentFileName } from '../../src/segment/file-names.js'
import { appendNonsense, fileNames, logBytes, nonsense, partitionDir, segmentFile } from '../helpers/partition-files.js'
import { ManualClock, useLogs } from '../helpers/test-log.js'
import {
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  crashWithRecoveryPoint,
  markUncleanShutdown,
  writeCheckpoint,
} from '../helpers/unclean-shutdown.js'
import { seededRandom, useTempDir } from './fixtures.js'

const tmp = useTempDir()
const logs = useLogs()
const TOPIC = 'log'

/** 'os' durability: these tests are about what open() finds, not about each append's fsync. */
async function openTopic(dir: string, config: CreateTopicOptions, clock = new ManualClock()): Promise<{ log: Log; p: Partition }> {
  const log = await logs.open(dir, { clock: clock.now })
  await log.createTopic(TOPIC, { partitions: 1, durability: 'os', ...config })
  return { log, p: log.partition(TOPIC, 0) }
}

async function reopen(): Promise<{ log: Log; p: Partition }> {
  const log = await logs.open(tmp.path)
  return { log, p: log.partition(TOPIC, 0) }
}

/** Every record of the partition as [offset, value]. */
async function allRecords(p: Partition): Promise<[number, string | undefined][]> {
  const { records } = await p.read({ offset: p.logStartOffset, maxBytes: 64 * 1024 * 1024 })
  return records.map((r) => [r.offset, r.value?.toString('hex')])
}

const VALUE_BYTES = 100

/**
 * Kafka's LogLoaderTest setup: 100 batches of one 100-byte record stamped t0 + 10·i, 700-byte
 * segments (4 batches each), an index entry every 300 bytes.
 */
async function hundredBatches(clock = new ManualClock()): Promise<{ log: Log; p: Partition }> {
  const opened = await openTopic(tmp.path, { segmentBytes: 7 * VALUE_BYTES, indexIntervalBytes: 3 * VALUE_BYTES }, clock)
  const random = seededRandom(100)
  const t0 = clock.nowMs
  for (let i = 0; i < 100; i++) await opened.p.append([{ value: nonsense(VALUE_BYTES, random), timestamp: t0 + i * 10 }])
  return opened
}

/** What the active segment's indexes say (Kafka's verifyRecoveredLog). */
function activeIndexState(p: Partition): object {
  const active = p.log.activeSegment
  return {
    logEndOffset: p.logEndOffset,
    lastOffsetIndexEntry: active.lastOffsetIndexEntry,
    offsetIndexEntries: active.offsetIndexEntries,
    lastTimeIndexEntry: active.lastTimeIndexEntry,
    timeIndexEntries: active.timeIndexEntries,
  }
}

/** Every segment's index entries. */
function indexState(p: Partition): object[] {
  return p.log.segments.map((s) => ({
    baseOffset: s.baseOffset,
    offsetIndexEntries: s.offsetIndexEntries,
    lastOffsetIndexEntry: s.lastOffsetIndexEntry,
    timeIndexEntries: s.timeIndexEntries,
    lastTimeIndexEntry: s.lastTimeIndexEntry,
  }))
}

describe('recovery point and clean shutdown (scenario 54)', () => {
  test('recovers to the same log end and active index tails from any recovery point', async () => {
    // Kafka testLogRecoversToCorrectOffset. Property: whether open trusts the files (clean) or
    // re-validates them from the recovery point (the log end, or offset 10), the partition comes back
    // with the same log end and the same active-segment index entries — close's final time-index
    // entry (largest timestamp → last offset) included. seglog's decision: recovery fsyncs what it
    // kept, so the recovery point is the log end at once and the checkpoint says so (Kafka keeps 10
    // until the next flush).
    const { log, p } = await hundredBatches()
    const active = p.log.activeSegment
    const expected = {
      logEndOffset: 100,
      lastOffsetIndexEntry: active.lastOffsetIndexEntry,
      offsetIndexEntries: active.offsetIndexEntries,
      lastTimeIndexEntry: { timestamp: active.maxTimestampSoFar, offset: 99 },
      timeIndexEntries: active.timeIndexEntries + (active.lastTimeIndexEntry.offset === 99 ? 0 : 1),
    }
    await log.close()

    for (const recoveryPoint of [null, 100, 10]) {
      if (recoveryPoint !== null) crashWithRecoveryPoint(tmp.path, TOPIC, 0, recoveryPoint)
      const reopened = await reopen()
      expect(reopened.log.recovery.cleanShutdown).toBe(recoveryPoint === null)
      expect(activeIndexState(reopened.p)).toEqual(expected)
      expect(reopened.p.log.recoveryPoint).toBe(100)
      await reopened.log.close()
      expect(decodeCheckpoint(readFileSync(join(tmp.path, RECOVERY_POINT_CHECKPOINT), 'utf8'))).toEqual({ entries: new Map([[`${TOPIC} 0`, 100]]), verified: true })
    }
  })

  test('runs no recovery after a clean shutdown, even with the recovery point at 0', async () => {
    // Kafka testCleanShutdownFile. Property: the clean-shutdown marker tells open the files are
    // whole, so nothing is re-validated from the recovery point: a CRC-damaged batch in the first
    // segment goes unnoticed at open (and is caught when read, api.md). The same files opened
    // without the marker are re-validated from offset 0: the damaged batch is followed by valid
    // ones, so it is not a torn tail — CORRUPT_RECORD (seglog's FM-2 rule), and `repair` cuts there.
    const { log, p } = await hundredBatches()
    const segmentCount = p.log.segments.length
    await log.close()
    const batchBytes = encodeBatch([{ value: Buffer.alloc(VALUE_BYTES), timestamp: 0 }]).length
    const path = segmentFile(partitionDir(tmp.path, TOPIC), 0, 'log')
    const bytes = readFileSync(path)
    bytes[3 * batchBytes - 10] ^= 0xff // inside the value of the batch at offset 2
    writeFileSync(path, bytes)
    writeCheckpoint(tmp.path, RECOVERY_POINT_CHECKPOINT, [[TOPIC, 0, 0]])

    const clean = await reopen()
    expect(clean.log.recovery).toMatchObject({ cleanShutdown: true, partitions: [] })
    expect([clean.p.logEndOffset, clean.p.log.segments.length]).toEqual([100, segmentCount])
    await expect(clean.p.read({ offset: 2 })).rejects.toMatchObject({ code: 'CORRUPT_RECORD' })
    await clean.log.close()

    crashWithRecoveryPoint(tmp.path, TOPIC, 0, 0)
    await expect(reopen()).rejects.toMatchObject({ code: 'CORRUPT_RECORD' })
    const recovered = await logs.open(tmp.path, { repair: true })
    const repaired = recovered.partition(TOPIC, 0)
    expect(recovered.recovery.partitions[0]).toMatchObject({ truncatedFromOffset: 2, lostOffsets: { from: 2, to: 100 } })
    expect([repaired.logEndOffset, repaired.log.segments.length]).toEqual([2, 1])
  })
})

describe('index rebuild (scenario 55)', () => {
  const damages: [string, (path: string) => void][] = [
    ['deleted', (path) => rmSync(path)],
    ['overwritten with two spaces', (path) => writeFileSync(path, '  ')],
  ]
  for (const [damaged, damage] of damages) {
    test(`rebuilds offset and time indexes that were ${damaged}, entry for entry, and serves every offset and timestamp`, async () => {
      // Kafka testIndexRebuild, testCorruptIndexRebuild. Property: index files are a cache of the
      // log. Rebuilt after an unclean shutdown (by the same interval rule appends use) they hold the
      // same entries as before, every offset reads, and every timestamp finds its record.
      const clock = new ManualClock()
      const t0 = clock.nowMs
      const { log, p } = await openTopic(tmp.path, { segmentBytes: 200, indexIntervalBytes: 1 }, clock)
      const random = seededRandom(55)
      for (let i = 0; i < 200; i++) await p.append([{ value: nonsense(10, random), timestamp: t0 + i * 10 }])
      await log.close()
      const clean = await reopen()
      const before = indexState(clean.p)
      expect(before.length).toBeGreaterThan(50)
      await clean.log.close()

      const dir = partitionDir(tmp.path, TOPIC)
      for (const name of fileNames(dir)) if (name.endsWith('.index') || name.endsWith('.timeindex')) damage(join(dir, name))
      markUncleanShutdown(tmp.path)
      const recovered = await reopen()
      expect(recovered.log.recovery.partitions[0]!.rebuiltIndexes).toBeGreaterThan(0)
      expect(indexState(recovered.p)).toEqual(before)
      for (let i = 0; i < 200; i++) {
        expect((await recovered.p.read({ offset: i, maxRecords: 1 })).records[0]!.offset).toBe(i)
        expect(await recovered.p.offsetForTimestamp(t0 + i * 10)).toBe(i)
      }
    })
  }
})

describe('torn tails and empty active segments (scenario 56)', () => {
  test('recovers a log whose active segment and offset index end in nonsense to exactly the records written', async () => {
    // Kafka testCorruptLog (10 seeded rounds). Property: nonsense after the last whole batch of the
    // active segment lies above the recovery point (50): a torn tail, cut, with every batch before
    // it kept byte for byte; nonsense after the offset index's entries makes it rebuilt, not trusted.
    const random = seededRandom(56)
    for (let round = 0; round < 10; round++) {
      const dir = join(tmp.path, `round-${round}`)
      const { log, p } = await openTopic(dir, { segmentBytes: 1000, indexIntervalBytes: 1, maxMessageBytes: 64 * 1024 })
      const count = 50 + random(50)
      for (let i = 0; i < count; i++) await p.append([{ value: `round ${round} record ${i}` }])
      const records = await allRecords(p)
      await log.close()
      const files = partitionDir(dir, TOPIC)
      const bytes = logBytes(files)
      const activeBase = p.log.activeSegment.baseOffset
      appendNonsense(segmentFile(files, activeBase, 'log'), random(1024) + 1, random)
      appendNonsense(segmentFile(files, activeBase, 'index'), random(1024) + 1, random)
      crashWithRecoveryPoint(dir, TOPIC, 0, 50)

      const recovered = await logs.open(dir)
      const rp = recovered.partition(TOPIC, 0)
      expect(rp.logEndOffset).toBe(count)
      expect(logBytes(files).equals(bytes)).toBe(true)
      expect(await allRecords(rp)).toEqual(records)
      await recovered.close()
    }
  })

  test('reopens a log whose empty active segment lost its index files, and recreates them', async () => {
    // Kafka testRecoverWithEmptyActiveSegment. Property: a crash right after a roll can leave the
    // new, empty active segment without index files; open recreates them and the log goes on from
    // the same end. The roll is the engine's own (PartitionLog.roll), called as Kafka calls log.roll().
    const clock = new ManualClock()
    const { log, p } = await hundredBatches(clock)
    await p.log.roll(clock.nowMs, true)
    expect([p.log.activeSegment.baseOffset, p.log.activeSegment.sizeBytes]).toEqual([100, 0])
    await log.close()
    const dir = partitionDir(tmp.path, TOPIC)
    rmSync(segmentFile(dir, 100, 'index'))
    rmSync(segmentFile(dir, 100, 'timeindex'))
    crashWithRecoveryPoint(tmp.path, TOPIC, 0, 100)

    const recovered = await reopen()
    expect([recovered.p.logEndOffset, recovered.p.log.activeSegment.baseOffset]).toEqual([100, 100])
    expect([existsSync(segmentFile(dir, 100, 'index')), existsSync(segmentFile(dir, 100, 'timeindex'))]).toEqual([true, true])
    expect((await recovered.p.append([{ value: 'after' }])).baseOffset).toBe(100)
  })
})

describe('leftover files and the log start (scenario 57)', () => {
  const OLD_RECORD: RecordInput = { value: 'test', timestamp: 10 }
  const OLD_RECORD_BYTES = encodeBatch([OLD_RECORD]).length

  test('removes index files that have no log segment', async () => {
    // Kafka testBogusIndexSegmentsAreRemoved. Property: index files for base offset 5 with no 5.log
    // are leftovers: open removes and reports them, keeps the real segment's, and appends go on.
    const { log } = await openTopic(tmp.path, { segmentBytes: 5 * OLD_RECORD_BYTES, indexIntervalBytes: 1 })
    await log.close()
    const dir = partitionDir(tmp.path, TOPIC)
    const bogus = [segmentFileName(5, 'index'), segmentFileName(5, 'timeindex')]
    for (const name of bogus) writeFileSync(join(dir, name), '')

    const reopened = await reopen()
    expect(bogus.filter((name) => existsSync(join(dir, name)))).toEqual([])
    expect(reopened.log.recovery.partitions[0]!.leftovers).toEqual(expect.arrayContaining(bogus))
    expect(fileNames(dir)).toEqual(expect.arrayContaining([segmentFileName(0, 'log'), segmentFileName(0, 'index'), segmentFileName(0, 'timeindex')]))
    for (let i = 0; i < 10; i++) await reopened.p.append([OLD_RECORD])
    expect(reopened.p.log.segments.map((s) => s.baseOffset)).toEqual([0, 5])
  })

  test('keeps segments deleted by retention gone after reopen, and removes .deleted leftovers of an interrupted deletion', async () => {
    // Kafka testOpenDeletesObsoleteFiles. Property: what retention deleted stays deleted; files a
    // crash left renamed to .deleted (renamed, never unlinked) are removed at open and reported.
    const clock = new ManualClock()
    const { log, p } = await openTopic(tmp.path, { segmentBytes: 5 * OLD_RECORD_BYTES, retentionMs: 999 }, clock)
    for (let i = 0; i < 100; i++) await p.append([{ value: 'test', timestamp: clock.nowMs - 1000 }])
    await log.runRetention()
    expect(p.log.segments.map((s) => s.baseOffset)).toEqual([100])
    await log.close()

    const dir = partitionDir(tmp.path, TOPIC)
    const leftovers = [segmentFileName(0, 'log', '.deleted'), segmentFileName(0, 'index', '.deleted')]
    for (const name of leftovers) writeFileSync(join(dir, name), encodeBatch([OLD_RECORD]))
    const reopened = await reopen()
    expect(reopened.p.log.segments.map((s) => s.baseOffset)).toEqual([100])
    expect([reopened.p.logStartOffset, reopened.p.logEndOffset]).toEqual([100, 100])
    expect(fileNames(dir).filter((name) => name.endsWith('.deleted'))).toEqual([])
    expect(reopened.log.recovery.partitions[0]!.leftovers).toEqual(expect.arrayContaining(leftovers))
  })

  /** Five one-batch segments, log start checkpointed at 4, nonsense over all of segment 1's `.log`. */
  async function damagedSegmentOne(logStartOffset: number | null): Promise<string> {
    const { log, p } = await openTopic(tmp.path, { segmentBytes: SEGMENT_BYTES_MIN })
    for (let i = 0; i < 5; i++) await p.append([{ value: String(i) }])
    expect(p.log.segments.map((s) => s.baseOffset)).toEqual([0, 1, 2, 3, 4])
    await log.close()
    if (logStartOffset !== null) writeCheckpoint(tmp.path, LOG_START_OFFSET_CHECKPOINT, [[TOPIC, 0, logStartOffset]])
    const damaged = segmentFile(partitionDir(tmp.path, TOPIC), 1, 'log')
    writeFileSync(damaged, nonsense(statSync(damaged).size, seededRandom(57)))
    return damaged
  }

  const damagedBelowLogStart = (): Promise<string> => damagedSegmentOne(4)

  function expectEmptyAtLogStart(p: Partition): void {
    expect([p.logStartOffset, p.logEndOffset]).toEqual([4, 4])
    expect(p.log.segments.map((s) => s.baseOffset)).toEqual([4])
    const dir = partitionDir(tmp.path, TOPIC)
    for (const kind of ['log', 'index', 'timeindex'] as const) expect(existsSync(segmentFile(dir, 4, kind))).toBe(true)
  }

  test('recreates one empty segment at the log start when recovery leaves the log end below it', async () => {
    // Kafka testLogEndLessThanStartAfterReopen. Property: with the recovery point at 0 the nonsense
    // in segment 1 is followed by valid segments, so seglog refuses (FM-2); with `repair`, recovery
    // cuts the log there and drops every later segment as Kafka does; the log end (1) is then below
    // the checkpointed log start (4), so the partition restarts empty at 4, all files present.
    await damagedBelowLogStart()
    crashWithRecoveryPoint(tmp.path, TOPIC, 0, 0)
    await expect(reopen()).rejects.toMatchObject({ code: 'CORRUPT_RECORD' })
    const log = await logs.open(tmp.path, { repair: true })
    const p = log.partition(TOPIC, 0)
    expect(log.recovery.partitions[0]).toMatchObject({ truncatedFromOffset: 1 })
    expectEmptyAtLogStart(p)
    expect((await p.append([{ value: 'next' }])).baseOffset).toBe(4)
  })

  test('refuses to open when the damage lies below the recovery point, naming the damaged file and byte position', async () => {
    // Kafka testLogEndLessThanStartAfterReopen's damage, in a live segment (no log start checkpoint),
    // with the recovery point left at the log end (5).
    // Property (seglog's decision, api.md "Opening a log"): damage below the recovery point is never
    // cut silently — open rejects with CORRUPT_RECORD "naming the file and byte position" (here: all
    // of segment 1, so position 0).
    const damaged = await damagedSegmentOne(null)
    markUncleanShutdown(tmp.path)
    const err = await reopen().catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'CORRUPT_RECORD' })
    expect((err as Error).message).toContain(damaged)
    expect((err as Error).message).toMatch(/position 0\b/)
  })

  test('with repair, cuts a partition damaged below the recovery point there and reports the lost offsets', async () => {
    // Same damage. Property (seglog's decision): `repair` cuts the partition at the damage and reports
    // exactly the offsets lost; what is before the damage stays readable and appends continue there.
    await damagedSegmentOne(null)
    markUncleanShutdown(tmp.path)
    const log = await logs.open(tmp.path, { repair: true })
    expect(log.recovery.partitions[0]).toMatchObject({ lostOffsets: { from: 1, to: 5 } })
    const p = log.partition(TOPIC, 0)
    expect([p.logStartOffset, p.logEndOffset]).toEqual([0, 1])
    expect((await p.read({ offset: 0 })).records.map((r) => r.value!.toString())).toEqual(['0'])
    expect((await p.append([{ value: 'next' }])).baseOffset).toBe(1)
  })

  test('ignores damage in segments wholly below the checkpointed log start: they are deleted first', async () => {
    // Kafka testLogEndLessThanStartAfterReopen's files, recovery point at the log end (5).
    // Property (seglog's decision): dead segments below the log start (a retention interrupted by a
    // crash) are removed before anything is validated, so their damage cannot block the open and
    // the live data (offset 4) is kept.
    await damagedBelowLogStart()
    markUncleanShutdown(tmp.path)
    const { p } = await reopen()
    expect([p.logStartOffset, p.logEndOffset]).toEqual([4, 5])
    expect(p.log.segments.map((s) => s.baseOffset)).toEqual([4])
    expect((await p.read({ offset: 4 })).records.map((r) => r.value!.toString())).toEqual(['4'])
  })
})
