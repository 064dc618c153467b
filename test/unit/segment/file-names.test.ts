import { describe, expect, test } from 'vitest'
import { formatBaseOffset, parseSegmentFileName, segmentFileName } from '../../../src/segment/file-names.js'

describe('segment file names', () => {
  test('pads the base offset to 20 digits, as Kafka names segments', () => {
    // Property: names match Kafka's LogFileUtils byte for byte.
    expect(segmentFileName(0, 'log')).toBe('00000000000000000000.log')
    expect(segmentFileName(1234, 'snapshot')).toBe('00000000000000001234.snapshot')
    expect(segmentFileName(368769, 'timeindex', '.swap')).toBe('00000000000000368769.timeindex.swap')
    expect(formatBaseOffset(Number.MAX_SAFE_INTEGER)).toBe('00009007199254740991')
    expect(() => formatBaseOffset(-1)).toThrow(RangeError)
  })

  test('parses every kind and transient suffix back', () => {
    // Property: parse inverts format for all kinds and suffixes.
    for (const kind of ['log', 'index', 'timeindex', 'txnindex', 'snapshot'] as const) {
      for (const transient of [null, '.deleted', '.cleaned', '.swap', '.tmp'] as const) {
        expect(parseSegmentFileName(segmentFileName(4242, kind, transient))).toEqual({ baseOffset: 4242, kind, transient })
      }
    }
  })

  test('rejects names that are not ours', () => {
    // Property: stray files are never mistaken for segments.
    for (const name of [
      '0.log',
      '0000000000000000000.log',
      '000000000000000000000.log',
      '00000000000000000000.logx',
      '00000000000000000000.log.bak',
      '00000000000000000000.deleted',
      '00000000000000000000.log.deleted.swap',
      'leader-epoch-checkpoint',
      '.lock',
      '99999999999999999999.log', // beyond 2^53
    ]) {
      expect(parseSegmentFileName(name)).toBeNull()
    }
  })
})
