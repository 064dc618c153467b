/**
 * Temporary directories for benchmark data, removed however the process ends: on return, on an
 * exception, on SIGINT/SIGTERM (a Ctrl-C mid-run must not leave a gigabyte behind). Only SIGKILL
 * escapes: bench/run.mjs gives each run one parent directory ($SEGLOG_BENCH_DIR) and removes it
 * when the run ends, which covers children it had to kill.
 *
 * Every directory is created under the bench root (machine.mjs chooseBenchRoot) with the prefix
 * TEMP_PREFIX, so stale ones are easy to find.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'

export const TEMP_PREFIX = 'seglog-bench-'

const live = new Set()
let hooked = false

function removeAll() {
  for (const dir of live) rmSync(dir, { recursive: true, force: true })
  live.clear()
}

function hookExit() {
  if (hooked) return
  hooked = true
  process.on('exit', removeAll)
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      removeAll()
      process.kill(process.pid, signal) // re-raise: the default handler sets the right exit status
    })
  }
}

/** A new empty directory `<root>/seglog-bench-<label>-XXXXXX`, removed at exit if not before. */
export function makeTempDir(root, label) {
  hookExit()
  const dir = mkdtempSync(join(root, `${TEMP_PREFIX}${label}-`))
  live.add(dir)
  return dir
}

/** Removes a directory made by makeTempDir now (large datasets should not wait for exit). */
export function removeTempDir(dir) {
  rmSync(dir, { recursive: true, force: true })
  live.delete(dir)
}
