/** What a partition needs from its Log (log.ts builds it; every partition shares one). */
import type { LogMetrics } from '../metrics.js'
import type { FileSystem } from '../io/file.js'

/** A partition as the Log's callbacks see it. */
export interface PartitionId {
  readonly topic: string
  readonly partition: number
}

export interface LogContext {
  /** A system error as the error to report (STORAGE_ERROR puts the log in the failed state). */
  ioError(err: unknown, what: string): unknown
  readonly metrics: LogMetrics
  /** The log's FileSystem (sendTo's sendfile goes through it). */
  readonly fileSystem: FileSystem
  now(): number
  /** The Log's producerIdExpirationMs (every partition expires its idle producers by it). */
  readonly producerIdExpirationMs: number
  /** The log-wide failure (fail-stop), or null. */
  failure(): Error | null
  /** Enters the failed state: every partition stops accepting writes. */
  fail(err: Error): void
  /** Whether the log is closed. */
  closed(): boolean
  /** Durably advances this partition's log start offset checkpoint. */
  persistLogStartOffset(partition: PartitionId): Promise<void>
  emitRoll(partition: PartitionId, baseOffset: number): void
}
