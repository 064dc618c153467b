#!/usr/bin/env node
/**
 * Builds the native addon from source: `node-gyp rebuild` → build/Release/seglog.node.
 * `npm ci` runs this as the package's `install` script; `npm run build` runs it too. It ships in
 * the tarball (package.json `files`) because a user's npm runs it from node_modules/seglog.
 *
 * - Headers are Node's local ones, nothing is downloaded: when
 *   `<dirname(dirname(process.execPath))>/include/node/node_api.h` exists (a distro or official
 *   tarball install: /usr/bin/node → /usr), that directory is passed as `--nodedir`. An explicit
 *   `npm_config_nodedir` (from .npmrc or the environment) wins.
 * - node-gyp is npm's bundled copy: `npm_config_node_gyp` inside npm lifecycle scripts, else found
 *   next to the npm that `npm_execpath` names or that sits beside this Node, else a node-gyp
 *   installed in the project, else `node-gyp` on PATH.
 * - After the build, the addon is loaded once, so a build that links but cannot load counts as a
 *   failure.
 * - On failure it prints a warning that the pure-JS fallback will be used and exits 0, so
 *   installing never fails for want of a compiler; with SEGLOG_REQUIRE_NATIVE=1 it exits 1 (CI).
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const packageRoot = fileURLToPath(new URL('..', import.meta.url))
const addonPath = join(packageRoot, 'build', 'Release', 'seglog.node')
const requireNative = process.env.SEGLOG_REQUIRE_NATIVE === '1'

function nodeGypCommand() {
  const scripts = []
  if (process.env.npm_config_node_gyp) scripts.push(process.env.npm_config_node_gyp)
  if (process.env.npm_execpath) {
    // npm_execpath is <npm>/bin/npm-cli.js
    scripts.push(join(dirname(dirname(process.env.npm_execpath)), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'))
  }
  const prefix = dirname(dirname(process.execPath))
  scripts.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'))
  scripts.push(join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'))
  try {
    scripts.push(createRequire(join(packageRoot, 'package.json')).resolve('node-gyp/bin/node-gyp.js'))
  } catch {
    // not installed in the project: fine
  }
  const script = scripts.find((candidate) => existsSync(candidate))
  return script ? { command: process.execPath, args: [script] } : { command: 'node-gyp', args: [] }
}

function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [`--nodedir=${process.env.npm_config_nodedir}`]
  const prefix = dirname(dirname(process.execPath))
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : []
}

function fail(reason) {
  const message =
    `seglog: the native addon was not built (${reason}).\n` +
    'seglog: the pure-JS fallback will be used: same behaviour, slower CRC-32C, copies instead of mmap, ' +
    'a pid file instead of flock.'
  if (requireNative) {
    console.error(`${message}\nseglog: SEGLOG_REQUIRE_NATIVE=1 is set, so this is an error.`)
    process.exit(1)
  }
  console.warn(`WARNING: ${message}`)
  process.exit(0)
}

const { command, args } = nodeGypCommand()
const fullArgs = [...args, 'rebuild', ...nodedirArgs()]
console.log(`seglog: building the native addon: ${command} ${fullArgs.join(' ')}`)
const build = spawnSync(command, fullArgs, { cwd: packageRoot, stdio: 'inherit' })
if (build.error) fail(`could not run node-gyp: ${build.error.message}`)
if (build.status !== 0) fail(`node-gyp exited with ${build.status ?? build.signal}`)
if (!existsSync(addonPath)) fail(`${addonPath} is missing after the build`)

try {
  const addon = createRequire(import.meta.url)(addonPath)
  console.log(`seglog: native addon built: ${addonPath} (crc32c: ${addon.crc32cMethod})`)
} catch (err) {
  fail(`${addonPath} does not load: ${err instanceof Error ? err.message : String(err)}`)
}
