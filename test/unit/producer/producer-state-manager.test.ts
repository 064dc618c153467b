import { describe, expect, it } from 'vitest'
import { PRODUCER_BATCHES_RETAINED } from '../../../src/producer/producer-entry.js'
import { ProducerStateManager } from '../../../src/producer/producer-state-manager.js'
import type { ProducerBatch } from '../../../src/producer/producer-validation.js'
import { dataBatch, expectSeglogError, markerBatch } from './producer-batches.js'

function append(state: ProducerStateManager, batch: ProducerBatch): void {
  expect(state.stage(batch).kind).toBe('append')
  state.commitStaged()
}

/** Everything observable about the state, as plain data. */
function dump(state: ProducerStateManager): unknown {
  return {
    mapEndOffset: state.mapEndOffset,
    staged: state.stagedCount,
    producers: [...state.entries()].map((e) => structuredClone(e)).sort((a, b) => a.producerId - b.producerId),
  }
}

describe('ProducerStateManager staging (pipelined producers)', () => {
  it('validates a producer\'s in-flight batches in queue order before any is written', () => {
    // Property: batch n+1 is checked against staged batch n, so five pipelined batches all append.
    const state = new ProducerStateManager()
    for (let i = 0; i < 5; i++) expect(state.stage(dataBatch(1, 0, i * 2, i * 2, 2)).kind).toBe('append')
    expect(state.entry(1)).toBeUndefined() // nothing committed yet
    expect(state.mapEndOffset).toBe(0)
    state.commitStaged()
    expect(state.entry(1)!.batches.map((b) => b.firstSeq)).toEqual([0, 2, 4, 6, 8])
    expect(state.mapEndOffset).toBe(10)
  })

  it('rejects an out-of-order batch in the middle of a run and keeps the batches staged around it', () => {
    // Property: a refused stage changes nothing, so the next batch is checked as if it never came.
    const state = new ProducerStateManager()
    state.stage(dataBatch(1, 0, 0, 0))
    expectSeglogError(() => state.stage(dataBatch(1, 0, 5, 1)), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    expect(state.stage(dataBatch(1, 0, 1, 1)).kind).toBe('append')
    expect(state.stagedCount).toBe(2)
    state.commitStaged()
    expect(state.entry(1)!.batches.map((b) => b.lastSeq)).toEqual([0, 1])
  })

  it('restores exactly the previous state when a write fails (DISK_FULL rollback)', () => {
    // Property: discardStaged after any mix of staged batches, markers and new producers leaves the state bit for bit as before.
    const state = new ProducerStateManager()
    append(state, dataBatch(1, 0, 0, 0, 3))
    append(state, dataBatch(2, 5, 0, 3, 1, { transactional: true }))
    state.updateMapEndOffset(10)
    const before = dump(state)
    state.stage(dataBatch(1, 0, 3, 10, 2))
    state.stage(dataBatch(1, 1, 0, 12)) // epoch bump: forgets epoch 0's batches in the staged copy
    state.stage(markerBatch(2, 5, 13, { commit: true, coordinatorEpoch: 9 }))
    state.stage(dataBatch(3, 0, 0, 14))
    state.discardStaged()
    expect(dump(state)).toEqual(before)
    // And the producers continue as if the failed run never happened.
    expect(state.stage(dataBatch(1, 0, 3, 10, 2)).kind).toBe('append')
    expect(state.stage(dataBatch(1, 0, 3, 12, 2)).kind).toBe('duplicate')
  })

  it('answers a retry of a batch staged in the same run as a pending duplicate', () => {
    // Property: a duplicate of a staged batch shares that write's outcome; one of a committed batch does not.
    const state = new ProducerStateManager()
    append(state, dataBatch(1, 0, 0, 0, 2))
    state.stage(dataBatch(1, 0, 2, 2, 2))
    expect(state.stage(dataBatch(1, 0, 2, 4, 2))).toEqual({ kind: 'duplicate', baseOffset: 2, lastOffset: 3, pending: true })
    expect(state.stage(dataBatch(1, 0, 0, 4, 2))).toEqual({ kind: 'duplicate', baseOffset: 0, lastOffset: 1, pending: false })
    state.discardStaged()
    // The staged original is gone: its retry now appends.
    expect(state.stage(dataBatch(1, 0, 2, 2, 2)).kind).toBe('append')
  })

  it('refuses offsets that go back, and file I/O or replay while batches are staged', () => {
    // Property: the caller's offsets only increase, and the state on disk is never taken mid-run.
    const state = new ProducerStateManager()
    state.stage(dataBatch(1, 0, 0, 5, 5))
    expect(() => state.stage(dataBatch(2, 0, 0, 9))).toThrow(RangeError)
    expect(() => state.replayBatch(dataBatch(2, 0, 0, 20))).toThrow(/staged/)
    expect(() => state.updateMapEndOffset(20)).toThrow(/staged/)
    state.commitStaged()
    expect(() => state.updateMapEndOffset(9)).toThrow(RangeError)
    state.updateMapEndOffset(12)
    expect(() => state.stage(dataBatch(2, 0, 0, 11))).toThrow(RangeError)
  })
})

describe('ProducerStateManager dedupe window', () => {
  it('dedupes a retry of each of the last 5 batches and refuses the 6th-oldest as out of order', () => {
    // Property: exactly PRODUCER_BATCHES_RETAINED batches are remembered; an older retry cannot be told from a gap.
    expect(PRODUCER_BATCHES_RETAINED).toBe(5)
    const state = new ProducerStateManager()
    for (let i = 0; i < 6; i++) append(state, dataBatch(1, 0, i * 3, i * 3, 3))
    for (let i = 1; i < 6; i++) {
      expect(state.stage(dataBatch(1, 0, i * 3, 18, 3))).toEqual({ kind: 'duplicate', baseOffset: i * 3, lastOffset: i * 3 + 2, pending: false })
    }
    expectSeglogError(() => state.stage(dataBatch(1, 0, 0, 18, 3)), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    expect(state.stagedCount).toBe(0)
  })

  it('keeps producers apart: one producer\'s ranges never dedupe another\'s', () => {
    // Property: the state is per producer id.
    const state = new ProducerStateManager()
    append(state, dataBatch(1, 0, 0, 0))
    expect(state.stage(dataBatch(2, 0, 0, 1)).kind).toBe('append')
  })
})

describe('ProducerStateManager replay (recovery)', () => {
  it('accepts whatever the log holds: gaps, older epochs, markers bumping the epoch', () => {
    // Property: Kafka's REPLICATION origin validates nothing.
    const state = new ProducerStateManager()
    state.replayBatch(dataBatch(1, 3, 10, 0))
    state.replayBatch(dataBatch(1, 3, 50, 1)) // gap
    state.replayBatch(dataBatch(1, 2, 0, 2)) // older epoch
    expect(state.entry(1)).toMatchObject({ producerEpoch: 2, batches: [{ firstSeq: 0, lastOffset: 2 }] })
    expect(state.replayBatch(markerBatch(1, 7, 3))).toBeNull()
    expect(state.entry(1)).toMatchObject({ producerEpoch: 7, batches: [] })
    expect(state.mapEndOffset).toBe(4)
    // After the bump, a client batch of epoch 7 must start at 0.
    expectSeglogError(() => state.stage(dataBatch(1, 7, 1, 4)), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    expect(state.stage(dataBatch(1, 7, 0, 4)).kind).toBe('append')
  })

  it('ignores a batch the state already reflects and keeps sequence-less batches as -1', () => {
    // Property: replay is idempotent below mapEndOffset; baseSequence -1 (Kafka coordinator data) stores no range.
    const state = new ProducerStateManager()
    state.replayBatch(dataBatch(1, 0, 0, 0, 2))
    state.replayBatch(dataBatch(1, 0, 0, 0, 2))
    expect(state.entry(1)!.batches).toHaveLength(1)
    state.replayBatch(dataBatch(2, 0, -1, 2, 3))
    expect(state.entry(2)!.batches[0]).toMatchObject({ firstSeq: -1, lastSeq: -1, lastOffset: 4, offsetDelta: 2 })
  })

  it('reports a transaction a replayed marker closes, for the transaction index', () => {
    // Property: the CompletedTxn of a replayed ABORT names the transaction's first offset and the marker's.
    const state = new ProducerStateManager()
    state.replayBatch(dataBatch(4, 0, 0, 10, 2, { transactional: true }))
    expect(state.firstUndecidedOffset()).toBe(10)
    expect(state.replayBatch(markerBatch(4, 0, 12, { commit: false }))).toEqual({ producerId: 4, firstOffset: 10, lastOffset: 12, aborted: true })
    expect(state.firstUndecidedOffset()).toBeNull()
  })
})

describe('ProducerStateManager expiration', () => {
  it('forgets producers idle for producerIdExpirationMs by their last timestamp, keeping open transactions', () => {
    // Property: Kafka §3.7 — expired when now - lastTimestamp >= expiration and no transaction is open.
    const state = new ProducerStateManager()
    append(state, dataBatch(1, 0, 0, 0, 1, { timestampMs: 1_000 }))
    append(state, dataBatch(2, 0, 0, 1, 1, { timestampMs: 5_000 }))
    append(state, dataBatch(3, 0, 0, 2, 1, { timestampMs: 1_000, transactional: true }))
    expect(state.expire(10_999, 10_000)).toEqual([])
    expect(state.expire(11_000, 10_000)).toEqual([1])
    expect(state.expire(1_000_000, 10_000)).toEqual([2])
    expect([...state.entries()].map((e) => e.producerId)).toEqual([3])
    // An expired producer is unknown again: any sequence is accepted (Kafka's testPidExpirationTimeout).
    expect(state.stage(dataBatch(1, 0, 1, 3)).kind).toBe('append')
  })

  it('does not expire a producer with batches staged', () => {
    // Property: a producer in the middle of a write is not idle.
    const state = new ProducerStateManager()
    append(state, dataBatch(1, 0, 0, 0, 1, { timestampMs: 0 }))
    state.stage(dataBatch(1, 0, 1, 1, 1, { timestampMs: 0 }))
    expect(state.expire(1e9, 1)).toEqual([])
    state.commitStaged()
    expect(state.expire(1e9, 1)).toEqual([1])
  })
})
