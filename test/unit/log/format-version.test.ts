import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defaultFileSystem } from '../../../src/io/file.js'
import { ensureFormatVersion, FORMAT_MAJOR } from '../../../src/log/format-version.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seglog-format-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('FORMAT file', () => {
  it('is created for a new directory and accepted on the next open', async () => {
    // Property: a fresh directory gets the current version, and that version reads back.
    expect(await ensureFormatVersion(defaultFileSystem, dir)).toEqual({ major: FORMAT_MAJOR, minor: 0 })
    expect(JSON.parse(readFileSync(join(dir, 'FORMAT'), 'utf8'))).toMatchObject({ format: 'seglog', major: FORMAT_MAJOR })
    expect(await ensureFormatVersion(defaultFileSystem, dir)).toEqual({ major: FORMAT_MAJOR, minor: 0 })
  })

  it('refuses a newer major version with UNSUPPORTED_FORMAT_VERSION', async () => {
    // Property: a directory written by a future seglog is never guessed at.
    writeFileSync(join(dir, 'FORMAT'), JSON.stringify({ format: 'seglog', major: FORMAT_MAJOR + 1, minor: 0 }))
    await expect(ensureFormatVersion(defaultFileSystem, dir)).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT_VERSION' })
  })

  it('accepts a newer minor version and rejects a file that is not ours', async () => {
    // Property: minor versions are compatible; garbage is a typed error, not a crash.
    writeFileSync(join(dir, 'FORMAT'), JSON.stringify({ format: 'seglog', major: FORMAT_MAJOR, minor: 7 }))
    expect(await ensureFormatVersion(defaultFileSystem, dir)).toEqual({ major: FORMAT_MAJOR, minor: 7 })
    writeFileSync(join(dir, 'FORMAT'), 'kafka')
    await expect(ensureFormatVersion(defaultFileSystem, dir)).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT_VERSION' })
  })
})
