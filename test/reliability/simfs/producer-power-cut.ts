/**
 * Idempotent producers across simulated power cuts (H4's SimFS; issue 10 §6, reliability.md
 * FM-13). One producer appends one batch at a time beside a plain appender, on tiny segments so
 * rolls (and the producer snapshots they take) happen often; the power is cut at a seeded event;
 * the crash image (crash-image.ts: unsynced bytes torn, zeroed or reverted, unsynced directory
 * entries lost) is booted, and before the workload resumes the producer retries what it sent:
 *   1. every send the log lost (the tail: prefix durability, one batch in flight), in order — each
 *      must be appended, once (answering one as a duplicate would acknowledge bytes that no longer
 *      exist: producer state not rolled back with the cut, the planted bug
 *      `producer-state-not-rolled-back`);
 *   2. the last five sends — each a duplicate at exactly the offsets the log holds it at;
 *   3. the sixth-newest — OUT_OF_ORDER_SEQUENCE_NUMBER.
 * After every boot the log must hold each of the producer's sequences at most once and without a
 * gap, and with `durability: 'fsync'` every acknowledged send (acks 'all') must be in it. In 'os'
 * mode acknowledged sends may be lost (that mode's contract), but a roll still snapshots the
 * producer state durably above the log's durable end — exactly the snapshot a power cut leaves
 * above the cut log, which recovery must delete. Deterministic for a seed (one event loop, seeded
 * sync delays); engine injectable so a child can run it against a bugged dist/.
 */
import type { Log } from '../../../src/log.js'
import type { Partition } from '../../../src/partition/partition.js'
import { batchDigest, batchRecords } from '../../helpers/record-values.mjs'
import { deriveSeed, randomInt, seededRandom } from '../../helpers/seeded-random.mjs'
import { readWholePartition } from '../../helpers/partition-snapshot.js'
import { crashImage, noDamage } from './crash-image.js'
import { SimFS, simFsWithDirs } from './sim-fs.js'
import type { DirNode } from './sim-nodes.js'

/** The power goes within this many file-system events of the workload's start. */
const CRASH_EVENTS_MAX = 300
/** Tiny segments: a roll (and its producer snapshot) every few dozen batches. */
const SEGMENT_BYTES = 2048
/** 'os' mode's flushMessages: about one flush per roll. */
const OS_FLUSH_MESSAGES = 24
/** A boot whose workload neither crashes nor errs in this long is stuck. */
const STALL_TIMEOUT_MS = 10_000

const DIR = '/pc/log'
const TOPIC = 't'
const PRODUCER = { producerId: 42, producerEpoch: 0 }

export interface ProducerPowerCutOptions {
  boots: number
  seed: number
  durability: 'fsync' | 'os'
  engine: Pick<typeof Log, 'open'>
}

export interface ProducerPowerCutResult {
  boots: number
  violations: string[]
  /** Retries answered as duplicates with the right offsets (step 2). */
  duplicatesChecked: number
  /** Lost sends appended again, once (step 1). */
  lostSendsReappended: number
  /** Opens whose recovery cut bytes. */
  truncatingRecoveries: number
}

interface Send {
  sequence: number
  count: number
  digest: string
  /** Acknowledged in a boot with durability 'fsync': it must survive. */
  mustSurvive: boolean
}

interface SharedState {
  sends: Send[]
  result: ProducerPowerCutResult
}

const CLOCK_START_MS = 1_600_000_000_000

export async function runProducerPowerCuts(options: ProducerPowerCutOptions): Promise<ProducerPowerCutResult> {
  const clock = { nowMs: CLOCK_START_MS }
  const state: SharedState = { sends: [], result: { boots: 0, violations: [], duplicatesChecked: 0, lostSendsReappended: 0, truncatingRecoveries: 0 } }
  let root: DirNode = simFsWithDirs(['/pc'], { clock: () => clock.nowMs }).root
  for (let boot = 0; boot < options.boots && state.result.violations.length === 0; boot++) {
    const syncRandom = seededRandom(deriveSeed(options.seed, boot, 2))
    const fs = new SimFS({ root, clock: () => clock.nowMs, syncDelayTurns: () => randomInt(syncRandom, 1, 4) })
    const next = await crashedBoot(fs, boot, options, state, clock)
    if (next === null) break
    root = next
    state.result.boots++
  }
  return state.result
}

async function crashedBoot(fs: SimFS, boot: number, options: ProducerPowerCutOptions, state: SharedState, clock: { nowMs: number }): Promise<DirNode | null> {
  const violations = state.result.violations
  const fail = (message: string): null => {
    violations.push(`boot ${boot} (seed ${options.seed}, ${options.durability}): ${message}`)
    fs.crashNow()
    return null
  }
  let log: Log
  try {
    try {
      log = await options.engine.open(DIR, { fileSystem: fs, clock: () => clock.nowMs })
    } catch (err) {
      // A cut that kept a later unsynced page but not an earlier one looks like damage that valid
      // batches follow (FM-2): the operator's answer is repair, which must still keep every
      // acknowledged send (checkLog) and leave a prefix the retries can rebuild on.
      if ((err as { code?: unknown }).code !== 'CORRUPT_RECORD') throw err
      log = await options.engine.open(DIR, { fileSystem: fs, clock: () => clock.nowMs, repair: true })
    }
  } catch (err) {
    return fail(`open refused the post-crash state: ${(err as Error).message}`)
  }
  if (log.recovery.partitions.some((p) => p.truncatedBytes > 0)) state.result.truncatingRecoveries++
  if (!log.topics().includes(TOPIC)) {
    // 'os' flushes every few records, so a power cut loses a tail, not everything since the start.
    await log.createTopic(TOPIC, { segmentBytes: SEGMENT_BYTES, durability: options.durability, flushMessages: OS_FLUSH_MESSAGES })
  }
  const partition = log.partition(TOPIC, 0)
  const problems = await checkLog(partition, state)
  if (problems.length > 0) return fail(problems.join('; '))
  const random = seededRandom(deriveSeed(options.seed, boot))
  let image: DirNode | null = null
  const crashed = new Promise<'crashed'>((resolve) =>
    fs.armCrash(randomInt(random, 1, CRASH_EVENTS_MAX), () => {
      image = crashImage(fs.root, seededRandom(deriveSeed(options.seed, boot, 1)), noDamage())
      resolve('crashed')
    }),
  )
  const workload = runWorkload(fs, partition, state, random, clock).then(
    () => 'stopped' as const,
    (err: unknown) => (fs.crashed ? ('crashed' as const) : (err as Error)),
  )
  let stallTimer: NodeJS.Timeout | undefined
  const stalled = new Promise<'stalled'>((resolve) => (stallTimer = setTimeout(() => resolve('stalled'), STALL_TIMEOUT_MS)))
  const outcome = await Promise.race([crashed, workload, stalled])
  clearTimeout(stallTimer)
  void log.close().catch(() => {}) // abandoned: the dead SimFS keeps its syncs from completing
  if (outcome instanceof Error) return fail(outcome.message)
  if (outcome === 'stalled' || outcome === 'stopped') return fail(`the workload ${outcome} without a crash`)
  return image
}

/** No duplicate, no gap in the producer's sequences; every send that must survive is there. Returns the sequences present. */
async function checkLog(partition: Partition, state: SharedState): Promise<string[]> {
  const snapshot = await readWholePartition(partition, partition.logStartOffset)
  const problems: string[] = []
  let expected = 0
  const present = new Map<number, { baseOffset: number; lastOffset: number; digest: string }>()
  const byBatch = new Map<number, typeof snapshot.records>()
  for (const record of snapshot.records as (typeof snapshot.records[number] & { producerId?: number; sequence?: number })[]) {
    if (record.producerId !== PRODUCER.producerId) continue
    if (record.sequence !== expected) problems.push(`offset ${record.offset}: sequence ${record.sequence} where ${expected} was next (a duplicate or a gap)`)
    expected = (record.sequence ?? expected) + 1
    const batchSequence = Number(/^p\d+:(\d+)#/.exec(record.key?.toString() ?? '')?.[1] ?? -1)
    let records = byBatch.get(batchSequence)
    if (records === undefined) byBatch.set(batchSequence, (records = []))
    records.push(record)
  }
  for (const [sequence, records] of byBatch) {
    present.set(sequence, { baseOffset: records[0]!.offset, lastOffset: records[records.length - 1]!.offset, digest: batchDigest(records) })
  }
  for (const send of state.sends) {
    const found = present.get(send.sequence)
    if (found !== undefined && found.digest !== send.digest) problems.push(`sequence ${send.sequence} holds other bytes than were sent`)
    if (found === undefined && send.mustSurvive) problems.push(`acknowledged sequence ${send.sequence} (acks 'all', 'fsync') is gone`)
  }
  presentSends.set(state, present)
  return problems
}

/** What `checkLog` found, for the retries that follow it. */
const presentSends = new WeakMap<SharedState, Map<number, { baseOffset: number; lastOffset: number }>>()

async function runWorkload(fs: SimFS, partition: Partition, state: SharedState, random: () => number, clock: { nowMs: number }): Promise<void> {
  const present = presentSends.get(state)!
  const durable = partition.topicConfig.durability === 'fsync'
  const send = async (s: Send): Promise<{ baseOffset: number; lastOffset: number; duplicate: boolean } | null> => {
    const result = await partition.append(batchRecords(`p${PRODUCER.producerId}:${s.sequence}`, s.count, 60), { ...PRODUCER, baseSequence: s.sequence, acks: 'all' })
    if (fs.crashed) return null // an answer after the power went proves nothing
    if (durable) s.mustSurvive = true
    return result
  }
  // 1. The lost tail, in order: appended once each.
  const sends = state.sends
  for (const s of sends.filter((s) => !present.has(s.sequence))) {
    const result = await send(s)
    if (result === null) return
    if (result.duplicate) throw new Error(`lost sequence ${s.sequence} was answered as a duplicate at [${result.baseOffset}, ${result.lastOffset}]: producer state not rolled back with the cut`)
    present.set(s.sequence, result)
    state.result.lostSendsReappended++
  }
  // 2. The last five: duplicates at the offsets the log holds them at.
  for (const s of sends.slice(-5)) {
    const result = await send(s)
    if (result === null) return
    const original = present.get(s.sequence)!
    if (!result.duplicate || result.baseOffset !== original.baseOffset || result.lastOffset !== original.lastOffset) {
      throw new Error(`retry of sequence ${s.sequence} at [${original.baseOffset}, ${original.lastOffset}] answered ${JSON.stringify(result)}`)
    }
    state.result.duplicatesChecked++
  }
  // 3. Older than five: out of order.
  if (sends.length > 5) {
    const old = sends[sends.length - 6]!
    try {
      if ((await send(old)) === null) return
      throw new Error(`retry of sequence ${old.sequence}, older than the last five, was accepted`)
    } catch (err) {
      if ((err as { code?: string }).code !== 'OUT_OF_ORDER_SEQUENCE_NUMBER') throw err
    }
  }
  // Then new batches, and plain ones beside them, until the power goes.
  let plain = 0
  const plainAppender = (async () => {
    while (!fs.crashed) await partition.append(batchRecords(`plain:${sends.length}:${plain++}`, 1, 80), { acks: 1 })
  })()
  plainAppender.catch(() => {})
  while (!fs.crashed) {
    const last = sends[sends.length - 1]
    const s: Send = { sequence: last === undefined ? 0 : last.sequence + last.count, count: randomInt(random, 1, 3), digest: '', mustSurvive: false }
    s.digest = batchDigest(batchRecords(`p${PRODUCER.producerId}:${s.sequence}`, s.count, 60))
    sends.push(s)
    clock.nowMs += 1
    if ((await send(s)) === null) return
  }
}
