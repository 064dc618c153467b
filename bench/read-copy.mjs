#!/usr/bin/env node
/**
 * What a reader's private copy of mapped batches costs (decisions.md "Readers get private copies"):
 * for a 10.6 KB batch (W6's: 100 records of 100 B) and a 1 MiB fetch (W5's read()), read cold from
 * a mapping of a 64 MiB file in the page cache:
 *   crc32c on the mapping            — what a read cost before it copied (the baseline, same run);
 *   copyWithCrc32c into reused memory — the copy when the destination is warm;
 *   copyWithCrc32c into fresh slabs   — fresh 2 MiB slabs of 4 KiB pages, never reused;
 *   … into fresh huge-page slabs       — what the read path does (adviseHugePages, read-copies.ts);
 *   mapFile per read + crc32c        — a private mapping per read, for comparison.
 * Run: `npx tsc -p tsconfig.build.json && node bench/read-copy.mjs` (native addon required; imports ../dist).
 * The mapping case yields to the event loop every 4 reads, so the mappings' finalizers (munmap)
 * run. Each method runs twice and the second run is kept (the first warms up). Prints µs per read
 * and the ratio to the baseline.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nativeBinding, nativeLoadError } from '../dist/native/load.js'

if (nativeBinding === null) {
  console.error(`bench/read-copy.mjs needs the native addon: ${nativeLoadError?.message}`)
  process.exit(1)
}
const binding = nativeBinding
const FILE_BYTES = 64 * 1024 * 1024
const SLAB_BYTES = 2 * 1024 * 1024
const HUGE_PAGE_BYTES = 2 * 1024 * 1024
const dir = mkdtempSync(join(tmpdir(), 'seglog-read-copy-'))
const path = join(dir, 'data')
writeFileSync(path, Buffer.alloc(FILE_BYTES, 7))
const fd = openSync(path, 'r')
const mapping = binding.mapFile(fd, 0, FILE_BYTES)
let sink = 0

async function perRead(reads, sizeBytes, read, yieldEvery = 0) {
  const span = FILE_BYTES - sizeBytes - 4096
  const start = process.hrtime.bigint()
  for (let i = 0; i < reads; i++) {
    read((i * sizeBytes) % span, sizeBytes)
    if (yieldEvery > 0 && i % yieldEvery === 0) await new Promise(setImmediate)
  }
  return Number(process.hrtime.bigint() - start) / reads / 1000
}

const cases = [
  ['10.6 KB batch', 10_600, 20_000],
  ['1 MiB fetch', 1024 * 1024, 1_000],
]
console.log('read-copy: durability n/a (reads), record 100 B, batch 100 records; native binding, page cache warm')
console.log('case            method                              us/read   × baseline')
for (const [name, sizeBytes, reads] of cases) {
  await perRead(reads, sizeBytes, (p, n) => (sink ^= binding.crc32c(mapping.subarray(p + 21, p + n))))
  const baseline = await perRead(reads, sizeBytes, (p, n) => (sink ^= binding.crc32c(mapping.subarray(p + 21, p + n))))
  const warm = Buffer.alloc(sizeBytes)
  const reused = await perRead(reads, sizeBytes, (p, n) => (sink ^= binding.copyWithCrc32c(mapping, p, p + n, warm, 0, p + 21)))
  const freshSlabs = (huge) => {
    let slab = null
    let used = 0
    let end = 0
    return (p, n) => {
      if (slab === null || end - used < n) {
        slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, n) + HUGE_PAGE_BYTES)
        used = huge ? binding.adviseHugePages(slab) : 0
        end = used + Math.max(SLAB_BYTES, n)
      }
      sink ^= binding.copyWithCrc32c(mapping, p, p + n, slab, used, p + 21)
      used += n
    }
  }
  const fresh = await perRead(reads, sizeBytes, freshSlabs(false))
  const freshHuge = await perRead(reads, sizeBytes, freshSlabs(true))
  const mapped = await perRead(Math.min(reads, 2_000), sizeBytes, (p, n) => (sink ^= binding.crc32c(binding.mapFile(fd, p, n))), 4)
  for (const [method, us] of [
    ['crc32c on the shared mapping (baseline)', baseline],
    ['copyWithCrc32c into reused memory', reused],
    ['copyWithCrc32c into fresh slabs', fresh],
    ['… into fresh huge-page slabs', freshHuge],
    ['mapFile per read + crc32c', mapped],
  ]) {
    console.log(`${name.padEnd(15)} ${method.padEnd(35)} ${us.toFixed(2).padStart(8)}   ${(us / baseline).toFixed(2)}×`)
  }
}
closeSync(fd)
rmSync(dir, { recursive: true, force: true })
if (sink === 0.5) console.log(sink)
