/**
 * Child processes in tests (kill loops, lock holders, GC checks) run the compiled package in
 * `dist/`, because Node 20 cannot import TypeScript. `npm test` (scripts/test.mjs) rebuilds dist
 * before vitest starts, so it always matches src/.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** file:// URL of a compiled module, e.g. distUrl('native/load.js'). */
export function distUrl(relativePath: string): string {
  const url = new URL(`../../dist/${relativePath}`, import.meta.url)
  if (!existsSync(fileURLToPath(url))) {
    throw new Error(`${fileURLToPath(url)} is missing: run \`npx tsc -p tsconfig.build.json\` (npm test does it)`)
  }
  return url.href
}
