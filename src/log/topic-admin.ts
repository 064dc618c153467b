/**
 * The log's topics (api.md "Topics and partitions"): the registry of partition handles by topic,
 * and the changes to it — create, grow, alter config, delete — each crash-safe in its file order:
 * - create / grow: partition directories made and fsynced, then checkpoints holding the new
 *   partitions, then the topic metadata (the commit point: directories without it are orphans
 *   that open removes), then the handles are registered;
 * - alter: the metadata rewritten, then every partition takes the new config;
 * - delete: appends drained and flushed, the metadata removed first (the commit point), then the
 *   files, then the checkpoints rewritten without the topic.
 * Callers validate arguments first and run each change through the log's admin queue (one at a
 * time, refused after close or failure: log.ts `admin`).
 */
import { SeglogError } from '../errors.js'
import { joinPath, type FileSystem } from '../io/file.js'
import type { TopicConfig } from '../options.js'
import type { LogContext } from '../partition/log-context.js'
import { Partition } from '../partition/partition.js'
import { PartitionLog } from '../partition/partition-log.js'
import type { SegmentCache } from '../segment/segment-cache.js'
import type { Checkpoints } from './checkpoints.js'
import { partitionDirName, removeDirectory } from './dir-cleanup.js'
import { removeTopic, writeTopic, type TopicMetadata } from './topic-store.js'

export interface PartitionInfo {
  partition: number
  logStartOffset: number
  highWatermark: number
  lastStableOffset: number
  logEndOffset: number
  segments: number
  sizeBytes: number
}

export interface TopicDescription {
  name: string
  config: Readonly<TopicConfig>
  partitions: PartitionInfo[]
}

interface TopicState {
  meta: TopicMetadata
  partitions: Partition[]
}

export class Topics {
  private readonly byName = new Map<string, TopicState>()

  constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    private readonly ctx: LogContext,
    private readonly segmentCache: SegmentCache,
    private readonly checkpoints: Checkpoints,
  ) {}

  /** A topic loaded at open. */
  register(meta: TopicMetadata, logs: readonly PartitionLog[]): void {
    this.byName.set(meta.name, { meta, partitions: logs.map((log, p) => new Partition(meta.name, p, meta.config, log, this.ctx)) })
  }

  has(name: string): boolean {
    return this.byName.has(name)
  }

  /** UNKNOWN_TOPIC_OR_PARTITION if there is no such topic. */
  meta(name: string): TopicMetadata {
    return this.state(name).meta
  }

  names(): string[] {
    return [...this.byName.keys()].sort()
  }

  /** Every partition of every topic. */
  all(): Partition[] {
    const all: Partition[] = []
    for (const state of this.byName.values()) all.push(...state.partitions)
    return all
  }

  /** The handle of one partition; UNKNOWN_TOPIC_OR_PARTITION if it does not exist. */
  partition(topic: string, partition: number): Partition {
    const state = this.state(topic)
    const handle = state.partitions[partition]
    if (handle === undefined) {
      throw new SeglogError('UNKNOWN_TOPIC_OR_PARTITION', `Topic ${topic} has ${state.partitions.length} partitions; there is no partition ${partition}`, {
        topic,
        partition,
      })
    }
    return handle
  }

  describe(name: string): TopicDescription {
    const state = this.state(name)
    return {
      name,
      config: state.meta.config,
      partitions: state.partitions.map((p) => ({
        partition: p.partition,
        logStartOffset: p.logStartOffset,
        highWatermark: p.highWatermark,
        lastStableOffset: p.lastStableOffset,
        logEndOffset: p.logEndOffset,
        segments: p.log.segments.length,
        sizeBytes: p.log.sizeBytes,
      })),
    }
  }

  async create(name: string, partitions: number, config: Readonly<TopicConfig>): Promise<void> {
    if (this.byName.has(name)) throw new SeglogError('TOPIC_ALREADY_EXISTS', `Topic ${name} already exists in ${this.dir}`, { topic: name })
    const meta: TopicMetadata = { name, partitions, config }
    const logs = await this.createPartitionLogs(meta, 0, partitions)
    await this.commit(meta, 0, logs)
    this.register(meta, logs)
  }

  /** Grows `name` to `count` partitions (the caller checked count > the current count). */
  async grow(name: string, count: number): Promise<void> {
    const state = this.state(name)
    const from = state.meta.partitions
    const logs = await this.createPartitionLogs(state.meta, from, count)
    const meta = { ...state.meta, partitions: count }
    await this.commit(meta, from, logs)
    state.meta = meta
    for (const log of logs) state.partitions.push(new Partition(name, state.partitions.length, meta.config, log, this.ctx))
  }

  async alter(name: string, config: Readonly<TopicConfig>): Promise<void> {
    const state = this.state(name)
    const meta = { ...state.meta, config }
    await writeTopic(this.fs, this.dir, meta)
    state.meta = meta
    for (const partition of state.partitions) partition.updateConfig(config)
  }

  async delete(name: string): Promise<void> {
    const state = this.state(name)
    for (const partition of state.partitions) await partition.quiesce()
    await removeTopic(this.fs, this.dir, name)
    this.byName.delete(name)
    for (const partition of state.partitions) await partition.removeFiles()
    await this.fs.fsyncDir(this.dir)
    await this.checkpoints.writeLogStarts()
    await this.checkpoints.writeRecoveryPoints()
  }

  private state(name: string): TopicState {
    const state = this.byName.get(name)
    if (state === undefined) throw new SeglogError('UNKNOWN_TOPIC_OR_PARTITION', `Unknown topic ${name} in ${this.dir}`, { topic: name })
    return state
  }

  /** Checkpoints, then the metadata that commits new partitions; on failure their files go. */
  private async commit(meta: TopicMetadata, from: number, logs: readonly PartitionLog[]): Promise<void> {
    try {
      await this.checkpoints.writeFresh(meta.name, from, logs)
      await writeTopic(this.fs, this.dir, meta)
    } catch (err) {
      for (const log of logs) log.deleteAll()
      throw err
    }
  }

  private async createPartitionLogs(meta: TopicMetadata, from: number, to: number): Promise<PartitionLog[]> {
    const logs: PartitionLog[] = []
    try {
      for (let p = from; p < to; p++) {
        const dir = joinPath(this.dir, partitionDirName(meta.name, p))
        if (this.fs.exists(dir)) removeDirectory(this.fs, dir) // an orphan of a crashed create
        const { log } = await PartitionLog.load(this.fs, dir, meta.config, {
          recoveryPoint: null,
          logStartOffset: 0,
          cleanShutdown: true,
          repair: false,
          nowMs: this.ctx.now(),
          segmentCache: this.segmentCache,
        })
        logs.push(log)
      }
    } catch (err) {
      for (const log of logs) log.deleteAll()
      throw err
    }
    return logs
  }
}
