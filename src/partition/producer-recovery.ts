/**
 * Producer state at open (issue 10 §2; Kafka's LogLoader → rebuildProducerState, kafka-storage.md
 * §3.8 step 7), run by PartitionLog.load once the segments are final — every torn tail cut, every
 * repair applied, segments below the log start gone:
 *   1. stray snapshots (at no segment's base offset, except the clean-close one) are deleted;
 *   2. truncateAndReload: snapshots above the log end are deleted — they describe batches the cut
 *      removed, so the retry of a cut batch appends instead of being answered as a duplicate
 *      (reliability.md FM-13) — and so are those below the log start; the newest valid one left is
 *      loaded (corrupt ones are deleted and reported), or the state starts empty at the log start;
 *   3. the batches from the loaded offset to the log end are replayed (producer-scan.ts).
 * No snapshot file at all means no producer batch was ever written at or above the log start: the
 * first producer batch of a partition is written only after an (empty) snapshot below it is
 * durable, and once one exists a snapshot at or above the log start always does (partition-log.ts
 * `ensureProducerSnapshotBeforeFirstBatch`, `snapshotBeforeLogStartMoves`). So the state starts
 * empty at the log end without a scan, clean shutdown or not — a partition that never saw a
 * producer reopens as fast as before producers existed.
 */
import type { FileSystem } from '../io/file.js'
import { listProducerSnapshots, removeStrayProducerSnapshots } from '../producer/producer-snapshot.js'
import type { ProducerStateManager } from '../producer/producer-state-manager.js'
import type { Segment } from '../segment/segment.js'

export interface ProducerRecoveryReport {
  /** Offset of the producer snapshot loaded, or null (state rebuilt from the log start, or none needed). */
  producerSnapshotOffset: number | null
  /** Snapshots that failed their checks (each deleted; an older one or a scan took their place). */
  corruptProducerSnapshots: { offset: number; reason: string }[]
  /** Producer batches replayed from the log after the snapshot. */
  producerBatchesReplayed: number
}

export interface ProducerRecoveryOptions {
  nowMs: number
  producerIdExpirationMs: number
}

interface LoadedLog {
  readonly dir: string
  readonly segments: readonly Segment[]
  readonly logStartOffset: number
  readonly logEndOffset: number
  readonly producerState: ProducerStateManager
  floorIndex(offset: number): number
}

/** Steps 1–3 of the header; returns what `log.recovery` reports. */
export async function recoverProducerState(fs: FileSystem, log: LoadedLog, options: ProducerRecoveryOptions): Promise<ProducerRecoveryReport> {
  const state = log.producerState
  const logEnd = log.logEndOffset
  const neverHadProducers = listProducerSnapshots(fs, log.dir).length === 0
  await removeStrayProducerSnapshots(
    fs,
    log.dir,
    log.segments.map((s) => s.baseOffset),
  )
  const reload = await state.truncateAndReload(fs, log.dir, {
    logStartOffset: log.logStartOffset,
    logEndOffset: logEnd,
    nowMs: options.nowMs,
    producerIdExpirationMs: options.producerIdExpirationMs,
  })
  const report: ProducerRecoveryReport = {
    producerSnapshotOffset: reload.snapshotOffset,
    corruptProducerSnapshots: reload.corruptSnapshots,
    producerBatchesReplayed: 0,
  }
  if (!neverHadProducers && state.mapEndOffset < logEnd) {
    const from = state.mapEndOffset
    for (let i = Math.max(log.floorIndex(from), 0); i < log.segments.length; i++) {
      report.producerBatchesReplayed += log.segments[i]!.scanProducerBatches(from, (producerBatch) => {
        if (producerBatch !== null) state.replayBatch(producerBatch)
      })
    }
  }
  if (state.mapEndOffset < logEnd) state.updateMapEndOffset(logEnd)
  return report
}
