/**
 * The published package, as a user gets it: `npm pack` this checkout, `npm install` the tarball into
 * a fresh project, and run an append and a read there in a child `node` that imports 'seglog'.
 *
 * `npm test` runs this file twice, and each pass installs the way one kind of user does:
 * - native pass (SEGLOG_NO_NATIVE≠1): the project allows seglog's install script (`allowScripts`,
 *   which npm 11 consults), so the addon is built on install from the tarball's native/ and
 *   binding.gyp with npm's node-gyp; the child must have loaded that addon.
 * - fallback pass (SEGLOG_NO_NATIVE=1): `--ignore-scripts`, as when npm blocks a dependency's
 *   install script that the project has not approved; there is no build/, and the child must work
 *   on the pure-JS fallback with `nativeLoadError` set.
 *
 * The tarball is packed from the dist/ already built (`npm test` rebuilds it first; `--ignore-scripts`
 * keeps `prepare` from rewriting dist/ under other test files' child processes). Dependencies come
 * from the npm registry through the cache `npm ci` warmed (`--prefer-offline`).
 */
import { execFile, execFileSync, type ExecFileException } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js'

const execFileAsync = promisify(execFile)
const packageRoot = fileURLToPath(new URL('../../', import.meta.url))
const FALLBACK = process.env.SEGLOG_NO_NATIVE === '1'
// Packing, a cold compile of the addon on a loaded 2-core machine and a registry round trip if the
// cache is cold: seconds normally, but never worth a flaky timeout.
const STEP_TIMEOUT_MS = 240_000

/** npm's version, or why npm cannot be run here (the only reason this file skips). */
const npm = (() => {
  try {
    // Synchronous on purpose: whether to skip must be known when the tests are declared.
    return { version: execFileSync('npm', ['--version'], { encoding: 'utf8', env: childEnv() }).trim(), missing: null }
  } catch (err) {
    return { version: null, missing: err instanceof Error ? err.message : String(err) }
  }
})()

/**
 * The environment of nested npm and node processes: this test's own, minus what would make the
 * consumer something other than a fresh project.
 * - SEGLOG_*: the child picks its binding like a user's process (SEGLOG_NO_NATIVE=1 would mask the
 *   real reason in the fallback pass; CI's SEGLOG_REQUIRE_NATIVE=1 is set back only where wanted).
 * - npm_*: the outer `npm test` exports its lifecycle (package, local prefix, loglevel); the nested
 *   npm reads the same .npmrc files itself. Only an explicit cache, registry or config location is
 *   kept, so a warm cache chosen by the caller still serves this install.
 */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const kept = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_globalconfig'])
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (/^SEGLOG_/.test(name)) continue
    if (/^npm_/i.test(name) && !kept.has(name.toLowerCase())) continue
    env[name] = value
  }
  return { ...env, ...extra }
}

/** Runs a command; on failure throws with its output, which is where npm and node-gyp say why. */
async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: STEP_TIMEOUT_MS })
    return stdout
  } catch (err) {
    const e = err as ExecFileException & { stdout?: string; stderr?: string }
    throw new Error(`${command} ${args.join(' ')} failed (${e.code ?? e.signal}):\n${e.stdout ?? ''}\n${e.stderr ?? ''}`)
  }
}

interface PackResult {
  filename: string
  size: number
  unpackedSize: number
  files: { path: string; size: number }[]
}

interface ConsumerReport {
  resolvedFrom: string
  expectedValue: string
  baseOffset: number
  records: { offset: number; key: string | null; value: string | null }[]
  nativeLoadError: string | null
  loadedAddons: string[]
}

// The native pass needs an addon that builds here: this checkout's own build (npm ci made it) is
// the evidence; CI's SEGLOG_REQUIRE_NATIVE=1 demands it regardless.
const addonBuildsHere =
  process.env.SEGLOG_REQUIRE_NATIVE === '1' || fs.existsSync(path.join(packageRoot, 'build', 'Release', 'seglog.node'))

describe.skipIf(npm.version === null)(`the packed package (npm ${npm.version ?? `unavailable: ${npm.missing}`})`, () => {
  let workDir = ''
  let pack: PackResult

  beforeAll(async () => {
    if (!fs.existsSync(path.join(packageRoot, 'dist', 'index.js'))) {
      throw new Error('dist/index.js is missing: run `npx tsc -p tsconfig.build.json` (npm test does it)')
    }
    workDir = makeTempDir('seglog-pack-')
    const out = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', workDir], packageRoot, childEnv())
    pack = (JSON.parse(out) as PackResult[])[0]!
  }, STEP_TIMEOUT_MS)

  afterAll(removeTempDirs)

  it('ships what installing and running needs, and nothing of the repo around it', () => {
    const paths = pack.files.map((f) => f.path)
    // The install script, the addon's sources and build file, the compiled package, the docs.
    expect(paths).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'scripts/build-native.mjs',
        'binding.gyp',
        'native/binding.c',
        'native/seglog.h',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/cli/main.js',
        'docs/architecture.md',
      ]),
    )
    const strays = paths.filter(
      (p) =>
        /^(src|test|bench|build|data|node_modules|\.ci)\//.test(p) ||
        (p.startsWith('scripts/') && p !== 'scripts/build-native.mjs') ||
        p.endsWith('.map') || // the maps point into src/, which is not shipped
        /^(tsconfig|vitest)/.test(p),
    )
    expect(strays).toEqual([])
    // Every source file binding.gyp compiles is in the tarball: a missing one fails every user's build.
    const gypSources = [...fs.readFileSync(path.join(packageRoot, 'binding.gyp'), 'utf8').matchAll(/"(native\/[^"]+\.c)"/g)].map((m) => m[1]!)
    expect(gypSources.length).toBeGreaterThan(0)
    expect(paths).toEqual(expect.arrayContaining(gypSources))
  })

  it.skipIf(!FALLBACK && !addonBuildsHere)(
    FALLBACK
      ? 'installs with install scripts ignored and works on the pure-JS fallback, saying why'
      : 'installs with its install script allowed, builds the addon and works on it' +
          (addonBuildsHere ? '' : ' (skipped: this checkout has no build/Release/seglog.node, so the addon does not build here)'),
    async () => {
      const tarball = path.join(workDir, pack.filename)
      const project = path.join(workDir, FALLBACK ? 'fallback-app' : 'native-app')
      fs.mkdirSync(project)
      const manifest: Record<string, unknown> = { name: 'seglog-consumer', version: '1.0.0', private: true, type: 'module' }
      // npm 11 runs a dependency's install script only if the project approves it; a file
      // dependency is approved by its resolved spec (what `npm install-scripts approve` writes).
      if (!FALLBACK) manifest['allowScripts'] = { [`file:${tarball}`]: true }
      fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify(manifest, null, 2))

      const installArgs = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts']
      if (FALLBACK) installArgs.push('--ignore-scripts')
      // Native pass: a failed build fails the install, with node-gyp's output, instead of falling back.
      const installLog = await run('npm', [...installArgs, tarball], project, childEnv(FALLBACK ? {} : { SEGLOG_REQUIRE_NATIVE: '1' }))

      fs.copyFileSync(fileURLToPath(new URL('consumer-check.mjs', import.meta.url)), path.join(project, 'check.mjs'))
      const dataDir = path.join(project, 'data')
      const report = JSON.parse(await run(process.execPath, ['check.mjs', dataDir], project, childEnv())) as ConsumerReport

      const installed = path.join(project, 'node_modules', 'seglog')
      const addonPath = path.join(installed, 'build', 'Release', 'seglog.node')
      expect(report.resolvedFrom).toBe(pathToFileURL(path.join(installed, 'dist', 'index.js')).href)
      expect(report.records).toEqual([{ offset: report.baseOffset, key: 'k-1', value: report.expectedValue }])
      expect(report.baseOffset).toBe(0)
      expect(fs.readdirSync(path.join(dataDir, 'installed-0')).some((f) => f.endsWith('.log'))).toBe(true)

      if (FALLBACK) {
        expect(fs.existsSync(path.join(installed, 'build'))).toBe(false)
        expect(report.loadedAddons).toEqual([])
        expect(report.nativeLoadError).toContain(installed)
      } else {
        expect(installLog).toContain(`seglog: native addon built: ${addonPath}`)
        expect(report.nativeLoadError).toBeNull()
        expect(report.loadedAddons).toEqual([addonPath])
      }
    },
    STEP_TIMEOUT_MS,
  )
})
