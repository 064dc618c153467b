import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { defaultFileSystem } from '../../../src/io/file.js'
import { SCAN_BUFFER_BYTES } from '../../../src/limits.js'
import { hasValidBatchAfter } from '../../../src/segment/tail-damage.js'
import { recordBatch, useTempDir } from '../../kafka/fixtures.js'

const dir = useTempDir()
const fds: number[] = []

afterEach(() => {
  for (const fd of fds.splice(0)) defaultFileSystem.close(fd)
})

/** Whether a valid batch with base offset ≥ `minBaseOffset` follows position `damageAt` in a file of `bytes`. */
function validAfter(bytes: Buffer, damageAt: number, minBaseOffset: number): boolean {
  const path = join(dir.path, '00000000000000000000.log')
  writeFileSync(path, bytes)
  const fd = defaultFileSystem.open(path, 'readwrite')
  fds.push(fd)
  return hasValidBatchAfter(defaultFileSystem, fd, bytes.length, damageAt, minBaseOffset)
}

describe('hasValidBatchAfter (torn tail or corruption)', () => {
  const first = recordBatch(0, ['a', 'b'])
  const garbage = Buffer.alloc(100, 0xab)

  test('finds an intact batch after damage, wherever it starts', () => {
    // Property: a valid later batch means the damage is not a torn tail, also when it lies past
    // the first scan window or straddles two windows.
    const later = recordBatch(2, ['c'])
    expect(validAfter(Buffer.concat([first, garbage, later]), first.length, 2)).toBe(true)
    for (const gap of [SCAN_BUFFER_BYTES + 7, SCAN_BUFFER_BYTES - 20]) {
      expect(validAfter(Buffer.concat([first, Buffer.alloc(gap), later]), first.length, 2)).toBe(true)
    }
  })

  test('zeros, garbage, a batch failing its CRC or one below the minimum offset are no valid batch', () => {
    // Property: only a batch that parses, passes its CRC and could belong after the damage counts.
    expect(validAfter(Buffer.concat([first, Buffer.alloc(4096)]), first.length, 2)).toBe(false)
    expect(validAfter(Buffer.concat([first, garbage]), first.length, 2)).toBe(false)
    const damaged = Buffer.from(recordBatch(2, ['c']))
    damaged[damaged.length - 1]! ^= 0xff
    expect(validAfter(Buffer.concat([first, garbage, damaged]), first.length, 2)).toBe(false)
    expect(validAfter(Buffer.concat([first, garbage, recordBatch(0, ['old'])]), first.length, 2)).toBe(false)
  })

  test('the damaged batch itself is not counted', () => {
    // Property: the search starts after the damage position, so an intact batch exactly there
    // (damage found by an offset check, not its CRC) does not count as following it.
    expect(validAfter(Buffer.concat([first, recordBatch(2, ['c'])]), first.length, 2)).toBe(false)
  })
})
