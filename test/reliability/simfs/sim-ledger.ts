/**
 * The ledger of the SimFS harness (reliability H4): what the workload was promised — topics
 * created or deleted, appends acknowledged, log start offsets confirmed — and the check, after
 * each recovery, that the reopened log keeps every promise.
 *
 * Outcomes follow the Jepsen classes (reliability.md "The checks after every fault"): an operation that resolved
 * before the crash is `ok` and must hold; one the crash cut is unknown and may go either way, but
 * whole. A topic is 'creating' or 'deleting' while its call is unresolved: after a crash it may be
 * present or absent, and the check settles which; 'live' topics must be present; a deletion that
 * resolved must stay deleted.
 *
 * Per partition, after each recovery (the checks of reliability.md "after every fault"):
 * - findLedgerViolations (test/helpers/ledger-check.ts): no acknowledged record lost, moved or
 *   altered, no duplicates, no torn batch, dense offsets, nothing readable at or past the HW;
 * - HW = LEO: everything recovery keeps is fsynced before it is readable (decisions.md);
 * - a read at the HW is empty and one past it is OFFSET_OUT_OF_RANGE;
 * - the log start offset never goes back below one already confirmed or observed;
 * - lookups through the offset and time indexes agree with the full scan (lookup-check.ts).
 * Acknowledged batches wholly below the observed log start offset are dropped from the ledger
 * afterwards: they are legitimately gone and can never come back, and the ledger stays small.
 *
 * Data-driven: the checks are a list, so producer ids, transactions and consumer offsets add
 * entries here (and operations in workload.ts) without a redesign.
 */
import type { Log } from '../../../src/log.js'
import { findLedgerViolations, type AckedBatch, type PartitionSnapshot } from '../../helpers/ledger-check.js'
import { readWholePartition } from '../../helpers/partition-snapshot.js'
import { lookupViolations } from './lookup-check.js'

export type TopicPhase = 'creating' | 'live' | 'deleting'

interface PartitionLedger {
  acked: AckedBatch[]
  /** The log start offset can never again be below this (confirmed by deleteRecords or seen at open). */
  logStartFloor: number
}

interface TopicLedger {
  name: string
  partitions: number
  /** The count an unresolved createPartitions asked for: after a crash, either count may be found. */
  growingTo: number | null
  phase: TopicPhase
  parts: PartitionLedger[]
}

function emptyParts(count: number): PartitionLedger[] {
  return Array.from({ length: count }, () => ({ acked: [], logStartFloor: 0 }))
}

/** One check of a recovered partition: returns its violations (without the partition prefix). */
interface PartitionCheckInput {
  log: Log
  topic: string
  partition: number
  ledger: PartitionLedger
  snapshot: PartitionSnapshot
  logEndOffset: number
  random: () => number
}

type PartitionCheck = (input: PartitionCheckInput) => Promise<string[]> | string[]

const PARTITION_CHECKS: readonly PartitionCheck[] = [
  ({ snapshot, ledger }) => findLedgerViolations(snapshot, ledger.acked),
  ({ snapshot, logEndOffset }) =>
    snapshot.highWatermark === logEndOffset
      ? []
      : [`high watermark ${snapshot.highWatermark} != log end offset ${logEndOffset} after recovery (recovered data must be fsynced before it is readable)`],
  ({ snapshot, ledger }) =>
    snapshot.logStartOffset >= ledger.logStartFloor
      ? []
      : [`log start offset ${snapshot.logStartOffset} went back below ${ledger.logStartFloor}, which was confirmed durable`],
  async ({ log, topic, partition, snapshot }) => {
    const handle = log.partition(topic, partition)
    const atHighWatermark = await handle.read({ offset: snapshot.highWatermark })
    const found: string[] = []
    if (atHighWatermark.records.length > 0) found.push(`a read at the high watermark ${snapshot.highWatermark} returned ${atHighWatermark.records.length} records`)
    try {
      await handle.read({ offset: snapshot.highWatermark + 1 })
      found.push(`a read past the high watermark ${snapshot.highWatermark} did not fail`)
    } catch (err) {
      if ((err as { code?: string }).code !== 'OFFSET_OUT_OF_RANGE') throw err
    }
    return found
  },
  ({ log, topic, partition, snapshot, random }) => lookupViolations(log.partition(topic, partition), snapshot, random),
]

export class SimLedger {
  private readonly topics = new Map<string, TopicLedger>()
  /** Topics whose deletion resolved: they must never reappear. */
  private readonly deleted = new Set<string>()
  acknowledgedBatches = 0

  phase(topic: string): TopicPhase | undefined {
    return this.topics.get(topic)?.phase
  }

  /** Topics in `phase`, in creation order. */
  topicsIn(phase: TopicPhase): { name: string; partitions: number }[] {
    return [...this.topics.values()].filter((t) => t.phase === phase).map(({ name, partitions }) => ({ name, partitions }))
  }

  get topicCount(): number {
    return this.topics.size
  }

  startCreate(name: string, partitions: number): void {
    this.topics.set(name, { name, partitions, growingTo: null, phase: 'creating', parts: emptyParts(partitions) })
  }

  startGrow(name: string, partitions: number): void {
    this.topicLedger(name).growingTo = partitions
  }

  confirmGrow(name: string): void {
    const topic = this.topicLedger(name)
    if (topic.growingTo === null) return
    topic.parts.push(...emptyParts(topic.growingTo - topic.partitions))
    topic.partitions = topic.growingTo
    topic.growingTo = null
  }

  confirmCreate(name: string): void {
    this.topicLedger(name).phase = 'live'
  }

  startDelete(name: string): void {
    this.topicLedger(name).phase = 'deleting'
  }

  confirmDelete(name: string): void {
    this.topics.delete(name)
    this.deleted.add(name)
  }

  ack(topic: string, partition: number, batch: AckedBatch): void {
    // A topic whose deletion already resolved has nothing left to keep.
    const part = this.topics.get(topic)?.parts[partition]
    if (part === undefined) return
    part.acked.push(batch)
    this.acknowledgedBatches++
  }

  confirmLogStart(topic: string, partition: number, offset: number): void {
    const part = this.topics.get(topic)?.parts[partition]
    if (part !== undefined) part.logStartFloor = Math.max(part.logStartFloor, offset)
  }

  /**
   * Checks a freshly recovered log against every promise, settles the topics whose create or
   * delete the crash cut, and prunes what the log start offset legitimately removed.
   */
  async checkRecovered(log: Log, random: () => number): Promise<string[]> {
    const violations: string[] = []
    const present = new Set(log.topics())
    for (const name of present) {
      if (this.topics.has(name)) continue
      violations.push(`topic ${name} exists after recovery, but ${this.deleted.has(name) ? 'its deletion was acknowledged' : 'it was never created'}`)
    }
    for (const topic of [...this.topics.values()]) {
      if (!present.has(topic.name)) {
        if (topic.phase === 'live') violations.push(`topic ${topic.name} was created (acknowledged) but is missing after recovery`)
        else if (topic.phase === 'deleting') this.confirmDelete(topic.name)
        else this.topics.delete(topic.name)
        continue
      }
      topic.phase = 'live'
      violations.push(...(await this.checkTopic(log, topic, random)))
    }
    return violations
  }

  private async checkTopic(log: Log, topic: TopicLedger, random: () => number): Promise<string[]> {
    const info = log.describeTopic(topic.name).partitions
    if (info.length === topic.growingTo) this.confirmGrow(topic.name)
    topic.growingTo = null
    if (info.length !== topic.partitions) return [`topic ${topic.name} has ${info.length} partitions after recovery, expected ${topic.partitions}`]
    const violations: string[] = []
    for (let p = 0; p < topic.partitions; p++) {
      const ledger = topic.parts[p]!
      const where = `${topic.name}-${p}`
      try {
        const snapshot = await readWholePartition(log.partition(topic.name, p), info[p]!.logStartOffset)
        const input = { log, topic: topic.name, partition: p, ledger, snapshot, logEndOffset: info[p]!.logEndOffset, random }
        for (const check of PARTITION_CHECKS) for (const found of await check(input)) violations.push(`${where}: ${found}`)
        ledger.acked = ledger.acked.filter((batch) => batch.lastOffset >= snapshot.logStartOffset)
        ledger.logStartFloor = Math.max(ledger.logStartFloor, snapshot.logStartOffset)
      } catch (err) {
        violations.push(`${where}: reading the recovered partition failed: ${describeError(err)}`)
      }
    }
    return violations
  }

  private topicLedger(name: string): TopicLedger {
    const topic = this.topics.get(name)
    if (topic === undefined) throw new Error(`the ledger has no topic ${name}`)
    return topic
  }
}

export function describeError(err: unknown): string {
  const code = (err as { code?: unknown }).code
  const message = err instanceof Error ? err.message : String(err)
  return typeof code === 'string' ? `${code}: ${message}` : message
}
