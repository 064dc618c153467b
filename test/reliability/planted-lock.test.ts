/**
 * The lock harness (test/crash/lock.test.ts with test/crash/lock-holder.mjs, reliability.md H8 /
 * FM-16) trusted only after it catches a planted bug: with SEGLOG_TEST_BUG=no-lock in the holder's
 * env the directory lock always succeeds, so the holder's own second Log.open and this process's
 * open of the same directory are not refused — the harness's checks must report both. The same run
 * without the bug must report nothing.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { Log } from '../../src/index.js'
import { distUrl } from '../helpers/dist.js'
import { plantedBugEnv } from '../helpers/planted-bug-env.js'
import { spawnNode } from '../helpers/line-child.js'
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js'
import { writeHarnessReport } from './model/harness-report.js'
import { settle } from './model/typed-error.js'

const holderPath = fileURLToPath(new URL('../crash/lock-holder.mjs', import.meta.url))
/** A guard on the child's start, not a measurement. */
const HOLDING_TIMEOUT_MS = 30_000

afterEach(removeTempDirs)

const caught: Record<string, boolean> = {}

afterAll(() => {
  writeHarnessReport({ harness: 'H8 planted lock', countName: 'runs', count: 2, faultKinds: ['second-opener'], seed: 0, violations: 0, plantedBugsCaught: caught })
})

/**
 * The lock harness's checks, as a list of what failed: the holder (a child with `env`) holds the
 * directory and tries a second open itself; then this process tries to open it too.
 */
async function lockHarnessProblems(env: NodeJS.ProcessEnv): Promise<string[]> {
  const dir = makeTempDir('seglog-planted-lock-')
  const holder = spawnNode([holderPath, distUrl('index.js'), dir], env)
  const problems: string[] = []
  try {
    const held = JSON.parse(await holder.waitForLine((line) => line.startsWith('{'), HOLDING_TIMEOUT_MS, 'its JSON line')) as {
      holding?: boolean
      secondOpenCode?: string | null
      error?: string
    }
    if (held.holding !== true) throw new Error(`the holder failed: ${JSON.stringify(held)}; stderr: ${holder.stderr}`)
    if (held.secondOpenCode !== 'LOG_LOCKED') problems.push(`a second Log.open in the holding process was not refused (${String(held.secondOpenCode)})`)
    const outcome = await settle(async () => {
      const second = await Log.open(dir)
      await second.close()
    })
    if ((outcome as { code?: unknown }).code !== 'LOG_LOCKED') problems.push('another process opened the directory while the holder had it open')
  } finally {
    await holder.kill('SIGKILL')
  }
  return problems
}

describe('planted bug: no-lock', () => {
  it('reports both second openers let in under SEGLOG_TEST_BUG=no-lock, and nothing without it', async () => {
    // Property: the lock harness detects a directory lock that never excludes anyone, and is quiet on the real lock.
    const bugged = await lockHarnessProblems(plantedBugEnv('no-lock'))
    caught['no-lock'] = bugged.length > 0
    expect(bugged).toEqual([
      'a second Log.open in the holding process was not refused (null)',
      'another process opened the directory while the holder had it open',
    ])
    expect(await lockHarnessProblems({})).toEqual([])
  })
})
