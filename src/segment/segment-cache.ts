/**
 * The Log-wide bound on what sealed segments hold (an lru-cache): an open `.log` descriptor, a
 * mapping of it, and their loaded index entries. Without it every sealed segment that was ever
 * read would keep all three for the life of the Log, so a log of thousands of segments would run
 * into EMFILE and hold memory in proportion to its size.
 *
 * Entries: one per sealed segment holding anything (the active segment of each partition is never
 * in it). Two bounds, across every partition of the Log:
 * - `residentSegmentsMax` segments (SEALED_SEGMENTS_RESIDENT_MAX): at most that many sealed
 *   descriptors and mappings;
 * - `indexBytesMax` bytes of loaded index entries and scan buffers (SEALED_SEGMENT_INDEX_BYTES_MAX);
 *   a segment whose indexes alone exceed it counts as the whole budget (it is used alone).
 * A segment enters or moves to the most recently used end on every use (`touch`); going over
 * either bound releases the least recently used ones (`ReleasableSegment.release`): descriptor
 * closed, mapping and indexes dropped. The next use reopens them through the FileSystem seam.
 * Buffers a reader already holds stay valid: a mapping is unmapped by its finalizer once its last
 * view is collected, never explicitly.
 *
 * Descriptor exhaustion: `openFile` turns EMFILE/ENFILE into one release of the least recently
 * used segment and one retry; if that fails too (or nothing can be released) it is a
 * SeglogError('STORAGE_ERROR') naming the path — never an uncaught errno from deep inside a read.
 *
 * Concurrency: single-threaded. `release` runs synchronously inside `touch` (lru-cache's dispose)
 * and must not call back into the cache. A segment never releases itself while it is being used:
 * it is the most recently used entry from its first `touch` in an operation on.
 */
import { LRUCache } from 'lru-cache'
import { SeglogError, outOfRange } from '../errors.js'
import type { FileSystem, OpenMode } from '../io/file.js'
import { SEALED_SEGMENT_INDEX_BYTES_MAX, SEALED_SEGMENTS_RESIDENT_MAX } from '../limits.js'

/** A sealed segment as the cache sees it. */
export interface ReleasableSegment {
  /** Closes its descriptor and drops its mapping and loaded indexes; its next use reloads them. */
  release(): void
}

export interface SegmentCacheLimits {
  /** Sealed segments holding resources at once. Default SEALED_SEGMENTS_RESIDENT_MAX. */
  residentSegmentsMax?: number
  /** Bytes of sealed segments' loaded indexes at once. Default SEALED_SEGMENT_INDEX_BYTES_MAX. */
  indexBytesMax?: number
}

const DESCRIPTOR_EXHAUSTION = new Set(['EMFILE', 'ENFILE'])

export class SegmentCache {
  readonly residentSegmentsMax: number
  readonly indexBytesMax: number
  /** Segment → the bytes it was last counted at. */
  private readonly lru: LRUCache<ReleasableSegment, number>
  private releasedCount = 0

  constructor(limits: SegmentCacheLimits = {}) {
    this.residentSegmentsMax = positiveInteger('limits.residentSegmentsMax', limits.residentSegmentsMax ?? SEALED_SEGMENTS_RESIDENT_MAX)
    this.indexBytesMax = positiveInteger('limits.indexBytesMax', limits.indexBytesMax ?? SEALED_SEGMENT_INDEX_BYTES_MAX)
    this.lru = new LRUCache<ReleasableSegment, number>({
      max: this.residentSegmentsMax,
      maxSize: this.indexBytesMax,
      dispose: (_bytes, segment, reason) => {
        // 'set' is a size update and 'delete' is forget(): the segment keeps what it holds.
        if (reason === 'evict') this.releaseNow(segment)
      },
    })
  }

  /** Sealed segments currently holding resources. */
  get residentSegments(): number {
    return this.lru.size
  }

  /** Bytes of loaded indexes the resident segments were last counted at. */
  get residentIndexBytes(): number {
    return this.lru.calculatedSize
  }

  /** Releases so far (bounds exceeded, or a descriptor freed for an open). */
  get releases(): number {
    return this.releasedCount
  }

  has(segment: ReleasableSegment): boolean {
    return this.lru.has(segment)
  }

  /**
   * `segment` was just used and now holds `indexBytes` of loaded indexes: it becomes the most
   * recently used, and the least recently used others are released until both bounds hold.
   */
  touch(segment: ReleasableSegment, indexBytes: number): void {
    // lru-cache sizes are positive integers; one over the budget would not be stored at all.
    const size = Math.min(Math.max(1, indexBytes), this.indexBytesMax)
    if (this.lru.get(segment) !== size) this.lru.set(segment, size, { size })
  }

  /** Stops tracking `segment` without releasing it (it became active, or was closed). */
  forget(segment: ReleasableSegment): void {
    this.lru.delete(segment)
  }

  /** Releases the least recently used segment other than `except`; false when there is none. */
  releaseLeastRecentlyUsed(except?: ReleasableSegment): boolean {
    for (const segment of this.lru.rkeys()) {
      if (segment === except) continue
      this.lru.delete(segment)
      this.releaseNow(segment)
      return true
    }
    return false
  }

  private releaseNow(segment: ReleasableSegment): void {
    this.releasedCount++
    segment.release()
  }
}

/**
 * `fs.open`, with descriptor exhaustion handled as the header says (with `cache` null: no release,
 * just the typed error). Other errors are thrown as they come (ENOENT, EEXIST, …).
 */
export function openFile(fs: FileSystem, filePath: string, mode: OpenMode, cache: SegmentCache | null, except?: ReleasableSegment): number {
  try {
    return fs.open(filePath, mode)
  } catch (err) {
    if (!isDescriptorExhaustion(err)) throw err
    if (cache === null) throw exhausted(filePath, err, 'no segment cache to release a descriptor from')
    if (!cache.releaseLeastRecentlyUsed(except)) throw exhausted(filePath, err, 'no other sealed segment holds one to release')
  }
  try {
    return fs.open(filePath, mode)
  } catch (err) {
    if (isDescriptorExhaustion(err)) throw exhausted(filePath, err, `still after releasing a sealed segment, ${cache.residentSegments} left`)
    throw err
  }
}

function isDescriptorExhaustion(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code
  return code !== undefined && DESCRIPTOR_EXHAUSTION.has(code)
}

function exhausted(filePath: string, err: unknown, detail: string): SeglogError {
  const code = (err as NodeJS.ErrnoException).code
  return new SeglogError('STORAGE_ERROR', `${filePath}: cannot open, out of file descriptors (${code}: ${detail})`, { cause: err })
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw outOfRange(name, 'a positive integer', value)
  return value
}
