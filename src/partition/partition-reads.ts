/**
 * A partition's read calls (api.md "Reading"): `read` with its long-poll, `stream`,
 * `offsetForTimestamp` and `sendTo`. Every read is bounded by the high watermark at the moment it
 * looks (the HW's byte position, so no lookup is needed to stop there) and checks each batch's
 * CRC-32C before returning a record of it (reader.ts, send-to.ts). A long-poll waits on the HW's
 * waiters — no timer per idle partition, no busy loop — and wakes when the HW moves, its time runs
 * out, its signal aborts (AbortError) or the log closes (LOG_CLOSED). A system error while
 * reading (EIO from a pread) rejects that call with STORAGE_ERROR; it does not fail the log.
 */
import type { Socket } from 'node:net'
import { addErrorDetails, SeglogError } from '../errors.js'
import { readFailure } from '../io/io-errors.js'
import { STREAM_FETCH_BYTES } from '../limits.js'
import type { HighWatermark } from './high-watermark.js'
import { abortError } from './hw-waiters.js'
import type { LogContext, PartitionId } from './log-context.js'
import { logClosedError } from './partition-errors.js'
import type { PartitionLog } from './partition-log.js'
import { validateReadOptions, validateSendTo, validateStreamOptions, validateTimestamp, type StreamOptions } from './partition-options.js'
import { collectRecords, type LogRecord } from './reader.js'
import { RecordStream } from './record-stream.js'
import { sendSlice, sliceForSend } from './send-to.js'

export interface ReadResult {
  records: LogRecord[]
  nextOffset: number
  highWatermark: number
  lastStableOffset: number
  logStartOffset: number
}

/** How long a followed stream's fetch long-polls before it looks again. */
const FOLLOW_WAIT_MS = 60_000

export class PartitionReads {
  constructor(
    private readonly id: PartitionId,
    private readonly log: PartitionLog,
    private readonly ctx: LogContext,
    private readonly hw: HighWatermark,
    private readonly lastStableOffset: () => number,
  ) {}

  async read(options: unknown): Promise<ReadResult> {
    const o = validateReadOptions(options)
    if (this.ctx.closed()) throw logClosedError()
    const deadline = o.maxWaitMs > 0 ? performance.now() + o.maxWaitMs : 0
    for (;;) {
      this.checkOffsetInRange(o.offset)
      let collected: ReturnType<typeof collectRecords>
      try {
        collected = collectRecords(this.log, o.offset, this.hw.readBound(), o.maxBytes, o.maxRecords)
      } catch (err) {
        throw this.withPartition(readFailure(err, `Reading ${this.label()} at offset ${o.offset}`))
      }
      // No clock read for a read that does not wait (performance.now() was ~5% of a point read).
      const remainingMs = deadline === 0 ? 0 : deadline - performance.now()
      if (collected.bytes >= o.minBytes || remainingMs <= 0) {
        const metrics = this.ctx.metrics
        metrics.recordsRead += collected.records.length
        metrics.bytesRead += collected.bytes
        return {
          records: collected.records,
          nextOffset: collected.nextOffset,
          highWatermark: this.hw.offset,
          lastStableOffset: this.lastStableOffset(),
          logStartOffset: this.log.logStartOffset,
        }
      }
      await this.hw.waiters.wait(remainingMs, o.signal)
    }
  }

  /** Records as an async iterator (record-stream.ts); bad options throw at the call, not at the first next(). */
  stream(options: StreamOptions): AsyncGenerator<LogRecord, void, undefined> {
    const { from = 'earliest', follow = false, signal, isolation } = validateStreamOptions(options)
    let offset: number | null = null
    return new RecordStream(async () => {
      if (offset === null) offset = await this.streamStartOffset(from)
      for (;;) {
        if (signal?.aborted) throw abortError(signal)
        if (this.ctx.closed()) return null
        let result: ReadResult
        try {
          result = await this.read({ offset, maxBytes: STREAM_FETCH_BYTES, maxWaitMs: follow ? FOLLOW_WAIT_MS : 0, signal, isolation })
        } catch (err) {
          if (follow && err instanceof SeglogError && err.code === 'LOG_CLOSED') return null
          throw err
        }
        offset = result.nextOffset
        if (result.records.length > 0) return result.records
        if (!follow && offset >= result.highWatermark) return null
      }
    })
  }

  /** First offset with timestamp ≥ `timestampMs` below the HW, or null. */
  async offsetForTimestamp(timestampMs: unknown): Promise<number | null> {
    validateTimestamp(timestampMs)
    if (this.ctx.closed()) throw logClosedError()
    const hw = this.hw.offset
    try {
      for (const segment of this.log.segments) {
        if (segment.baseOffset >= hw) break
        if (segment.maxTimestampSoFar < timestampMs) continue
        const found = segment.findOffsetByTimestamp(timestampMs, this.log.logStartOffset)
        if (found !== null) return found.offset < hw ? found.offset : null
      }
    } catch (err) {
      throw this.withPartition(readFailure(err, `Looking up timestamp ${timestampMs} in ${this.label()}`))
    }
    return null
  }

  /**
   * Writes the raw batches from `offset` (whole batches of one segment, up to `maxBytes`, at least
   * one, below the HW) to a socket or fd with sendfile(2); see send-to.ts.
   */
  async sendTo(target: Socket | number, options: unknown): Promise<{ bytes: number; nextOffset: number }> {
    const o = validateSendTo(target, options)
    if (this.ctx.closed()) throw logClosedError()
    this.checkOffsetInRange(o.offset)
    let slice: ReturnType<typeof sliceForSend>
    try {
      slice = sliceForSend(this.log.segments, this.log.floorIndex(o.offset), o.offset, this.hw.readBound(), o.maxBytes)
    } catch (err) {
      throw this.withPartition(readFailure(err, `Reading ${this.label()} at offset ${o.offset} for sendTo`))
    }
    if (slice === null) return { bytes: 0, nextOffset: o.offset }
    // A system error here is the target's as often as the segment's (sendfile cannot tell them
    // apart): it reaches the caller as it is, and never fails the log.
    await sendSlice(this.ctx.fileSystem, target, slice)
    this.ctx.metrics.bytesRead += slice.bytes.length
    return { bytes: slice.bytes.length, nextOffset: slice.nextOffset }
  }

  private async streamStartOffset(from: NonNullable<StreamOptions['from']>): Promise<number> {
    if (from === 'earliest') return this.log.logStartOffset
    if (from === 'latest') return this.hw.offset
    if (typeof from === 'number') return from
    return (await this.offsetForTimestamp(from.timestamp)) ?? this.hw.offset
  }

  /** A SeglogError from below gains this partition's topic and number (the segment layer knows only files). */
  private withPartition(err: unknown): unknown {
    return err instanceof SeglogError ? addErrorDetails(err, { topic: this.id.topic, partition: this.id.partition }) : err
  }

  private label(): string {
    return `${this.id.topic}-${this.id.partition}`
  }

  private checkOffsetInRange(offset: number): void {
    const hw = this.hw.offset
    if (offset < this.log.logStartOffset || offset > hw) {
      throw new SeglogError(
        'OFFSET_OUT_OF_RANGE',
        `Offset ${offset} is out of range for ${this.id.topic}-${this.id.partition}: readable offsets are [${this.log.logStartOffset}, ${hw}]`,
        { offset, topic: this.id.topic, partition: this.id.partition },
      )
    }
  }
}
