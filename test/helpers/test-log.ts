/**
 * Logs for the Kafka log-level ports (test/kafka/unified-log.test.ts, log-loader.test.ts), built
 * the way Kafka's UnifiedLogTest builds its logs: a manual clock standing in for Kafka's MockTime,
 * and every log opened through `useLogs` closed after the test.
 *
 * Why the clock starts far below the wall clock: time-based retention ages a segment by
 * min(largest record timestamp, file mtime, now) (partition.ts `retentionTimestamp`). With `now`
 * and the record timestamps decades before any file's mtime, the record timestamps decide, exactly
 * as they do in Kafka's tests — the mtime of a file just written never interferes.
 *
 * Register `useLogs()` after the temp directory hook (fixtures.ts `useTempDir`): vitest runs
 * afterEach hooks last-registered first, so the logs are closed before their directory goes.
 */
import { afterEach } from 'vitest'
import { Log, type LogOptions } from '../../src/log.js'

/** Kafka's MockTime: time moves only when the test says so. */
export class ManualClock {
  constructor(public nowMs = 1_000_000) {}

  readonly now = (): number => this.nowMs

  sleep(ms: number): void {
    this.nowMs += ms
  }
}

export interface TestLogs {
  /** Log.open with the given options, closed after the test unless the test closed it. */
  open(dir: string, options?: LogOptions): Promise<Log>
}

export function useLogs(): TestLogs {
  const opened: Log[] = []
  afterEach(async () => {
    for (const log of opened.splice(0)) await log.close().catch(() => {})
  })
  return {
    async open(dir, options) {
      const log = await Log.open(dir, options)
      opened.push(log)
      return log
    },
  }
}
