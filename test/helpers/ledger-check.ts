/**
 * The ledger checker for crash and fault tests: given everything readable in one partition after a
 * crash and the appends a worker saw acknowledged, lists every broken promise (reliability.md
 * "The contract" 1–3). Pure: no I/O, so it is tested on planted faults in
 * test/crash/ledger-check.test.ts before any harness trusts it.
 *
 * What it asserts, for a partition written only with record-values.mjs records and no transactions
 * (so no control batches, and offsets are dense):
 * - contiguity: the records read are exactly the offsets [logStartOffset, highWatermark), each once;
 * - integrity: every record is byte-identical to what its key says was written;
 * - no duplicates: no record key appears twice;
 * - atomicity: every batch present is whole, at consecutive offsets, in order (a batch cut by
 *   logStartOffset may lack a prefix);
 * - durability: every acknowledged batch is below the HW, at its acknowledged offsets, with the
 *   acknowledged digest.
 */
import { batchDigest, isIntactRecord, parseRecordKey } from './record-values.mjs'

export interface ReadRecord {
  offset: number
  key: Buffer | null
  value: Buffer | null
}

export interface PartitionSnapshot {
  logStartOffset: number
  highWatermark: number
  /** Every record read from logStartOffset up to the high watermark, in offset order. */
  records: ReadRecord[]
}

export interface AckedBatch {
  baseOffset: number
  lastOffset: number
  /** batchDigest of the batch's records, as the worker computed it before appending. */
  digest: string
  /** Where the ack came from, for messages (e.g. "iteration 12"). */
  source: string
}

/** Stops the list from drowning the first, most telling, violations. */
const MAX_VIOLATIONS_LISTED = 20

export function findLedgerViolations(snapshot: PartitionSnapshot, acked: readonly AckedBatch[]): string[] {
  const violations: string[] = []
  const { logStartOffset, highWatermark, records } = snapshot

  checkContiguity(snapshot, violations)
  const byOffset = new Map<number, ReadRecord>()
  for (const record of records) byOffset.set(record.offset, record)

  const seenKeys = new Map<string, number>()
  const batches = new Map<string, { index: number; count: number; offset: number }[]>()
  for (const record of records) {
    const keyText = record.key?.toString() ?? '<null>'
    if (!isIntactRecord(record.key, record.value)) {
      violations.push(`offset ${record.offset}: record ${keyText} is not the bytes that were written`)
    }
    const earlier = seenKeys.get(keyText)
    if (earlier !== undefined) violations.push(`offset ${record.offset}: duplicate of offset ${earlier} (${keyText})`)
    else seenKeys.set(keyText, record.offset)
    const parsed = parseRecordKey(keyText)
    if (parsed === null) continue
    let members = batches.get(parsed.batchId)
    if (!members) batches.set(parsed.batchId, (members = []))
    members.push({ index: parsed.index, count: parsed.count, offset: record.offset })
  }
  for (const [batchId, members] of batches) checkBatchWhole(batchId, members, logStartOffset, violations)

  let maxAckedEnd = 0
  for (const batch of acked) {
    maxAckedEnd = Math.max(maxAckedEnd, batch.lastOffset + 1)
    if (batch.baseOffset < logStartOffset) continue // retention may remove acknowledged records
    const where = `acked batch [${batch.baseOffset}, ${batch.lastOffset}] (${batch.source})`
    if (batch.lastOffset >= highWatermark) {
      violations.push(`${where} is not below the high watermark ${highWatermark}`)
      continue
    }
    const found: ReadRecord[] = []
    for (let offset = batch.baseOffset; offset <= batch.lastOffset; offset++) {
      const record = byOffset.get(offset)
      if (record) found.push(record)
    }
    if (found.length !== batch.lastOffset - batch.baseOffset + 1) {
      violations.push(`${where}: ${batch.lastOffset - batch.baseOffset + 1 - found.length} of its records are missing`)
    } else if (batchDigest(found) !== batch.digest) {
      const keys = found.map((r) => r.key?.toString()).join(', ')
      violations.push(`${where}: digest ${batchDigest(found)} != acknowledged ${batch.digest} (now holds ${keys})`)
    }
  }
  if (highWatermark < maxAckedEnd) {
    violations.push(`high watermark ${highWatermark} < ${maxAckedEnd}, the end of the last acknowledged batch`)
  }

  if (violations.length <= MAX_VIOLATIONS_LISTED) return violations
  return [...violations.slice(0, MAX_VIOLATIONS_LISTED), `… and ${violations.length - MAX_VIOLATIONS_LISTED} more`]
}

function checkContiguity(snapshot: PartitionSnapshot, violations: string[]): void {
  const { logStartOffset, highWatermark, records } = snapshot
  if (highWatermark < logStartOffset) {
    violations.push(`high watermark ${highWatermark} < logStartOffset ${logStartOffset}`)
  }
  let expected = logStartOffset
  for (const record of records) {
    if (record.offset !== expected) {
      violations.push(`offset ${record.offset} read where ${expected} was expected (a hole, a repeat or a reorder)`)
      expected = record.offset
    }
    if (record.offset >= highWatermark) violations.push(`offset ${record.offset} was readable at or past the high watermark ${highWatermark}`)
    expected++
  }
  if (expected < highWatermark) violations.push(`records end at offset ${expected} but the high watermark is ${highWatermark}`)
}

function checkBatchWhole(
  batchId: string,
  members: { index: number; count: number; offset: number }[],
  logStartOffset: number,
  violations: string[],
): void {
  members.sort((a, b) => a.offset - b.offset)
  const first = members[0]!
  const count = first.count
  // A batch cut by logStartOffset (deleteRecords mid-batch) keeps only its tail.
  const cutAtStart = first.offset === logStartOffset && first.index > 0
  const expectedFirstIndex = cutAtStart ? first.index : 0
  const problem = (what: string) => violations.push(`batch ${batchId} (offsets ${first.offset}…): ${what}`)
  if (members.some((m) => m.count !== count)) return void problem('its records disagree on the batch size')
  if (members.length !== count - expectedFirstIndex) return void problem(`${members.length} of ${count} records present (a torn batch)`)
  members.forEach((m, i) => {
    if (m.index !== expectedFirstIndex + i || m.offset !== first.offset + i) {
      problem(`record ${m.index} at offset ${m.offset}, expected record ${expectedFirstIndex + i} at ${first.offset + i}`)
    }
  })
}
