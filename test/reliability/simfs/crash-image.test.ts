/**
 * crash-image.ts: what a simulated power cut leaves of unsynced writes and directory changes.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../helpers/seeded-random.mjs'
import { crashImage, noDamage } from './crash-image.js'
import { SimFS, simFsWithDirs } from './sim-fs.js'

const clock = () => 1_600_000_000_000
const SECTOR_BYTES = 512
/** Seeds tried per property: enough that every choice of the image shows up many times. */
const SEEDS = 400

/** A durable, empty /d/f with `data` written (not synced) in one write at position 0. */
async function unsyncedWrite(data: Buffer): Promise<SimFS> {
  const fs = simFsWithDirs(['/d'], { clock })
  const fd = fs.open('/d/f', 'create')
  await fs.fsyncDir('/d')
  fs.pwrite(fd, data, 0)
  return fs
}

describe('crash images', () => {
  it('tear an unsynced write only at sector boundaries, and fill a grown length with nothing, zeros or garbage', async () => {
    // Property: after a crash a file holds a sector-aligned prefix of the lost write, then either its
    // end, zeros or garbage up to the write's end — never a cut between sector boundaries.
    const data = Buffer.alloc(10_000, 0xab)
    const fs = await unsyncedWrite(data)
    const seen = { dropped: 0, kept: 0, torn: 0, zeroFilled: 0, garbageFilled: 0 }
    const damage = noDamage()
    for (let seed = 1; seed <= SEEDS; seed++) {
      const content = new SimFS({ root: crashImage(fs.root, seededRandom(seed), damage), clock }).readFile('/d/f')
      let matching = 0
      while (matching < content.length && content[matching] === data[matching]) matching++
      // Garbage may match a few bytes past the cut by chance; the cut itself is on a boundary.
      const cut = matching === data.length ? matching : Math.floor(matching / SECTOR_BYTES) * SECTOR_BYTES
      if (cut === data.length) seen.kept++
      else if (content.length === 0) seen.dropped++
      else if (content.length === cut) seen.torn++
      else {
        expect(content.length, `seed ${seed}: a filled tail ends where the write ended`).toBe(data.length)
        const tail = content.subarray(cut)
        if (tail.every((byte) => byte === 0)) seen.zeroFilled++
        else seen.garbageFilled++
      }
    }
    for (const [outcome, count] of Object.entries(seen)) expect(count, `outcome ${outcome} over ${SEEDS} seeds`).toBeGreaterThan(0)
    expect(damage['tear-512'] + damage['tear-4096']).toBeGreaterThan(0)
  })

  it('persist a prefix of a file’s unsynced changes in order, never a later one without an earlier one', async () => {
    // Property: the in-order model — if write k reached the disk, every write before it did too.
    const fs = simFsWithDirs(['/d'], { clock })
    const fd = fs.open('/d/f', 'create')
    await fs.fsyncDir('/d')
    const writes = ['aaaa', 'bbbb', 'cccc', 'dddd']
    writes.forEach((text, i) => fs.pwrite(fd, Buffer.from(text), i * 4))
    for (let seed = 1; seed <= SEEDS; seed++) {
      const content = new SimFS({ root: crashImage(fs.root, seededRandom(seed), noDamage()), clock }).readFile('/d/f').toString('latin1')
      const whole = writes.filter((text, i) => content.slice(i * 4, i * 4 + 4) === text).length
      expect(content.slice(0, whole * 4), `seed ${seed}`).toBe(writes.slice(0, whole).join(''))
    }
  })

  it('keep, revert or partly apply unsynced directory changes, each change whole', async () => {
    // Property: a name is either as before the last fsyncDir or as after a change, and a rename never leaves two names.
    const fs = simFsWithDirs(['/d'], { clock })
    fs.close(fs.open('/d/a.tmp', 'create'))
    fs.close(fs.open('/d/b', 'create'))
    await fs.fsyncDir('/d')
    fs.rename('/d/a.tmp', '/d/a')
    fs.unlink('/d/b')
    fs.close(fs.open('/d/c', 'create'))
    const listings = new Set<string>()
    for (let seed = 1; seed <= SEEDS; seed++) {
      const names = new SimFS({ root: crashImage(fs.root, seededRandom(seed), noDamage()), clock }).readdir('/d').sort()
      expect(names.includes('a') && names.includes('a.tmp'), `seed ${seed}: ${names}`).toBe(false)
      expect(names.includes('a') || names.includes('a.tmp'), `seed ${seed}: ${names}`).toBe(true)
      listings.add(names.join(','))
    }
    // Three independent changes: all eight combinations show up.
    expect(listings.size).toBe(8)
  })

  it('are the same for the same seed', async () => {
    // Property: a run replays from its seed.
    const fs = await unsyncedWrite(Buffer.alloc(9_000, 7))
    for (let seed = 1; seed <= 20; seed++) {
      const once = new SimFS({ root: crashImage(fs.root, seededRandom(seed), noDamage()), clock }).readFile('/d/f')
      const again = new SimFS({ root: crashImage(fs.root, seededRandom(seed), noDamage()), clock }).readFile('/d/f')
      expect(again.equals(once)).toBe(true)
    }
  })
})
