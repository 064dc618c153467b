/**
 * The checks every reliability harness runs after a fault (reliability issue: "checks after every
 * fault"): reopen the log directory in this process, then list every broken promise instead of
 * stopping at the first, so a harness can count violations, report them and keep its summary.
 *
 * In order:
 * 1. open finishes within OPEN_BOUND_MS (a hang guard, not a speed measurement). A refusal with
 *    CORRUPT_RECORD is a violation unless the caller allows repair (a power cut may persist a later
 *    unacknowledged page and not an earlier one, docs/decisions.md): then it reopens with
 *    `repair: true` and every check below still applies — repair may cut only unacknowledged data;
 * 2. the topic exists if its creation was acknowledged (if not, it may be absent: nothing more
 *    to check); the log start offset is within the bounds the worker's ledger allows;
 * 3. the ledger (ledger-check.ts): nothing acknowledged lost, moved, altered or duplicated, no
 *    torn batch, offsets dense from the log start to the high watermark;
 * 4. nothing is readable at or past the high watermark;
 * 5. the indexes agree with the full scan of step 3: a read from each checked offset starts at
 *    exactly that record (the offset index lands on it), and offsetForTimestamp of each checked
 *    record's timestamp is the first scanned offset with a timestamp at least as large;
 * 6. the recovered log accepts an append, at the high watermark.
 *
 * The log is always closed before returning (a failed open leaves nothing open).
 */
import { Log, type LogOptions } from '../../src/index.js'
import { findLedgerViolations, type AckedBatch, type ReadRecord } from './ledger-check.js'
import { readWholePartition } from './partition-snapshot.js'
import { batchRecords } from './record-values.mjs'
import type { LogStartBounds } from './worker-ledger.js'

/** Far above any open of the small logs the harnesses build: only a hang or a loop reaches it. */
export const OPEN_BOUND_MS = 30_000
/** Offsets (and timestamps) probed through the indexes per check: all of them in small logs. */
const INDEX_PROBES_MAX = 400

export interface ReopenExpectations {
  topic: string
  partition: number
  /** The worker saw the topic's creation resolve; if false, the topic may be absent (and then nothing else is checked). */
  topicCreated: boolean
  acked: readonly AckedBatch[]
  logStart: LogStartBounds
}

export interface ReopenCheckOptions {
  /** Reopen with `repair: true` after a CORRUPT_RECORD refusal (power cuts), instead of failing. */
  allowRepair?: boolean
  /** A name for the appended resume batch; unique per check. */
  resumeBatchId: string
  logOptions?: LogOptions
}

export interface ReopenCheckResult {
  violations: string[]
  /** The CORRUPT_RECORD message of a refused open that was then repaired, or null. */
  refusedOpen: string | null
  /** Bytes recovery cut from torn tails. */
  truncatedBytes: number
  highWatermark: number
  logStartOffset: number
}

type Timestamped = ReadRecord & { timestamp: number }

export async function checkReopenedLog(dir: string, expected: ReopenExpectations, options: ReopenCheckOptions): Promise<ReopenCheckResult> {
  const result: ReopenCheckResult = { violations: [], refusedOpen: null, truncatedBytes: 0, highWatermark: -1, logStartOffset: -1 }
  const log = await openWithinBound(dir, options, result)
  if (log === null) return result
  try {
    result.truncatedBytes = log.recovery.partitions.reduce((sum, p) => sum + p.truncatedBytes, 0)
    if (!log.topics().includes(expected.topic)) {
      if (expected.topicCreated || expected.acked.length > 0) result.violations.push(`topic ${expected.topic} was created (acknowledged) but is missing after the crash`)
      return result
    }
    const info = log.describeTopic(expected.topic).partitions[expected.partition]!
    result.highWatermark = info.highWatermark
    result.logStartOffset = info.logStartOffset
    const { atLeast, atMost } = expected.logStart
    if (info.logStartOffset < atLeast || info.logStartOffset > atMost) {
      result.violations.push(`log start offset ${info.logStartOffset} is outside [${atLeast}, ${atMost}], the range the ledger allows`)
    }
    const partition = log.partition(expected.topic, expected.partition)
    const snapshot = await readWholePartition(partition, info.logStartOffset)
    result.violations.push(...findLedgerViolations(snapshot, expected.acked))
    await checkNothingPastHighWatermark(partition, snapshot.highWatermark, result.violations)
    await checkIndexesAgreeWithScan(partition, snapshot.records as Timestamped[], result.violations)
    await checkResumes(partition, snapshot.highWatermark, options.resumeBatchId, result.violations)
  } catch (err) {
    result.violations.push(`checking the reopened log failed: ${describe(err)}`)
  } finally {
    await log.close().catch((err: unknown) => result.violations.push(`close after the check failed: ${describe(err)}`))
  }
  return result
}

async function openWithinBound(dir: string, options: ReopenCheckOptions, result: ReopenCheckResult): Promise<Log | null> {
  try {
    return await withinBound(Log.open(dir, options.logOptions))
  } catch (err) {
    if (!(options.allowRepair === true && (err as { code?: string }).code === 'CORRUPT_RECORD')) {
      result.violations.push(`open failed: ${describe(err)}`)
      return null
    }
    result.refusedOpen = describe(err)
  }
  try {
    return await withinBound(Log.open(dir, { ...options.logOptions, repair: true }))
  } catch (err) {
    result.violations.push(`open with repair after "${result.refusedOpen}" failed: ${describe(err)}`)
    return null
  }
}

/** `open`, or a rejection once OPEN_BOUND_MS passes (the open itself is left to finish or hang). */
function withinBound(open: Promise<Log>): Promise<Log> {
  let timer: NodeJS.Timeout | undefined
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`open did not finish within ${OPEN_BOUND_MS} ms`)), OPEN_BOUND_MS)
  })
  return Promise.race([open, bound]).finally(() => clearTimeout(timer))
}

type CheckedPartition = ReturnType<Log['partition']>

async function checkNothingPastHighWatermark(partition: CheckedPartition, highWatermark: number, violations: string[]): Promise<void> {
  const atHighWatermark = await partition.read({ offset: highWatermark })
  if (atHighWatermark.records.length > 0) {
    violations.push(`a read at the high watermark ${highWatermark} returned offsets ${atHighWatermark.records.map((r) => r.offset).join(', ')}`)
  }
  const past = await partition.read({ offset: highWatermark + 1 }).then(
    (r) => `returned ${r.records.length} records`,
    (err: unknown) => ((err as { code?: string }).code === 'OFFSET_OUT_OF_RANGE' ? null : describe(err)),
  )
  if (past !== null) violations.push(`a read past the high watermark (offset ${highWatermark + 1}) ${past} instead of OFFSET_OUT_OF_RANGE`)
}

async function checkIndexesAgreeWithScan(partition: CheckedPartition, scanned: readonly Timestamped[], violations: string[]): Promise<void> {
  const step = Math.max(1, Math.ceil(scanned.length / INDEX_PROBES_MAX))
  for (let i = 0; i < scanned.length; i += step) {
    const expected = scanned[i]!
    const { records } = await partition.read({ offset: expected.offset, maxRecords: 1 })
    const got = records[0]
    if (got === undefined || got.offset !== expected.offset || !sameBytes(got.key, expected.key)) {
      violations.push(`a read from offset ${expected.offset} started at ${got === undefined ? 'nothing' : `offset ${got.offset} (${got.key?.toString()})`}: the offset index disagrees with the scan`)
      continue
    }
    // The first scanned record with a timestamp >= this one (timestamps need not be monotonic).
    const firstAtOrAfter = scanned.find((r) => r.timestamp >= expected.timestamp)!
    const found = await partition.offsetForTimestamp(expected.timestamp)
    if (found !== firstAtOrAfter.offset) {
      violations.push(`offsetForTimestamp(${expected.timestamp}) = ${found}, but the scan's first offset with that timestamp or later is ${firstAtOrAfter.offset}`)
    }
  }
}

async function checkResumes(partition: CheckedPartition, highWatermark: number, batchId: string, violations: string[]): Promise<void> {
  const resumed = await partition.append(batchRecords(batchId, 2), { acks: 'all' })
  if (resumed.baseOffset !== highWatermark) {
    violations.push(`the first append after recovery got offset ${resumed.baseOffset}, not the high watermark ${highWatermark}`)
  }
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b)
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string }
  return e?.code !== undefined ? `${e.code}: ${e.message}` : String(e?.message ?? err)
}
