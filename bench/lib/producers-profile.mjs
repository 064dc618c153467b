#!/usr/bin/env node
/**
 * One side of bench/producers.mjs part 1 (producers-append.mjs timedAppends) alone, for
 * `node --cpu-prof`: bench/producers.mjs --profile runs it once idempotent and once plain and
 * compares the two profiles (producers-profile-report.mjs).
 *
 *   node --cpu-prof --cpu-prof-dir DIR producers-profile.mjs SIDE DURABILITY CONCURRENCY DURATION_MS
 *
 * SIDE 'idempotent' | 'plain'. Prints one JSON line { records, seconds }. Its data goes to a temp
 * directory under the bench root, removed at exit.
 */
import { chooseBenchRoot } from './machine.mjs'
import { createPayloadPool } from './payloads.mjs'
import { APPEND_BATCH_RECORDS, APPEND_RECORD_BYTES, timedAppends } from './producers-append.mjs'
import { loadSeglog } from './seglog.mjs'
import { makeTempDir, removeTempDir } from './temp-dir.mjs'

const [side, durability, concurrencyArg, durationArg] = process.argv.slice(2)
if (side !== 'idempotent' && side !== 'plain') throw new RangeError(`producers-profile: SIDE must be idempotent or plain, got ${side}`)
const { Log, missing } = await loadSeglog()
if (!Log) throw new Error(`producers-profile: ${missing}`)
const dir = makeTempDir(chooseBenchRoot().path, `w11-profile-${side}`)
try {
  const result = await timedAppends(Log, dir, {
    durability,
    idempotent: side === 'idempotent',
    concurrency: Number(concurrencyArg),
    pool: createPayloadPool(APPEND_RECORD_BYTES, 42),
    batchRecords: APPEND_BATCH_RECORDS,
    durationMs: Number(durationArg),
  })
  console.log(JSON.stringify({ records: result.records, seconds: result.seconds }))
} finally {
  removeTempDir(dir)
}
