/**
 * Kafka's ProducerStateManagerTest (and UnifiedLogTest.testDuplicateAppends), ported at the layer
 * that holds the state: kafka-storage.md §5 scenarios 21–35. Kafka's helpers map to seglog's as
 *   appendClientEntry      → stage + commitStaged (offsets only go forward here, so where a Kafka
 *                            test reuses a lower offset the port takes the next one)
 *   appendReplicationEntry → replayBatch
 *   appendEndTxnMarker     → stage of a marker batch
 *   takeSnapshot / truncateAndReload / removeExpiredProducers → the same names (expire)
 *
 * Ported here: 21, 22, 23, 24, 25, 26 (the undecided-offset half), 28, 29 (testOldEpochForControlRecord),
 * 30, 31, 32, 33, 34, 35 (the state half). Not here: 26's firstUnstableOffset and 27 (they follow
 * the high watermark: the transactions issue), 29's testCoordinatorFencing (needs an error code
 * for a fenced coordinator, none exists yet), and 35's log half (nothing written, the original
 * offsets returned by append: the partition wiring).
 *
 * Where seglog differs on purpose the port asserts seglog's behaviour and says so: all five
 * batches per producer are kept in a snapshot (Kafka keeps one), and truncateAndReload keeps a
 * snapshot at exactly the log start (Kafka deletes it).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { NO_SEQUENCE } from '../../../src/format/batch-header.js'
import { defaultFileSystem as fs } from '../../../src/io/file.js'
import { firstDataOffsetOf, firstSeqOf, lastDataOffsetOf, lastSeqOf } from '../../../src/producer/producer-entry.js'
import { listProducerSnapshots, producerSnapshotFileName } from '../../../src/producer/producer-snapshot.js'
import { ProducerStateManager, type StageResult } from '../../../src/producer/producer-state-manager.js'
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dirs.js'
import { INT32_MAX, dataBatch, expectSeglogError, markerBatch } from './producer-batches.js'

const producerId = 1
const epoch = 0
const expirationMs = 86_400_000 // Kafka's producer.id.expiration.ms default, as the test config

afterEach(removeTempDirs)

function appendClient(state: ProducerStateManager, pid: number, producerEpoch: number, seq: number, offset: number, options: { timestampMs?: number; transactional?: boolean } = {}): StageResult {
  const result = state.stage(dataBatch(pid, producerEpoch, seq, offset, 1, options))
  state.commitStaged()
  return result
}

function appendMarker(state: ProducerStateManager, pid: number, producerEpoch: number, offset: number, options: { commit?: boolean; coordinatorEpoch?: number; timestampMs?: number } = {}): StageResult {
  const result = state.stage(markerBatch(pid, producerEpoch, offset, options))
  state.commitStaged()
  return result
}

function appendReplication(state: ProducerStateManager, producerEpoch: number, seq: number, offset: number, timestampMs = 1_000): void {
  state.replayBatch(dataBatch(producerId, producerEpoch, seq, offset, 1, { timestampMs }))
}

function entryOf(state: ProducerStateManager, pid = producerId) {
  const entry = state.entry(pid)
  expect(entry, `producer ${pid} should have an entry`).toBeDefined()
  return entry!
}

function reload(state: ProducerStateManager, dir: string, logStartOffset: number, logEndOffset: number, nowMs = 1_000) {
  return state.truncateAndReload(fs, dir, { logStartOffset, logEndOffset, nowMs, producerIdExpirationMs: expirationMs })
}

describe('Kafka ProducerStateManagerTest, ported (scenarios 21–34)', () => {
  it('scenario 21: testBasicIdMapping', () => {
    // Property: in-sequence appends, a retry appended again is out of order, a gap is out of order, a bumped epoch fences the old one.
    const state = new ProducerStateManager()
    appendClient(state, producerId, epoch, 0, 0)
    appendClient(state, producerId, epoch, 1, 1)
    // Kafka checks duplicates outside ProducerAppendInfo; through seglog's stage a retry is a duplicate…
    expect(state.stage(dataBatch(producerId, epoch, 1, 2)).kind).toBe('duplicate')
    // …and validation alone (what Kafka's test calls) refuses it as out of order.
    expectSeglogError(() => appendClient(state, producerId, epoch, 5, 2), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    appendClient(state, producerId, epoch + 1, 0, 3)
    expectSeglogError(() => appendClient(state, producerId, epoch, 0, 4), 'INVALID_PRODUCER_EPOCH')
  })

  it('scenario 21: testPrepareUpdateDoesNotMutate (staging leaves the committed state alone)', () => {
    // Property: a staged batch is invisible in the committed state until commitStaged.
    const state = new ProducerStateManager()
    state.stage(dataBatch(producerId, epoch, 0, 15, 6))
    expect(state.entry(producerId)).toBeUndefined()
    state.commitStaged()
    state.stage(dataBatch(producerId, epoch, 6, 26, 5))
    expect(lastSeqOf(entryOf(state))).toBe(5)
    expect(lastDataOffsetOf(entryOf(state))).toBe(20)
    state.commitStaged()
    expect(firstSeqOf(entryOf(state))).toBe(0)
    expect(lastSeqOf(entryOf(state))).toBe(10)
    expect(lastDataOffsetOf(entryOf(state))).toBe(30)
  })

  it('scenario 22: testAppendTxnMarkerWithNoProducerState', () => {
    // Property: a marker alone creates the producer's state; it fences older epochs and requires sequence 0.
    const state = new ProducerStateManager()
    appendMarker(state, producerId, 2, 27)
    expect(entryOf(state)).toMatchObject({ producerEpoch: 2, producerId })
    expect(lastSeqOf(entryOf(state))).toBe(NO_SEQUENCE)
    expectSeglogError(() => appendClient(state, producerId, 0, 0, 28), 'INVALID_PRODUCER_EPOCH')
    expectSeglogError(() => appendClient(state, producerId, 2, 17, 28), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    appendClient(state, producerId, 2, 0, 28, { timestampMs: 39 })
    expect(entryOf(state).producerEpoch).toBe(2)
    expect(lastSeqOf(entryOf(state))).toBe(0)
  })

  it('scenario 23: testProducerSequenceWrapAround, testProducerSequenceInvalidWrapAround, testProducerSequenceWithWrapAroundBatchRecord', () => {
    // Property: after sequence 2^31 - 1 comes 0 (not 1), and a replayed batch may straddle the wrap.
    const wraps = new ProducerStateManager()
    appendReplication(wraps, 15, INT32_MAX, 735)
    appendClient(wraps, producerId, 15, 0, 1235)
    expect(entryOf(wraps).producerEpoch).toBe(15)
    expect(firstSeqOf(entryOf(wraps))).toBe(INT32_MAX)
    expect(lastSeqOf(entryOf(wraps))).toBe(0)

    const invalid = new ProducerStateManager()
    appendReplication(invalid, 15, INT32_MAX, 735)
    expectSeglogError(() => appendClient(invalid, producerId, 15, 1, 1235), 'OUT_OF_ORDER_SEQUENCE_NUMBER')

    const straddle = new ProducerStateManager()
    straddle.replayBatch(dataBatch(producerId, 15, INT32_MAX - 10, 2000, 21))
    expect(firstSeqOf(entryOf(straddle))).toBe(INT32_MAX - 10)
    expect(lastSeqOf(entryOf(straddle))).toBe(9)
    expect(firstDataOffsetOf(entryOf(straddle))).toBe(2000)
    expect(lastDataOffsetOf(entryOf(straddle))).toBe(2020)
  })

  it('scenario 23 (companion): testNoValidationOnFirstEntryWhenLoadingLog', () => {
    // Property: replay takes any first sequence as the log holds it.
    const state = new ProducerStateManager()
    appendReplication(state, 5, 16, 735)
    expect(entryOf(state).producerEpoch).toBe(5)
    expect(firstSeqOf(entryOf(state))).toBe(16)
    expect(lastSeqOf(entryOf(state))).toBe(16)
    expect(firstDataOffsetOf(entryOf(state))).toBe(735)
    expect(lastDataOffsetOf(entryOf(state))).toBe(735)
  })

  it('scenario 24: testControlRecordBumpsProducerEpoch', () => {
    // Property: an ABORT with a bumped epoch closes the transaction and forgets the batches; the new epoch starts at 0.
    const state = new ProducerStateManager()
    appendClient(state, producerId, epoch, 0, 0)
    appendMarker(state, producerId, 1, 1, { commit: false })
    expect(entryOf(state)).toMatchObject({ producerEpoch: 1, currentTxnFirstOffset: null })
    expect(firstSeqOf(entryOf(state))).toBe(NO_SEQUENCE)
    expect(lastSeqOf(entryOf(state))).toBe(NO_SEQUENCE)
    appendClient(state, producerId, 1, 0, 2)
    expect(firstSeqOf(entryOf(state))).toBe(0)
  })

  it('scenario 24: testOutOfSequenceAfterControlRecordEpochBump', () => {
    // Property: after a marker bumped the epoch, sequence 2 is refused in that epoch and in the next.
    const state = new ProducerStateManager()
    appendClient(state, producerId, epoch, 0, 0, { transactional: true })
    appendClient(state, producerId, epoch, 1, 1, { transactional: true })
    appendMarker(state, producerId, 1, 2, { commit: false })
    expectSeglogError(() => appendClient(state, producerId, 1, 2, 3, { transactional: true }), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    expectSeglogError(() => appendClient(state, producerId, 2, 2, 3, { transactional: true }), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    appendClient(state, producerId, 1, 0, 3, { transactional: true })
    expect(entryOf(state).producerEpoch).toBe(1)
    expect(lastSeqOf(entryOf(state))).toBe(0)
  })

  it('scenario 25: testNonTransactionalAppendWithOngoingTransaction', () => {
    // Property: a plain batch inside an open transaction is INVALID_TXN_STATE.
    const state = new ProducerStateManager()
    appendClient(state, producerId, epoch, 0, 0, { transactional: true })
    expectSeglogError(() => appendClient(state, producerId, epoch, 1, 1), 'INVALID_TXN_STATE')
  })

  it('scenario 26: testFirstUnstableOffset (the first undecided offset; the HW half is the transactions issue)', () => {
    // Property: the earliest open transaction's first offset, across producers, as markers close them.
    const state = new ProducerStateManager()
    expect(state.firstUndecidedOffset()).toBeNull()
    appendClient(state, producerId, 5, 0, 99, { transactional: true })
    expect(state.firstUndecidedOffset()).toBe(99)
    appendClient(state, 2, 5, 0, 105, { transactional: true })
    expect(state.firstUndecidedOffset()).toBe(99)
    appendMarker(state, producerId, 5, 109)
    expect(state.firstUndecidedOffset()).toBe(105)
    appendMarker(state, 2, 5, 112, { commit: false })
    expect(state.firstUndecidedOffset()).toBeNull()
  })

  it('scenario 28: testSkipEmptyTransactions', () => {
    // Property: only a marker closing a transaction that held data completes one.
    const state = new ProducerStateManager()
    let seq = 0
    const appendData = (start: number, end: number) => {
      const result = state.stage(dataBatch(producerId, epoch, seq, start, end - start + 1, { transactional: true }))
      state.commitStaged()
      seq += end - start + 1
      return result
    }
    appendData(16, 20)
    expect(state.firstUndecidedOffset()).toBe(16)
    expect(appendMarker(state, producerId, epoch, 21, { coordinatorEpoch: 27 })).toEqual({ kind: 'append', completedTxn: { producerId, firstOffset: 16, lastOffset: 21, aborted: false } })
    expect(appendMarker(state, producerId, epoch, 22, { coordinatorEpoch: 27 })).toEqual({ kind: 'append', completedTxn: null })
    expect(appendMarker(state, producerId, epoch, 23, { commit: false, coordinatorEpoch: 27 })).toEqual({ kind: 'append', completedTxn: null })
    appendData(24, 27)
    expect(appendMarker(state, producerId, epoch, 28, { commit: false, coordinatorEpoch: 27 })).toEqual({ kind: 'append', completedTxn: { producerId, firstOffset: 24, lastOffset: 28, aborted: true } })
    expect(appendMarker(state, producerId, epoch, 29, { commit: false, coordinatorEpoch: 27 })).toEqual({ kind: 'append', completedTxn: null })
    appendData(30, 31)
    expect(state.firstUndecidedOffset()).toBe(30)
  })

  it('scenario 29: testOldEpochForControlRecord', () => {
    // Property: a marker with an epoch older than the producer's is INVALID_PRODUCER_EPOCH.
    const state = new ProducerStateManager()
    appendClient(state, producerId, 5, 0, 99, { transactional: true })
    expectSeglogError(() => appendMarker(state, producerId, 3, 100), 'INVALID_PRODUCER_EPOCH')
  })

  it('scenario 30: testPidExpirationTimeout', () => {
    // Property: an expired producer is forgotten and comes back with whatever sequence it sends.
    const state = new ProducerStateManager()
    appendClient(state, producerId, 5, 0, 1, { timestampMs: 0 })
    expect(state.expire(expirationMs + 1, expirationMs)).toEqual([producerId])
    appendClient(state, producerId, 5, 1, 2, { timestampMs: expirationMs + 1 })
    expect(state.size).toBe(1)
    expect(lastSeqOf(entryOf(state))).toBe(1)
    expect(state.mapEndOffset).toBe(3)
  })

  it('scenario 30: testProducersWithOngoingTransactionsDontExpire', () => {
    // Property: an open transaction keeps its producer, however idle.
    const state = new ProducerStateManager()
    appendClient(state, producerId, 5, 0, 99, { timestampMs: 0, transactional: true })
    expect(state.expire(expirationMs + 1, expirationMs)).toEqual([])
    expect(state.entry(producerId)).toBeDefined()
    expect(state.firstUndecidedOffset()).toBe(99)
  })

  it('scenario 30: testProducerStateAfterFencingAbortMarker', () => {
    // Property: a fencing ABORT leaves an entry with no batches and no transaction, which is kept (its epoch fences).
    const state = new ProducerStateManager()
    appendClient(state, producerId, epoch, 0, 0, { transactional: true })
    appendMarker(state, producerId, epoch + 1, 1, { commit: false })
    expect(entryOf(state).currentTxnFirstOffset).toBeNull()
    expect(lastDataOffsetOf(entryOf(state))).toBe(-1)
    expect(firstDataOffsetOf(entryOf(state))).toBe(-1)
    expect(state.expire(1_000, expirationMs)).toEqual([])
    expect(state.entry(producerId)).toBeDefined()
  })

  it('scenario 31: testRecoverFromSnapshotUnfinishedTransaction (seglog keeps every retained batch)', async () => {
    // Property: an open transaction survives a snapshot and reload; the producer continues its sequence.
    const dir = makeTempDir('seglog-psm-')
    const state = new ProducerStateManager()
    appendClient(state, producerId, epoch, 0, 0, { transactional: true })
    appendClient(state, producerId, epoch, 1, 1, { transactional: true })
    expect(await state.takeSnapshot(fs, dir)).toBe(2)
    const recovered = new ProducerStateManager()
    const result = await reload(recovered, dir, 0, 3)
    expect(result).toMatchObject({ reloaded: true, snapshotOffset: 2, replayFromOffset: 2 })
    const loaded = entryOf(recovered)
    // Kafka's snapshot holds only the last batch (first offset and sequence 1); seglog's holds both.
    expect(firstDataOffsetOf(loaded)).toBe(0)
    expect(firstSeqOf(loaded)).toBe(0)
    expect(lastDataOffsetOf(loaded)).toBe(1)
    expect(lastSeqOf(loaded)).toBe(1)
    expect(loaded.currentTxnFirstOffset).toBe(0)
    appendClient(recovered, producerId, epoch, 2, 2, { transactional: true })
  })

  it('scenario 31: testRecoverFromSnapshotFinishedTransaction and testRecoverFromSnapshotEmptyTransaction', async () => {
    // Property: a closed transaction reloads closed, and a marker-only producer keeps its timestamp.
    const dir = makeTempDir('seglog-psm-')
    const state = new ProducerStateManager()
    appendClient(state, producerId, epoch, 0, 0, { transactional: true })
    appendClient(state, producerId, epoch, 1, 1, { transactional: true })
    appendMarker(state, producerId, epoch, 2, { commit: false })
    appendMarker(state, 2, epoch, 3, { commit: false, timestampMs: 4_242 })
    await state.takeSnapshot(fs, dir)
    const recovered = new ProducerStateManager()
    await reload(recovered, dir, 0, 4)
    expect(entryOf(recovered).currentTxnFirstOffset).toBeNull()
    expect(lastSeqOf(entryOf(recovered))).toBe(1)
    expect(entryOf(recovered, 2)).toMatchObject({ lastTimestampMs: 4_242, currentTxnFirstOffset: null })
  })

  it('scenario 31: testRemoveExpiredPidsOnReload', async () => {
    // Property: reloading to a log end below the snapshot drops it; the unknown producer is then accepted at any sequence.
    const dir = makeTempDir('seglog-psm-')
    const state = new ProducerStateManager()
    appendClient(state, producerId, epoch, 0, 0, { timestampMs: 0 })
    appendClient(state, producerId, epoch, 1, 1, { timestampMs: 1 })
    await state.takeSnapshot(fs, dir)
    const recovered = new ProducerStateManager()
    expect(await reload(recovered, dir, 0, 1, 70_000)).toMatchObject({ reloaded: true, snapshotOffset: null, replayFromOffset: 0, outOfRangeSnapshots: [2] })
    appendClient(recovered, producerId, epoch, 2, 2, { timestampMs: 70_001 })
    expect(recovered.size).toBe(1)
    expect(lastSeqOf(entryOf(recovered))).toBe(2)
    expect(recovered.mapEndOffset).toBe(3)
  })

  it('scenario 31 (companion): producers expired by the time of the reload are not loaded', async () => {
    // Property: Kafka's loadFromSnapshot filter — expired entries of the snapshot are left out and counted.
    const dir = makeTempDir('seglog-psm-')
    const state = new ProducerStateManager()
    appendClient(state, 1, epoch, 0, 0, { timestampMs: 0 })
    appendClient(state, 2, epoch, 0, 1, { timestampMs: 50_000 })
    appendClient(state, 3, epoch, 0, 2, { timestampMs: 0, transactional: true })
    await state.takeSnapshot(fs, dir)
    const recovered = new ProducerStateManager()
    const result = await recovered.truncateAndReload(fs, dir, { logStartOffset: 0, logEndOffset: 3, nowMs: 60_000, producerIdExpirationMs: 30_000 })
    expect(result.expiredProducers).toBe(1)
    expect([...recovered.entries()].map((e) => e.producerId).sort()).toEqual([2, 3])
  })

  for (const [name, damage] of [
    ['testLoadFromEmptySnapshotFile', (path: string) => truncateSync(path, 0)],
    ['testLoadFromTruncatedSnapshotFile', (path: string) => truncateSync(path, 20)],
    ['testLoadFromCorruptSnapshotFile', (path: string) => writeFileSync(path, Buffer.alloc(37), { flag: 'r+' })],
  ] as const) {
    it(`scenario 32: ${name}`, async () => {
      // Property: a damaged newest snapshot is deleted and reported, and the state comes from the one before it.
      const dir = makeTempDir('seglog-psm-')
      const state = new ProducerStateManager()
      appendClient(state, producerId, epoch, 0, 0)
      await state.takeSnapshot(fs, dir)
      appendClient(state, producerId, epoch, 1, 1)
      expect(await state.takeSnapshot(fs, dir)).toBe(2)
      const damaged = join(dir, producerSnapshotFileName(2))
      damage(damaged)
      const reloaded = new ProducerStateManager()
      const result = await reload(reloaded, dir, 0, 20)
      expect(result.corruptSnapshots.map((c) => c.offset)).toEqual([2])
      expect(result.snapshotOffset).toBe(1)
      expect(fs.exists(damaged)).toBe(false)
      expect(lastDataOffsetOf(entryOf(reloaded))).toBe(0)
    })
  }

  it('scenario 33: testTruncateAndReloadRemovesOutOfRangeSnapshots (seglog keeps the one at the log start)', async () => {
    // Property: snapshots above the log end and below the log start go; the newest in range is loaded.
    const dir = makeTempDir('seglog-psm-')
    const state = new ProducerStateManager()
    for (let i = 0; i < 5; i++) {
      appendClient(state, producerId, epoch, i, i)
      await state.takeSnapshot(fs, dir)
    }
    expect(listProducerSnapshots(fs, dir)).toEqual([1, 2, 3, 4, 5])
    const result = await reload(state, dir, 1, 3)
    // Kafka deletes offsets <= the log start; a snapshot at exactly the log start is the complete
    // state to replay from there, so seglog keeps it.
    expect(result.outOfRangeSnapshots).toEqual([4, 5])
    expect(listProducerSnapshots(fs, dir)).toEqual([1, 2, 3])
    expect(result).toMatchObject({ reloaded: true, snapshotOffset: 3, replayFromOffset: 3 })
    expect(lastSeqOf(entryOf(state))).toBe(2)
    await reload(state, dir, 2, 3)
    expect(listProducerSnapshots(fs, dir)).toEqual([2, 3])
  })

  it('scenario 33: testSkipSnapshotIfOffsetUnchanged', async () => {
    // Property: a second snapshot at the same offset is not written.
    const dir = makeTempDir('seglog-psm-')
    const state = new ProducerStateManager()
    appendClient(state, producerId, epoch, 0, 0)
    expect(await state.takeSnapshot(fs, dir)).toBe(1)
    expect(await state.takeSnapshot(fs, dir)).toBeNull()
    expect(listProducerSnapshots(fs, dir)).toEqual([1])
  })

  it('scenario 33 (companion): testTruncateFullyAndStartAt, testLoadFromSnapshotRetainsNonExpiredProducers', async () => {
    // Property: truncateFully forgets everything and every snapshot; a reload keeps live producers.
    const dir = makeTempDir('seglog-psm-')
    const state = new ProducerStateManager()
    appendClient(state, 1, epoch, 0, 0)
    appendClient(state, 2, epoch, 0, 1)
    await state.takeSnapshot(fs, dir)
    const reloaded = new ProducerStateManager()
    await reload(reloaded, dir, 1, 2)
    expect(reloaded.size).toBe(2)
    expect(lastDataOffsetOf(entryOf(reloaded, 2))).toBe(1)
    await reloaded.truncateFullyAndStartAt(fs, dir, 0)
    expect(listProducerSnapshots(fs, dir)).toEqual([])
    expect(reloaded.size).toBe(0)
    appendClient(reloaded, 1, epoch, 0, 0)
    expect(await reloaded.takeSnapshot(fs, dir)).toBe(1)
  })

  it('scenario 34: testAcceptAppendWithSequenceGapsOnReplica, testAcceptAppendWithoutProducerStateOnReplica', () => {
    // Property: the client path refuses a gap and leaves the state; replay takes it.
    const state = new ProducerStateManager()
    appendClient(state, producerId, epoch, 0, 0, { timestampMs: 0 })
    expectSeglogError(() => appendClient(state, producerId, epoch, 3, 1), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    expect(lastSeqOf(entryOf(state))).toBe(0)
    appendReplication(state, epoch, 3, 1)
    expect(lastSeqOf(entryOf(state))).toBe(3)
    const fresh = new ProducerStateManager()
    appendReplication(fresh, epoch, 2, 2)
    expect(firstSeqOf(entryOf(fresh))).toBe(2)
  })
})

describe('Kafka UnifiedLogTest.testDuplicateAppends, state half (scenario 35)', () => {
  it('dedupes the tail, a multi-record tail and the 4th from the tail; refuses a partial or too-old duplicate', () => {
    // Property: retries of any of the last five batches answer with their offsets; others are out of order.
    const state = new ProducerStateManager()
    let offset = 0
    let seq = 0
    for (let i = 0; i <= 5; i++) {
      appendClient(state, producerId, epoch, seq++, offset++)
    }
    const multi = state.stage(dataBatch(producerId, epoch, seq, offset, 3))
    state.commitStaged()
    expect(multi.kind).toBe('append')
    expect(state.stage(dataBatch(producerId, epoch, seq, offset + 3, 3))).toEqual({ kind: 'duplicate', baseOffset: offset, lastOffset: offset + 2, pending: false })
    offset += 3
    seq += 3
    expectSeglogError(() => state.stage(dataBatch(producerId, epoch, seq - 2, offset, 2)), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    // The 4th from the tail (sequence 2) is retained.
    expect(state.stage(dataBatch(producerId, epoch, 2, offset))).toEqual({ kind: 'duplicate', baseOffset: 2, lastOffset: 2, pending: false })
    // Sequence 1 is older than the five retained batches.
    expectSeglogError(() => state.stage(dataBatch(producerId, epoch, 1, offset)), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    const original = appendClient(state, producerId, epoch, seq, offset)
    expect(original.kind).toBe('append')
    expect(state.stage(dataBatch(producerId, epoch, seq, offset + 1))).toEqual({ kind: 'duplicate', baseOffset: offset, lastOffset: offset, pending: false })
  })
})
