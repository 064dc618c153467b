/**
 * "Indexes agree with a full scan" (reliability.md, the checks after every fault): lookups that go
 * through a recovered partition's offset index and time index must find what a full scan of the
 * same partition (the snapshot the ledger check just read) says is there.
 *
 * Sampled, not exhaustive, to keep a check cheap enough for thousands of crashes: the first and
 * last records plus LOOKUP_SAMPLES random ones by offset (`read` from exactly that offset must
 * start with that record), and TIME_SAMPLES random timestamps (`offsetForTimestamp` must name the
 * first record at or after that time; one past the last timestamp must find nothing). The
 * workload's clock never goes back, so timestamps are non-decreasing in offset order and the
 * scan's answer is simply the first record whose timestamp is ≥ the target.
 */
import type { Partition } from '../../../src/partition/partition.js'
import type { PartitionSnapshot, ReadRecord } from '../../helpers/ledger-check.js'
import { randomInt } from '../../helpers/seeded-random.mjs'

/** Random offsets looked up per check (besides the first and the last record). */
const LOOKUP_SAMPLES = 3
/** Random timestamps looked up per check (besides one past the last). */
const TIME_SAMPLES = 2

/** `read` returns the public record shape, which carries the timestamp the ledger type leaves out. */
function timestampOf(record: ReadRecord): number {
  return (record as ReadRecord & { timestamp: number }).timestamp
}

export async function lookupViolations(partition: Partition, snapshot: PartitionSnapshot, random: () => number): Promise<string[]> {
  const records = snapshot.records
  if (records.length === 0) return []
  const violations: string[] = []
  const picks = [0, records.length - 1]
  for (let i = 0; i < LOOKUP_SAMPLES; i++) picks.push(randomInt(random, 0, records.length - 1))
  for (const pick of picks) {
    const expected = records[pick]!
    const { records: found } = await partition.read({ offset: expected.offset, maxRecords: 1, maxBytes: 1 })
    const first = found[0]
    if (first === undefined || first.offset !== expected.offset || !first.key?.equals(expected.key ?? Buffer.alloc(0))) {
      violations.push(`read at offset ${expected.offset} began with ${first === undefined ? 'nothing' : `offset ${first.offset} (${first.key?.toString()})`}, the full scan has ${expected.key?.toString()} there`)
    }
  }
  const targets: number[] = []
  for (let i = 0; i < TIME_SAMPLES; i++) targets.push(timestampOf(records[randomInt(random, 0, records.length - 1)]!))
  targets.push(timestampOf(records[records.length - 1]!) + 1)
  for (const target of targets) {
    const expected = records.find((record) => timestampOf(record) >= target)?.offset ?? null
    const found = await partition.offsetForTimestamp(target)
    if (found !== expected) violations.push(`offsetForTimestamp(${target}) = ${found}, the full scan says ${expected}`)
  }
  return violations
}
