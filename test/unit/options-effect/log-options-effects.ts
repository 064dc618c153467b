/**
 * LogOptions (Log.open's own options; its TopicConfig defaults are topic-config-effects.ts's) and
 * CreateTopicOptions.partitions: each test observes what the option changes, beside what the
 * default does where that is cheap to show.
 */
import nodeFs, { readFileSync, readdirSync, writeFileSync, unlinkSync } from 'node:fs'
import { once } from 'node:events'
import { syncBuiltinESMExports } from 'node:module'
import { join } from 'node:path'
import { expect, vi } from 'vitest'
import { fallbackBinding, nativeBinding } from '../../../src/native/load.js'
import { eio, FaultFileSystem } from '../../helpers/fault-fs.js'
import { RewriteWatchFileSystem } from '../../helpers/rewrite-watch-file-system.js'
import { appendEach, freshDir, openLog, openTopic, TOPIC, withFakeTimers, type EffectTable } from './harness.js'

const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint'

/** Calls of node:fs's fdatasyncSync (the event loop's thread) and fdatasync (the libuv pool) while `body` runs. */
async function countDatasyncs(body: () => Promise<void>): Promise<{ onEventLoop: number; onPool: number }> {
  const counts = { onEventLoop: 0, onPool: 0 }
  const { fdatasyncSync, fdatasync } = nodeFs
  // src imports node:fs as a namespace: syncBuiltinESMExports makes the namespace see the wrappers.
  nodeFs.fdatasyncSync = (fd) => {
    counts.onEventLoop++
    fdatasyncSync(fd)
  }
  nodeFs.fdatasync = ((fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => {
    counts.onPool++
    fdatasync(fd, callback)
  }) as typeof fdatasync
  syncBuiltinESMExports()
  try {
    await body()
  } finally {
    nodeFs.fdatasyncSync = fdatasyncSync
    nodeFs.fdatasync = fdatasync
    syncBuiltinESMExports()
  }
  return counts
}

/** Calls of each binding's lockFile while `body` runs: the binding a log opened with is the one that locked its directory. */
async function countLocks(body: () => Promise<void>): Promise<{ native: number; fallback: number }> {
  const fallback = vi.spyOn(fallbackBinding, 'lockFile')
  const native = nativeBinding === null ? null : vi.spyOn(nativeBinding, 'lockFile')
  try {
    await body()
    return { native: native?.mock.calls.length ?? 0, fallback: fallback.mock.calls.length }
  } finally {
    fallback.mockRestore()
    native?.mockRestore()
  }
}

/** Opens, uses and closes a log with `options`: everything the binding is asked for on the way. */
async function useLog(options: Parameters<typeof openLog>[1]): Promise<void> {
  const log = await openLog(freshDir(), options)
  await log.createTopic(TOPIC)
  const p = log.partition(TOPIC, 0)
  await appendEach(p, 2)
  expect((await p.read({ offset: 0 })).records).toHaveLength(2)
  await log.close()
}

export const logOptionEffects: EffectTable = {
  'LogOptions.native': [
    {
      name: 'native: false runs the log on the pure-JS fallback binding, not on the addon the default takes when it loaded',
      run: async () => {
        expect(await countLocks(() => useLog({ native: false }))).toEqual({ native: 0, fallback: 1 })
        // The contrast exists only where the addon loaded (SEGLOG_NO_NATIVE=1: the default is the fallback too).
        if (nativeBinding !== null) expect(await countLocks(() => useLog({}))).toEqual({ native: 1, fallback: 0 })
      },
    },
    {
      name: 'native: true runs the log on the addon, and refuses to open (STORAGE_ERROR, nothing created) where it did not load',
      run: async () => {
        if (nativeBinding !== null) {
          expect(await countLocks(() => useLog({ native: true }))).toEqual({ native: 1, fallback: 0 })
          return
        }
        // SEGLOG_NO_NATIVE=1 (or no addon): the default would open on the fallback.
        const dir = freshDir()
        await expect(openLog(dir, { native: true })).rejects.toMatchObject({ code: 'STORAGE_ERROR' })
        expect(nodeFs.existsSync(dir)).toBe(false)
      },
    },
  ],
  'LogOptions.repair': [
    {
      name: 'repair: true opens a log damaged below its recovery point, truncating there and reporting the lost offsets; without it open refuses',
      run: async () => {
        const { log, p, dir } = await openTopic()
        await appendEach(p, 10, 40)
        await log.close()
        unlinkSync(join(dir, '.clean-shutdown')) // an unclean shutdown: open re-validates up to the recovery point
        const segment = join(dir, `${TOPIC}-0`, readdirSync(join(dir, `${TOPIC}-0`)).find((name) => name.endsWith('.log'))!)
        const bytes = readFileSync(segment)
        bytes[bytes.length - 200]! ^= 0xff // inside an acknowledged batch, below the recovery point
        writeFileSync(segment, bytes)
        await expect(openLog(dir)).rejects.toMatchObject({ code: 'CORRUPT_RECORD' })
        const repaired = await openLog(dir, { repair: true })
        const report = repaired.recovery.partitions.find((r) => r.topic === TOPIC)!
        expect(report.lostOffsets).toEqual({ from: expect.any(Number), to: 10 })
        expect(report.lostOffsets!.from).toBeLessThan(10)
        expect(repaired.partition(TOPIC, 0).logEndOffset).toBe(report.lostOffsets!.from)
      },
    },
  ],
  'LogOptions.retentionCheckIntervalMs': [
    {
      name: 'the background retention pass runs every retentionCheckIntervalMs (fake timers; the default is 300000)',
      run: () =>
        withFakeTimers(async (periods) => {
          const { log, p } = await openTopic({ segmentBytes: 1024, retentionBytes: 700 }, { retentionCheckIntervalMs: 1000 })
          await appendEach(p, 4, 600)
          expect(periods()).toContain(1000)
          expect(p.logStartOffset).toBe(0)
          const retention = once(log, 'retention')
          vi.advanceTimersByTime(1000)
          const [event] = (await retention) as [{ deletedSegments: number; logStartOffset: number }]
          expect(event).toMatchObject({ deletedSegments: 2, logStartOffset: 2 })
        }),
    },
  ],
  'LogOptions.recoveryPointCheckpointIntervalMs': [
    {
      name: 'the recovery-point checkpoint is rewritten every recoveryPointCheckpointIntervalMs (fake timers; the default is 60000)',
      run: () =>
        withFakeTimers(async (periods) => {
          const fileSystem = new RewriteWatchFileSystem(RECOVERY_POINT_CHECKPOINT)
          const { log, p, dir } = await openTopic({}, { fileSystem, recoveryPointCheckpointIntervalMs: 1000 })
          await appendEach(p, 3) // fsynced: the recovery point is 3, the file still says 0
          await fileSystem.rewritesFinished(fileSystem.started)
          const checkpoint = (): string => readFileSync(join(dir, RECOVERY_POINT_CHECKPOINT), 'utf8')
          expect(checkpoint()).toContain(`${TOPIC} 0 0\n`)
          expect(periods()).toContain(1000)
          const finished = fileSystem.finished
          vi.advanceTimersByTime(1000)
          await fileSystem.rewritesFinished(finished + 1)
          expect(checkpoint()).toContain(`${TOPIC} 0 3\n`)
          expect(log.failure).toBeNull()
        }),
    },
  ],
  'LogOptions.fileSystem': [
    {
      name: "the log's file operations go through the given FileSystem: its counts move, and an fdatasync failure injected there fails the append",
      run: async () => {
        const fileSystem = new FaultFileSystem()
        const { p } = await openTopic({}, { fileSystem })
        await appendEach(p, 1)
        expect(fileSystem.writes).toBeGreaterThan(0)
        expect(fileSystem.syncs).toBeGreaterThan(0)
        fileSystem.plan.beforeSync = () => {
          throw eio()
        }
        await expect(p.append([{ value: 'lost' }])).rejects.toMatchObject({ code: 'STORAGE_ERROR' })
      },
    },
  ],
  'LogOptions.syncOnEventLoop': [
    {
      name: 'syncOnEventLoop: true fdatasyncs on the event loop (fdatasyncSync), the default on the libuv pool',
      run: async () => {
        const onEventLoop = await countDatasyncs(() => useLog({ syncOnEventLoop: true }))
        expect(onEventLoop.onPool).toBe(0)
        expect(onEventLoop.onEventLoop).toBeGreaterThan(0)
        const onPool = await countDatasyncs(() => useLog({}))
        expect(onPool.onEventLoop).toBe(0)
        expect(onPool.onPool).toBeGreaterThan(0)
      },
    },
  ],
  'LogOptions.clock': [
    {
      name: "records without a timestamp get the clock's time (the default is Date.now; segmentMs, retentionMs and flushMs tests run on it too)",
      run: async () => {
        const log = await openLog(freshDir(), { clock: () => 1234 })
        await log.createTopic(TOPIC)
        const p = log.partition(TOPIC, 0)
        await appendEach(p, 1)
        expect((await p.read({ offset: 0 })).records[0]!.timestamp).toBe(1234)
        const before = Date.now()
        const wallClock = await openLog(freshDir())
        await wallClock.createTopic(TOPIC)
        await appendEach(wallClock.partition(TOPIC, 0), 1)
        expect((await wallClock.partition(TOPIC, 0).read({ offset: 0 })).records[0]!.timestamp).toBeGreaterThanOrEqual(before)
      },
    },
  ],
  'CreateTopicOptions.partitions': [
    {
      name: 'partitions: 3 makes three partitions, each with its own directory and offsets (the default is one)',
      run: async () => {
        const dir = freshDir()
        const log = await openLog(dir)
        await log.createTopic(TOPIC, { partitions: 3 })
        await log.createTopic('single')
        expect(log.describeTopic(TOPIC).partitions.map((info) => info.partition)).toEqual([0, 1, 2])
        expect((await log.partition(TOPIC, 2).append([{ value: 'a' }])).baseOffset).toBe(0)
        expect(log.partition(TOPIC, 0).logEndOffset).toBe(0)
        expect(readdirSync(dir).filter((name) => name.startsWith(`${TOPIC}-`)).sort()).toEqual([`${TOPIC}-0`, `${TOPIC}-1`, `${TOPIC}-2`])
        expect(log.describeTopic('single').partitions).toHaveLength(1)
        expect(() => log.partition('single', 1)).toThrow(expect.objectContaining({ code: 'UNKNOWN_TOPIC_OR_PARTITION' }))
      },
    },
  ],
}
