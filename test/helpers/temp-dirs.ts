/**
 * Temp directories for crash and fault tests: `makeTempDir` under os.tmpdir(), all removed by
 * `removeTempDirs` (call it in afterEach/afterAll). Removal is forced and recursive: a killed child
 * may leave any file behind.
 */
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

const made: string[] = []

export function makeTempDir(prefix = 'seglog-crash-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  made.push(dir)
  return dir
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
}
