/**
 * No API use crashes the process (api.md "Reading", issue 9 §1): a program may write into every
 * Buffer a read hands out — keys, values and header values of `read()` (point and bulk reads, in
 * sealed and active segments) and of `stream()` — on either binding, and that changes neither
 * another reader's records, nor a fresh read, nor the bytes on disk. On the native binding the
 * segments are read through a shared read-only mapping, so the same writes into views of it are a
 * SIGSEGV: the planted bug `shared-read-buffers` hands those views out, and this test must see the
 * child die. The writes run in a child process (test/crash/buffer-writer.mjs) so a crash is an
 * observation, not the end of the test run.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { Log } from '../../src/index.js'
import { binding } from '../../src/native/load.js'
import { distUrl } from '../helpers/dist.js'
import { spawnNode } from '../helpers/line-child.js'
import { plantedBugEnv } from '../helpers/planted-bug-env.js'
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js'

const writerPath = fileURLToPath(new URL('./buffer-writer.mjs', import.meta.url))
/** A guard on the child, not a measurement. */
const CHILD_TIMEOUT_MS = 60_000

afterEach(removeTempDirs)

interface WriterReport {
  done: boolean
  kinds: number
  buffersWritten: number
  mismatches: string[]
}

async function runWriter(dir: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawnNode([writerPath, distUrl('index.js'), dir], env)
  const exit = await Promise.race([
    child.exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`buffer-writer did not exit; stderr: ${child.stderr}`)), CHILD_TIMEOUT_MS)),
  ])
  const line = child.lines.find((l) => l.startsWith('{'))
  return { exit, report: line === undefined ? null : (JSON.parse(line) as WriterReport), stderr: child.stderr }
}

describe(`writing into returned Buffers (${binding.kind} binding)`, () => {
  it('leaves the child alive and every reader, a fresh read, a reopen and the disk with the written bytes', { timeout: CHILD_TIMEOUT_MS }, async () => {
    const dir = makeTempDir('seglog-buffer-writes-')
    const { exit, report, stderr } = await runWriter(dir)
    expect(exit, stderr).toEqual({ code: 0, signal: null })
    expect(report).not.toBeNull()
    expect(report!.done).toBe(true)
    expect(report!.mismatches).toEqual([])
    // Every kind of read was exercised: 5 kinds, each with key, value and header Buffers written.
    expect(report!.kinds).toBe(5)
    expect(report!.buffersWritten).toBeGreaterThan(60 * 3)
    // The reads spanned sealed segments and the active one.
    expect(readdirSync(join(dir, 't-0')).filter((name) => name.endsWith('.log')).length).toBeGreaterThan(2)

    // And this process, opening the directory afresh, reads what was written.
    const log = await Log.open(dir)
    try {
      const { records } = await log.partition('t', 0).read({ offset: 0 })
      expect(records.length).toBe(60)
      for (const r of records) {
        expect(r.key!.toString()).toBe(`key-${r.offset}`)
        expect(r.value!.subarray(0, `value-${r.offset}-`.length).toString()).toBe(`value-${r.offset}-`)
        expect(r.value!.includes(0xee)).toBe(false)
        expect(r.headers[0]![1]!.toString()).toBe(`header-${r.offset}`)
      }
    } finally {
      await log.close()
    }
  })

  it.runIf(binding.kind === 'native')('is caught when reads hand out views of the shared mapping (planted bug shared-read-buffers)', { timeout: CHILD_TIMEOUT_MS }, async () => {
    // Property: the test above would fail if the read path handed out the mapping itself.
    const { exit, report } = await runWriter(makeTempDir('seglog-buffer-writes-bug-'), plantedBugEnv('shared-read-buffers'))
    expect(report).toBeNull()
    expect(exit.signal ?? exit.code).not.toBe(0)
    expect(exit.signal).toBe('SIGSEGV')
  })
})
