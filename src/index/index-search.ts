/**
 * Binary searches over the sorted entries of an index, by any key (offset, position, timestamp).
 *
 * `largestLowerBoundSlot` is Kafka's AbstractIndex lookup with the warm-section trick: a target
 * above the first entry of the last INDEX_WARM_SECTION_BYTES of entries is searched only within
 * that tail, so readers that follow the end of the log keep touching the same few cache lines
 * (in Kafka, the same few pages of the mapping) instead of walking a full-depth search path.
 * Keys must be non-decreasing; every function is O(log entries) and allocates nothing.
 */
import { INDEX_WARM_SECTION_BYTES } from '../limits.js'

export type KeyAt = (slot: number) => number

/** Entries in the warm section of an index whose entries are `entrySizeBytes` long. */
export function warmEntries(entrySizeBytes: number): number {
  return Math.floor(INDEX_WARM_SECTION_BYTES / entrySizeBytes)
}

/** Slot of the last entry whose key is ≤ `target`, or -1 if every key is above it. */
export function largestLowerBoundSlot(entries: number, warm: number, target: number, keyAt: KeyAt): number {
  if (entries === 0) return -1
  const firstHotSlot = Math.max(0, entries - 1 - warm)
  // `<=` (Kafka has `<`): the same answer for unique keys, and the last of repeated keys otherwise.
  if (keyAt(firstHotSlot) <= target) return searchLowerBound(firstHotSlot, entries - 1, target, keyAt)
  if (keyAt(0) > target) return -1
  return searchLowerBound(0, firstHotSlot, target, keyAt)
}

/** Number of leading entries whose key is < `target` (= slot of the first key ≥ `target`). */
export function countBelow(entries: number, target: number, keyAt: KeyAt): number {
  let lo = 0
  let hi = entries
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keyAt(mid) < target) lo = mid + 1
    else hi = mid
  }
  return lo
}

// Precondition: keyAt(lo) <= target. Returns the last slot in [lo, hi] with key <= target.
function searchLowerBound(lo: number, hi: number, target: number, keyAt: KeyAt): number {
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (keyAt(mid) > target) hi = mid - 1
    else lo = mid
  }
  return lo
}
