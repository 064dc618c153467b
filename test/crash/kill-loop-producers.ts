/**
 * The idempotent producers of the kill loop (H1; issue 10 §6): what the parent remembers of each
 * producer across kills, the plan it hands the next worker (append-worker.mjs: retry the last five
 * sends — acknowledged or not — then one older than five, then go on), and the checks after each
 * kill:
 * - no duplicate, no gap: the producer's records in the log, in offset order, carry consecutive
 *   sequences (a retry written twice repeats one, a batch lost behind an acknowledged later one
 *   skips some), each record's producer id and sequence the ones its key names;
 * - every acknowledged send (first answer or a retry's) is in the log at the offsets it was given
 *   (the ledger check's durability rule, fed through `AckedBatch`), and a retry of a send that had
 *   been acknowledged is answered as a duplicate with the original offsets;
 * - a retry older than the last five is OUT_OF_ORDER_SEQUENCE_NUMBER.
 * Pure: no I/O.
 */
import type { AckedBatch, PartitionSnapshot } from '../helpers/ledger-check.js'

interface Send {
  sequence: number
  count: number
  acked: { baseOffset: number; lastOffset: number } | null
}

export interface ProducerPlan {
  producerId: number
  producerEpoch: number
  nextSequence: number
  retry: { sequence: number; count: number }[]
  outOfOrder: { sequence: number; count: number } | null
}

/** Batches kept in the producer state (Kafka's five): every one of them must dedupe after a kill. */
const RETAINED = 5

export class KillLoopProducer {
  private readonly sends: Send[] = []
  /** Retries of the last plan that were expected to be duplicates (acknowledged before). */
  private expectDuplicate = new Map<number, { baseOffset: number; lastOffset: number }>()
  private expectOutOfOrder: number | null = null
  retriesAnswered = 0
  duplicatesAnswered = 0
  outOfOrderAnswered = 0

  constructor(
    readonly producerId: number,
    readonly producerEpoch = 0,
  ) {}

  /** The plan for the next worker (see the header). */
  plan(): ProducerPlan {
    const last = this.sends[this.sends.length - 1]
    const window = this.sends.slice(-RETAINED)
    // The newest first: it may never have been written, and the older ones dedupe either way.
    const retry = window.length === 0 ? [] : [window[window.length - 1]!, ...window.slice(0, -1)]
    const older = this.sends.length > RETAINED ? this.sends[this.sends.length - RETAINED - 1]! : null
    this.expectDuplicate = new Map(retry.filter((s) => s.acked !== null).map((s) => [s.sequence, s.acked!]))
    this.expectOutOfOrder = older?.sequence ?? null
    return {
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      nextSequence: last === undefined ? 0 : last.sequence + last.count,
      retry: retry.map(({ sequence, count }) => ({ sequence, count })),
      outOfOrder: older === null ? null : { sequence: older.sequence, count: older.count },
    }
  }

  /**
   * Takes one worker line of this producer (`send`, `pack`, `oos`); returns the acknowledgement it
   * is for the ledger, and pushes what breaks a promise onto `violations`.
   */
  takeLine(fields: readonly string[], source: string, violations: string[]): AckedBatch | null {
    const [kind, , sequenceText, countText, base, last, digest, duplicate] = fields
    const sequence = Number(sequenceText)
    if (kind === 'oos') {
      if (sequence !== this.expectOutOfOrder) violations.push(`producer ${this.producerId}: OUT_OF_ORDER for ${sequence}, expected it for ${this.expectOutOfOrder}`)
      this.expectOutOfOrder = null
      this.outOfOrderAnswered++
      return null
    }
    const count = Number(countText)
    let send = this.sends.find((s) => s.sequence === sequence)
    if (kind === 'send') {
      if (send === undefined) this.sends.push((send = { sequence, count, acked: null }))
      if (send.count !== count) violations.push(`producer ${this.producerId}: sequence ${sequence} sent with ${count} records, first with ${send.count}`)
      return null
    }
    if (kind !== 'pack' || send === undefined || digest === undefined) throw new Error(`bad producer line ${JSON.stringify(fields.join(' '))}`)
    const offsets = { baseOffset: Number(base), lastOffset: Number(last) }
    const wasDuplicate = duplicate === '1'
    if (sequence === this.expectOutOfOrder) violations.push(`producer ${this.producerId}: sequence ${sequence}, older than the last five, was not OUT_OF_ORDER`)
    const original = this.expectDuplicate.get(sequence)
    if (original !== undefined) {
      this.expectDuplicate.delete(sequence)
      this.retriesAnswered++
      if (!wasDuplicate || original.baseOffset !== offsets.baseOffset || original.lastOffset !== offsets.lastOffset) {
        violations.push(
          `producer ${this.producerId}: retry of acknowledged sequence ${sequence} [${original.baseOffset}, ${original.lastOffset}] answered ` +
            `${wasDuplicate ? 'duplicate' : 'appended'} at [${offsets.baseOffset}, ${offsets.lastOffset}]`,
        )
      }
    }
    if (wasDuplicate) this.duplicatesAnswered++
    send.acked ??= offsets
    return { ...offsets, digest, source: `${source}, producer ${this.producerId} sequence ${sequence}${wasDuplicate ? ' (duplicate)' : ''}` }
  }

  /** No duplicate, no gap, and every acknowledged sequence present (see the header). */
  checkLog(snapshot: PartitionSnapshot, violations: string[]): void {
    const prefix = `p${this.producerId}:`
    let previous: { sequence: number; offset: number } | null = null
    for (const record of snapshot.records as (PartitionSnapshot['records'][number] & { producerId?: number; sequence?: number })[]) {
      const key = record.key?.toString() ?? ''
      if (!key.startsWith(prefix)) {
        if (record.producerId === this.producerId) violations.push(`offset ${record.offset}: record ${key} carries producer id ${this.producerId}`)
        continue
      }
      const match = /^p\d+:(\d+)#(\d+)\//.exec(key)
      const expected = match === null ? -1 : Number(match[1]) + Number(match[2])
      if (record.producerId !== this.producerId || record.sequence !== expected) {
        violations.push(`offset ${record.offset}: ${key} read back as producer ${record.producerId} sequence ${record.sequence}`)
      }
      if (previous !== null && expected !== previous.sequence + 1) {
        const what = expected <= previous.sequence ? 'a duplicate' : `a gap of ${expected - previous.sequence - 1}`
        violations.push(`producer ${this.producerId}: sequence ${expected} at offset ${record.offset} after ${previous.sequence} at ${previous.offset} (${what})`)
      }
      previous = { sequence: expected, offset: record.offset }
    }
    const lastAcked = [...this.sends].reverse().find((s) => s.acked !== null)
    if (lastAcked !== undefined && lastAcked.acked!.baseOffset >= snapshot.logStartOffset) {
      const end = lastAcked.sequence + lastAcked.count - 1
      if (previous === null || previous.sequence < end) {
        violations.push(`producer ${this.producerId}: the log ends at sequence ${previous?.sequence ?? 'none'}, before acknowledged ${end}`)
      }
    }
  }
}
