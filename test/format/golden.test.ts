import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeBatch, encodeBatch } from '../../src/format/batch.js'
import { decodeControlRecord, encodeControlBatch } from '../../src/format/control.js'
import { goldenCases, referenceBytes, type GoldenCase } from './golden/cases.js'

const update = process.env.UPDATE_GOLDEN === '1'

function fixturePath(c: GoldenCase): URL {
  return new URL(`./golden/${c.name}.hex`, import.meta.url)
}

/** Fixtures are hex, 32 bytes a line, so diffs show which bytes moved. */
function readFixture(c: GoldenCase): Buffer {
  return Buffer.from(readFileSync(fixturePath(c), 'utf8').replace(/\s+/g, ''), 'hex')
}

function writeFixture(c: GoldenCase, bytes: Buffer): void {
  const lines = bytes.toString('hex').match(/.{1,64}/g) ?? []
  writeFileSync(fixturePath(c), lines.join('\n') + '\n')
}

function utf8OrBytes(v: Buffer | Uint8Array | string | null | undefined): string | null {
  if (v === null || v === undefined) return null
  return Buffer.from(typeof v === 'string' ? Buffer.from(v) : v).toString('hex')
}

describe('golden bytes', () => {
  for (const c of goldenCases) {
    it(`${c.name}: encodes to the stored bytes and decodes back to its input`, async () => {
      // Property: seglog's bytes equal the stored kafkajs-produced fixture, and decoding the fixture gives the input.
      if (update) writeFixture(c, await referenceBytes(c))
      const stored = readFixture(c)
      if (c.kind === 'control') {
        expect(encodeControlBatch(c.marker).toString('hex')).toBe(stored.toString('hex'))
        const batch = decodeBatch(stored)
        expect(batch.baseOffset).toBe(c.marker.baseOffset)
        expect([batch.producerId, batch.producerEpoch, batch.maxTimestamp]).toEqual([c.marker.producerId, c.marker.producerEpoch, c.marker.timestamp])
        expect(decodeControlRecord(batch)).toEqual({ type: c.marker.type, version: 0, coordinatorEpoch: c.marker.coordinatorEpoch })
        return
      }
      expect(encodeBatch(c.records, c.options).toString('hex')).toBe(stored.toString('hex'))
      const batch = decodeBatch(stored)
      expect([batch.baseOffset, batch.producerId, batch.producerEpoch, batch.baseSequence, batch.isTransactional]).toEqual([
        c.options.baseOffset,
        c.options.producerId,
        c.options.producerEpoch,
        c.options.baseSequence,
        c.options.transactional ?? false,
      ])
      expect(batch.records.map((r) => ({ key: utf8OrBytes(r.key), value: utf8OrBytes(r.value), timestamp: r.timestamp }))).toEqual(
        c.records.map((r) => ({ key: utf8OrBytes(r.key), value: utf8OrBytes(r.value), timestamp: r.timestamp })),
      )
      expect(batch.records.map((r) => r.headers.map(([k, v]) => [k, utf8OrBytes(v)]))).toEqual(
        c.records.map((r) => Object.entries(r.headers ?? {}).map(([k, v]) => [k, utf8OrBytes(v)])),
      )
    })
  }
})
