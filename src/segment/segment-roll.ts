/**
 * Roll policy: when the active segment must give way to a new one (Kafka's shouldRoll, kafka-storage.md §3.4), and
 * what happens to it when it does (`onBecomeInactive`: it seals).
 */
import { NO_TIMESTAMP } from '../format/batch-header.js'
import { canConvertToRelativeOffset } from './segment-append.js'
import { checkOpen, markUsed, trimPreallocated } from './segment-files.js'
import { ensureLoaded } from './segment-load.js'
import type { SegmentState } from './segment-state.js'
import { scanner } from './segment-walk.js'

/** What the next append would add, for `shouldRoll`. */
export interface RollCheck {
  sizeBytes: number
  maxTimestamp: number
  nowMs: number
  largestOffset: number
  /**
   * The topic's limits now (Kafka's RollParams come from the current config): an alterTopicConfig
   * applies to the active segment at its next append. Default: the config the segment was made with.
   */
  segmentBytes?: number
  segmentMs?: number
}

/**
 * The next append would pass segmentBytes, or has waited past segmentMs − jitter since the first
 * batch (by timestamps, else wall clock since creation), or an index is full, or its largest
 * offset does not fit a relative offset. An empty segment never rolls on size or time.
 */
export function shouldRoll(s: SegmentState, next: RollCheck): boolean {
  ensureLoaded(s)
  const size = s.logicalSizeBytes
  const rollMs = (next.segmentMs ?? s.config.segmentMs) - (s.config.rollJitterMs ?? 0)
  return (
    (size > 0 && size > (next.segmentBytes ?? s.config.segmentBytes) - next.sizeBytes) ||
    (size > 0 && timeWaitedForRoll(s, next.nowMs, next.maxTimestamp) > rollMs) ||
    s.offsetIndex.isFull ||
    s.timeIndex.isFull ||
    !canConvertToRelativeOffset(s, next.largestOffset)
  )
}

/** Kafka's timeWaitedForRoll: by record timestamps when the first batch has one, else wall clock. */
export function timeWaitedForRoll(s: SegmentState, nowMs: number, messageTimestamp: number): number {
  const first = firstBatchTimestamp(s)
  return first >= 0 ? messageTimestamp - first : nowMs - s.createdMs
}

/**
 * The segment stops being the active one (roll): final time-index entry, `.log` trimmed to its
 * logical size, indexes sealed read-only. Reads afterwards map the file.
 */
export function onBecomeInactive(s: SegmentState): void {
  checkOpen(s)
  ensureLoaded(s)
  if (s.sealed) return
  s.appendTimeIndexEntry(true)
  trimPreallocated(s)
  s.offsetIndex.seal()
  s.timeIndex.seal()
  s.txnIndex.close()
  s.sealed = true
  markUsed(s)
}

/** Max timestamp of the first batch, read from its header once (the append path records it for a new segment). */
function firstBatchTimestamp(s: SegmentState): number {
  ensureLoaded(s)
  if (s.rollingBasedTimestamp === null && s.logicalSizeBytes > 0) {
    const first = scanner(s, 0, s.logicalSizeBytes).next()
    s.rollingBasedTimestamp = first === null ? NO_TIMESTAMP : first.maxTimestamp
  }
  return s.rollingBasedTimestamp ?? NO_TIMESTAMP
}
