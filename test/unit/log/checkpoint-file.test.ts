import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defaultFileSystem } from '../../../src/io/file.js'
import { decodeCheckpoint, encodeCheckpoint, partitionKey, readCheckpoint, writeCheckpoint } from '../../../src/log/checkpoint-file.js'

const CRC32C = createRequire(import.meta.url)('crc-32/crc32c') as { buf(data: Uint8Array, seed?: number): number }

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seglog-ckpt-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** Kafka's lines with version 1 and the CRC-32C line, built independently of the encoder. */
function versionOne(lines: string[]): string {
  const body = ['1', ...lines].join('\n') + '\n'
  return body + (CRC32C.buf(Buffer.from(body)) >>> 0).toString(16).padStart(8, '0') + '\n'
}

describe('checkpoint files', () => {
  it('writes Kafka\'s text layout with version 1 and a CRC-32C line of the bytes above it', async () => {
    // Property: the file is Kafka's CheckpointFile plus a checksum line, and reads back verified.
    const entries = new Map([[partitionKey('orders', 0), 42], [partitionKey('orders.v2', 11), 0]])
    await writeCheckpoint(defaultFileSystem, dir, 'recovery-point-offset-checkpoint', entries)
    expect(readFileSync(join(dir, 'recovery-point-offset-checkpoint'), 'utf8')).toBe(versionOne(['2', 'orders 0 42', 'orders.v2 11 0']))
    expect(readCheckpoint(defaultFileSystem, dir, 'recovery-point-offset-checkpoint')).toEqual({ entries, verified: true })
  })

  it('reads a missing checkpoint as empty', () => {
    // Property: a new directory has no checkpoint, which is not an error (and nothing is unverified in it).
    expect(readCheckpoint(defaultFileSystem, dir, 'log-start-offset-checkpoint')).toEqual({ entries: new Map(), verified: true })
  })

  it('reads Kafka\'s version 0 (no checksum) as unverified', () => {
    // Property: files written before the checksum existed still choose where recovery starts, but
    // are marked so that open() never refuses on their numbers.
    expect(decodeCheckpoint('0\n1\nt 0 7\n')).toEqual({ entries: new Map([[partitionKey('t', 0), 7]]), verified: false })
  })

  it('reports any single damaged byte of a version 1 checkpoint as null', () => {
    // Property: the checksum covers every byte, so no bit flip turns one offset into another.
    const good = encodeCheckpoint(new Map([[partitionKey('t', 0), 1234], [partitionKey('u', 3), 99]]))
    for (let i = 0; i < good.length; i++) {
      for (const bit of [0, 3, 6]) {
        const bad = Buffer.from(good)
        bad[i]! ^= 1 << bit
        const decoded = decodeCheckpoint(bad.toString('latin1'))
        // A flip that only turns the version into 0 is Kafka's unverified format, never verified data.
        if (decoded !== null) expect(decoded.verified, `byte ${i} bit ${bit}`).toBe(false)
      }
    }
  })

  it('reports a malformed checkpoint as null instead of trusting any part of it', () => {
    // Property: wrong version, wrong count, torn lines, non-numbers or a wrong checksum are all rejected whole.
    const malformed = [
      '', '2\n0\n', '0\n2\nt 0 1\n', '0\n1\nt 0\n', '0\n1\nt x 1\n', '0\n1\nt 0 -1\n', '0\n1\nt 0 1e3\n', '\u0000\u0000\u0000',
      '1\n0\n', versionOne(['1', 't 0 1']).replace('t 0 1', 't 0 2'), versionOne(['2', 't 0 1']), versionOne(['1', 't 0 1']).slice(0, -3),
    ]
    for (const bad of malformed) expect(decodeCheckpoint(bad), JSON.stringify(bad)).toBeNull()
    writeFileSync(join(dir, 'cp'), '0\n3\na 0 1\n')
    expect(readCheckpoint(defaultFileSystem, dir, 'cp')).toBeNull()
  })

  it('round-trips an empty map', () => {
    // Property: zero entries is a valid checkpoint distinct from a corrupt one.
    expect(decodeCheckpoint(encodeCheckpoint(new Map()).toString())).toEqual({ entries: new Map(), verified: true })
  })
})
