// Child of buffer-writes.test.ts: writes into every kind of Buffer the read API hands out, then
// checks that nothing anyone reads has changed.
//
//   node buffer-writer.mjs <dist index.js URL> <dir>
//
// The binding is the one the environment selects (SEGLOG_NO_NATIVE). Writes records with keys,
// values and header values into small segments (several sealed ones and the active one), then,
// for a point read, a bulk read and a stream() over everything: holds a second reader's records
// of the same range, fills every key, value and header value of the first reader's records with
// 0xEE, and checks that the second reader's records, a fresh read() and a fresh stream() still hold
// the written bytes. Prints one JSON line {"done":true,"kinds":N,"buffersWritten":N,"mismatches":[…]}
// and exits 0; a crash (SIGSEGV under a shared read-only mapping) prints nothing.
const [indexUrl, dir] = process.argv.slice(2)

const BATCHES = 12
const RECORDS_PER_BATCH = 5

const { Log } = await import(indexUrl)

function expected(offset) {
  return {
    key: Buffer.from(`key-${offset}`),
    value: Buffer.from(`value-${offset}-`.padEnd(200, String.fromCharCode(97 + (offset % 26)))),
    header: Buffer.from(`header-${offset}`),
  }
}

/** Differences between `records` and what was written, as readable strings. */
function mismatchesOf(records, label) {
  const found = []
  for (const r of records) {
    const want = expected(r.offset)
    if (!r.key?.equals(want.key)) found.push(`${label}: key of ${r.offset}`)
    if (!r.value?.equals(want.value)) found.push(`${label}: value of ${r.offset}`)
    const header = r.headers.find(([name]) => name === 'h')?.[1]
    if (!header?.equals(want.header)) found.push(`${label}: header of ${r.offset}`)
  }
  return found
}

/** Writes into every Buffer of `records`; returns how many were written. */
function scribble(records) {
  let written = 0
  for (const r of records) {
    for (const buffer of [r.key, r.value, ...r.headers.map(([, v]) => v)]) {
      if (buffer === null) continue
      buffer.fill(0xee)
      written++
    }
  }
  return written
}

async function streamAll(p) {
  const records = []
  for await (const r of p.stream({ from: 'earliest' })) records.push(r)
  return records
}

const log = await Log.open(dir)
await log.createTopic('t', { partitions: 1, segmentBytes: 2048 })
const p = log.partition('t', 0)
for (let b = 0; b < BATCHES; b++) {
  const records = []
  for (let i = 0; i < RECORDS_PER_BATCH; i++) {
    const { key, value, header } = expected(b * RECORDS_PER_BATCH + i)
    records.push({ key, value, headers: [['h', header], ['empty', null]] })
  }
  await p.append(records, { acks: 'all' })
}
const total = BATCHES * RECORDS_PER_BATCH

const readers = {
  'point read, sealed segment': () => p.read({ offset: 1, maxRecords: 1 }).then((r) => r.records),
  'point read, active segment': () => p.read({ offset: total - 2, maxRecords: 1 }).then((r) => r.records),
  'bulk read': () => p.read({ offset: 0 }).then((r) => r.records),
  'bulk read from the middle of a batch': () => p.read({ offset: 7, maxRecords: 30 }).then((r) => r.records),
  stream: () => streamAll(p),
}

let buffersWritten = 0
const mismatches = []
for (const [kind, readRecords] of Object.entries(readers)) {
  const other = await readRecords()
  const mine = await readRecords()
  if (mine.length === 0) mismatches.push(`${kind}: nothing read`)
  buffersWritten += scribble(mine)
  mismatches.push(...mismatchesOf(other, `${kind}, another reader's records`))
  mismatches.push(...mismatchesOf(await readRecords(), `${kind}, a fresh read`))
}
const all = await streamAll(p)
if (all.length !== total) mismatches.push(`stream after the writes returned ${all.length} of ${total} records`)
mismatches.push(...mismatchesOf(all, 'stream after the writes'))
await log.close()

const reopened = await Log.open(dir)
const again = await reopened.partition('t', 0).read({ offset: 0, maxRecords: total })
if (again.records.length !== total) mismatches.push(`read after reopen returned ${again.records.length} of ${total} records`)
mismatches.push(...mismatchesOf(again.records, 'read after reopen'))
await reopened.close()

process.stdout.write(`${JSON.stringify({ done: true, kinds: Object.keys(readers).length, buffersWritten, mismatches })}\n`)
