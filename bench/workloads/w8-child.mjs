#!/usr/bin/env node
/**
 * W8's child processes, one role each, so that every Log.open it measures runs in a fresh process
 * (no warm JIT, no module cache, no open fds from the writer):
 *
 *   node w8-child.mjs writer DIR SIZE_BYTES RECORD_BYTES BATCH_RECORDS clean
 *       append ~SIZE_BYTES (durability 'os', acks 1), flush, close, exit
 *   node w8-child.mjs writer DIR SIZE_BYTES RECORD_BYTES BATCH_RECORDS kill
 *       the same up to the flush, then print "flushed" and wait to be SIGKILLed (no close, no marker)
 *   node w8-child.mjs opener DIR                   time Log.open(DIR), print one JSON line
 *                                                  { openMs, recovery }, close, exit
 *
 * The writer prints progress lines "appended N" so the parent can show them; the opener's
 * time covers Log.open alone (the module is imported before the clock starts).
 */
import { createPayloadPool } from '../lib/payloads.mjs'
import { appendSequentially, loadSeglog, openBenchTopic, reopenBenchTopic } from '../lib/seglog.mjs'

const [role, dir, ...rest] = process.argv.slice(2)
const { Log, missing } = await loadSeglog()
if (!Log) throw new Error(`w8-child: ${missing}`)

if (role === 'writer') {
  const [sizeBytes, recordBytes, batchRecords] = rest.slice(0, 3).map(Number)
  const mode = rest[3]
  const records = Math.ceil(sizeBytes / recordBytes / batchRecords) * batchRecords
  const pool = createPayloadPool(recordBytes, 8)
  const { log, partition } = await openBenchTopic(Log, dir, { durability: 'os' })
  let reported = 0
  await appendSequentially(partition, {
    pool,
    records,
    batchRecords,
    acks: 1,
    onProgress: (done) => {
      if (done - reported >= records / 20) console.log(`appended ${(reported = done)}`)
    },
  })
  if (mode === 'kill') {
    console.log('flushed')
    setInterval(() => {}, 60_000) // stay alive, log open, until the parent's SIGKILL
  } else {
    await log.close()
    console.log('closed')
  }
} else if (role === 'opener') {
  const start = process.hrtime.bigint()
  const { log } = await reopenBenchTopic(Log, dir)
  const openMs = Number(process.hrtime.bigint() - start) / 1e6
  const recovery = log.recovery ?? null
  await log.close()
  console.log(JSON.stringify({ openMs, recovery }))
} else {
  throw new Error(`w8-child: unknown role ${role} (writer | opener)`)
}
