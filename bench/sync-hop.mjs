#!/usr/bin/env node
/**
 * What an asynchronous fdatasync costs beyond the sync itself: the same fd synced with
 * `fs.fdatasyncSync` (on the event loop's thread) and with `fs.fdatasync` (a libuv pool thread,
 * then a callback), one at a time, after a small write each (one W3 batch, 10.4 KB) — on the bench
 * disk, where the sync dominates, and on tmpfs (/dev/shm), where the sync is nearly free and the
 * difference is the round trip alone: the wake-up of a pool thread and the wake-up of the loop.
 * That round trip is what separates W3's single appender in the default mode from the raw
 * write + fdatasync loop, and what `Log.open({ syncOnEventLoop: true })` removes.
 *
 *   node bench/sync-hop.mjs [--syncs 2000]
 */
import { closeSync, existsSync, fdatasync, fdatasyncSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { chooseBenchRoot, describeMachine, machineInfo } from './lib/machine.mjs'
import { makeTempDir, removeTempDir } from './lib/temp-dir.mjs'

const { values } = parseArgs({ options: { syncs: { type: 'string', default: '2000' } } })
const SYNCS = Number(values.syncs)
const WRITE_BYTES = 10_400
const data = Buffer.alloc(WRITE_BYTES, 7)

/** µs per write + sync, `sync(fd)` returning a promise or nothing. */
async function usPerSync(path, sync) {
  const fd = openSync(path, 'w')
  try {
    let position = 0
    const start = process.hrtime.bigint()
    for (let i = 0; i < SYNCS; i++) {
      writeSync(fd, data, 0, WRITE_BYTES, position)
      position += WRITE_BYTES
      await sync(fd)
    }
    return Number(process.hrtime.bigint() - start) / SYNCS / 1000
  } finally {
    closeSync(fd)
  }
}

const onPool = (fd) => new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())))
const onLoop = (fd) => fdatasyncSync(fd)

const root = chooseBenchRoot()
console.log(describeMachine(await machineInfo(root)))
console.log(`${SYNCS} × (write ${WRITE_BYTES} B + fdatasync), one at a time, alternating sides twice; µs per write + sync`)
const places = [{ label: `bench disk (${root.fsType})`, dir: makeTempDir(root.path, 'sync-hop') }]
if (existsSync('/dev/shm')) places.push({ label: 'tmpfs (/dev/shm)', dir: null })
for (const place of places) {
  const dir = place.dir ?? makeTempDir('/dev/shm', 'sync-hop')
  const loop = []
  const pool = []
  for (let round = 0; round < 2; round++) {
    loop.push(await usPerSync(join(dir, `loop-${round}`), onLoop))
    pool.push(await usPerSync(join(dir, `pool-${round}`), onPool))
  }
  const best = (xs) => Math.min(...xs)
  console.log(
    `${place.label}: fdatasyncSync ${best(loop).toFixed(1)} µs, fs.fdatasync ${best(pool).toFixed(1)} µs ` +
      `(+${(best(pool) - best(loop)).toFixed(1)} µs, ratio ${(best(loop) / best(pool)).toFixed(2)}; best of 2 rounds each)`,
  )
  removeTempDir(dir)
}
