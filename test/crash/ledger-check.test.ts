/**
 * The ledger checker must catch each broken promise before the kill loop and the fault tests may
 * trust a clean result (reliability.md: "a harness is trusted only after it has caught a planted
 * bug"). Each test plants one fault in an otherwise healthy fake partition.
 */
import { describe, expect, it } from 'vitest'
import { findLedgerViolations, type AckedBatch, type PartitionSnapshot, type ReadRecord } from '../helpers/ledger-check.js'
import { batchDigest, batchRecords } from '../helpers/record-values.mjs'
import { randomInt, seededRandom } from '../helpers/seeded-random.mjs'

/** A healthy partition of `batchCount` seeded batches (1–4 records), all acknowledged. */
function healthyPartition(seed: number, batchCount: number): { snapshot: PartitionSnapshot; acked: AckedBatch[] } {
  const next = seededRandom(seed)
  const records: ReadRecord[] = []
  const acked: AckedBatch[] = []
  for (let n = 0; n < batchCount; n++) {
    const batch = batchRecords(`0:${n % 4}:${n}`, randomInt(next, 1, 4))
    const baseOffset = records.length
    batch.forEach((r, i) => records.push({ offset: baseOffset + i, key: r.key, value: r.value }))
    acked.push({ baseOffset, lastOffset: records.length - 1, digest: batchDigest(batch), source: 'fake' })
  }
  return { snapshot: { logStartOffset: 0, highWatermark: records.length, records }, acked }
}

function renumber(records: ReadRecord[], from = 0): ReadRecord[] {
  return records.map((r, i) => ({ ...r, offset: from + i }))
}

describe('findLedgerViolations', () => {
  it('finds nothing wrong in a healthy partition, including unacknowledged whole batches', () => {
    // Property: no false alarms — acked batches, unacked whole batches and a log start cut mid-batch pass.
    const { snapshot, acked } = healthyPartition(1, 40)
    expect(findLedgerViolations(snapshot, acked)).toEqual([])
    expect(findLedgerViolations(snapshot, acked.slice(0, 10))).toEqual([])
    const cut = acked[5]!.baseOffset + 1
    const retained = { logStartOffset: cut, highWatermark: snapshot.highWatermark, records: snapshot.records.slice(cut) }
    expect(findLedgerViolations(retained, acked)).toEqual([])
  })

  it('reports an acknowledged batch cut off by a high watermark that went back', () => {
    // Property: an acked record lost at the tail is caught (HW and records both shrank).
    const { snapshot, acked } = healthyPartition(2, 20)
    const last = acked[acked.length - 1]!
    const lost = { ...snapshot, highWatermark: last.baseOffset, records: snapshot.records.slice(0, last.baseOffset) }
    const violations = findLedgerViolations(lost, acked)
    expect(violations.join('\n')).toContain(`acked batch [${last.baseOffset}, ${last.lastOffset}]`)
    expect(violations.join('\n')).toContain('high watermark')
  })

  it('reports a record whose value changed by one bit', () => {
    // Property: integrity — any altered byte of any record is caught, acked or not.
    const { snapshot, acked } = healthyPartition(3, 20)
    const victim = snapshot.records[17]!
    const value = Buffer.from(victim.value!)
    value[value.length - 1]! ^= 0x01
    snapshot.records[17] = { ...victim, value }
    const violations = findLedgerViolations(snapshot, acked).join('\n')
    expect(violations).toContain('offset 17: record')
    expect(violations).toContain('digest')
    expect(findLedgerViolations(snapshot, []).join('\n')).toContain('offset 17: record')
  })

  it('reports a batch appended twice', () => {
    // Property: no duplicates — a batch present at two offsets is caught even if it was never acked.
    const { snapshot, acked } = healthyPartition(4, 10)
    const repeated = snapshot.records.slice(acked[3]!.baseOffset, acked[3]!.lastOffset + 1)
    const records = renumber([...snapshot.records, ...repeated])
    const violations = findLedgerViolations({ logStartOffset: 0, highWatermark: records.length, records }, [])
    expect(violations.join('\n')).toContain('duplicate of offset')
  })

  it('reports a hole in the offsets and a torn batch', () => {
    // Property: contiguity and atomicity — a missing record breaks both and both are named.
    const { snapshot, acked } = healthyPartition(5, 20)
    const torn = acked.find((b) => b.lastOffset > b.baseOffset)!
    const records = snapshot.records.filter((r) => r.offset !== torn.lastOffset)
    const violations = findLedgerViolations({ ...snapshot, records }, []).join('\n')
    expect(violations).toContain('a hole, a repeat or a reorder')
    expect(violations).toContain('a torn batch')
  })

  it('reports an acknowledged batch that moved to other offsets', () => {
    // Property: an acked batch must be at its acknowledged offsets, not merely somewhere.
    const { snapshot, acked } = healthyPartition(6, 20)
    const moved = acked.map((b) => (b === acked[4] ? { ...b, baseOffset: b.baseOffset + 1, lastOffset: b.lastOffset + 1 } : b))
    expect(findLedgerViolations(snapshot, moved).join('\n')).toContain(`acked batch [${acked[4]!.baseOffset + 1},`)
  })

  it('reports records served at or past the high watermark', () => {
    // Property: a reader never sees past the HW.
    const { snapshot, acked } = healthyPartition(7, 20)
    const early = { ...snapshot, highWatermark: snapshot.highWatermark - 1 }
    expect(findLedgerViolations(early, acked.slice(0, -1)).join('\n')).toContain('past the high watermark')
  })

  it('reports records that are not this workload’s at all', () => {
    // Property: foreign or null keys never pass as intact.
    const { snapshot } = healthyPartition(8, 5)
    snapshot.records[2] = { ...snapshot.records[2]!, key: null }
    snapshot.records[3] = { ...snapshot.records[3]!, key: Buffer.from('foreign') }
    const violations = findLedgerViolations(snapshot, []).join('\n')
    expect(violations).toContain('offset 2: record <null>')
    expect(violations).toContain('offset 3: record foreign')
  })
})
