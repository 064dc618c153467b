/**
 * The log's two offset checkpoints (checkpoint-file.ts): `recovery-point-offset-checkpoint` (per
 * partition, everything below is fsynced and validated: an unclean open rescans from there) and
 * `log-start-offset-checkpoint` (per partition, the first retained offset: a deleteRecords or
 * retention is durable once it is written, and files go only after it).
 *
 * Writes are serialised (serial-queue.ts): two replaces of one file must never share a tmp file.
 * Each write covers every registered partition plus `fresh` ones being created (not registered
 * yet: their topic metadata commits them after the checkpoints hold their entries). A recovery
 * point checkpoint that would say what the file already says is skipped: rewriting it costs a tmp
 * write, two fsyncs and a rename on the event loop — a rename that waits for the journal to commit
 * the data written so far (bench W2 profile: 49 ms after a roll in 'os' mode).
 */
import type { FileSystem } from '../io/file.js'
import type { Partition } from '../partition/partition.js'
import type { PartitionLog } from '../partition/partition-log.js'
import { SerialQueue } from '../serial-queue.js'
import { LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT, partitionKey, writeCheckpoint } from './checkpoint-file.js'

/** Partition logs being created, by partition key: checkpointed before they are registered. */
export type FreshPartitions = ReadonlyMap<string, PartitionLog>

export class Checkpoints {
  private readonly queue = new SerialQueue()
  /** What the recovery-point file holds, once this process wrote it; null before or after a failed write. */
  private recoveryPointsWritten: Map<string, number> | null = null

  /**
   * @param partitions every registered partition now.
   * @param ioError how a failed write is reported (the log's fail-stop for STORAGE_ERROR).
   */
  constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    private readonly partitions: () => Iterable<Partition>,
    private readonly ioError: (err: unknown, what: string) => unknown,
  ) {}

  writeRecoveryPoints(fresh: FreshPartitions = new Map()): Promise<void> {
    return this.serial(async () => {
      const entries = this.entries((p) => p.log.recoveryPoint, fresh, (log) => log.recoveryPoint)
      if (this.recoveryPointsWritten !== null && sameEntries(entries, this.recoveryPointsWritten)) return
      this.recoveryPointsWritten = null
      await writeCheckpoint(this.fs, this.dir, RECOVERY_POINT_CHECKPOINT, entries)
      this.recoveryPointsWritten = entries
    })
  }

  writeLogStarts(fresh: FreshPartitions = new Map()): Promise<void> {
    return this.serial(() =>
      writeCheckpoint(this.fs, this.dir, LOG_START_OFFSET_CHECKPOINT, this.entries((p) => p.logStartOffset, fresh, (log) => log.logStartOffset)),
    )
  }

  /**
   * New partitions, before their topic metadata commits them: the checkpoints may still hold
   * entries of a deleted topic of the same name (a crash before deleteTopic rewrote them), and
   * open() holds a partition to its entries (a log ending below its recovery point is refused).
   */
  async writeFresh(topic: string, from: number, logs: readonly PartitionLog[]): Promise<void> {
    const fresh = new Map(logs.map((log, i) => [partitionKey(topic, from + i), log]))
    await this.writeLogStarts(fresh)
    await this.writeRecoveryPoints(fresh)
  }

  private entries(ofPartition: (p: Partition) => number, fresh: FreshPartitions, ofFresh: (log: PartitionLog) => number): Map<string, number> {
    const entries = new Map<string, number>()
    for (const p of this.partitions()) entries.set(partitionKey(p.topic, p.partition), ofPartition(p))
    for (const [key, log] of fresh) entries.set(key, ofFresh(log))
    return entries
  }

  private serial(task: () => Promise<void>): Promise<void> {
    return this.queue.run(async () => {
      try {
        await task()
      } catch (err) {
        throw this.ioError(err, 'Writing a checkpoint')
      }
    })
  }
}

function sameEntries(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false
  for (const [key, value] of a) if (b.get(key) !== value) return false
  return true
}
