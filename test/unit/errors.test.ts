/**
 * Errors a program can act on (issue 9 §6): SeglogError carries its facts as fields beside the
 * message — path, position, offset, topic, partition and, for CORRUPT_RECORD, the kind of damage —
 * and a control batch that holds other than one record is CORRUPT_RECORD wherever it is met.
 */
import { openSync, readdirSync, writeSync, closeSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { addErrorDetails, SeglogError } from '../../src/errors.js'
import { ATTRIBUTES_POS, CRC_POS } from '../../src/format/batch-header.js'
import { decodeBatch, encodeBatch } from '../../src/format/batch.js'
import { decodeControlRecord } from '../../src/format/control.js'
import { crc32c } from '../../src/format/crc32c.js'
import { Log } from '../../src/log.js'
import { TxnReplay } from '../../src/segment/txn-replay.js'
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js'

afterEach(removeTempDirs)

/** A transactional batch of two records with the control bit set and a valid CRC: damage only a CRC cannot see. */
function controlBatchOfTwoRecords(): Buffer {
  const batch = encodeBatch([{ value: 'a' }, { value: 'b' }], { producerId: 7, producerEpoch: 0, baseSequence: 0, transactional: true })
  batch.writeInt16BE(batch.readInt16BE(ATTRIBUTES_POS) | 0x20, ATTRIBUTES_POS)
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_POS)), CRC_POS)
  return batch
}

describe('SeglogError fields', () => {
  it('carries only the facts it was given, as enumerable read-only fields, and addErrorDetails fills in only what is missing', () => {
    // Property: a program reads err.path / err.position … instead of parsing the message; absent
    // facts are absent (not undefined own properties), and a layer above never overwrites a fact.
    const err = new SeglogError('CORRUPT_RECORD', 'm', { path: '/x.log', position: 61, reason: 'crc-mismatch' })
    expect(err).toMatchObject({ code: 'CORRUPT_RECORD', path: '/x.log', position: 61, reason: 'crc-mismatch' })
    expect(Object.keys(err).sort()).toEqual(['code', 'name', 'path', 'position', 'reason'])
    addErrorDetails(err, { path: '/other.log', topic: 't', partition: 2 })
    expect(err).toMatchObject({ path: '/x.log', topic: 't', partition: 2 })
    expect(() => {
      ;(err as { path: string }).path = 'y'
    }).toThrow(TypeError)
    expect(new SeglogError('LOG_CLOSED', 'closed', { cause: 1 }).cause).toBe(1)
  })
})

describe('a control batch that does not hold one record', () => {
  it('is CORRUPT_RECORD (invalid-control-batch) from the decoder and from recovery\'s transaction replay, not a TypeError', () => {
    // Property: stored damage is reported as damage, with the batch's offset, on every path that meets it.
    const batch = controlBatchOfTwoRecords()
    const expected = { name: 'SeglogError', code: 'CORRUPT_RECORD', reason: 'invalid-control-batch', offset: 0 }
    expect(() => decodeControlRecord(decodeBatch(batch))).toThrow(expect.objectContaining(expected))
    const replay = new TxnReplay()
    expect(() => replay.replay({ position: 0, baseOffset: 0, lastOffset: 1, sizeBytes: batch.length, maxTimestamp: -1 } as never, batch)).toThrow(
      expect.objectContaining(expected),
    )
  })
})

describe('errors from a log name what they are about', () => {
  it('a damaged batch read back: CORRUPT_RECORD with the file, the byte position in it, the partition and crc-mismatch', async () => {
    const dir = makeTempDir('seglog-errors-')
    const log = await Log.open(dir, { segmentBytes: 4096 })
    await log.createTopic('t', { partitions: 2 })
    const p = log.partition('t', 1)
    for (let i = 0; i < 40; i++) await p.append([{ value: `value-${i}`.padEnd(200, '.') }])
    const sealed = p.log.segments[0]!
    const first = (await p.read({ offset: 0, maxRecords: 1 })).records[0]!
    expect(first.offset).toBe(0)
    // Flip a byte inside the first batch's records: only the CRC can tell.
    const fd = openSync(sealed.path, 'r+')
    writeSync(fd, Buffer.from([0xff]), 0, 1, 100)
    closeSync(fd)
    await log.close()
    const reopened = await Log.open(dir)
    try {
      const err = await reopened.partition('t', 1).read({ offset: 0 }).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'CORRUPT_RECORD', path: sealed.path, position: 0, reason: 'crc-mismatch', topic: 't', partition: 1 })
      const range = await reopened.partition('t', 1).read({ offset: 10_000 }).catch((e: unknown) => e)
      expect(range).toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', offset: 10_000, topic: 't', partition: 1 })
    } finally {
      await reopened.close()
    }
  })

  it('a missing middle segment at open: CORRUPT_RECORD missing-segment naming the segment, the offset and the partition', async () => {
    const dir = makeTempDir('seglog-errors-')
    const log = await Log.open(dir, { segmentBytes: 4096 })
    await log.createTopic('t')
    const p = log.partition('t', 0)
    for (let i = 0; i < 60; i++) await p.append([{ value: `value-${i}`.padEnd(200, '.') }])
    expect(p.log.segments.length).toBeGreaterThan(2)
    const before = p.log.segments[0]!
    const missing = p.log.segments[1]!
    await log.close()
    unlinkSync(missing.path)
    expect(readdirSync(join(dir, 't-0')).some((name) => name === missing.path.split('/').pop())).toBe(false)
    const err = await Log.open(dir).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'CORRUPT_RECORD', reason: 'missing-segment', path: before.path, offset: missing.baseOffset, topic: 't', partition: 0 })
  })
})
