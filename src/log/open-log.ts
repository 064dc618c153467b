/**
 * The open sequence of a log directory (design.md "Recovery path"), up to the point where a Log
 * can serve it:
 *   lock → FORMAT → `.tmp` leftovers → clean-shutdown marker read and durably removed (before any
 *   write, so a crash from then on is recovered as unclean) → checkpoints → topic metadata → each
 *   partition loaded (PartitionLog.load: recovered from its recovery point if the shutdown was
 *   unclean, then its producer state: snapshot + replay, producer-recovery.ts) → orphan partition directories removed → the recovery report.
 * What follows (the Log registering the partitions, rewriting the recovery point checkpoint after
 * an unclean shutdown, starting its background tasks) is log.ts's; if that fails, `abandon`
 * undoes this part.
 *
 * A failed open leaves the directory openable: every loaded partition is closed and the lock
 * released whatever closing meets, and the open's own error is the one reported.
 */
import { addErrorDetails, SeglogError } from '../errors.js'
import { DirLock } from '../io/dir-lock.js'
import { ioFailure } from '../io/io-errors.js'
import { joinPath, type FileSystem } from '../io/file.js'
import { PartitionLog, type PartitionRecoveryReport } from '../partition/partition-log.js'
import { SegmentCache } from '../segment/segment-cache.js'
import { activeTestBugs } from '../test-bugs.js'
import { LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT, partitionKey, readCheckpoint } from './checkpoint-file.js'
import { partitionDirName, removeOrphanPartitionDirs, removeTmpFiles } from './dir-cleanup.js'
import { ensureFormatVersion, readFormatVersion } from './format-version.js'
import { TOPICS_DIR_NAME, loadTopics, type TopicMetadata } from './topic-store.js'

export const CLEAN_SHUTDOWN_FILE_NAME = '.clean-shutdown'

export interface PartitionRecovery extends Omit<PartitionRecoveryReport, 'leftovers'> {
  topic: string
  partition: number
  abortedTransactions: number
  leftovers: string[]
}

export interface RecoveryReport {
  cleanShutdown: boolean
  durationMs: number
  partitions: PartitionRecovery[]
  /** Partition directories that hold records but have no topic metadata: kept, not served, for the operator. */
  orphanPartitionDirs: string[]
  /** Planted bugs active in this process (test-bugs.ts): empty unless a reliability harness gated them on. */
  testBugs: string[]
}

export interface OpenDirectoryOptions {
  repair: boolean
  nowMs: number
  producerIdExpirationMs: number
}

export interface OpenedDirectory {
  lock: DirLock
  segmentCache: SegmentCache
  topics: { meta: TopicMetadata; logs: PartitionLog[] }[]
  /** durationMs is the caller's to fill in. */
  recovery: RecoveryReport
  /** Undoes the open after a later step failed: closes every partition, releases the lock. */
  abandon(): void
}

/** Runs the sequence in the file header; on failure nothing stays open or locked. */
export async function openLogDirectory(fs: FileSystem, dir: string, options: OpenDirectoryOptions): Promise<OpenedDirectory> {
  if (!fs.exists(dir)) {
    try {
      fs.mkdirp(dir)
      await fs.fsyncDir(joinPath(dir, '..'))
    } catch (err) {
      throw ioFailure(err, `Creating the log directory ${dir}`) ?? err
    }
  }
  const lock = DirLock.acquire(fs, dir)
  const segmentCache = new SegmentCache()
  const topics: OpenedDirectory['topics'] = []
  const reports: PartitionRecoveryReport[][] = []
  const abandon = (): void => {
    // The lock goes whatever closing the half-opened partitions meets: a failed open must report
    // its own error and leave the directory openable (an error from a close here once replaced
    // the CORRUPT_RECORD and kept the lock; H7 SEED=1863601842 input 1562).
    try {
      for (const { logs } of topics) {
        for (const log of logs) {
          try {
            log.close()
          } catch {
            // The open's error is the one to report.
          }
        }
      }
    } finally {
      lock.release()
    }
  }
  try {
    // A directory without FORMAT and without topics is new: there is nothing to recover. One
    // that holds topics lost its FORMAT file: recovered like after a crash, never taken as clean
    // (found by the on-disk fuzzer: damage in an active segment went unchecked).
    const isNew = readFormatVersion(fs, dir) === null && !fs.exists(joinPath(dir, TOPICS_DIR_NAME))
    await ensureFormatVersion(fs, dir)
    removeTmpFiles(fs, dir)
    removeTmpFiles(fs, joinPath(dir, TOPICS_DIR_NAME))
    const markerPath = joinPath(dir, CLEAN_SHUTDOWN_FILE_NAME)
    const cleanShutdown = isNew || fs.exists(markerPath)
    if (fs.exists(markerPath)) {
      // Durably gone before anything is written: a crash from here on must be recovered.
      fs.unlink(markerPath)
      await fs.fsyncDir(dir)
    }
    // A damaged checkpoint (null) is not trusted: recovery rescans everything, the log starts at its first segment.
    const recoveryPoints = readCheckpoint(fs, dir, RECOVERY_POINT_CHECKPOINT)
    const logStarts = readCheckpoint(fs, dir, LOG_START_OFFSET_CHECKPOINT)
    const metas = loadTopics(fs, dir)
    for (const meta of metas.values()) {
      const logs: PartitionLog[] = []
      const topicReports: PartitionRecoveryReport[] = []
      topics.push({ meta, logs })
      reports.push(topicReports)
      for (let p = 0; p < meta.partitions; p++) {
        const key = partitionKey(meta.name, p)
        const { log, report } = await PartitionLog.load(fs, joinPath(dir, partitionDirName(meta.name, p)), meta.config, {
          recoveryPoint: recoveryPoints?.entries.get(key) ?? null,
          logStartOffset: logStarts?.entries.get(key) ?? null,
          recoveryPointVerified: recoveryPoints?.verified === true,
          logStartVerified: logStarts?.verified === true,
          cleanShutdown,
          repair: options.repair,
          nowMs: options.nowMs,
          segmentCache,
          producerIdExpirationMs: options.producerIdExpirationMs,
        }).catch((err: unknown) => {
          throw err instanceof SeglogError ? addErrorDetails(err, { topic: meta.name, partition: p }) : err
        })
        logs.push(log)
        topicReports.push(report)
      }
    }
    const orphanPartitionDirs = await removeOrphanPartitionDirs(fs, dir, metas)
    const recovery: RecoveryReport = { cleanShutdown, durationMs: 0, partitions: [], orphanPartitionDirs, testBugs: activeTestBugs() }
    topics.forEach(({ meta }, t) => {
      reports[t]!.forEach((r, p) => {
        const notable = r.truncatedBytes > 0 || r.rebuiltIndexes > 0 || r.lostOffsets !== null || r.leftovers.length > 0 || r.corruptProducerSnapshots.length > 0
        if (notable || !cleanShutdown) {
          recovery.partitions.push({ topic: meta.name, partition: p, ...r, abortedTransactions: 0 })
        }
      })
    })
    return { lock, segmentCache, topics, recovery, abandon }
  } catch (err) {
    abandon()
    throw openFailure(err, dir)
  }
}

/** The error a failed open reports: a system error as DISK_FULL / STORAGE_ERROR, anything else as it is. */
export function openFailure(err: unknown, dir: string): unknown {
  return ioFailure(err, `Opening the log in ${dir}`) ?? err
}
