// Child of the H7 fuzz harness (h7-fuzz.test.ts): opens fuzzed log directories one after another
// and reports what the engine did, so that a crash (a signal from the addon, an abort) takes down
// this process and not the test.
//
//   node open-child.mjs <dist index.js URL>
//
// stdin: one JSON request per line
//   { "id": 7, "dir": "/tmp/…", "repair": false,
//     "probes": { "<topic> <partition>": { "offsets": [..], "timestamps": [..] } } }
// stdout: one JSON line per request, in order
//   { "id": 7, "open": { "recovery": {…} } | { "error": E },
//     "partitions": [{ "topic", "partition", "logStartOffset", "highWatermark",
//                      "records": [[offset, digest], …],      // a full read from logStartOffset
//                      "readError": E | null,                  // what stopped that read, if anything
//                      "points": [[offset, [offset, digest] | null | { "error": E }], …],
//                      "timestamps": [[target, offset | null | { "error": E }], …] }],
//     "close": { "error": E } | undefined }
// where E = { name, code, message, seglog } (seglog: an instance of SeglogError).
//
// Records are reported as digests (record-digest.mjs); the parent compares them with the ledger.
// The child never decides pass or fail.
//
// fsyncs are skipped (a FileSystem whose fdatasync/fsync/fsyncDir resolve at once): H7 checks what
// open and read make of damaged bytes, not durability (H3/H4 do that), and without them an open
// costs a fraction, which is what affords a thousand directories per test run.
import { createInterface } from 'node:readline'
import { recordDigest } from './record-digest.mjs'

const [indexUrl] = process.argv.slice(2)
const { Log, SeglogError } = await import(indexUrl)
const { NodeFileSystem } = await import(new URL('./io/file.js', indexUrl).href)
const { binding } = await import(new URL('./native/load.js', indexUrl).href)

class NoSyncFileSystem extends NodeFileSystem {
  async fdatasync() {}
  async fsync() {}
  async fsyncDir() {}
}
const fileSystem = new NoSyncFileSystem(binding)

/** Small enough that a partition takes several reads and reads cross segment boundaries. */
const READ_MAX_BYTES = 4096

function describeError(err) {
  return { name: err?.name ?? typeof err, code: err?.code ?? null, message: String(err?.message ?? err), seglog: err instanceof SeglogError }
}

async function readPartition(log, topic, info, probes) {
  const partition = log.partition(topic, info.partition)
  const out = {
    topic,
    partition: info.partition,
    logStartOffset: info.logStartOffset,
    highWatermark: info.highWatermark,
    records: [],
    readError: null,
    points: [],
    timestamps: [],
  }
  let offset = info.logStartOffset
  try {
    while (offset < info.highWatermark) {
      const result = await partition.read({ offset, maxBytes: READ_MAX_BYTES })
      for (const record of result.records) out.records.push([record.offset, recordDigest(record)])
      if (result.nextOffset <= offset) {
        out.readError = { name: 'Stuck', code: null, message: `read({ offset: ${offset} }) made no progress below the HW ${info.highWatermark}`, seglog: false }
        break
      }
      offset = result.nextOffset
    }
  } catch (err) {
    out.readError = describeError(err)
  }
  for (const target of probes.offsets) {
    if (target < info.logStartOffset || target >= info.highWatermark) continue
    try {
      const [record] = (await partition.read({ offset: target, maxRecords: 1 })).records
      out.points.push([target, record === undefined ? null : [record.offset, recordDigest(record)]])
    } catch (err) {
      out.points.push([target, { error: describeError(err) }])
    }
  }
  for (const target of probes.timestamps) {
    try {
      out.timestamps.push([target, await partition.offsetForTimestamp(target)])
    } catch (err) {
      out.timestamps.push([target, { error: describeError(err) }])
    }
  }
  return out
}

async function handle(request) {
  const reply = { id: request.id }
  let log
  try {
    log = await Log.open(request.dir, { repair: request.repair, fileSystem })
  } catch (err) {
    reply.open = { error: describeError(err) }
    return reply
  }
  reply.open = { recovery: log.recovery }
  reply.partitions = []
  for (const topic of log.topics()) {
    for (const info of log.describeTopic(topic).partitions) {
      const probes = request.probes[`${topic} ${info.partition}`] ?? { offsets: [], timestamps: [] }
      reply.partitions.push(await readPartition(log, topic, info, probes))
    }
  }
  try {
    await log.close()
  } catch (err) {
    reply.close = { error: describeError(err) }
  }
  return reply
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line === '') continue
  const reply = await handle(JSON.parse(line))
  process.stdout.write(JSON.stringify(reply) + '\n')
}
