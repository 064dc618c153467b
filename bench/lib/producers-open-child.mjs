#!/usr/bin/env node
/**
 * The child processes of bench/producers.mjs part 3 (producers-open.mjs), one role each, so every
 * Log.open it times runs in a fresh process (no warm JIT or module cache, no fds of the writer):
 *
 *   node producers-open-child.mjs writer DIR KIND PRODUCERS BATCHES RECORDS END
 *       KIND 'producers': PRODUCERS producer ids (PRODUCER_ID_BASE + i, epoch 0) each append
 *       BATCHES batches of RECORDS × 100 B records, round-robin over the producers (batch k of
 *       every producer, then batch k + 1), WRITER_CONCURRENCY appends in flight, durability 'os',
 *       acks 1; KIND 'plain': the same batches without producer fields. Then a flush; END 'clean'
 *       closes the log and exits, END 'kill' prints "flushed" and waits for the parent's SIGKILL.
 *   node producers-open-child.mjs opener DIR KIND PRODUCERS BATCHES RECORDS
 *       times Log.open(DIR) (the module is imported before the clock starts), checks the high
 *       watermark and, for 'producers', that producer 0's last batch resent is answered as a
 *       duplicate (the state was loaded, not just the file opened), closes, and prints one JSON
 *       line { openMs, recovery } (recovery: the partition's log.recovery entry, or null).
 */
import { createPayloadPool } from './payloads.mjs'
import { PRODUCER_ID_BASE } from './producers-append.mjs'
import { OPEN_RECORD_BYTES } from './producers-open.mjs'
import { loadSeglog, openBenchTopic, reopenBenchTopic } from './seglog.mjs'

/** Appends in flight while writing: fewer than the producers, so a producer's batches never overlap. */
const WRITER_CONCURRENCY = 64

const [role, dir, kind, ...numbers] = process.argv.slice(2)
const [producers, batches, recordsPerBatch] = numbers.slice(0, 3).map(Number)
const end = numbers[3]
const { Log, missing } = await loadSeglog()
if (!Log) throw new Error(`producers-open-child: ${missing}`)
const pool = createPayloadPool(OPEN_RECORD_BYTES, 11)
const producerFields = (producer, batch) =>
  kind === 'producers' ? { producerId: PRODUCER_ID_BASE + producer, producerEpoch: 0, baseSequence: batch * recordsPerBatch } : {}

if (role === 'writer') {
  const { log, partition } = await openBenchTopic(Log, dir, { durability: 'os' })
  const total = producers * batches
  let next = 0
  const writer = async () => {
    while (next < total) {
      const n = next++
      const batch = Math.floor(n / producers)
      const producer = n % producers
      await partition.append(pool.records(n * recordsPerBatch, recordsPerBatch), { acks: 1, ...producerFields(producer, batch) })
    }
  }
  await Promise.all(Array.from({ length: WRITER_CONCURRENCY }, writer))
  await partition.flush()
  if (end === 'kill') {
    console.log('flushed')
    setInterval(() => {}, 60_000) // stay alive with the log open until the parent's SIGKILL
  } else {
    await log.close()
    console.log('closed')
  }
} else if (role === 'opener') {
  const start = process.hrtime.bigint()
  const { log, partition } = await reopenBenchTopic(Log, dir)
  const openMs = Number(process.hrtime.bigint() - start) / 1e6
  try {
    const expected = producers * batches * recordsPerBatch
    if (partition.highWatermark !== expected) throw new Error(`opener: high watermark ${partition.highWatermark}, expected ${expected}`)
    if (kind === 'producers') {
      const last = (batches - 1) * producers // batch index n of producer 0's last batch
      const retry = await partition.append(pool.records(last * recordsPerBatch, recordsPerBatch), { acks: 1, ...producerFields(0, batches - 1) })
      if (retry.duplicate !== true) throw new Error(`opener: producer 0's last batch resent was appended at ${retry.baseOffset}, not answered as a duplicate`)
    }
    const recovery = log.recovery.partitions.find((p) => p.partition === 0) ?? null
    console.log(JSON.stringify({ openMs, cleanShutdown: log.recovery.cleanShutdown, recovery }))
  } finally {
    await log.close()
  }
} else {
  throw new Error(`producers-open-child: unknown role ${role} (writer | opener)`)
}
