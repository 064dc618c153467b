// Child of fsync-eio.test.ts, run under strace with fdatasync failing once (when=N):
//
//   UV_THREADPOOL_SIZE=1 strace … node fsync-eio-worker.mjs <dist index.js URL> <dir>
//
// The same workload runs twice: once without injection (the parent reads the trace to find N, the
// first fdatasync after `mark failing-flush`), then with EIO injected there. Steps:
//   1. open <dir>, create topic `t`, append ACKED_BEFORE batches one at a time (acks 'all');
//   2. `mark failing-flush`, then FAILING_APPENDS concurrent appends: their flush is the one that fails;
//   3. `mark after-failure`, then AFTER_APPENDS more appends and a flush(): the log is fail-stopped,
//      so each must reject with STORAGE_ERROR without issuing any fdatasync;
//   4. a read from offset 0 (reads keep working), `mark end`, exit 0 — without close(), like a
//      process that dies after the failure, so the parent's reopen is a recovery.
// Ledger on stdout, one JSON object per line (marks are plain `mark <name>` lines):
//   {"event":"acked","batchId","baseOffset","lastOffset","digest"}
//   {"event":"failing"|"after","batchId","ok":true,"baseOffset","lastOffset"} or
//   {"event":"failing"|"after","batchId","ok":false,"code","causeCode"}
//   {"event":"flush","ok","code","causeCode"}
//   {"event":"read","highWatermark","records":[{"offset","key","intact"}]}
//   {"event":"crash","error","code"}   anything unexpected (exit 1)
import { batchDigest, batchRecords, isIntactRecord } from '../helpers/record-values.mjs'

const ACKED_BEFORE = 3
const FAILING_APPENDS = 4
const AFTER_APPENDS = 3
const RECORDS_PER_BATCH = 2

const [indexUrl, dir] = process.argv.slice(2)
const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`)
const mark = (name) => process.stdout.write(`mark ${name}\n`)
const outcome = (err) => ({ ok: false, code: err?.code ?? String(err), causeCode: err?.cause?.code ?? null })

async function appendReporting(event, partition, batchId) {
  const records = batchRecords(batchId, RECORDS_PER_BATCH)
  try {
    const { baseOffset, lastOffset } = await partition.append(records, { acks: 'all' })
    emit({ event, batchId, ok: true, baseOffset, lastOffset, digest: batchDigest(records) })
  } catch (err) {
    emit({ event, batchId, ...outcome(err) })
  }
}

try {
  const { Log } = await import(indexUrl)
  // SEGLOG_EIO_SYNC_ON_EVENT_LOOP=1: the same workload with fdatasync on the event loop's thread.
  const log = await Log.open(dir, { syncOnEventLoop: process.env.SEGLOG_EIO_SYNC_ON_EVENT_LOOP === '1' })
  await log.createTopic('t', { partitions: 1 })
  const partition = log.partition('t', 0)
  for (let i = 0; i < ACKED_BEFORE; i++) {
    const records = batchRecords(`before:${i}`, RECORDS_PER_BATCH)
    const { baseOffset, lastOffset } = await partition.append(records, { acks: 'all' })
    emit({ event: 'acked', batchId: `before:${i}`, baseOffset, lastOffset, digest: batchDigest(records) })
  }

  mark('failing-flush')
  await Promise.all(Array.from({ length: FAILING_APPENDS }, (_, i) => appendReporting('failing', partition, `failing:${i}`)))

  mark('after-failure')
  for (let i = 0; i < AFTER_APPENDS; i++) await appendReporting('after', partition, `after:${i}`)
  try {
    await partition.flush()
    emit({ event: 'flush', ok: true })
  } catch (err) {
    emit({ event: 'flush', ...outcome(err) })
  }

  const { records, highWatermark } = await partition.read({ offset: 0 })
  emit({
    event: 'read',
    highWatermark,
    records: records.map((r) => ({ offset: r.offset, key: r.key?.toString() ?? null, intact: isIntactRecord(r.key, r.value) })),
  })
  mark('end')
  process.exit(0)
} catch (err) {
  emit({ event: 'crash', error: String(err?.stack ?? err), code: err?.code ?? null })
  process.exit(1)
}
