/**
 * Writes a drained run of appends into a partition's log (design.md write path §2–5): assigns
 * offsets by patching each encoded batch's base offset (outside the CRC, so nothing is re-encoded),
 * stamps LogAppendTime when the topic asks for it, rolls first when a batch does not fit the
 * active segment (segment.ts shouldRoll), and writes each run of batches with one writev.
 *
 * Idempotent batches (those with producer fields) are staged in the partition's producer state at
 * the offsets they get, right before their run is written, and committed once the write returned
 * (discarded if it failed): a duplicate is answered with the original's offsets and writes
 * nothing, an out-of-sequence or fenced batch is rejected alone. Plain batches touch no producer
 * state: the state's map end catches up with the log end lazily (when a run with producer
 * batches commits, and before a snapshot), so the plain path costs one null check per batch.
 *
 * Failures: a short write or ENOSPC rolls the file back and rejects exactly the batches of that
 * write with DISK_FULL (not fail-stop; the next append may succeed), and the producer state
 * forgets what that write staged. Any other write error, and a
 * failed roll, fails the whole log (fail-stop): nothing after it is written. A batch's memory goes
 * back to the arena as soon as its write returns.
 */
import { appendChannel, rollChannel } from '../diagnostics.js'
import { addErrorDetails, SeglogError } from '../errors.js'
import { setBaseOffset } from '../format/batch-header.js'
import { setLogAppendTime } from '../format/batch.js'
import { failStopError, ioFailure } from '../io/io-errors.js'
import type { TopicConfig } from '../options.js'
import type { StageResult } from '../producer/producer-state-manager.js'
import { releaseBatch, settleUnwritten, type AppendResult, type PendingAppend } from './append-queue.js'
import type { FlushPolicy } from './flush-policy.js'
import type { LogContext, PartitionId } from './log-context.js'
import type { PartitionLog } from './partition-log.js'

export class BatchWriter {
  /** Duplicates of batches staged in the run being gathered: settled with that run's write. */
  private readonly pendingDuplicates: { p: PendingAppend; result: AppendResult }[] = []

  constructor(
    private readonly id: PartitionId,
    private readonly log: PartitionLog,
    private readonly ctx: LogContext,
    private readonly flushPolicy: FlushPolicy,
    private readonly config: () => Readonly<TopicConfig>,
  ) {}

  /** Writes `pendings` in order; settles each batch or hands it to the flush policy. Never throws. */
  async write(pendings: PendingAppend[]): Promise<void> {
    if (!this.log.hasProducerSnapshots && !(await this.firstProducerSnapshot(pendings))) pendings = pendings.filter((p) => p.producer === null)
    const config = this.config()
    const nowMs = this.ctx.now()
    const durable = config.durability === 'fsync'
    let run: PendingAppend[] = []
    let runBytes = 0
    let runMaxTimestamp = -1
    let nextOffset = this.log.logEndOffset
    for (let i = 0; i < pendings.length; i++) {
      const failure = this.ctx.failure()
      if (failure) {
        // Fail-stop while draining (the log can fail while a roll is awaited): nothing from here
        // on is written, the run gathered so far included.
        this.settleRun(run, failure)
        settleUnwritten(pendings.slice(i), failure)
        return
      }
      const p = pendings[i]!
      // A duplicate or a refused producer batch is settled before anything else: it must not roll.
      if (p.producer !== null && !this.stageProducerBatch(p, nextOffset, config.messageTimestampType === 'LogAppendTime' ? nowMs : -1, true)) continue
      if (run.length > 0 && this.log.activeSegment.sizeBytes + runBytes + p.batch.length > config.segmentBytes) {
        // The segment's size decides the roll, so what is pending goes to disk first.
        this.writeRun(run, runBytes)
        run = []
        runBytes = 0
        runMaxTimestamp = -1
        nextOffset = this.log.logEndOffset // a failed write (DISK_FULL) appended nothing
        i--
        continue
      }
      const lastOffset = nextOffset + p.lastOffsetDelta
      if (this.log.shouldRoll(runBytes + p.batch.length, Math.max(runMaxTimestamp, p.maxTimestamp), lastOffset, nowMs)) {
        if (run.length > 0) {
          this.writeRun(run, runBytes)
          run = []
          runBytes = 0
          runMaxTimestamp = -1
          nextOffset = this.log.logEndOffset
          if (this.ctx.failure()) {
            i--
            continue
          }
        }
        try {
          const segment = await this.log.roll(nowMs, durable)
          this.ctx.metrics.segmentsRolled++
          this.ctx.emitRoll(this.id, segment.baseOffset)
          if (rollChannel.hasSubscribers) rollChannel.publish({ topic: this.id.topic, partition: this.id.partition, baseOffset: segment.baseOffset })
        } catch (err) {
          this.ctx.fail(failStopError(err, `Rolling ${this.label()}`))
          i--
          continue
        }
        // The producer state at the new segment's base (Kafka snapshots at every roll); in
        // 'fsync' mode the roll has just made everything below it durable.
        await this.log.snapshotProducerState(nowMs)
        // A failed write rolls back: offsets restart at what the log really holds.
        nextOffset = this.log.logEndOffset
      }
      const baseOffset = nextOffset
      const logAppendTime = config.messageTimestampType === 'LogAppendTime' ? nowMs : -1
      if (p.producer !== null && !this.stageProducerBatch(p, baseOffset, logAppendTime, false)) continue
      setBaseOffset(p.batch, baseOffset)
      if (logAppendTime >= 0) setLogAppendTime(p.batch, nowMs)
      p.result = { baseOffset, lastOffset: baseOffset + p.lastOffsetDelta, logAppendTime, duplicate: false }
      run.push(p)
      runBytes += p.batch.length
      runMaxTimestamp = Math.max(runMaxTimestamp, logAppendTime >= 0 ? logAppendTime : p.maxTimestamp)
      nextOffset = p.result.lastOffset + 1
    }
    if (run.length > 0) this.writeRun(run, runBytes)
    // A pending duplicate names a batch staged in the run it was found in, so writeRun settled it;
    // one left over would hang its caller forever — answer it as a committed duplicate instead.
    for (const { p, result } of this.pendingDuplicates.splice(0)) this.flushPolicy.acknowledgeDuplicate(p, result)
  }

  /**
   * Validates an idempotent batch against the producer state at the offsets it is about to get
   * (producer-state-manager.ts "Appending"); with `checkOnly`, the look before the roll decision,
   * nothing is staged. Returns true to write it; false when it was settled
   * instead — a duplicate (answered with the original's offsets, nothing written) or a rejected
   * batch (INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER: that append only, nothing
   * written, no state changed; later batches are checked as if it never came).
   */
  private stageProducerBatch(p: PendingAppend, baseOffset: number, logAppendTime: number, checkOnly: boolean): boolean {
    const producer = p.producer!
    const state = this.log.producerState
    let staged: StageResult
    try {
      staged = (checkOnly ? state.check : state.stage).call(state, {
        kind: 'data',
        producerId: producer.producerId,
        producerEpoch: producer.producerEpoch,
        baseSequence: producer.baseSequence,
        firstOffset: baseOffset,
        lastOffset: baseOffset + p.lastOffsetDelta,
        maxTimestampMs: logAppendTime >= 0 ? logAppendTime : p.maxTimestamp,
        transactional: false,
      })
    } catch (err) {
      settleUnwritten([p], err instanceof SeglogError ? addErrorDetails(err, { topic: this.id.topic, partition: this.id.partition }) : (err as Error))
      return false
    }
    if (staged.kind === 'append') return true
    releaseBatch(p)
    const result: AppendResult = {
      baseOffset: staged.baseOffset,
      lastOffset: staged.lastOffset,
      logAppendTime: logAppendTime >= 0 ? this.originalAppendTime(producer.producerId, staged.lastOffset, staged.pending, logAppendTime) : -1,
      duplicate: true,
    }
    // A duplicate of a batch staged in this run shares that write's outcome (writeRun settles it).
    if (staged.pending) this.pendingDuplicates.push({ p, result })
    else this.flushPolicy.acknowledgeDuplicate(p, result)
    return false
  }

  /**
   * A partition's first producer batches wait for the snapshot below them (partition-log.ts
   * `ensureProducerSnapshotBeforeFirstBatch`). Returns false when it failed: the producer batches
   * of this drain are rejected with that error (DISK_FULL for a full disk, else STORAGE_ERROR for
   * these appends only — no written data is at stake, so the log is not failed), plain ones go on.
   */
  private async firstProducerSnapshot(pendings: readonly PendingAppend[]): Promise<boolean> {
    if (!pendings.some((p) => p.producer !== null)) return true
    try {
      await this.log.ensureProducerSnapshotBeforeFirstBatch()
      return true
    } catch (err) {
      // ioFailure only picks the code: its message would claim fail-stop, which this is not.
      const code = ioFailure(err, '')?.code ?? 'STORAGE_ERROR'
      const failure = new SeglogError(code, `Writing the first producer snapshot of ${this.label()}: ${(err as Error).message}; no producer batch was written`, {
        cause: err,
        topic: this.id.topic,
        partition: this.id.partition,
      })
      settleUnwritten(
        pendings.filter((p) => p.producer !== null),
        failure,
      )
      return false
    }
  }

  /**
   * The LogAppendTime the original of a duplicate was stamped with: this drain's when it is staged
   * in the run, else its max timestamp (= its append time under LogAppendTime) as remembered.
   */
  private originalAppendTime(producerId: number, lastOffset: number, pending: boolean, nowMs: number): number {
    if (pending) return nowMs
    const batches = this.log.producerState.entry(producerId)?.batches ?? []
    return batches.find((b) => b.lastOffset === lastOffset)?.timestampMs ?? nowMs
  }

  /** Settles a run that will not be written: its staged producer batches are forgotten. */
  private settleRun(run: PendingAppend[], err: Error): void {
    this.log.producerState.discardStaged()
    settleUnwritten(run, err)
    settleUnwritten(this.pendingDuplicates.splice(0).map((d) => d.p), err)
  }

  /** One writev of `run` into the active segment; settles the batches of a failed write. */
  private writeRun(run: PendingAppend[], runBytes: number): void {
    const failed = this.ctx.failure()
    if (failed) {
      // The log failed while this run was gathered (during a roll's await): fail-stop writes nothing.
      this.settleRun(run, failed)
      return
    }
    let maxTimestamp = -1
    let offsetOfMaxTimestamp = run[0]!.result!.lastOffset
    const buffers: Buffer[] = new Array(run.length)
    for (let i = 0; i < run.length; i++) {
      const p = run[i]!
      buffers[i] = p.batch
      const ts = p.result!.logAppendTime >= 0 ? p.result!.logAppendTime : p.maxTimestamp
      if (ts > maxTimestamp) {
        maxTimestamp = ts
        offsetOfMaxTimestamp = p.result!.lastOffset
      }
    }
    const largestOffset = run[run.length - 1]!.result!.lastOffset
    try {
      this.log.append({ buffers, sizeBytes: runBytes, largestOffset, maxTimestamp, offsetOfMaxTimestamp })
    } catch (err) {
      if (err instanceof SeglogError && err.code === 'DISK_FULL') {
        this.ctx.metrics.diskFullErrors++
        this.settleRun(run, addErrorDetails(err, { offset: run[0]!.result!.baseOffset, topic: this.id.topic, partition: this.id.partition }))
        return
      }
      const failure = failStopError(err, `Writing to ${this.label()}`)
      this.ctx.fail(failure)
      this.settleRun(run, failure)
      return
    } finally {
      // The write has returned (FileSystem writes are synchronous): the bytes are the file's now.
      for (let i = 0; i < run.length; i++) releaseBatch(run[i]!)
    }
    const metrics = this.ctx.metrics
    if (appendChannel.hasSubscribers) {
      appendChannel.publish({ topic: this.id.topic, partition: this.id.partition, baseOffset: run[0]!.result!.baseOffset, lastOffset: largestOffset, bytes: runBytes })
    }
    metrics.batchesAppended += run.length
    metrics.bytesAppended += runBytes
    for (let i = 0; i < run.length; i++) metrics.recordsAppended += run[i]!.recordsCount
    const state = this.log.producerState
    if (state.stagedCount > 0) {
      state.commitStaged()
      state.updateMapEndOffset(largestOffset + 1) // plain batches after the last producer batch
    }
    const active = this.log.activeSegment
    this.flushPolicy.written(run, { offset: largestOffset + 1, segmentBaseOffset: active.baseOffset, position: active.sizeBytes })
    if (this.pendingDuplicates.length > 0) {
      for (const { p, result } of this.pendingDuplicates.splice(0)) this.flushPolicy.acknowledgeDuplicate(p, result)
    }
  }

  private label(): string {
    return `${this.id.topic}-${this.id.partition}`
  }
}
