import { describe, expect, test } from 'vitest'
import { SeglogError } from '../../../src/errors.js'
import { asSeglogError, ioFailure } from '../../../src/io/io-errors.js'

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: injected`), { code })

describe('asSeglogError: one way an I/O failure becomes a seglog error', () => {
  test('a full disk is DISK_FULL, another errno STORAGE_ERROR, both with the system error as cause', () => {
    for (const code of ['ENOSPC', 'EDQUOT']) {
      const err = errno(code)
      expect(asSeglogError(err, 'writing x')).toMatchObject({ code: 'DISK_FULL', cause: err })
    }
    const eio = errno('EIO')
    expect(asSeglogError(eio, 'writing x')).toMatchObject({ code: 'STORAGE_ERROR', cause: eio })
    expect(asSeglogError(eio, 'writing x').message).toContain('writing x')
  })

  test('a SeglogError passes through unchanged; anything else is STORAGE_ERROR', () => {
    const seglog = new SeglogError('CORRUPT_INDEX', 'bad index')
    expect(asSeglogError(seglog, 'opening x')).toBe(seglog)
    const other = new Error('not an errno')
    expect(asSeglogError(other, 'opening x')).toMatchObject({ code: 'STORAGE_ERROR', cause: other })
  })

  test('ioFailure still answers null for what is not a system error', () => {
    // Property: its callers (Log.open) rethrow such errors as they are.
    expect(ioFailure(new Error('not an errno'), 'x')).toBeNull()
    expect(ioFailure(new SeglogError('DISK_FULL', 'full'), 'x')).toBeNull()
  })
})
