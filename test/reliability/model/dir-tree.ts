/**
 * "Nothing written" (FM-18): every entry under a directory with its size, so a refused call can be
 * shown to have created, removed, grown or shrunk nothing. Read with node:fs behind the engine's back.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** Relative path → size in bytes, or 'dir', for everything under `root` (sorted, so diffs read well). */
export function treeSizes(root: string): Record<string, number | 'dir'> {
  const out: Record<string, number | 'dir'> = {}
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      const stat = statSync(path)
      if (stat.isDirectory()) {
        out[prefix + name] = 'dir'
        walk(path, `${prefix}${name}/`)
      } else {
        out[prefix + name] = stat.size
      }
    }
  }
  walk(root, '')
  return out
}
