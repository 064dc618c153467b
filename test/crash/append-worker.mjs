// Child of kill-loop.test.ts: a seeded append workload that the parent SIGKILLs at a random moment.
//
//   node append-worker.mjs <dist index.js URL> <dir> <iteration> <seed> <appenders> <segmentBytes> [<producer plan JSON>]
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
// With a producer plan (kill-loop-producers.ts: `[{ producerId, producerEpoch, nextSequence, retry:
// [{ sequence, count }], outOfOrder: { sequence, count } | null }]`), one more appender per
// producer appends idempotently, one batch in flight, acks 'all': first the plan's retries in
// order (the newest send first, so it is in the log before the older ones are retried), then the
// batch expected to be OUT_OF_ORDER_SEQUENCE_NUMBER (older than the last five), then new batches
// from nextSequence. Records are batchRecords(`p<producerId>:<sequence>`, count), so a retry
// holds exactly the bytes of its original. Lines:
//   send <producerId> <sequence> <count>      printed before the append is called
//   pack <producerId> <sequence> <count> <baseOffset> <lastOffset> <digest> <duplicate 0|1>
//   oos <producerId> <sequence>               the expected OUT_OF_ORDER_SEQUENCE_NUMBER came
// The worker exits by itself after SAFETY_EXIT_MS, so a parent that died cannot leave it running.
import { batchDigest, batchRecords } from '../helpers/record-values.mjs'
import { deriveSeed, randomInt, seededRandom } from '../helpers/seeded-random.mjs'

const TOPIC = 't'
/** Far longer than the parent's longest kill delay (300 ms after `ready`). */
const SAFETY_EXIT_MS = 60_000
/** Small, so that an index entry is written every few batches. */
const INDEX_INTERVAL_BYTES = 128

const [indexUrl, dir, iterationText, seedText, appendersText, segmentBytesText, producerPlanText] = process.argv.slice(2)
const producerPlan = producerPlanText === undefined ? [] : JSON.parse(producerPlanText)
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
  const appendAs = async (plan, sequence, count) => {
    const records = batchRecords(`p${plan.producerId}:${sequence}`, count)
    print(`send ${plan.producerId} ${sequence} ${count}`)
    const options = { acks: 'all', producerId: plan.producerId, producerEpoch: plan.producerEpoch, baseSequence: sequence }
    const { baseOffset, lastOffset, duplicate } = await partition.append(records, options)
    print(`pack ${plan.producerId} ${sequence} ${count} ${baseOffset} ${lastOffset} ${batchDigest(records)} ${duplicate ? 1 : 0}`)
  }
  const produceForever = async (plan, index) => {
    for (const { sequence, count } of plan.retry) await appendAs(plan, sequence, count)
    if (plan.outOfOrder !== null) {
      try {
        await appendAs(plan, plan.outOfOrder.sequence, plan.outOfOrder.count)
      } catch (err) {
        if (err?.code !== 'OUT_OF_ORDER_SEQUENCE_NUMBER') throw err
        print(`oos ${plan.producerId} ${plan.outOfOrder.sequence}`)
      }
    }
    const next = seededRandom(deriveSeed(seed, iteration, appenders + index))
    for (let sequence = plan.nextSequence; ; ) {
      const count = randomInt(next, 1, 4)
      await appendAs(plan, sequence, count)
      sequence += count
    }
  }
  await Promise.all([
    ...Array.from({ length: appenders }, (_, appender) => appendForever(appender)),
    ...producerPlan.map((plan, index) => produceForever(plan, index)),
  ])
} catch (err) {
  failAndExit(err)
}
