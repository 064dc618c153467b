import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defaultFileSystem } from '../../../src/io/file.js'
import { decodeCheckpoint, encodeCheckpoint, partitionKey, readCheckpoint, writeCheckpoint } from '../../../src/log/checkpoint-file.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seglog-ckpt-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('checkpoint files', () => {
  it('writes Kafka\'s text layout: version, count, one "<topic> <partition> <offset>" line each', async () => {
    // Property: the file is byte-compatible with Kafka's CheckpointFile and reads back the same map.
    const entries = new Map([[partitionKey('orders', 0), 42], [partitionKey('orders.v2', 11), 0]])
    await writeCheckpoint(defaultFileSystem, dir, 'recovery-point-offset-checkpoint', entries)
    expect(readFileSync(join(dir, 'recovery-point-offset-checkpoint'), 'utf8')).toBe('0\n2\norders 0 42\norders.v2 11 0\n')
    expect(readCheckpoint(defaultFileSystem, dir, 'recovery-point-offset-checkpoint')).toEqual(entries)
  })

  it('reads a missing checkpoint as empty', () => {
    // Property: a new directory has no checkpoint, which is not an error.
    expect(readCheckpoint(defaultFileSystem, dir, 'log-start-offset-checkpoint')).toEqual(new Map())
  })

  it('reports a malformed checkpoint as null instead of trusting any part of it', () => {
    // Property: wrong version, wrong count, torn lines or non-numbers are all rejected whole.
    for (const bad of ['', '1\n0\n', '0\n2\nt 0 1\n', '0\n1\nt 0\n', '0\n1\nt x 1\n', '0\n1\nt 0 -1\n', '0\n1\nt 0 1e3\n', '\u0000\u0000\u0000']) {
      expect(decodeCheckpoint(bad), JSON.stringify(bad)).toBeNull()
    }
    writeFileSync(join(dir, 'cp'), '0\n3\na 0 1\n')
    expect(readCheckpoint(defaultFileSystem, dir, 'cp')).toBeNull()
  })

  it('round-trips an empty map', () => {
    // Property: zero entries is a valid checkpoint distinct from a corrupt one.
    expect(decodeCheckpoint(encodeCheckpoint(new Map()).toString())).toEqual(new Map())
  })
})
