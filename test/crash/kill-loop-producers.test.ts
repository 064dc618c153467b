/**
 * The kill loop's producer checks (kill-loop-producers.ts) catch what they are for, on planted
 * faults, before the harness trusts them: a batch written twice, a gap, a record whose sequence is
 * not its key's, an acknowledged retry answered at other offsets, a too-old retry accepted.
 */
import { describe, expect, it } from 'vitest'
import type { PartitionSnapshot, ReadRecord } from '../helpers/ledger-check.js'
import { batchDigest, batchRecords } from '../helpers/record-values.mjs'
import { KillLoopProducer } from './kill-loop-producers.js'

const PID = 5

/** A log holding batches [sequence, count] of producer PID from offset 0, in this order. */
function logOf(batches: [number, number][], tamper?: (records: (ReadRecord & { producerId: number; sequence: number })[]) => void): PartitionSnapshot {
  const records: (ReadRecord & { producerId: number; sequence: number })[] = []
  for (const [sequence, count] of batches) {
    batchRecords(`p${PID}:${sequence}`, count).forEach((r, i) => records.push({ offset: records.length, key: r.key, value: r.value, producerId: PID, sequence: sequence + i }))
  }
  tamper?.(records)
  return { logStartOffset: 0, highWatermark: records.length, records }
}

function violationsOf(producer: KillLoopProducer, snapshot: PartitionSnapshot): string[] {
  const violations: string[] = []
  producer.checkLog(snapshot, violations)
  return violations
}

/** Feeds `send` + `pack` lines of first appends of batches [sequence, count] at dense offsets. */
function acknowledge(producer: KillLoopProducer, batches: [number, number][]): void {
  let offset = 0
  for (const [sequence, count] of batches) {
    const digest = batchDigest(batchRecords(`p${PID}:${sequence}`, count))
    producer.takeLine(['send', String(PID), String(sequence), String(count)], 'test', [])
    producer.takeLine(['pack', String(PID), String(sequence), String(count), String(offset), String(offset + count - 1), digest, '0'], 'test', [])
    offset += count
  }
}

const SEVEN: [number, number][] = [[0, 2], [2, 1], [3, 3], [6, 1], [7, 2], [9, 1], [10, 2]]

describe('kill loop producer checks', () => {
  it('accept a log holding each sequence once, in order', () => {
    const producer = new KillLoopProducer(PID)
    acknowledge(producer, SEVEN)
    expect(violationsOf(producer, logOf(SEVEN))).toEqual([])
  })

  it('catch a batch written twice, a gap, a lost acknowledged tail and a wrong sequence', () => {
    const producer = new KillLoopProducer(PID)
    acknowledge(producer, SEVEN)
    expect(violationsOf(producer, logOf([...SEVEN.slice(0, 3), [3, 3], ...SEVEN.slice(3)])).join()).toMatch(/duplicate/)
    expect(violationsOf(producer, logOf([...SEVEN.slice(0, 2), ...SEVEN.slice(3)])).join()).toMatch(/a gap of 3/)
    expect(violationsOf(producer, logOf(SEVEN.slice(0, 6))).join()).toMatch(/before acknowledged 11/)
    expect(violationsOf(producer, logOf(SEVEN, (records) => (records[4]!.sequence = 40))).join()).toMatch(/read back as producer 5 sequence 40/)
  })

  it('plan the last five sends, newest first, and one older than five; catch wrong answers to them', () => {
    const producer = new KillLoopProducer(PID)
    acknowledge(producer, SEVEN)
    const plan = producer.plan()
    expect(plan).toEqual({
      producerId: PID,
      producerEpoch: 0,
      nextSequence: 12,
      retry: [{ sequence: 10, count: 2 }, { sequence: 3, count: 3 }, { sequence: 6, count: 1 }, { sequence: 7, count: 2 }, { sequence: 9, count: 1 }],
      outOfOrder: { sequence: 2, count: 1 },
    })
    const violations: string[] = []
    // Sequence 3 was acknowledged at [3, 5]: answered appended elsewhere is a broken promise.
    producer.takeLine(['pack', String(PID), '3', '3', '12', '14', 'digest', '0'], 'test', violations)
    // The one older than five must be refused, not accepted.
    producer.takeLine(['pack', String(PID), '2', '1', '15', '15', 'digest', '0'], 'test', violations)
    expect(violations).toEqual([
      'producer 5: retry of acknowledged sequence 3 [3, 5] answered appended at [12, 14]',
      'producer 5: sequence 2, older than the last five, was not OUT_OF_ORDER',
    ])
  })
})
