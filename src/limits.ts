/**
 * Every bound seglog enforces, with its unit and the reason for it (TigerBeetle's habit: a limit
 * on everything, so that no queue, file or allocation grows without one).
 */

/**
 * Largest batch the log will read or write: batchLength is an int32, but a batch that large would
 * be one allocation of 2 GiB on the JS path. Topic `maxMessageBytes` (default 8 MiB) is checked
 * separately and is always below this.
 */
export const BATCH_BYTES_MAX = 256 * 1024 * 1024

/** Segment positions are int32 in the offset index, so a segment file can never exceed 2 GiB - 1. */
export const SEGMENT_BYTES_MAX = 0x7fffffff

/** Smallest segment the config accepts: one batch header plus a small record. Kafka's minimum is 14 bytes; we keep tests honest with tiny segments. */
export const SEGMENT_BYTES_MIN = 128

/** Offsets inside a segment are stored relative to its base offset as an int32 (index entries). */
export const RELATIVE_OFFSET_MAX = 0x7fffffff

/** Offset index entry: relative offset u32 + position u32 (Kafka OffsetIndex). */
export const OFFSET_INDEX_ENTRY_BYTES = 8

/** Time index entry: timestamp i64 + relative offset u32 (Kafka TimeIndex). */
export const TIME_INDEX_ENTRY_BYTES = 12

/**
 * Kafka's AbstractIndex warm section: tail lookups binary-search only the last 8 KiB of entries so
 * steady-state reads of recent data touch the same few pages.
 */
export const INDEX_WARM_SECTION_BYTES = 8192

/** Smallest `segmentIndexBytes`: room for at least 4 time-index entries, so a segment can hold something before it rolls. */
export const SEGMENT_INDEX_BYTES_MIN = 4 * TIME_INDEX_ENTRY_BYTES

/** Records in one batch: recordsCount is an int32 and lastOffsetDelta must fit the relative-offset range. */
export const BATCH_RECORDS_MAX = 0x7fffffff

/** Header keys are UTF-8 with a varint length; refuse absurd ones instead of allocating them. */
export const HEADER_KEY_BYTES_MAX = 32 * 1024

/** Buffer reused for sequential header-only scans of a segment (recovery, lookup): one page. */
export const SCAN_BUFFER_BYTES = 64 * 1024

/**
 * Pending long-polls (`read` with maxWaitMs, followed streams) per partition. Each holds a timer
 * and a closure; an application that leaks readers hits this instead of growing memory forever.
 */
export const LONG_POLL_WAITERS_MAX = 10_000

/**
 * Appends queued on one partition while a write or roll is in progress. Beyond it `append`
 * waits for room (backpressure) rather than queueing encoded batches without bound.
 */
export const APPEND_QUEUE_BATCHES_MAX = 65_536

/**
 * Bytes written by one drain of the append queue (one writev). Bounds the iovec (Linux IOV_MAX is
 * 1024 — see APPEND_WRITE_BUFFERS_MAX) and the latency of one synchronous write on the event loop.
 */
export const APPEND_WRITE_BYTES_MAX = 8 * 1024 * 1024

/** Buffers in one writev: Linux's IOV_MAX. */
export const APPEND_WRITE_BUFFERS_MAX = 1024

/** Default read size (api.md `maxBytes`). */
export const READ_MAX_BYTES_DEFAULT = 1024 * 1024

/** Partitions per topic: each holds open files and timers; Kafka clusters rarely exceed this per topic. */
export const PARTITIONS_MAX = 10_000

/**
 * Sealed segments that may hold resources at once, across every partition of a Log: an open
 * `.log` descriptor, a mapping of it and its loaded index entries (segment-cache.ts). Beyond it
 * the least recently used one is released and reopens on its next use. Why 256: the common soft
 * RLIMIT_NOFILE is 1024, and the active segments (up to 4 descriptors each), the directory lock
 * and the application's own sockets need the rest; each mapping is one of vm.max_map_count's
 * 65,530 areas. A reader cycling over more segments than this pays an open, an index read and a
 * bounded tail scan per segment switch — tens of microseconds, small next to reading a segment.
 */
export const SEALED_SEGMENTS_RESIDENT_MAX = 256

/**
 * Bytes of index entries (offset, time and transaction indexes, plus a scan buffer) loaded for
 * sealed segments at once, across a Log. At the defaults (128 MiB segments, an entry per 4 KiB)
 * a full segment's indexes take 640 KiB, so SEALED_SEGMENTS_RESIDENT_MAX binds first (~176 MiB
 * with scan buffers); this bound takes over for dense indexes (a small indexIntervalBytes, 2 GiB
 * segments: up to 20 MiB each), keeping index memory independent of the log's size. It is
 * memory outside the V8 heap (Buffers), so it is sized against the machine, not the heap limit.
 */
export const SEALED_SEGMENT_INDEX_BYTES_MAX = 256 * 1024 * 1024

/**
 * The active segment is read through a mapping of its first bytes (log-view.ts); data appended
 * after the mapping was made is read with pread until this much has accumulated, then the file is
 * mapped again. Bounds the mappings a tail-following reader creates (one per this many appended
 * bytes, each held until its views are collected) while keeping pread copies small.
 */
export const ACTIVE_SEGMENT_REMAP_BYTES = 1024 * 1024

/**
 * Bytes per fetch behind `stream()`. The records of one fetch stay alive until the consumer has
 * passed them, and every young-generation GC copies whatever is alive: with 1 MiB fetches (~10,000
 * records of 100 B) GC took a quarter of a replay; 128 KiB cut stream()'s CPU per record by a
 * fifth (bench W5), and 32 KiB gained nothing more while adding a lookup per fetch.
 */
export const STREAM_FETCH_BYTES = 128 * 1024

/**
 * Bytes of one slab of the private copies readers get of mapped batches (partition/read-copies.ts):
 * one transparent huge page, so a fresh slab costs one page fault; two read() fetches (1 MiB by
 * default), sixteen stream() fetches, or thousands of point reads, whose copies are just the records
 * returned. It is also what one record a program keeps can pin: its slab lives until its last
 * record is collected.
 */
export const READ_COPY_SLAB_BYTES = 2 * 1024 * 1024

/**
 * Bytes of one slab of the batch arena appends encode into (format/batch-arena.ts): a few of the
 * largest batches a producer typically sends (100 × 10 KiB). One slab per arena, plus earlier
 * slabs still pinned by unreleased views.
 */
export const BATCH_ARENA_SLAB_BYTES = 4 * 1024 * 1024

/**
 * Most bytes one synchronous sendfile(2) call may move to a file descriptor target of `sendTo`
 * before the event loop gets a turn. A socket bounds each call itself (a full send buffer is
 * EAGAIN); a regular file or a blocking pipe does not, so a large `maxBytes` is sent in chunks of
 * this size with a yield between them: one chunk to a file is about a millisecond here.
 */
export const SENDFILE_CHUNK_BYTES = 256 * 1024
