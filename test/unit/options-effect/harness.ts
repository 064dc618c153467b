/**
 * What the option-effect tables (test/unit/options-effect/*-effects.ts) are built from: the table
 * shape the meta-test reads, logs opened in temp directories and closed after each test, a manual
 * clock, fake timers that record the periods seglog arms, and small observations (a batch's
 * attributes as stored, whether a promise has settled).
 *
 * Why tables: coverage.test.ts compares their keys with the options the TypeScript compiler finds
 * in src/index.ts (test/helpers/public-api-shape.ts), so an option without an effect test fails.
 */
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { vi } from 'vitest'
import { Log, type CreateTopicOptions, type LogOptions, type Partition } from '../../../src/index.js'
import { ATTRIBUTES_POS, BATCH_HEADER_BYTES } from '../../../src/format/batch-header.js'
import { ManualClock } from '../../helpers/test-log.js'

export { ManualClock }

export const TOPIC = 't'

/** One test of one option's effect. */
export interface EffectTest {
  /** What the test shows; it is the test's name. */
  name: string
  /** The literal values of the option's type this test exercises (the meta-test wants every literal covered). */
  values?: readonly (string | number)[]
  /**
   * Set when the option has no effect on this path today (a bug reported to the lead): the test
   * is written as it should pass and runs as `it.fails` until src is fixed. Says what is wrong.
   */
  fails?: string
  run(): Promise<void>
}

/** Keyed by option (`LogOptions.clock`, `TopicConfig.segmentBytes`: public-api-shape.ts's keys). */
export type EffectTable = Record<string, readonly EffectTest[]>

// --- logs ------------------------------------------------------------------------------------------

const opened: Log[] = []
const tempDirs: string[] = []

/**
 * Where the logs live: tmpfs when there is one. These tests observe what options do, not what a
 * disk does with an fdatasync, and a real disk's fsyncs (several per open, createTopic and close)
 * would make ~150 logs cost seconds on a loaded machine.
 */
const TEMP_ROOT = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()

/** A fresh directory (not created: Log.open creates it) in a temp directory removed after the test. */
export function freshDir(): string {
  const temp = mkdtempSync(join(TEMP_ROOT, 'seglog-options-'))
  tempDirs.push(temp)
  return join(temp, 'log')
}

/** Log.open, closed by `closeAll` after the test. */
export async function openLog(dir: string, options?: LogOptions): Promise<Log> {
  const log = await Log.open(dir, options)
  opened.push(log)
  return log
}

/** A log in a fresh directory with one single-partition topic `t` (config given), on a manual clock. */
export async function openTopic(config: CreateTopicOptions = {}, options: LogOptions = {}): Promise<{ log: Log; p: Partition; clock: ManualClock; dir: string }> {
  const clock = new ManualClock()
  const dir = freshDir()
  const log = await openLog(dir, { clock: clock.now, ...options })
  await log.createTopic(TOPIC, config)
  return { log, p: log.partition(TOPIC, 0), clock, dir }
}

const beforeClose: (() => void)[] = []

/** Runs `release` before the test's logs close (a held fdatasync would keep close waiting). */
export function beforeCloseAll(release: () => void): void {
  beforeClose.push(release)
}

/** Closes every log opened since the last call (afterEach; before fake timers are uninstalled). */
export async function closeAll(): Promise<void> {
  for (const release of beforeClose.splice(0)) release()
  for (const log of opened.splice(0)) await log.close().catch(() => {})
}

/** Closes the logs, then removes their directories (afterEach). */
export async function cleanUp(): Promise<void> {
  await closeAll()
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

// --- observations ---------------------------------------------------------------------------------

/** One single-record batch per call, awaited in turn (acks 'all'): `count` batches of `valueBytes`-byte values. */
export async function appendEach(p: Partition, count: number, valueBytes = 10): Promise<void> {
  for (let i = 0; i < count; i++) await p.append([{ value: 'x'.repeat(valueBytes) }])
}

/** The attributes field (int16) of the batch at byte `position` of a `.log` file, as stored. */
export function storedAttributes(logPath: string, position = 0): number {
  const header = Buffer.alloc(BATCH_HEADER_BYTES)
  const fd = openSync(logPath, 'r')
  try {
    readSync(fd, header, 0, BATCH_HEADER_BYTES, position)
  } finally {
    closeSync(fd)
  }
  return header.readInt16BE(ATTRIBUTES_POS)
}

/** `promise`, and whether it has settled: ask after a `turn()`, once every microtask that could settle it has run. */
export function watch<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false
  const observed = promise.finally(() => (done = true))
  return { settled: () => done, promise: observed }
}

/** Resolves after every microtask queued so far has run (one macrotask turn; never a timed wait). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

// --- fake timers ----------------------------------------------------------------------------------

/**
 * Runs `body` with vitest's fake timers for the timer functions only (file I/O and setImmediate
 * stay real), `performance` too when asked (a long-poll measures its deadline with it). `periods()`
 * lists the delays of every setInterval/setTimeout armed since: the guard that fails fast when an
 * option's timer was never armed, instead of awaiting an effect that would never come. The logs
 * opened inside are closed before the real timers come back.
 */
export async function withFakeTimers(body: (periods: () => number[]) => Promise<void>, options: { performance?: boolean } = {}): Promise<void> {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', ...(options.performance === true ? (['performance'] as const) : [])] })
  const intervals = vi.spyOn(globalThis, 'setInterval')
  const timeouts = vi.spyOn(globalThis, 'setTimeout')
  try {
    await body(() => [...intervals.mock.calls, ...timeouts.mock.calls].map((call) => Number(call[1])))
  } finally {
    await closeAll()
    intervals.mockRestore()
    timeouts.mockRestore()
    vi.useRealTimers()
  }
}
