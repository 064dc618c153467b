import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import { constants as osConstants } from 'node:os'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { NativeBinding } from '../../../src/native/binding.js'
import { binding, fallbackBinding, nativeBinding, nativeLoadError } from '../../../src/native/load.js'
import { bindings, fixturePath, makeTempDir, packageRoot, removeTempDirs, runNode, sourceUrl, tsChildArgs } from './helpers.js'

afterEach(removeTempDirs)

interface LoadReport {
  kind: string
  nativeLoaded: boolean
  loadErrorIsError: boolean
  loadErrorMessage: string | null
}

async function reportFrom(loadUrl: string, env: NodeJS.ProcessEnv): Promise<LoadReport> {
  const result = await runNode([...tsChildArgs, fixturePath('load-report.mjs'), loadUrl], env)
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  return JSON.parse(result.stdout) as LoadReport
}

describe('loading the binding', () => {
  it.runIf(process.env.SEGLOG_REQUIRE_NATIVE === '1' && process.env.SEGLOG_NO_NATIVE !== '1')(
    'uses the addon when SEGLOG_REQUIRE_NATIVE=1',
    () => {
      // Property: CI that requires the addon cannot silently test the fallback twice.
      expect(nativeLoadError).toBeNull()
      expect(binding.kind).toBe('native')
    },
  )

  it('defaults to the addon when it loaded and to the fallback otherwise', () => {
    // Property: exactly one of nativeBinding / nativeLoadError is set, and binding follows it.
    expect(nativeBinding === null).toBe(nativeLoadError !== null)
    expect(binding).toBe(nativeBinding ?? fallbackBinding)
    expect(binding.kind).toBe(nativeBinding ? 'native' : 'fallback')
  })

  it('uses the fallback and says why when SEGLOG_NO_NATIVE=1', async () => {
    // Property: the env switch forces the pure-JS twin, and nativeLoadError explains it.
    const report = await reportFrom(sourceUrl('src/native/load.ts'), { SEGLOG_NO_NATIVE: '1' })
    expect(report).toMatchObject({ kind: 'fallback', nativeLoaded: false, loadErrorIsError: true })
    expect(report.loadErrorMessage).toContain('SEGLOG_NO_NATIVE=1')
  })

  it('falls back with nativeLoadError set when the addon is missing', async () => {
    // Property: a package without a build still works; the error names where it looked.
    const copyRoot = makeTempDir()
    fs.cpSync(path.join(packageRoot, 'src'), path.join(copyRoot, 'src'), { recursive: true })
    const loadUrl = pathToFileURL(path.join(copyRoot, 'src', 'native', 'load.ts')).href
    // NODE_PATH lets the copy require node-gyp-build and crc-32 from this checkout.
    const report = await reportFrom(loadUrl, { SEGLOG_NO_NATIVE: undefined, NODE_PATH: path.join(packageRoot, 'node_modules') })
    expect(report).toMatchObject({ kind: 'fallback', nativeLoaded: false, loadErrorIsError: true })
    expect(report.loadErrorMessage).toContain(copyRoot)
  })
})

describe.each(bindings.map((b) => [b.kind, b] as const))('bad arguments (%s)', (_kind, b) => {
  // Property (whole block): bad input throws Node-style typed errors, identical in both bindings,
  // and never reaches a system call or crashes the process.
  const lax = b as unknown as Record<keyof NativeBinding, (...args: unknown[]) => unknown>
  const typeError = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }
  const rangeError = { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }

  it('rejects fds that are not non-negative int32 numbers', () => {
    // Property: fd checks for every function that takes one.
    const calls: [string, (fd: unknown) => unknown][] = [
      ['mapFile', (fd) => lax.mapFile(fd, 0, 1)],
      ['sendfile out', (fd) => lax.sendfile(fd, 0, 0, 1)],
      ['sendfile in', (fd) => lax.sendfile(1, fd, 0, 1)],
      ['fallocate', (fd) => lax.fallocate(fd, 0, 1)],
    ]
    for (const [name, call] of calls) {
      for (const fd of [-1, 1.5, NaN, 2 ** 31, Infinity]) {
        expect(() => call(fd), `${name}(${fd})`).toThrow(expect.objectContaining(rangeError))
      }
      for (const fd of ['3', null, undefined, {}, 3n]) {
        expect(() => call(fd), `${name}(${String(fd)})`).toThrow(expect.objectContaining(typeError))
      }
    }
  })

  it('rejects positions and lengths that are not safe non-negative integers', () => {
    // Property: NaN, negatives, fractions and unsafe integers never become a file offset.
    for (const bad of [NaN, -1, 0.5, 2 ** 53, -Infinity]) {
      expect(() => lax.mapFile(0, bad, 1), `mapFile position ${bad}`).toThrow(expect.objectContaining(rangeError))
      expect(() => lax.mapFile(0, 0, bad), `mapFile length ${bad}`).toThrow(expect.objectContaining(rangeError))
      expect(() => lax.sendfile(1, 0, bad, 1), `sendfile position ${bad}`).toThrow(expect.objectContaining(rangeError))
      expect(() => lax.sendfile(1, 0, 0, bad), `sendfile length ${bad}`).toThrow(expect.objectContaining(rangeError))
      expect(() => lax.fallocate(0, bad, 1), `fallocate position ${bad}`).toThrow(expect.objectContaining(rangeError))
      expect(() => lax.fallocate(0, 0, bad), `fallocate length ${bad}`).toThrow(expect.objectContaining(rangeError))
    }
    expect(() => lax.mapFile(0, '0', 1)).toThrow(expect.objectContaining(typeError))
    expect(() => lax.mapFile(0, 0, 2 ** 52)).toThrow(expect.objectContaining(rangeError)) // > buffer.constants.MAX_LENGTH
  })

  it('rejects crc32c data that is not bytes, and a crc that is not a number', () => {
    // Property: strings, arrays and ArrayBuffers are not silently checksummed as something else.
    for (const data of ['123456789', [1, 2, 3], new ArrayBuffer(4), null, undefined, 42]) {
      expect(() => lax.crc32c(data), String(data)).toThrow(expect.objectContaining(typeError))
    }
    expect(() => lax.crc32c(Buffer.from('x'), '0')).toThrow(expect.objectContaining(typeError))
  })

  it('rejects lock paths that are not strings or contain null bytes', () => {
    // Property: a path cut at a null byte in C would lock a different file.
    expect(() => lax.lockFile(42)).toThrow(expect.objectContaining(typeError))
    expect(() => lax.lockFile(undefined)).toThrow(expect.objectContaining(typeError))
    const dir = makeTempDir()
    expect(() => lax.lockFile(path.join(dir, 'a\u0000b'))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    expect(fs.readdirSync(dir)).toEqual([])
  })

  it('rejects unknown advice and non-Buffer mappings', () => {
    // Property: advice is one of the five names; the mapping must be a Buffer.
    const mapping = Buffer.alloc(8)
    expect(() => lax.adviseMapping(mapping, 'sometimes')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    expect(() => lax.adviseMapping('not a buffer', 'normal')).toThrow(expect.objectContaining(typeError))
  })

  it('reports a failed system call with its errno name, negative errno and syscall', () => {
    // Property: system errors look like Node's own, in both bindings.
    const closedFd = fs.openSync(path.join(makeTempDir(), 'f'), 'w')
    fs.closeSync(closedFd)
    expect(() => b.mapFile(closedFd, 0, 1)).toThrow(
      expect.objectContaining({ code: 'EBADF', errno: -osConstants.errno.EBADF, syscall: 'fstat' }),
    )
  })
})

describe.runIf(nativeBinding !== null)('bad arguments to the raw addon', () => {
  it('throws typed errors for anything that slips past the wrapper, without crashing', () => {
    // Property: the C side checks its arguments too (defence in depth); the process survives every call.
    const raw = createRequire(import.meta.url)('node-gyp-build')(packageRoot) as Record<string, (...args: unknown[]) => unknown>
    const fdCalls = ['mapFile', 'sendfile', 'fallocate'] as const
    const garbage: unknown[] = [undefined, null, -1, NaN, 1.5, 2 ** 31, 2 ** 60, '1', {}, [], Symbol('x'), 1n]
    for (const name of fdCalls) {
      for (const value of garbage) {
        const args = name === 'sendfile' ? [value, 0, 0, 1] : [value, 0, 1]
        expect(() => raw[name]!(...args), `${name}(${String(value)})`).toThrow(expect.objectContaining({ code: expect.stringMatching(/^ERR_/) }))
      }
      expect(() => raw[name]!(), `${name}()`).toThrow(expect.objectContaining({ code: 'ERR_MISSING_ARGS' }))
    }
    for (const value of [undefined, null, 'text', 7, {}, new ArrayBuffer(8)]) {
      expect(() => raw.crc32c!(value, 0), `crc32c(${String(value)})`).toThrow(TypeError)
    }
    expect(() => raw.lockFile!(17)).toThrow(TypeError)
    expect(() => raw.lockFile!('a\u0000b')).toThrow(TypeError)
    expect(() => raw.lockFile!('x'.repeat(5000))).toThrow(expect.objectContaining({ code: 'ENAMETOOLONG' }))
    expect(() => raw.adviseMapping!({}, 0)).toThrow(TypeError)
    expect(() => raw.adviseMapping!(Buffer.alloc(1), 9)).toThrow(RangeError)
    expect(() => raw.unlockFile!(-1)).toThrow(RangeError)
  })
})
