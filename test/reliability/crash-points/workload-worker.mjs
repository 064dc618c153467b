// Child of the H2 crash-point harness: a bounded, seeded workload whose syscalls are the same on
// every run, so `strace -e inject=<syscall>:signal=KILL:when=N` lands on the same call each time.
//
//   UV_THREADPOOL_SIZE=1 strace … node workload-worker.mjs <dist index.js URL> <dir> <seed> <ops>
//
// Determinism: every operation is awaited before the next starts (an `appendGroup` queues its
// appends in one tick, so they always share one writev and one fdatasync); nothing depends on the
// clock (time-based roll and retention are days away, the checkpoint and retention timers never
// fire in a run this short); <dir> is fresh on every run. So a run's syscalls differ only in the
// temp path and the timestamps, never in number or order on a thread.
//
// The workload, after `mark start`: open <dir>, create topic `t` (1 partition, 2 KiB segments, an
// index entry every 128 bytes, size retention at 8 KiB, so rolls, index writes and retention
// deletes happen every few operations), then <ops> operations drawn from OPERATIONS by weight,
// then close() and `mark done`. Operations are a data-driven list so producer ids, transactions
// and consumer offsets can join as new entries with their own ledger lines.
//
// Ledger on stdout, one line per event, written synchronously (stdout is a pipe), after the
// operation it reports settled:
//   mark start | mark done                 the window the harness enumerates crash points in
//   topic <name>                            createTopic resolved
//   ack <baseOffset> <lastOffset> <digest>  an append resolved with acks 'all'
//   logstart-may-move <atMost>              an operation that may raise the log start offset to
//                                           at most <atMost> has begun
//   logstart <offset>                       …and has finished: the log start is now <offset>
//   fail <code> <message>                   anything unexpected; exit 1
import { batchDigest, batchRecords } from '../../helpers/record-values.mjs'
import { randomInt, seededRandom } from '../../helpers/seeded-random.mjs'

const TOPIC = 't'
const TOPIC_CONFIG = {
  partitions: 1,
  /** A handful of batches per segment: a roll every few appends. */
  segmentBytes: 2048,
  /** An index entry for nearly every batch. */
  indexIntervalBytes: 128,
  /** About four segments: retention deletes a segment every few appends once the log is full. */
  retentionBytes: 8192,
}
/** Small values keep batches well under a segment (the self-describing prefix is ~20 bytes). */
const VALUE_BYTES = 64
/** The checkpoint and retention timers must never fire inside a run: they would add syscalls. */
const TIMER_MS = 3_600_000

const [indexUrl, dir, seedText, opsText] = process.argv.slice(2)
const seed = Number(seedText)
const ops = Number(opsText)
const next = seededRandom(seed)

const print = (line) => process.stdout.write(`${line}\n`)

async function appendOne(state, batchId) {
  const records = batchRecords(batchId, randomInt(next, 1, 4), VALUE_BYTES)
  const { baseOffset, lastOffset } = await state.partition.append(records, { acks: 'all' })
  print(`ack ${baseOffset} ${lastOffset} ${batchDigest(records)}`)
}

const LOG_OPTIONS = { retentionCheckIntervalMs: TIMER_MS, recoveryPointCheckpointIntervalMs: TIMER_MS }

async function openLog(state) {
  state.log = await state.Log.open(dir, LOG_OPTIONS)
  state.partition = state.log.partition(TOPIC, 0)
}

/** name, relative weight, and the operation (op is its number in the run: batch ids stay unique). */
const OPERATIONS = [
  { name: 'append', weight: 55, run: (state, op) => appendOne(state, `op${op}`) },
  {
    // Appends queued in one tick: one writev and one fdatasync for all of them.
    name: 'appendGroup',
    weight: 15,
    run: (state, op) => Promise.all(Array.from({ length: randomInt(next, 2, 3) }, (_, i) => appendOne(state, `op${op}.${i}`))),
  },
  // fdatasync, then the recovery-point checkpoint: tmp write, fsync, rename, directory fsync.
  { name: 'flush', weight: 8, run: (state) => state.log.flush() },
  {
    // The log-start checkpoint, then whole segments below it renamed .deleted and unlinked.
    name: 'deleteRecords',
    weight: 6,
    run: async (state) => {
      const { partition } = state
      const start = partition.logStartOffset
      const target = start + Math.floor((partition.highWatermark - start) * next() * 0.7)
      if (target <= start) return
      print(`logstart-may-move ${target}`)
      await partition.deleteRecords(target)
      print(`logstart ${partition.logStartOffset}`)
    },
  },
  {
    // Size retention: deletes leading segments wholly below the HW.
    name: 'retention',
    weight: 6,
    run: async (state) => {
      print(`logstart-may-move ${state.partition.highWatermark}`)
      await state.log.runRetention()
      print(`logstart ${state.partition.logStartOffset}`)
    },
  },
  {
    // close (checkpoints, clean-shutdown marker) and open (marker removed durably, indexes checked).
    name: 'reopen',
    weight: 6,
    run: async (state) => {
      await state.log.close()
      await openLog(state)
    },
  },
  {
    // The topic metadata file replaced atomically; preallocation switched, so later segments are
    // fallocated (zeros past the logical end, trimmed on roll and close) or not.
    name: 'alterConfig',
    weight: 4,
    run: (state, op) =>
      state.log.alterTopicConfig(TOPIC, {
        indexIntervalBytes: op % 2 === 0 ? 128 : 256,
        preallocate: !state.log.describeTopic(TOPIC).config.preallocate,
      }),
  },
]
const TOTAL_WEIGHT = OPERATIONS.reduce((sum, o) => sum + o.weight, 0)

function pickOperation() {
  let ticket = next() * TOTAL_WEIGHT
  for (const operation of OPERATIONS) {
    ticket -= operation.weight
    if (ticket < 0) return operation
  }
  return OPERATIONS[0]
}

try {
  const { Log } = await import(indexUrl)
  print('mark start')
  const log = await Log.open(dir, LOG_OPTIONS)
  await log.createTopic(TOPIC, TOPIC_CONFIG)
  print(`topic ${TOPIC}`)
  const state = { Log, log, partition: log.partition(TOPIC, 0) }
  for (let op = 0; op < ops; op++) await pickOperation().run(state, op)
  await state.log.close()
  print('mark done')
} catch (err) {
  print(`fail ${err?.code ?? 'UNKNOWN'} ${String(err?.stack ?? err).replaceAll('\n', ' | ')}`)
  process.exit(1)
}
