import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Log } from '../../../src/log.js'

let dir: string
let log: Log | null = null
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'seglog-reader-'))
})
afterEach(async () => {
  await log?.close().catch(() => {})
  log = null
  rmSync(dir, { recursive: true, force: true })
})

/** Five one-record batches in segments of two batches: the active segment holds batch 4 alone. */
async function writeAndClose(): Promise<string> {
  log = await Log.open(dir)
  await log.createTopic('t', { partitions: 1, segmentBytes: 200 })
  const p = log.partition('t', 0)
  for (let i = 0; i < 5; i++) await p.append([{ value: `record-${i}-${'x'.repeat(40)}` }])
  await log.close()
  log = null
  const logs = readdirSync(join(dir, 't-0')).filter((n) => n.endsWith('.log')).sort()
  expect(logs.length).toBeGreaterThan(1)
  return join(dir, 't-0', logs.at(-1)!)
}

describe('collectRecords', () => {
  it('refuses a data batch whose attributes were damaged into a control batch\'s, instead of skipping it', async () => {
    // Property: markers are skipped by reads, so the control bit (inside the CRC) is CRC-checked
    // before a batch is skipped: damage never turns records into a silent hole (H7 SEED=2129207310
    // input 1918, SEED=2980498393 input 1051).
    const active = await writeAndClose()
    const bytes = readFileSync(active)
    bytes[22]! ^= 0x20 // attributes bit 5: isControl
    writeFileSync(active, bytes)
    log = await Log.open(dir)
    const p = log.partition('t', 0)
    const offsets: number[] = []
    const readAll = async () => {
      for (let offset = 0, reads = 0; offset < p.highWatermark && reads < 20; reads++) {
        const result = await p.read({ offset, maxRecords: 1 })
        offsets.push(...result.records.map((r) => r.offset))
        offset = result.nextOffset
      }
    }
    await expect(readAll()).rejects.toMatchObject({ code: 'CORRUPT_RECORD', message: expect.stringContaining(active) })
    expect(offsets).toEqual([0, 1, 2, 3])
  })

  it("refuses a segment whose first batch starts past the offset asked for, instead of a hole or a read that stalls", async () => {
    // Property: with no compaction, the first batch a read gets holds the offset it asked for (or
    // starts the segment). The active segment's only batch has nothing else to check its base
    // offset against; a forward jump of it (outside the CRC) must not serve records at offsets
    // never written (H7's unchecked-batch-headers, SEED=31).
    const active = await writeAndClose()
    const bytes = readFileSync(active)
    const base = bytes.readUInt32BE(4)
    bytes.writeUInt32BE(base + 3, 4)
    writeFileSync(active, bytes)
    // A segment's first batch must start at its base offset: the active segment's scan at open
    // stops at position 0, which after a clean shutdown is refused (or cut, with repair).
    await expect(Log.open(dir)).rejects.toMatchObject({ code: 'CORRUPT_RECORD', message: expect.stringContaining(`${active} at position 0`) })
    log = await Log.open(dir, { repair: true })
    const p = log.partition('t', 0)
    const read = async () => {
      let offset = 0
      for (let reads = 0; reads < 20 && offset < p.highWatermark; reads++) offset = (await p.read({ offset, maxBytes: 100 })).nextOffset
      return offset
    }
    // Every offset read is one that was written: the jumped batch is gone, nothing past it is served.
    expect(await read()).toBe(p.highWatermark)
    expect(p.highWatermark).toBe(base)
  })
})
