import { describe, expect, it } from 'vitest'
import { NO_SEQUENCE } from '../../../src/format/batch-header.js'
import { emptyProducerEntry, lastSeqOf } from '../../../src/producer/producer-entry.js'
import { ProducerStateManager, type StageResult } from '../../../src/producer/producer-state-manager.js'
import { applyBatch, lastSequenceOf, validateBatch, type ProducerBatch } from '../../../src/producer/producer-validation.js'
import { INT32_MAX, dataBatch, expectSeglogError, markerBatch } from './producer-batches.js'

/** stage + commit: one batch written. */
function append(state: ProducerStateManager, batch: ProducerBatch): StageResult {
  const result = state.stage(batch)
  state.commitStaged()
  return result
}

describe('producer validation rules (Kafka ProducerAppendInfo order)', () => {
  it('accepts a producer\'s batches in sequence and remembers their ranges', () => {
    // Property: sequences continue at lastSeq + 1 across batches of any size.
    const state = new ProducerStateManager()
    expect(append(state, dataBatch(7, 0, 0, 0, 3))).toEqual({ kind: 'append', completedTxn: null })
    expect(append(state, dataBatch(7, 0, 3, 3, 2)).kind).toBe('append')
    const entry = state.entry(7)!
    expect(entry.producerEpoch).toBe(0)
    expect(entry.batches).toEqual([
      { firstSeq: 0, lastSeq: 2, lastOffset: 2, offsetDelta: 2, timestampMs: 1_000 },
      { firstSeq: 3, lastSeq: 4, lastOffset: 4, offsetDelta: 1, timestampMs: 1_000 },
    ])
    expect(state.mapEndOffset).toBe(5)
  })

  it('answers an exact retry with the original offsets and writes nothing', () => {
    // Property: duplicate = same epoch and the exact first and last sequence of a retained batch.
    const state = new ProducerStateManager()
    append(state, dataBatch(7, 0, 0, 10, 3))
    append(state, dataBatch(7, 0, 3, 13, 3))
    expect(state.stage(dataBatch(7, 0, 0, 16, 3))).toEqual({ kind: 'duplicate', baseOffset: 10, lastOffset: 12, pending: false })
    expect(state.stagedCount).toBe(0)
    expect(state.mapEndOffset).toBe(16)
  })

  it('checks for a duplicate before the epoch and the sequence', () => {
    // Property: Kafka's order — a retry is recognised even when later rules would reject it.
    const state = new ProducerStateManager()
    append(state, dataBatch(7, 3, 0, 0, 2))
    append(state, dataBatch(7, 3, 2, 2, 2))
    // The retry's sequence is behind the producer's (which the sequence rule would refuse): duplicate.
    expect(state.stage(dataBatch(7, 3, 0, 4, 2)).kind).toBe('duplicate')
  })

  it('treats a partial overlap with a retained batch as out of order, not a duplicate', () => {
    // Property: only an exact range is a duplicate; overlapping or merged ranges are refused.
    const state = new ProducerStateManager()
    append(state, dataBatch(7, 0, 0, 0, 4))
    expectSeglogError(() => state.stage(dataBatch(7, 0, 0, 4, 2)), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    expectSeglogError(() => state.stage(dataBatch(7, 0, 2, 4, 4)), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    expectSeglogError(() => state.stage(dataBatch(7, 0, 0, 4, 5)), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
  })

  it('refuses a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER carrying the offset', () => {
    // Property: a batch that does not start at lastSeq + 1 is refused and changes nothing.
    const state = new ProducerStateManager()
    append(state, dataBatch(7, 0, 0, 0, 1))
    const before = structuredClone(state.entry(7))
    const err = expectSeglogError(() => state.stage(dataBatch(7, 0, 2, 1, 1)), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    expect(err.offset).toBe(1)
    expect(err.message).toContain('producer 7')
    expect(state.entry(7)).toEqual(before)
    expect(state.stagedCount).toBe(0)
  })

  it('refuses an older epoch with INVALID_PRODUCER_EPOCH, whatever its sequence', () => {
    // Property: fencing — once epoch n was written, epochs below n are refused.
    const state = new ProducerStateManager()
    append(state, dataBatch(7, 2, 0, 0))
    expectSeglogError(() => state.stage(dataBatch(7, 1, 1, 1)), 'INVALID_PRODUCER_EPOCH')
    expectSeglogError(() => state.stage(dataBatch(7, 1, 0, 1)), 'INVALID_PRODUCER_EPOCH')
  })

  it('restarts sequences at 0 in a bumped epoch and forgets the old epoch\'s batches', () => {
    // Property: a new epoch must start at 0; the old epoch's ranges no longer dedupe.
    const state = new ProducerStateManager()
    append(state, dataBatch(7, 0, 0, 0, 5))
    expectSeglogError(() => state.stage(dataBatch(7, 1, 5, 5)), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    expect(append(state, dataBatch(7, 1, 0, 5, 2)).kind).toBe('append')
    expect(state.entry(7)!.producerEpoch).toBe(1)
    expect(state.entry(7)!.batches).toHaveLength(1)
    // The old epoch's batch is now fenced, not a duplicate.
    expectSeglogError(() => state.stage(dataBatch(7, 0, 0, 7, 5)), 'INVALID_PRODUCER_EPOCH')
  })

  it('accepts any first sequence from an unknown producer, as Kafka does', () => {
    // Property: a producer with no state (new, expired, or its data deleted) is not wedged:
    // Kafka's checkSequence only requires 0 for a new epoch when an epoch is already known.
    const state = new ProducerStateManager()
    expect(append(state, dataBatch(9, 4, 1234, 0, 2)).kind).toBe('append')
    expect(lastSeqOf(state.entry(9)!)).toBe(1235)
    expectSeglogError(() => state.stage(dataBatch(9, 4, 1237, 2)), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
  })

  it('wraps sequences from 2^31 - 1 to 0', () => {
    // Property: int32 wrap-around — a batch may straddle it, and the next batch starts at 0.
    const state = new ProducerStateManager()
    const straddling = dataBatch(7, 0, INT32_MAX - 1, 0, 4) // INT32_MAX - 1, INT32_MAX, 0, 1
    expect(lastSequenceOf(straddling)).toBe(1)
    append(state, straddling)
    expect(state.entry(7)!.batches[0]).toMatchObject({ firstSeq: INT32_MAX - 1, lastSeq: 1 })
    expect(append(state, dataBatch(7, 0, 2, 4)).kind).toBe('append')
    // A retry of the straddling batch is still recognised.
    expect(state.stage(dataBatch(7, 0, INT32_MAX - 1, 5, 4))).toMatchObject({ kind: 'duplicate', baseOffset: 0, lastOffset: 3 })

    const ending = new ProducerStateManager()
    append(ending, dataBatch(8, 0, INT32_MAX - 2, 0, 3)) // ends exactly at INT32_MAX
    expectSeglogError(() => ending.stage(dataBatch(8, 0, 1, 3)), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    expect(append(ending, dataBatch(8, 0, 0, 3)).kind).toBe('append')
  })

  it('refuses a plain batch while the producer\'s transaction is open (INVALID_TXN_STATE)', () => {
    // Property: rule 4, after the sequence rule; a transactional batch opens the transaction at its first offset.
    const state = new ProducerStateManager()
    append(state, dataBatch(7, 0, 0, 40, 2, { transactional: true }))
    expect(state.entry(7)!.currentTxnFirstOffset).toBe(40)
    expectSeglogError(() => state.stage(dataBatch(7, 0, 2, 42)), 'INVALID_TXN_STATE')
    // The sequence rule comes first.
    expectSeglogError(() => state.stage(dataBatch(7, 0, 5, 42)), 'OUT_OF_ORDER_SEQUENCE_NUMBER')
    append(state, dataBatch(7, 0, 2, 42, 1, { transactional: true }))
    expect(state.entry(7)!.currentTxnFirstOffset).toBe(40)
    expect(state.firstUndecidedOffset()).toBe(40)
  })

  it('closes a transaction with a marker and reports it only if it held data', () => {
    // Property: Kafka's appendEndTxnMarker — the marker's epoch wins, the batch memory of a bumped epoch goes.
    const state = new ProducerStateManager()
    append(state, dataBatch(7, 0, 0, 0, 3, { transactional: true }))
    expect(append(state, markerBatch(7, 0, 3, { commit: false, coordinatorEpoch: 4 }))).toEqual({
      kind: 'append',
      completedTxn: { producerId: 7, firstOffset: 0, lastOffset: 3, aborted: true },
    })
    expect(state.entry(7)).toMatchObject({ currentTxnFirstOffset: null, coordinatorEpoch: 4, producerEpoch: 0 })
    expect(append(state, markerBatch(7, 0, 4))).toEqual({ kind: 'append', completedTxn: null })
    // A marker with a bumped epoch fences the producer's older epoch; an older marker epoch is refused.
    append(state, markerBatch(7, 1, 5))
    expect(state.entry(7)).toMatchObject({ producerEpoch: 1, batches: [] })
    expectSeglogError(() => state.stage(markerBatch(7, 0, 6)), 'INVALID_PRODUCER_EPOCH')
    expectSeglogError(() => state.stage(dataBatch(7, 0, 3, 6)), 'INVALID_PRODUCER_EPOCH')
  })

  it('validateBatch and applyBatch never touch the entry they check', () => {
    // Property: validation is pure; only applyBatch changes an entry, and only the one it is given.
    const entry = emptyProducerEntry(3)
    const before = structuredClone(entry)
    expect(validateBatch(entry, dataBatch(3, 0, 0, 0))).toBeNull()
    expect(entry).toEqual(before)
    applyBatch(entry, dataBatch(3, 0, 0, 0))
    expect(lastSeqOf(entry)).toBe(0)
    expect(lastSeqOf(before)).toBe(NO_SEQUENCE)
  })

  it('rejects impossible arguments as programmer errors, not producer errors', () => {
    // Property: a negative id, an out-of-range epoch or sequence, or offsets going back are RangeErrors.
    const state = new ProducerStateManager()
    expect(() => state.stage(dataBatch(-1, 0, 0, 0))).toThrow(RangeError)
    expect(() => state.stage(dataBatch(1, 0x8000, 0, 0))).toThrow(RangeError)
    expect(() => state.stage(dataBatch(1, 0, -1, 0))).toThrow(RangeError)
    expect(() => state.stage(dataBatch(1, 0, INT32_MAX + 1, 0))).toThrow(RangeError)
    append(state, dataBatch(1, 0, 0, 10))
    expect(() => state.stage(dataBatch(1, 0, 1, 5))).toThrow(RangeError)
  })
})
