/**
 * Builders for the batches producer-state tests hand to ProducerStateManager, and the typed-error
 * check they share. Offsets are explicit: the partition assigns them, so the tests do too.
 */
import { expect } from 'vitest'
import { SeglogError } from '../../../src/errors.js'
import type { ProducerDataBatch, ProducerMarkerBatch } from '../../../src/producer/producer-validation.js'

export const INT32_MAX = 0x7fff_ffff

/** A data batch of `records` records: sequences baseSequence…, offsets firstOffset…. */
export function dataBatch(
  producerId: number,
  producerEpoch: number,
  baseSequence: number,
  firstOffset: number,
  records = 1,
  options: { timestampMs?: number; transactional?: boolean } = {},
): ProducerDataBatch {
  return {
    kind: 'data',
    producerId,
    producerEpoch,
    baseSequence,
    firstOffset,
    lastOffset: firstOffset + records - 1,
    maxTimestampMs: options.timestampMs ?? 1_000,
    transactional: options.transactional ?? false,
  }
}

export function markerBatch(
  producerId: number,
  producerEpoch: number,
  offset: number,
  options: { commit?: boolean; coordinatorEpoch?: number; timestampMs?: number } = {},
): ProducerMarkerBatch {
  return {
    kind: 'marker',
    producerId,
    producerEpoch,
    offset,
    timestampMs: options.timestampMs ?? 1_000,
    coordinatorEpoch: options.coordinatorEpoch ?? 0,
    commit: options.commit ?? true,
  }
}

/** Runs `run`, expecting a SeglogError with `code`; returns it. */
export function expectSeglogError(run: () => unknown, code: string): SeglogError {
  let caught: unknown
  try {
    run()
  } catch (err) {
    caught = err
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(SeglogError)
  expect((caught as SeglogError).code).toBe(code)
  return caught as SeglogError
}
