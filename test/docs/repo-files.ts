/**
 * The files of the repository that hold the project's prose: every Markdown document (untracked
 * ones too), and the source files whose comments cite documents. Dependency folders — every
 * `node_modules`, `bench/peers/node_modules` included — VCS data and build outputs are left out.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

/** Folders that are not the project's documents: dependencies, VCS data, generated output. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'build', 'dist', 'dist-check'])

/** Where the source files live, from the repository root. */
const SOURCE_DIRS = ['src', 'native', 'test', 'scripts', 'bench']

/** Every file under `dir` whose name passes `wanted`, sorted, skipping `skipped` folders too. */
function filesUnder(dir: string, wanted: (name: string) => boolean, skipped: ReadonlySet<string> = new Set()): string[] {
  const files: string[] = []
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !skipped.has(entry.name)) walk(join(current, entry.name))
      } else if (entry.isFile() && wanted(entry.name)) {
        files.push(join(current, entry.name))
      }
    }
  }
  walk(dir)
  return files.sort()
}

export function markdownFiles(root: string): string[] {
  return filesUnder(root, (name) => name.endsWith('.md'))
}

/** Source files under src/, native/, test/, scripts/ and bench/ that `wanted` accepts, without benchmark results. */
export function sourceFiles(root: string, wanted: (name: string) => boolean): string[] {
  const skipped = new Set(['results'])
  return SOURCE_DIRS.filter((dir) => existsSync(join(root, dir))).flatMap((dir) => filesUnder(join(root, dir), wanted, skipped))
}
