// Child of kill-loop.test.ts: a seeded append workload that the parent SIGKILLs at a random moment.
//
//   node append-worker.mjs <dist index.js URL> <dir> <iteration> <seed> <appenders> <segmentBytes>
//
// Opens the log at <dir> (the same directory every iteration), creates topic `t` (1 partition, tiny
// segments and a tiny index interval, so rolls and index writes happen all the time) if it is
// missing, prints `ready`, then runs <appenders> concurrent appenders, each appending batches of 1–4
// records (record-values.mjs: every record names itself, batch ids `<iteration>:<appender>:<n>`)
// with acks 'all', forever. The ledger on stdout, one line per event, written synchronously (stdout
// is a pipe), so a line the parent reads was printed before the kill:
//   ready
//   ack <baseOffset> <lastOffset> <digest>    an append resolved (acknowledged durable)
//   fail <code> <message>                     anything unexpected; the worker exits 1
// The worker exits by itself after SAFETY_EXIT_MS, so a parent that died cannot leave it running.
import { batchDigest, batchRecords } from '../helpers/record-values.mjs'
import { deriveSeed, randomInt, seededRandom } from '../helpers/seeded-random.mjs'

const TOPIC = 't'
/** Far longer than the parent's longest kill delay (300 ms after `ready`). */
const SAFETY_EXIT_MS = 60_000
/** Small, so that an index entry is written every few batches. */
const INDEX_INTERVAL_BYTES = 128

const [indexUrl, dir, iterationText, seedText, appendersText, segmentBytesText] = process.argv.slice(2)
const iteration = Number(iterationText)
const seed = Number(seedText)
const appenders = Number(appendersText)
const segmentBytes = Number(segmentBytesText)

function print(line) {
  process.stdout.write(`${line}\n`)
}

function failAndExit(err) {
  print(`fail ${err?.code ?? 'UNKNOWN'} ${String(err?.stack ?? err).replaceAll('\n', ' | ')}`)
  process.exit(1)
}

setTimeout(() => process.exit(3), SAFETY_EXIT_MS).unref()

try {
  const { Log } = await import(indexUrl)
  const log = await Log.open(dir)
  if (!log.topics().includes(TOPIC)) {
    try {
      await log.createTopic(TOPIC, { partitions: 1, segmentBytes, indexIntervalBytes: INDEX_INTERVAL_BYTES })
    } catch (err) {
      if (err?.code !== 'TOPIC_ALREADY_EXISTS') throw err
    }
  }
  const partition = log.partition(TOPIC, 0)
  print('ready')

  const appendForever = async (appender) => {
    const next = seededRandom(deriveSeed(seed, iteration, appender))
    for (let n = 0; ; n++) {
      const records = batchRecords(`${iteration}:${appender}:${n}`, randomInt(next, 1, 4))
      const { baseOffset, lastOffset } = await partition.append(records, { acks: 'all' })
      print(`ack ${baseOffset} ${lastOffset} ${batchDigest(records)}`)
    }
  }
  await Promise.all(Array.from({ length: appenders }, (_, appender) => appendForever(appender)))
} catch (err) {
  failAndExit(err)
}
