/**
 * Planted bugs (src/test-bugs.ts) need two variables: SEGLOG_TEST_BUG alone must leave the shipped
 * engine intact. Each case runs the compiled engine in a child, since the variables are read once
 * when the module loads.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { parseTestBugs, TEST_BUG_GATE_VALUE } from '../../../src/test-bugs.js'
import { distUrl } from '../../helpers/dist.js'
import { spawnNode } from '../../helpers/line-child.js'
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dirs.js'

afterAll(removeTempDirs)

const childPath = new URL('./test-bugs-child.mjs', import.meta.url).pathname

interface ChildResult {
  openError?: { name: string; code: string; message: string }
  testBugs?: string[]
  metricsTestBugs?: string[]
  fdatasyncs?: number
  warnings?: string[]
}

async function runChild(env: Record<string, string>): Promise<ChildResult> {
  // The parent's own variables must not leak in: only `env` decides.
  const child = spawnNode([childPath, distUrl(''), makeTempDir('seglog-test-bugs-')], { SEGLOG_TEST_BUG: '', SEGLOG_TEST_BUG_GATE: '', ...env })
  const exit = await child.exited
  expect(exit, child.stderr).toEqual({ code: 0, signal: null })
  return JSON.parse(child.lines.at(-1)!) as ChildResult
}

describe('parseTestBugs', () => {
  it('plants nothing from SEGLOG_TEST_BUG alone, and lists the names as ignored', () => {
    expect(parseTestBugs({ SEGLOG_TEST_BUG: 'skip-fsync,no-lock' })).toEqual({ active: new Set(), unknown: [], ignored: ['skip-fsync', 'no-lock'] })
    expect(parseTestBugs({ SEGLOG_TEST_BUG: 'skip-fsync', SEGLOG_TEST_BUG_GATE: 'yes' }).active.size).toBe(0)
  })

  it('plants the named bugs with the gate open, and sets unknown names apart', () => {
    const state = parseTestBugs({ SEGLOG_TEST_BUG: 'skip-fsync, skip-fsnyc', SEGLOG_TEST_BUG_GATE: TEST_BUG_GATE_VALUE })
    expect([...state.active]).toEqual(['skip-fsync'])
    expect(state.unknown).toEqual(['skip-fsnyc'])
  })
})

describe('planted bugs in a child process', () => {
  it('SEGLOG_TEST_BUG=skip-fsync alone does nothing: the append is fdatasynced and nothing reports a bug', async () => {
    const result = await runChild({ SEGLOG_TEST_BUG: 'skip-fsync' })
    expect(result.fdatasyncs).toBeGreaterThan(0)
    expect(result.testBugs).toEqual([])
    expect(result.metricsTestBugs).toEqual([])
    expect(result.warnings).toContain('SEGLOG_TEST_BUG_IGNORED')
    expect(result.warnings).not.toContain('SEGLOG_TEST_BUG')
  })

  it('with the gate, skip-fsync skips the fdatasync, warns, and shows in recovery and metrics', async () => {
    const result = await runChild({ SEGLOG_TEST_BUG: 'skip-fsync', SEGLOG_TEST_BUG_GATE: TEST_BUG_GATE_VALUE })
    expect(result.fdatasyncs).toBe(0)
    expect(result.testBugs).toEqual(['skip-fsync'])
    expect(result.metricsTestBugs).toEqual(['skip-fsync'])
    expect(result.warnings).toContain('SEGLOG_TEST_BUG')
  })

  it('with the gate, an unknown name makes Log.open refuse', async () => {
    const result = await runChild({ SEGLOG_TEST_BUG: 'skip-fsnyc', SEGLOG_TEST_BUG_GATE: TEST_BUG_GATE_VALUE })
    expect(result.openError).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' })
    expect(result.openError!.message).toContain('skip-fsnyc')
  })

  it('without any variable, no bug and no warning', async () => {
    const result = await runChild({})
    expect(result.fdatasyncs).toBeGreaterThan(0)
    expect(result.testBugs).toEqual([])
    expect(result.warnings).toEqual([])
  })
})
