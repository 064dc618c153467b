/**
 * H8 locks (reliability.md FM-16): one writer per log directory. A second process, or a second
 * `Log.open` in the same process, is refused with LOG_LOCKED while the first holds the directory;
 * the lock dies with its holder, so a SIGKILLed holder never leaves a stale lock. Runs on whichever
 * binding the suite runs on (flock through the addon, or the fallback's pid file).
 */
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { Log } from '../../src/index.js'
import { distUrl } from '../helpers/dist.js'
import { spawnNode } from '../helpers/line-child.js'
import { batchRecords, isIntactRecord } from '../helpers/record-values.mjs'
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js'

const holderPath = fileURLToPath(new URL('./lock-holder.mjs', import.meta.url))
/** A guard on the child's start, not a measurement. */
const HOLDING_TIMEOUT_MS = 30_000

afterEach(removeTempDirs)

describe('log directory lock', () => {
  it('refuses a second process with LOG_LOCKED while a child holds the log, and opens once the child is SIGKILLed', async () => {
    // Property: another live process's lock is respected (in that process too), and kill -9 leaves no stale lock.
    const dir = makeTempDir('seglog-lock-')
    const holder = spawnNode([holderPath, distUrl('index.js'), dir])
    let held: { holding?: boolean; baseOffset?: number; secondOpenCode?: string | null; error?: string }
    try {
      held = JSON.parse(await holder.waitForLine((line) => line.startsWith('{'), HOLDING_TIMEOUT_MS, 'its JSON line'))
      expect(held, holder.stderr).toEqual({ holding: true, baseOffset: 0, secondOpenCode: 'LOG_LOCKED' })

      const refused = Log.open(dir)
      await expect(refused).rejects.toMatchObject({ code: 'LOG_LOCKED' })
      await expect(refused).rejects.toThrow(dir)
      // Refusing twice works too: a refused open released whatever it touched.
      await expect(Log.open(dir)).rejects.toMatchObject({ code: 'LOG_LOCKED' })
    } finally {
      const exit = await holder.kill('SIGKILL')
      expect(exit.signal).toBe('SIGKILL')
    }

    const log = await Log.open(dir)
    try {
      expect(log.recovery.cleanShutdown).toBe(false)
      // The holder's acknowledged record survived both the refused opens and the kill.
      const { records, highWatermark } = await log.partition('t', 0).read({ offset: 0 })
      expect(highWatermark).toBe(1)
      expect(records.map((r) => r.key?.toString())).toEqual(['holder#0/1'])
      expect(isIntactRecord(records[0]!.key, records[0]!.value)).toBe(true)
    } finally {
      await log.close()
    }
  })

  it('refuses a second Log.open in the same process while the first is open, and allows it after close', async () => {
    // Property: the lock excludes this process too (flock or pid file, not fcntl), and close releases it.
    const dir = makeTempDir('seglog-lock-')
    const first = await Log.open(dir)
    try {
      await expect(Log.open(dir)).rejects.toMatchObject({ code: 'LOG_LOCKED' })
      // The refused open did not disturb the holder: it still writes and reads.
      await first.createTopic('t', { partitions: 1 })
      await first.partition('t', 0).append(batchRecords('first', 2), { acks: 'all' })
      await expect(Log.open(dir)).rejects.toMatchObject({ code: 'LOG_LOCKED' })
    } finally {
      await first.close()
    }

    const again = await Log.open(dir)
    try {
      expect(again.recovery.cleanShutdown).toBe(true)
      const { records } = await again.partition('t', 0).read({ offset: 0 })
      expect(records.map((r) => r.key?.toString())).toEqual(['first#0/2', 'first#1/2'])
    } finally {
      await again.close()
    }
  })
})
