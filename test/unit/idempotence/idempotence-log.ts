/**
 * One temporary log directory per test with topic `t` (one partition), for the idempotence tests:
 * `open` (re)opens the log there, creating the topic the first time; whatever is open is closed
 * after the test and the directory removed.
 */
import { afterEach, beforeEach } from 'vitest'
import { Log, type LogOptions } from '../../../src/log.js'
import type { Partition } from '../../../src/partition/partition.js'
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dirs.js'

export interface IdempotenceLog {
  /** The directory of the current test. */
  readonly dir: string
  /** The open log (throws if none). */
  readonly log: Log
  open(options?: LogOptions, config?: Record<string, unknown>): Promise<Partition>
  close(): Promise<void>
}

export function useIdempotenceLog(): IdempotenceLog {
  let dir = ''
  let log: Log | null = null
  beforeEach(() => {
    dir = makeTempDir('seglog-idempotence-')
  })
  afterEach(async () => {
    await log?.close().catch(() => {})
    log = null
    removeTempDirs()
  })
  return {
    get dir() {
      return dir
    },
    get log() {
      if (log === null) throw new Error('no log is open')
      return log
    },
    async open(options = {}, config = {}) {
      log = await Log.open(dir, options)
      if (!log.topics().includes('t')) await log.createTopic('t', { partitions: 1, ...config })
      return log.partition('t', 0)
    },
    async close() {
      await log!.close()
      log = null
    },
  }
}

export const recs = (...values: string[]): { value: string }[] => values.map((value) => ({ value }))
