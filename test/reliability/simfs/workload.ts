/**
 * The seeded workload of the SimFS harness (reliability H4), run in-process against a Log on a
 * SimFS by a few concurrent actors until the simulated crash stops them.
 *
 * Each actor loops: advance the clock a little, pick an operation from OPERATIONS by weight, run
 * it, record its outcome in the ledger the moment it resolves. Operations are data, so producer
 * ids, transactions and consumer offsets arrive as new entries. Acknowledgements are recorded only
 * while the SimFS is alive: one seen after the crash would never have reached the client.
 *
 * Every acknowledgement is also checked at the moment it arrives: the last record of the batch
 * must already be durable in a `.log` of its partition directory, reachable through durable
 * directory entries (SimFS.ackCoverage). That catches an ack sent before the datasync that
 * covers it (FM-20) or before the directory fsync of a new segment (FM-9) without waiting for a
 * crash to lose it. Reads are checked the same way: a record a reader saw must already be durable,
 * so no power cut can take it back (FM-23).
 *
 * A boot ends with the crash, or with a clean close() after which the power is cut at once (the
 * next open then trusts the clean-shutdown marker, so whatever close left unsynced is at stake),
 * or once the log has failed after an injected sync error (nothing more can be written).
 *
 * Topics: the base topic (BASE_TOPIC, rolling every few batches, kept small by retentionBytes)
 * and up to EXTRA_TOPICS_MAX short-lived ones created, grown (createPartitions) and deleted
 * mid-way (time retention, so clock jumps delete their segments). Rejections are violations unless the crash already
 * happened, the topic's deletion is under way (then LOG_CLOSED / UNKNOWN_TOPIC_OR_PARTITION are
 * the expected outcomes of a call that raced it), close() has begun (LOG_CLOSED), or an injected
 * sync error was delivered (STORAGE_ERROR; the raw EIO only while known-bugs.ts tolerates it).
 */
import type { Log } from '../../../src/log.js'
import type { AppendResult } from '../../../src/partition/partition.js'
import { batchDigest, batchRecords, isIntactRecord, type TestRecord } from '../../helpers/record-values.mjs'
import { randomInt } from '../../helpers/seeded-random.mjs'
import { AVOID_RETENTION_DELETE_TOPIC_RACE, reportsSyncFailure } from './known-bugs.js'
import type { SimFS } from './sim-fs.js'
import { describeError, type SimLedger } from './sim-ledger.js'

export const BASE_TOPIC = 'a'
/** Tiny segments (rolls every 2–4 batches) and a small size bound (a handful of segments). */
export const BASE_TOPIC_OPTIONS = { partitions: 2, segmentBytes: 1024, indexIntervalBytes: 128, retentionBytes: 3072 }
/** One partition, time retention of two minutes (clock jumps make whole segments expire) and a size bound. */
const EXTRA_TOPIC_OPTIONS = { partitions: 1, segmentBytes: 768, indexIntervalBytes: 64, retentionMs: 120_000, retentionBytes: 2048 }
/** Extra topics alive at once, and the partitions one may grow to: each adds files every open must load. */
const EXTRA_TOPICS_MAX = 2
const EXTRA_TOPIC_PARTITIONS_MAX = 3
/** Bytes one read asks for: a few batches. */
const READ_BYTES_MAX = 2048
/** Record value sizes: above the self-describing prefix, and 4 records fit the smallest segment. */
const VALUE_BYTES_MIN = 32
const VALUE_BYTES_MAX = 100
const RECORDS_PER_BATCH_MAX = 4
/** Operations in a row that touch no file before an actor yields to the event loop. */
const OPS_WITHOUT_EVENTS_MAX = 100
/** Appends one actor issues at once in a burst (group commit shares their fdatasync). */
const BURST_APPENDS_MAX = 6

export interface SimClock {
  nowMs: number
}

export type ViolationKind = 'ack' | 'read' | 'workload'

export interface WorkloadContext {
  readonly log: Log
  readonly fs: SimFS
  readonly ledger: SimLedger
  readonly random: () => number
  readonly clock: SimClock
  readonly logDir: string
  readonly boot: number
  readonly checkAckCoverage: boolean
  /** Operations running now, by name. */
  readonly inFlight: Map<string, number>
  /** Set once an actor has started close(): the others stop, and calls it cuts off may fail with LOG_CLOSED. */
  readonly lifecycle: { closing: boolean }
  /** Cuts the power right after a clean close (the boot's last event). */
  endBootAfterCleanClose(): void
  /** The injected sync failure of this boot (`op path`), once delivered, else null. */
  syncFailure(): string | null
  /** Cuts the power once the log has failed: nothing more can happen in this boot. */
  endBootAfterFailure(): void
  /** A batch id unique in the whole run. */
  nextBatchId(actor: number): string
  /** A topic name never used before in the run. */
  nextTopicName(): string
  violation(kind: ViolationKind, message: string): void
}

export interface WorkloadOperation {
  name: string
  weight(ctx: WorkloadContext): number
  run(ctx: WorkloadContext, actor: number): Promise<void>
  /** Operations never in flight at the same time as this one (known-bugs.ts). */
  conflicts?: readonly string[]
}

const RETENTION_CONFLICTS = AVOID_RETENTION_DELETE_TOPIC_RACE ? ['deleteTopic'] : []
const DELETE_TOPIC_CONFLICTS = [...(AVOID_RETENTION_DELETE_TOPIC_RACE ? ['runRetention'] : []), 'createPartitions']

interface Target {
  topic: string
  partition: number
}

export const OPERATIONS: readonly WorkloadOperation[] = [
  { name: 'append', weight: () => 60, run: (ctx, actor) => appendTo(ctx, actor, pickTarget(ctx)) },
  {
    name: 'append-burst',
    weight: () => 10,
    run: async (ctx, actor) => {
      const count = randomInt(ctx.random, 2, BURST_APPENDS_MAX)
      await Promise.all(Array.from({ length: count }, () => appendTo(ctx, actor, pickTarget(ctx))))
    },
  },
  { name: 'read', weight: () => 8, run: readSome },
  { name: 'deleteRecords', weight: () => 2, run: deleteRecords },
  {
    name: 'runRetention',
    weight: () => 4,
    run: (ctx) => settle(ctx, null, 'runRetention', () => ctx.log.runRetention()),
    conflicts: RETENTION_CONFLICTS,
  },
  { name: 'flush', weight: () => 2, run: (ctx) => settle(ctx, null, 'flush', () => ctx.log.flush()) },
  { name: 'createTopic', weight: (ctx) => (ctx.ledger.topicCount <= EXTRA_TOPICS_MAX ? 2 : 0), run: createExtraTopic },
  {
    name: 'createPartitions',
    weight: (ctx) => (growableTopics(ctx).length > 0 ? 1 : 0),
    run: growExtraTopic,
    // One growth at a time, and never of a topic being deleted, keeps the ledger's pending count exact.
    conflicts: ['createPartitions', 'deleteTopic'],
  },
  { name: 'deleteTopic', weight: (ctx) => (extraLiveTopics(ctx).length > 0 ? 1 : 0), run: deleteExtraTopic, conflicts: DELETE_TOPIC_CONFLICTS },
  {
    // A clean shutdown ends the boot: the power is cut right after close() resolves (or during it,
    // if the boot's crash point comes first), so the next open trusts the clean-shutdown marker.
    name: 'close',
    weight: () => 1,
    run: async (ctx) => {
      ctx.lifecycle.closing = true
      await settle(ctx, null, 'close', () => ctx.log.close())
      if (!ctx.fs.crashed) ctx.endBootAfterCleanClose()
    },
  },
  {
    name: 'advanceClock',
    weight: () => 3,
    run: async (ctx) => {
      ctx.clock.nowMs += randomInt(ctx.random, 1_000, 60_000)
    },
  },
]

/** Creates the base topic unless the ledger knows it (a crash may have cut its first creation). */
export async function ensureBaseTopic(ctx: WorkloadContext): Promise<void> {
  if (ctx.ledger.phase(BASE_TOPIC) !== undefined) return
  ctx.ledger.startCreate(BASE_TOPIC, BASE_TOPIC_OPTIONS.partitions)
  await settle(ctx, BASE_TOPIC, 'createTopic', async () => {
    await ctx.log.createTopic(BASE_TOPIC, BASE_TOPIC_OPTIONS)
    if (!ctx.fs.crashed) ctx.ledger.confirmCreate(BASE_TOPIC)
  })
}

/** One actor: operations until the crash, a clean close, or the log's failure. */
export async function runActor(ctx: WorkloadContext, actor: number): Promise<void> {
  let opsWithoutEvents = 0
  let lastEventCount = ctx.fs.eventCount
  while (!ctx.fs.crashed && !ctx.lifecycle.closing && ctx.log.failure === null) {
    ctx.clock.nowMs += randomInt(ctx.random, 0, 2)
    const op = pickOperation(ctx)
    ctx.inFlight.set(op.name, (ctx.inFlight.get(op.name) ?? 0) + 1)
    try {
      await op.run(ctx, actor)
    } finally {
      ctx.inFlight.set(op.name, ctx.inFlight.get(op.name)! - 1)
    }
    // Operations that touch no file settle in microtasks: yield now and then, so that syncs
    // (and the harness's stall guard) get their turns even if an actor only meets those.
    opsWithoutEvents = ctx.fs.eventCount === lastEventCount ? opsWithoutEvents + 1 : 0
    lastEventCount = ctx.fs.eventCount
    if (opsWithoutEvents >= OPS_WITHOUT_EVENTS_MAX) {
      opsWithoutEvents = 0
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  if (ctx.log.failure !== null && !ctx.fs.crashed && !ctx.lifecycle.closing) ctx.endBootAfterFailure()
}

function pickOperation(ctx: WorkloadContext): WorkloadOperation {
  const busy = (name: string) => (ctx.inFlight.get(name) ?? 0) > 0
  const weights = OPERATIONS.map((op) => (op.conflicts?.some(busy) ? 0 : op.weight(ctx)))
  let roll = ctx.random() * weights.reduce((sum, w) => sum + w, 0)
  for (let i = 0; i < OPERATIONS.length; i++) {
    roll -= weights[i]!
    if (roll < 0) return OPERATIONS[i]!
  }
  return OPERATIONS[0]!
}

function pickTarget(ctx: WorkloadContext): Target | null {
  const live = ctx.ledger.topicsIn('live')
  if (live.length === 0) return null
  const topic = live[randomInt(ctx.random, 0, live.length - 1)]!
  return { topic: topic.name, partition: randomInt(ctx.random, 0, topic.partitions - 1) }
}

function growableTopics(ctx: WorkloadContext): { name: string; partitions: number }[] {
  return ctx.ledger.topicsIn('live').filter((t) => t.name !== BASE_TOPIC && t.partitions < EXTRA_TOPIC_PARTITIONS_MAX)
}

function extraLiveTopics(ctx: WorkloadContext): string[] {
  return ctx.ledger
    .topicsIn('live')
    .map((t) => t.name)
    .filter((name) => name !== BASE_TOPIC)
}

async function appendTo(ctx: WorkloadContext, actor: number, target: Target | null): Promise<void> {
  if (target === null) return
  const count = randomInt(ctx.random, 1, RECORDS_PER_BATCH_MAX)
  const records = batchRecords(ctx.nextBatchId(actor), count, randomInt(ctx.random, VALUE_BYTES_MIN, VALUE_BYTES_MAX))
  await settle(ctx, target.topic, `append to ${target.topic}-${target.partition}`, async () => {
    const result = await ctx.log.partition(target.topic, target.partition).append(records, { acks: 'all' })
    if (!ctx.fs.crashed) acknowledged(ctx, target, records, result)
  })
}

function acknowledged(ctx: WorkloadContext, { topic, partition }: Target, records: TestRecord[], result: AppendResult): void {
  const where = `${topic}-${partition}`
  const span = `[${result.baseOffset}, ${result.lastOffset}]`
  if (result.lastOffset - result.baseOffset + 1 !== records.length) {
    ctx.violation('workload', `append of ${records.length} records to ${where} was acknowledged at offsets ${span}`)
  }
  const handle = ctx.log.partition(topic, partition)
  if (ctx.checkAckCoverage && result.lastOffset >= handle.logStartOffset) {
    const coverage = ctx.fs.ackCoverage(`${ctx.logDir}/${where}`, records[records.length - 1]!.value)
    if (coverage === 'entry-not-durable') {
      ctx.violation('ack', `append ${span} to ${where} was acknowledged while its segment's directory entry was not durable (no fsyncDir after the create, FM-9)`)
    } else if (coverage === 'data-not-durable') {
      ctx.violation('ack', `append ${span} to ${where} was acknowledged before a datasync covering its bytes completed (FM-20)`)
    }
  }
  ctx.ledger.ack(topic, partition, { baseOffset: result.baseOffset, lastOffset: result.lastOffset, digest: batchDigest(records), source: `boot ${ctx.boot}` })
}

/** A read below the HW: every record intact, and the last one durable already (FM-23: nothing a reader saw can vanish). */
async function readSome(ctx: WorkloadContext): Promise<void> {
  const target = pickTarget(ctx)
  if (target === null) return
  const where = `${target.topic}-${target.partition}`
  await settle(ctx, target.topic, `read from ${where}`, async () => {
    const handle = ctx.log.partition(target.topic, target.partition)
    const offset = randomInt(ctx.random, handle.logStartOffset, handle.highWatermark)
    const { records } = await handle.read({ offset, maxBytes: READ_BYTES_MAX })
    const last = records[records.length - 1]
    if (ctx.fs.crashed || last === undefined) return
    for (const record of records) {
      if (!isIntactRecord(record.key, record.value)) ctx.violation('read', `a read of ${where} returned offset ${record.offset} with bytes other than those written`)
    }
    if (ctx.checkAckCoverage && last.offset >= handle.logStartOffset && ctx.fs.ackCoverage(`${ctx.logDir}/${where}`, last.value!) !== 'durable') {
      ctx.violation('read', `a read of ${where} returned offset ${last.offset}, whose bytes are not durable yet (FM-23)`)
    }
  })
}

async function deleteRecords(ctx: WorkloadContext): Promise<void> {
  const target = pickTarget(ctx)
  if (target === null) return
  await settle(ctx, target.topic, `deleteRecords on ${target.topic}-${target.partition}`, async () => {
    const handle = ctx.log.partition(target.topic, target.partition)
    const beforeOffset = randomInt(ctx.random, handle.logStartOffset, handle.highWatermark)
    await handle.deleteRecords(beforeOffset)
    if (!ctx.fs.crashed) ctx.ledger.confirmLogStart(target.topic, target.partition, beforeOffset)
  })
}

async function createExtraTopic(ctx: WorkloadContext): Promise<void> {
  const name = ctx.nextTopicName()
  ctx.ledger.startCreate(name, EXTRA_TOPIC_OPTIONS.partitions)
  await settle(ctx, name, `createTopic ${name}`, async () => {
    await ctx.log.createTopic(name, EXTRA_TOPIC_OPTIONS)
    if (!ctx.fs.crashed) ctx.ledger.confirmCreate(name)
  })
}

async function growExtraTopic(ctx: WorkloadContext): Promise<void> {
  const growable = growableTopics(ctx)
  if (growable.length === 0) return
  const topic = growable[randomInt(ctx.random, 0, growable.length - 1)]!
  ctx.ledger.startGrow(topic.name, topic.partitions + 1)
  await settle(ctx, topic.name, `createPartitions ${topic.name} ${topic.partitions + 1}`, async () => {
    await ctx.log.createPartitions(topic.name, topic.partitions + 1)
    if (!ctx.fs.crashed) ctx.ledger.confirmGrow(topic.name)
  })
}

async function deleteExtraTopic(ctx: WorkloadContext): Promise<void> {
  const extra = extraLiveTopics(ctx)
  if (extra.length === 0) return
  const name = extra[randomInt(ctx.random, 0, extra.length - 1)]!
  ctx.ledger.startDelete(name)
  await settle(ctx, name, `deleteTopic ${name}`, async () => {
    await ctx.log.deleteTopic(name)
    if (!ctx.fs.crashed) ctx.ledger.confirmDelete(name)
  })
}

/** Runs one operation; a rejection is a violation unless the crash, a topic deletion, close() or an injected sync error explains it. */
async function settle(ctx: WorkloadContext, topic: string | null, what: string, run: () => Promise<void>): Promise<void> {
  try {
    await run()
  } catch (err) {
    if (ctx.fs.crashed) return
    const code = (err as { code?: unknown }).code
    const racedDeletion = topic !== null && ctx.ledger.phase(topic) !== 'live' && (code === 'LOG_CLOSED' || code === 'UNKNOWN_TOPIC_OR_PARTITION')
    const racedClose = ctx.lifecycle.closing && code === 'LOG_CLOSED'
    const failedStop = ctx.syncFailure() !== null && reportsSyncFailure(err)
    if (!racedDeletion && !racedClose && !failedStop) {
      ctx.violation('workload', `${what} failed ${ctx.syncFailure() === null ? 'with no fault injected' : `after ${ctx.syncFailure()} failed`}: ${describeError(err)}`)
    }
  }
}
