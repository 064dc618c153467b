/**
 * When a partition's writes become durable and readable (design.md write path §4, api.md
 * "Durability"), and when its appends are acknowledged:
 * - `durability: 'fsync'`: the HW is the end of the fsynced prefix. One fdatasync in flight per
 *   partition (group-commit.ts); a flush starts after every write, awaited or not, so records
 *   become readable even when nobody waits for them (acks 0/1). `acks: 'all'` resolves when the
 *   flush covering the batch completes.
 * - `durability: 'os'`: the HW is the written end; `flushMessages` (records written since the
 *   recovery point) and `flushMs` (time since the last flush started, checked on every write and
 *   by a timer) bound the power-loss window.
 * `acks: 1` resolves after the write, `acks: 0` when queued (append-queue.ts).
 *
 * Fail-stop: a flush error fails the whole log (`LogContext.fail`); the group commit rejects every
 * waiter and is never retried.
 */
import { flushChannel } from '../diagnostics.js'
import { failStopError } from '../io/io-errors.js'
import { observe } from '../metrics.js'
import type { TopicConfig } from '../options.js'
import { hasTestBug } from '../test-bugs.js'
import type { AppendResult, PendingAppend } from './append-queue.js'
import { GroupCommit } from './group-commit.js'
import type { HighWatermark } from './high-watermark.js'
import type { LogContext } from './log-context.js'
import type { PartitionLog } from './partition-log.js'
import type { ReadBound } from './reader.js'

/** Planted bug (test-bugs.ts): acks 'all' before the fdatasync. */
const ACK_BEFORE_DATASYNC = hasTestBug('ack-before-datasync')

/** setInterval's longest period: a flushMs at or above it means "never" (the default). */
const TIMER_MS_MAX = 0x7fffffff

export class FlushPolicy {
  private readonly groupCommit: GroupCommit
  private flushTimer: NodeJS.Timeout | null = null
  /** ctx.now() when the last flush started ('os' mode's flushMs is measured from it). */
  private lastFlushStartMs: number

  constructor(
    private readonly topic: string,
    private readonly partition: number,
    private readonly log: PartitionLog,
    private readonly ctx: LogContext,
    private readonly hw: HighWatermark,
    private readonly config: () => Readonly<TopicConfig>,
  ) {
    this.groupCommit = new GroupCommit(
      log.logEndOffset,
      () => this.flushWritten(),
      (durableEnd) => this.onDurable(durableEnd),
      {
        onFlushed: (durationMs, covered) => {
          observe(ctx.metrics.fsyncLatencyMs, durationMs)
          observe(ctx.metrics.groupCommitRecords, covered)
          if (flushChannel.hasSubscribers) flushChannel.publish({ topic, partition, durationMs, durableEnd: this.groupCommit.durableEnd })
        },
      },
    )
    this.lastFlushStartMs = ctx.now()
    this.armFlushTimer()
  }

  /** End of the fsynced prefix. */
  get durableEnd(): number {
    return this.groupCommit.durableEnd
  }

  /**
   * `run` was written, ending at `end` (LEO after it): acknowledges what its acks and the mode
   * allow now, arms the rest on the group commit, and starts the flush the policy asks for.
   */
  written(run: readonly PendingAppend[], end: ReadBound): void {
    const leo = end.offset
    this.hw.noteWritten(end)
    this.groupCommit.noteWritten(leo)
    const config = this.config()
    const durable = config.durability === 'fsync'
    for (const p of run) {
      const result = p.result!
      if (p.acks === 1 || !durable || ACK_BEFORE_DATASYNC) p.resolve(result)
      else {
        const resolve = p.resolve
        this.groupCommit.whenDurable(result.lastOffset + 1, () => resolve(result), p.reject)
      }
    }
    if (!durable) {
      this.hw.advance(leo)
      if (leo - this.log.recoveryPoint >= config.flushMessages || this.flushOverdue()) this.backgroundFlush()
    } else if (this.groupCommit.durableEnd < leo) {
      // The HW is the fsynced end, so a flush starts even when nobody waits (acks 0/1);
      // otherwise readers would not see those records until the next durable append.
      this.backgroundFlush()
    }
  }

  /**
   * A producer's retry answered with the original batch's offsets (nothing written): `acks: 'all'`
   * in 'fsync' mode resolves once the original is durable (below the HW), as the original's own
   * acknowledgement would; acks 1, or 'os' mode, at once. acks 0 resolved when queued.
   */
  acknowledgeDuplicate(p: PendingAppend, result: AppendResult): void {
    if (p.acks !== 'all' || this.config().durability !== 'fsync' || ACK_BEFORE_DATASYNC) p.resolve(result)
    else {
      const resolve = p.resolve
      this.groupCommit.whenDurable(result.lastOffset + 1, () => resolve(result), p.reject)
    }
  }

  /** fsyncs everything written so far, whatever the mode. */
  flushNow(): Promise<void> {
    return this.groupCommit.flushNow()
  }

  /** The topic config changed: flushMs is measured afresh and the timer re-armed. */
  configChanged(): void {
    this.lastFlushStartMs = this.ctx.now()
    this.armFlushTimer()
  }

  /** Fail-stop or close: every append waiting for durability rejects with `err`. */
  fail(err: Error): void {
    this.groupCommit.fail(err)
  }

  stop(): void {
    if (this.flushTimer !== null) clearInterval(this.flushTimer)
    this.flushTimer = null
  }

  /**
   * 'os' mode: whether `flushMs` has passed since the last flush started. Checked on every write as
   * well as by the timer: appends whose promises resolve as microtasks (acks 1, a synchronous
   * write) can keep the event loop from ever reaching the timer, and the power-loss window must
   * stay bounded all the same (found by the W10 memory benchmark: its 0.5 s sampling timer fired
   * 4 times in 14 s under 8 pipelined appenders).
   */
  private flushOverdue(): boolean {
    const flushMs = this.config().flushMs
    return flushMs < TIMER_MS_MAX && this.ctx.now() - this.lastFlushStartMs >= flushMs
  }

  /** The GroupCommit flush: fdatasync of every segment written since the last one. */
  private flushWritten(): Promise<void> {
    this.lastFlushStartMs = this.ctx.now()
    const flush = this.log.captureFlush()
    this.ctx.metrics.fsyncs++
    return flush().catch((err: unknown) => {
      const failure = failStopError(err, `fdatasync of ${this.topic}-${this.partition}`)
      this.ctx.fail(failure)
      throw failure
    })
  }

  private onDurable(durableEnd: number): void {
    this.log.recoveryPoint = Math.max(this.log.recoveryPoint, durableEnd)
    if (this.config().durability === 'fsync') this.hw.advance(durableEnd)
  }

  /** A flush nobody awaits: an error still fails the log (flushWritten). */
  private backgroundFlush(): void {
    this.groupCommit.flushNow().catch(() => {})
  }

  private armFlushTimer(): void {
    this.stop()
    const config = this.config()
    if (config.durability !== 'os' || config.flushMs >= TIMER_MS_MAX) return
    this.flushTimer = setInterval(() => {
      if (this.log.logEndOffset > this.log.recoveryPoint) this.backgroundFlush()
    }, Math.max(1, config.flushMs))
    this.flushTimer.unref()
  }
}
