/**
 * Shared by the native binding tests: the bindings to run every behaviour against, temp dirs, and
 * child processes (plain Node scripts, or scripts importing the TypeScript sources through
 * fixtures/register-ts.mjs).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { NativeBinding } from '../../../src/native/binding.js'
import { fallbackBinding, nativeBinding } from '../../../src/native/load.js'

export const packageRoot = fileURLToPath(new URL('../../../', import.meta.url))

/** file: URL of a source file, for children that import it through the TypeScript hooks. */
export function sourceUrl(relativePath: string): string {
  return pathToFileURL(path.join(packageRoot, relativePath)).href
}

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
}

/** Every binding available in this run: the addon (unless disabled or not built) and the fallback. */
export const bindings: NativeBinding[] = [nativeBinding, fallbackBinding].filter((b): b is NativeBinding => b !== null)

/** Temp dirs made by `makeTempDir`, removed by `removeTempDirs` (call it in afterEach). */
const tempDirs: string[] = []

export function makeTempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglog-native-'))
  tempDirs.push(dir)
  return dir
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
}

/** Writes `bytes` to a new file in `dir` and returns its path. */
export function writeFile(dir: string, name: string, bytes: Uint8Array): string {
  const filePath = path.join(dir, name)
  fs.writeFileSync(filePath, bytes)
  return filePath
}

/** Deterministic pseudo-random bytes (xorshift32), so a failure reproduces. */
export function patternBytes(length: number, seed = 0x9e3779b9): Buffer {
  const bytes = Buffer.allocUnsafe(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    bytes[i] = x & 0xff
  }
  return bytes
}

export interface ChildResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Node arguments that let a child import .ts sources (see fixtures/ts-hooks.mjs). */
export const tsChildArgs = ['--import', pathToFileURL(fixturePath('register-ts.mjs')).href]

export function startNode(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Runs `node args…` to completion. */
export function runNode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildResult> {
  const child = startNode(args, env)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}

/** Resolves with the first line the child prints; rejects if it exits first. */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const end = stdout.indexOf('\n')
      if (end >= 0) resolve(stdout.slice(0, end))
    })
    child.on('exit', (code, signal) => reject(new Error(`child exited (${code ?? signal}) before a line: ${stderr}`)))
  })
}

/** Kills the child with `signal` and waits until it is gone. */
export function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.on('exit', () => resolve())
    child.kill(signal)
  })
}
