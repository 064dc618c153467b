/**
 * `Log.open`'s own options (api.md "Opening a log") beside the topic-config defaults it also takes:
 * their types, their validation, and the FileSystem they choose.
 */
import { invalidArgType, invalidArgValue, outOfRange, SeglogError } from '../errors.js'
import { NodeFileSystem, defaultFileSystem, type FileSystem } from '../io/file.js'
import { fallbackBinding, nativeBinding, nativeLoadError } from '../native/load.js'
import type { TopicConfig } from '../options.js'

export interface LogOptions extends Partial<TopicConfig> {
  /** false forces the pure-JS fallback; true requires the addon. Default: the addon if it loaded. */
  native?: boolean
  /** Truncate partitions damaged below their recovery point instead of refusing to open. */
  repair?: boolean
  /** Period of the background retention task. Default 300000 (Kafka's). */
  retentionCheckIntervalMs?: number
  /** Period of the recovery-point checkpoint (bounds the rescan after a crash). Default 60000. */
  recoveryPointCheckpointIntervalMs?: number
  /** The file system seam (tests inject faults here). Default: the real one. */
  fileSystem?: FileSystem
  /**
   * fsync/fdatasync on the event loop's thread instead of the libuv pool. A durable append then
   * costs one fdatasync and no thread hand-off — about 0.75–0.95× a raw synchronous write +
   * fdatasync loop with one appender where the pool's round trip gives 0.25–0.7× on this machine
   * (bench W3) — but the event loop is blocked for every sync (0.1–10 ms each, by disk). For
   * processes whose main work is the log; not with `fileSystem`. Default false.
   */
  syncOnEventLoop?: boolean
  /** Clock for record timestamps and time-based roll/retention. Default Date.now. */
  clock?: () => number
  /**
   * A producer whose last batch is this old (by its timestamps, as Kafka's
   * producer.id.expiration.ms) is forgotten by every partition: its state is dropped and not
   * snapshotted, and its next batch is accepted at any sequence. Default 86400000 (one day).
   */
  producerIdExpirationMs?: number
}

/** The keys of LogOptions that are not topic config. */
export const LOG_OPTION_KEYS: readonly string[] = [
  'native',
  'repair',
  'retentionCheckIntervalMs',
  'recoveryPointCheckpointIntervalMs',
  'fileSystem',
  'syncOnEventLoop',
  'clock',
  'producerIdExpirationMs',
]

export const RETENTION_CHECK_INTERVAL_MS_DEFAULT = 300_000
export const RECOVERY_POINT_CHECKPOINT_INTERVAL_MS_DEFAULT = 60_000
export { PRODUCER_ID_EXPIRATION_MS_DEFAULT } from '../partition/partition-log.js'

/** Kafka's producer.id.expiration.check.interval.ms (10 minutes), never longer than the expiration itself. */
export const PRODUCER_EXPIRATION_CHECK_INTERVAL_MS_MAX = 600_000

export function producerExpirationCheckIntervalMs(producerIdExpirationMs: number): number {
  return Math.max(1, Math.min(PRODUCER_EXPIRATION_CHECK_INTERVAL_MS_MAX, producerIdExpirationMs))
}

export function checkLogOptions(options: LogOptions): void {
  if (options.native !== undefined && typeof options.native !== 'boolean') throw invalidArgType('options.native', 'of type boolean', options.native)
  if (options.repair !== undefined && typeof options.repair !== 'boolean') throw invalidArgType('options.repair', 'of type boolean', options.repair)
  for (const key of ['retentionCheckIntervalMs', 'recoveryPointCheckpointIntervalMs', 'producerIdExpirationMs'] as const) {
    const value = options[key]
    if (value === undefined) continue
    if (typeof value !== 'number') throw invalidArgType(`options.${key}`, 'of type number', value)
    if (!Number.isSafeInteger(value) || value < 1 || value > 0x7fffffff) throw outOfRange(`options.${key}`, 'an integer >= 1 and <= 2147483647', value)
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') throw invalidArgType('options.clock', 'a function', options.clock)
  if (options.syncOnEventLoop !== undefined) {
    if (typeof options.syncOnEventLoop !== 'boolean') throw invalidArgType('options.syncOnEventLoop', 'of type boolean', options.syncOnEventLoop)
    if (options.syncOnEventLoop && options.fileSystem !== undefined) {
      throw invalidArgValue('options.syncOnEventLoop', true, 'applies to the built-in file system; a custom fileSystem decides how it syncs')
    }
  }
  if (options.fileSystem !== undefined && (options.fileSystem === null || typeof options.fileSystem !== 'object')) {
    throw invalidArgType('options.fileSystem', 'a FileSystem', options.fileSystem)
  }
}

/** The FileSystem `options` ask for: the caller's, or the built-in one on the chosen binding. */
export function fileSystemFor(options: LogOptions): FileSystem {
  if (options.fileSystem !== undefined) return options.fileSystem
  const syncOnEventLoop = options.syncOnEventLoop === true
  if (options.native === false) return new NodeFileSystem(fallbackBinding, { syncOnEventLoop })
  if (options.native === true) {
    if (nativeBinding === null) {
      throw new SeglogError('STORAGE_ERROR', `The native addon is not available: ${nativeLoadError?.message ?? 'unknown reason'}`, { cause: nativeLoadError })
    }
    return new NodeFileSystem(nativeBinding, { syncOnEventLoop })
  }
  return syncOnEventLoop ? new NodeFileSystem(defaultFileSystem.binding, { syncOnEventLoop }) : defaultFileSystem
}
