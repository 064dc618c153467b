// Child of retention-reader.test.ts, run with --expose-gc:
//
//   node --expose-gc retention-reader-child.mjs <dist index.js URL> <dir>
//
// Appends BATCHES two-record batches to a topic with tiny segments, reads the first segment's
// records and keeps their key/value Buffers (views of a mapping on the native binding), then
// deletes records past the first two segments and runs retention so their files are unlinked.
// After many GCs with allocation in between — and again after log.close() — it compares every held
// Buffer with the bytes that were written. A mapping released too early would read freed or
// unmapped memory (wrong bytes, SIGSEGV or SIGBUS): the parent asserts a clean exit and the report.
// Prints one JSON line (the report) and exits 0; anything unexpected: {"error": …}, exit 1.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { batchRecords, recordValue } from '../helpers/record-values.mjs'

const SEGMENT_BYTES = 4096
/** ~130 KiB of records: some 30 segments of SEGMENT_BYTES. */
const BATCHES = 200
const GC_ROUNDS = 20
const BASE_NAME_LENGTH = 20

const [indexUrl, dir] = process.argv.slice(2)

async function collectGarbage() {
  for (let round = 0; round < GC_ROUNDS; round++) {
    // Allocate and drop Buffers of record size, so freed memory would be reused and overwritten.
    let churn = Array.from({ length: 256 }, (_, i) => Buffer.alloc(256, i))
    churn = null
    globalThis.gc()
    // Backing stores may be freed off-thread; their finalizers run from the event loop.
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

function mismatches(held, expectedKeys) {
  const wrong = []
  held.forEach(({ offset, key, value }, i) => {
    const expectedKey = expectedKeys.get(offset)
    if (!key?.equals(Buffer.from(expectedKey)) || !value?.equals(recordValue(expectedKey))) {
      wrong.push({ index: i, offset, key: key?.toString('latin1', 0, 40) ?? null })
    }
  })
  return wrong
}

function mappingsOf(filePath) {
  return fs.readFileSync('/proc/self/maps', 'utf8').split('\n').filter((line) => line.includes(filePath)).length
}

try {
  const { Log } = await import(indexUrl)
  const log = await Log.open(dir)
  await log.createTopic('t', { partitions: 1, segmentBytes: SEGMENT_BYTES })
  const partition = log.partition('t', 0)
  const expectedKeys = new Map()
  for (let n = 0; n < BATCHES; n++) {
    const records = batchRecords(`retained:${n}`, 2)
    const { baseOffset } = await partition.append(records, { acks: 'all' })
    records.forEach((r, i) => expectedKeys.set(baseOffset + i, r.key.toString()))
  }

  const partitionDir = path.join(dir, 't-0')
  const logFiles = fs.readdirSync(partitionDir).filter((name) => name.endsWith('.log')).sort()
  const baseOf = (name) => Number(name.slice(0, BASE_NAME_LENGTH))
  const firstSegmentName = logFiles[0].slice(0, BASE_NAME_LENGTH)
  const secondBase = baseOf(logFiles[1])
  const thirdBase = baseOf(logFiles[2])

  // Hold the first segment's records: only the Buffers, not the result object.
  const held = (await partition.read({ offset: 0, maxRecords: secondBase })).records.map((r) => ({
    offset: r.offset,
    key: r.key,
    value: r.value,
  }))
  const mappingsWhileLive = mappingsOf(path.join(partitionDir, logFiles[0]))

  await partition.deleteRecords(thirdBase)
  await log.runRetention()
  const firstSegmentFilesLeft = fs.readdirSync(partitionDir).filter((name) => name.startsWith(firstSegmentName))
  const { logStartOffset } = log.describeTopic('t').partitions[0]
  let readBelowStartCode = null
  try {
    await partition.read({ offset: 0 })
  } catch (err) {
    readBelowStartCode = err?.code ?? String(err)
  }

  await collectGarbage()
  const mismatchesAfterRetention = mismatches(held, expectedKeys)
  await log.close()
  await collectGarbage()
  const mismatchesAfterClose = mismatches(held, expectedKeys)

  process.stdout.write(
    `${JSON.stringify({
      segments: logFiles.length,
      heldRecords: held.length,
      secondBase,
      thirdBase,
      mappingsWhileLive,
      firstSegmentFilesLeft,
      logStartOffset,
      readBelowStartCode,
      mismatchesAfterRetention,
      mismatchesAfterClose,
    })}\n`,
  )
  process.exit(0)
} catch (err) {
  process.stdout.write(`${JSON.stringify({ error: String(err?.stack ?? err), code: err?.code ?? null })}\n`)
  process.exit(1)
}
