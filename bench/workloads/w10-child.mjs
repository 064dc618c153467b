#!/usr/bin/env node
/**
 * W10's child: writes SIZE_BYTES of RECORD_BYTES records in batches of BATCH_RECORDS into DIR, in
 * a fresh process, and samples its own memory every SAMPLE_INTERVAL_MS, so the RSS it reports is
 * the writer's alone (no parent heap, no earlier workload).
 *
 *   node w10-child.mjs seglog DIR SIZE_BYTES RECORD_BYTES BATCH_RECORDS IN_FLIGHT
 *       Log.open(DIR), createTopic (defaults but durability 'os'), append with acks 1 and at most
 *       IN_FLIGHT appends outstanding, one final flush, close
 *   node w10-child.mjs raw DIR SIZE_BYTES RECORD_BYTES BATCH_RECORDS
 *       the baseline: the same batches as length-prefixed records, one fs.writeSync per batch at the
 *       end of one file (baselines.mjs's raw format), one final fdatasync
 *
 * Both sides first write WARMUP_BYTES (JIT, first segment, allocator arenas), wait for what is in
 * flight, and take the "start" sample there; growth is max(RSS of the samples from then on) − start.
 * Every sample holds process.memoryUsage() (rss, heapUsed, heapTotal, external, arrayBuffers),
 * /proc/self/status's RssAnon and RssFile (anonymous memory vs file pages mapped into the
 * process: a touched page of an mmapped segment counts in RSS as RssFile) and the number and size
 * of DIR's files mapped into the process (/proc/self/maps). Samples are taken by a timer and, as
 * neither write loop need ever yield to the event loop (seglog's acks resolve as microtasks), by a
 * check of the clock after every batch on both sides.
 *
 * stdout: "progress BYTES" lines, then one JSON line (the last) with the result. With
 * W10_GC_SAMPLES=1 and --expose-gc, each sample is also taken after a forced full gc (what is
 * live rather than garbage not yet collected): a profiling aid, not used by the workload.
 */
import { closeSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs'
import { createPayloadPool } from '../lib/payloads.mjs'
import { loadSeglog, openBenchTopic } from '../lib/seglog.mjs'

const SAMPLE_INTERVAL_MS = 500
const WARMUP_BYTES = 64 * 1024 * 1024
const MIB = 1024 * 1024
/** Raw record prefix: u32 big-endian length (baselines.mjs). */
const PREFIX_BYTES = 4
/** Seed of the record values; fixed, like the other workloads' children. */
const SEED = 10

const [role, dir, ...rest] = process.argv.slice(2)
const [sizeBytes, recordBytes, batchRecords, inFlight = 1] = rest.map(Number)
const batches = Math.ceil(sizeBytes / recordBytes / batchRecords)
const records = batches * batchRecords
const warmupBatches = Math.min(batches, Math.ceil(WARMUP_BYTES / recordBytes / batchRecords))
const gcSamples = process.env.W10_GC_SAMPLES === '1' && typeof globalThis.gc === 'function'

function statusKiB(status, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  return match ? Number(match[1]) : null
}

/** DIR's files mapped into this process: `{ mappings, mappedBytes }`. */
function mappedFiles() {
  let mappings = 0
  let mappedBytes = 0
  for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    if (!line.includes(dir)) continue
    const [from, to] = line.split(' ', 1)[0].split('-').map((hex) => parseInt(hex, 16))
    mappings++
    mappedBytes += to - from
  }
  return { mappings, mappedBytes }
}

function takeSample(written) {
  const m = process.memoryUsage()
  const status = readFileSync('/proc/self/status', 'utf8')
  const sample = {
    t: performance.now(),
    written,
    rss: m.rss,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    rssAnon: statusKiB(status, 'RssAnon') * 1024,
    rssFile: statusKiB(status, 'RssFile') * 1024,
    ...mappedFiles(),
  }
  if (gcSamples) {
    globalThis.gc()
    const after = process.memoryUsage()
    sample.afterGc = { rss: after.rss, heapUsed: after.heapUsed, external: after.external, arrayBuffers: after.arrayBuffers }
  }
  return sample
}

/** Samples every SAMPLE_INTERVAL_MS; `start()` marks the end of the warm-up. */
function createSampler() {
  const samples = []
  let written = 0
  let startIndex = null
  let lastMs = performance.now()
  const sample = () => {
    samples.push(takeSample(written))
    lastMs = performance.now()
  }
  const timer = setInterval(sample, SAMPLE_INTERVAL_MS)
  return {
    set written(bytes) {
      written = bytes
    },
    /** Called once per batch: samples when SAMPLE_INTERVAL_MS have passed (the timer cannot fire in a loop that never yields). */
    tick() {
      if (performance.now() - lastMs >= SAMPLE_INTERVAL_MS) sample()
    },
    start() {
      startIndex = samples.length
      sample()
    },
    finish(extra) {
      clearInterval(timer)
      samples.push(takeSample(written))
      const measured = samples.slice(startIndex)
      const start = measured[0]
      const max = measured.reduce((best, s) => (s.rss > best.rss ? s : best), start)
      const maxAnon = Math.max(...measured.map((s) => s.rssAnon))
      const maxFile = Math.max(...measured.map((s) => s.rssFile))
      return {
        start,
        max,
        end: measured.at(-1),
        growthBytes: max.rss - start.rss,
        anonGrowthBytes: maxAnon - start.rssAnon,
        fileGrowthBytes: maxFile - start.rssFile,
        maxMappings: Math.max(...measured.map((s) => s.mappings)),
        maxMappedBytes: Math.max(...measured.map((s) => s.mappedBytes)),
        samples: measured.length,
        rssMiBSeries: measured.map((s) => Math.round((s.rss / MIB) * 10) / 10),
        writtenMiBSeries: measured.map((s) => Math.round(s.written / MIB)),
        ...(gcSamples ? { afterGcSeries: measured.map((s) => ({ writtenMiB: Math.round(s.written / MIB), ...Object.fromEntries(Object.entries(s.afterGc).map(([k, v]) => [k, Math.round((v / MIB) * 10) / 10])) })) } : {}),
        ...extra,
      }
    },
  }
}

function progressEvery(totalBatches) {
  const step = Math.max(1, Math.floor(totalBatches / 20))
  return (batch) => {
    if ((batch + 1) % step === 0) console.log(`progress ${(batch + 1) * batchRecords * recordBytes}`)
  }
}

function writeRaw(pool, sampler) {
  const fd = openSync(`${dir}/raw-${recordBytes}.log`, 'w')
  const batch = Buffer.allocUnsafe(batchRecords * (PREFIX_BYTES + recordBytes))
  const progress = progressEvery(batches)
  let position = 0
  const startNs = process.hrtime.bigint()
  try {
    for (let b = 0; b < batches; b++) {
      if (b === warmupBatches) sampler.start()
      let at = 0
      for (let i = 0; i < batchRecords; i++) {
        const value = pool.expected(b * batchRecords + i)
        batch.writeUInt32BE(value.length, at)
        value.copy(batch, at + PREFIX_BYTES)
        at += PREFIX_BYTES + value.length
      }
      let done = 0
      while (done < at) done += writeSync(fd, batch, done, at - done, position + done)
      position += at
      sampler.written = (b + 1) * batchRecords * recordBytes
      sampler.tick()
      progress(b)
    }
    fdatasyncSync(fd)
  } finally {
    closeSync(fd)
  }
  const seconds = Number(process.hrtime.bigint() - startNs) / 1e9
  return sampler.finish({ seconds, fileBytes: position })
}

async function writeSeglog(pool, sampler) {
  const { Log, missing } = await loadSeglog()
  if (!Log) throw new Error(`w10-child: ${missing}`)
  const { log, partition } = await openBenchTopic(Log, dir, { durability: 'os' })
  const progress = progressEvery(batches)
  const window = new Array(inFlight).fill(null)
  let result
  try {
    const startNs = process.hrtime.bigint()
    for (let b = 0; b < batches; b++) {
      if (b === warmupBatches) {
        await Promise.all(window)
        sampler.start()
      }
      const slot = b % inFlight
      if (window[slot] !== null) await window[slot]
      const done = (b + 1) * batchRecords * recordBytes
      window[slot] = partition.append(pool.records(b * batchRecords, batchRecords), { acks: 1 }).then(() => {
        sampler.written = done
      })
      sampler.tick()
      progress(b)
    }
    await Promise.all(window)
    await partition.flush()
    const seconds = Number(process.hrtime.bigint() - startNs) / 1e9
    // Measurement ends here: the check below reads, which maps the first segment (128 MiB of
    // address space, counted in `external`), and is not part of writing.
    result = sampler.finish({ seconds })
    const { highWatermark } = await partition.read({ offset: 0, maxRecords: 1 })
    if (highWatermark !== records) throw new Error(`w10-child: high watermark ${highWatermark} after appending ${records} records`)
  } finally {
    await log.close()
  }
  return result
}

if (!Number.isSafeInteger(sizeBytes) || !Number.isSafeInteger(recordBytes) || !Number.isSafeInteger(batchRecords) || !(inFlight >= 1)) {
  throw new RangeError(`w10-child: bad arguments ${process.argv.slice(2).join(' ')}`)
}
const pool = createPayloadPool(recordBytes, SEED)
const sampler = createSampler()
let result
if (role === 'raw') result = writeRaw(pool, sampler)
else if (role === 'seglog') result = await writeSeglog(pool, sampler)
else throw new Error(`w10-child: unknown role ${role} (seglog | raw)`)
result.records = records
result.bytes = records * recordBytes
result.kernelPeakRss = process.resourceUsage().maxRSS * 1024
console.log(JSON.stringify(result))
