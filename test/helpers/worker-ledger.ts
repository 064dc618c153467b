/**
 * What crash-test workers promised, read back from their stdout ledger lines (the format of
 * test/crash/append-worker.mjs and the H2 workload worker), accumulated across every run on one
 * log directory:
 *
 *   topic <name>                             createTopic resolved: the topic must exist after a crash
 *   ack <baseOffset> <lastOffset> <digest>   an append resolved with acks 'all': it must survive
 *   logstart-may-move <atMost>               an operation that may raise the log start offset to
 *                                            at most <atMost> began (its outcome is unknown until…)
 *   logstart <offset>                        …it finished: the log start offset is now <offset>
 *   ready | mark <name>                      progress markers, no promise
 *   fail <code> <message>                    the worker hit something unexpected: a harness error
 *
 * The parent never crashes, so this ledger outlives every kill. A line cut by the kill never
 * reaches `lines` (LineChild keeps it apart), so only promises the worker finished printing count.
 */
import type { AckedBatch } from './ledger-check.js'

/** The range the recovered log start offset must fall in (both inclusive). */
export interface LogStartBounds {
  /** The last log start a finished operation reported: acknowledged, so it must have survived. */
  atLeast: number
  /** The highest log start an operation still running at the crash may have made durable. */
  atMost: number
}

export class WorkerLedger {
  readonly acked: AckedBatch[] = []
  /** Topics whose creation the worker saw resolve. */
  readonly topics = new Set<string>()
  private logStartAtLeast = 0
  private logStartAtMost = 0

  /** Adds one run's lines; `source` names the run in violation messages. Throws on `fail` or an unknown line. */
  add(lines: readonly string[], source: string): void {
    for (const line of lines) {
      const [kind, a, b, c] = line.split(' ')
      switch (kind) {
        case 'ready':
        case 'mark':
          break
        case 'topic':
          this.topics.add(a!)
          break
        case 'ack':
          if (c === undefined) throw new Error(`${source}: malformed ledger line ${JSON.stringify(line)}`)
          this.acked.push({ baseOffset: Number(a), lastOffset: Number(b), digest: c, source })
          break
        case 'logstart-may-move':
          this.logStartAtMost = Math.max(this.logStartAtMost, Number(a))
          break
        case 'logstart':
          this.logStartAtLeast = Number(a)
          this.logStartAtMost = Math.max(this.logStartAtMost, this.logStartAtLeast)
          break
        default:
          throw new Error(`${source}: the worker printed ${JSON.stringify(line)}`)
      }
    }
  }

  /** Records a log start the parent itself set durably (a retention trim between runs). */
  setLogStart(offset: number): void {
    this.logStartAtLeast = offset
    this.logStartAtMost = Math.max(this.logStartAtMost, offset)
  }

  get logStart(): LogStartBounds {
    return { atLeast: this.logStartAtLeast, atMost: this.logStartAtMost }
  }

  /** One past the last acknowledged offset (0 if nothing was acknowledged). */
  get ackedEndOffset(): number {
    return this.acked.reduce((end, batch) => Math.max(end, batch.lastOffset + 1), 0)
  }
}
