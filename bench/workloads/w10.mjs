#!/usr/bin/env node
// W10: RSS growth of a fresh process appending 10 GiB (--quick 1 GiB) of 1 KiB records in batches
// of 100, durability 'os', acks 1, at most 8 appends in flight, one final flush (target: growth
// < 64 MiB). Topic config: the defaults (128 MiB segments, so 80 segments; no size retention, 7-day
// time retention that never fires on records stamped now) but durability 'os'. Growth = max RSS of
// the samples (every 0.5 s) taken after a 64 MiB warm-up − RSS at the end of the warm-up.
// Baseline, same run, same sampling, fresh process too: a raw fs.writeSync loop writing the same
// batches to one file (baselines.mjs's format) with one final fdatasync. Both sides run in
// w10-child.mjs; each side's directory is removed as soon as it has been measured.
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runWorkload } from '../lib/workload.mjs'
import { formatBytes } from '../lib/units.mjs'

const RECORD_BYTES = 1024
const BATCH_RECORDS = 100
/** Appends outstanding at once: a producer that pipelines, bounded so nothing queues without limit. */
const IN_FLIGHT = 8
const MIB = 1024 * 1024

const childScript = fileURLToPath(new URL('./w10-child.mjs', import.meta.url))

/** Runs w10-child with `args`, showing its progress; resolves with its JSON result. */
function runChild(args, onProgress) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (text) => {
      stdout += text
      const last = /progress (\d+)\n[^\n]*$/.exec(stdout)
      if (last) onProgress(Number(last[1]))
    })
    child.stderr.on('data', (text) => (stderr += text))
    child.on('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`w10-child ${args[0]} ended with ${signal ?? `exit status ${code}`}: ${stderr.trim()}`))
      resolve(JSON.parse(stdout.trim().split('\n').at(-1)))
    })
  })
}

/** `{ logFiles, logBytes }` of the .log files under `dir`. */
function logFiles(dir) {
  let logFilesCount = 0
  let logBytes = 0
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.log')) {
      logBytes += statSync(join(entry.parentPath ?? entry.path, entry.name)).size
      logFilesCount++
    }
  }
  return { logFiles: logFilesCount, logBytes }
}

const mib = (bytes) => Math.round((bytes / MIB) * 10) / 10

/** Runs one side in a fresh directory, removed afterwards: the child's result plus the files it left. */
async function measureSide(ctx, role, sizeBytes) {
  const dir = ctx.tempDir(role)
  try {
    const result = await runChild([role, dir, String(sizeBytes), String(RECORD_BYTES), String(BATCH_RECORDS), String(IN_FLIGHT)], (bytes) =>
      ctx.progress(`${role}: ${formatBytes(Math.floor(bytes / MIB) * MIB)} of ${formatBytes(sizeBytes)}`),
    )
    return { ...result, ...logFiles(dir) }
  } finally {
    ctx.removeTempDir(dir)
  }
}

await runWorkload('W10', async (ctx) => {
  const sizeBytes = ctx.scale(10 * 1024 ** 3, 1024 ** 3)
  const raw = await measureSide(ctx, 'raw', sizeBytes)
  const conditions = {
    name: `RSS growth (MiB) of a fresh process appending ${formatBytes(sizeBytes)} (≤ ${IN_FLIGHT} appends in flight, final flush), after a 64 MiB warm-up`,
    durability: 'os',
    recordBytes: RECORD_BYTES,
    batchRecords: BATCH_RECORDS,
    concurrency: IN_FLIGHT,
    metric: 'MiB',
    baselineName: 'raw fs.writeSync per batch + final fdatasync, fresh process',
    baselineValue: mib(raw.growthBytes),
  }
  const rawExtra = {
    rawStartRssMiB: mib(raw.start.rss),
    rawMaxRssMiB: mib(raw.max.rss),
    rawMBps: raw.bytes / 1e6 / raw.seconds,
  }
  if (!ctx.Log) return ctx.record({ ...conditions, skipped: ctx.seglogMissing, extra: rawExtra })
  const seglog = await measureSide(ctx, 'seglog', sizeBytes)
  const { start, max } = seglog
  return ctx.record({
    ...conditions,
    records: seglog.records,
    bytes: seglog.bytes,
    seconds: seglog.seconds,
    value: mib(seglog.growthBytes),
    extra: {
      startRssMiB: mib(start.rss),
      maxRssMiB: mib(max.rss),
      kernelPeakRssMiB: mib(seglog.kernelPeakRss),
      // At the sample with the largest RSS: JS heap, memory outside it (Buffers, and the address
      // space of mapped segments, resident or not), and RSS split into anonymous and file pages.
      heapUsedAtMaxMiB: mib(max.heapUsed),
      heapTotalAtMaxMiB: mib(max.heapTotal),
      externalAtMaxMiB: mib(max.external),
      arrayBuffersAtMaxMiB: mib(max.arrayBuffers),
      rssAnonAtMaxMiB: mib(max.rssAnon),
      rssFileAtMaxMiB: mib(max.rssFile),
      anonGrowthMiB: mib(seglog.anonGrowthBytes),
      fileGrowthMiB: mib(seglog.fileGrowthBytes),
      heapUsedGrowthMiB: mib(max.heapUsed - start.heapUsed),
      heapTotalGrowthMiB: mib(max.heapTotal - start.heapTotal),
      arrayBuffersGrowthMiB: mib(max.arrayBuffers - start.arrayBuffers),
      segmentMappingsMax: seglog.maxMappings,
      segmentMappedMiBMax: mib(seglog.maxMappedBytes),
      segments: seglog.logFiles,
      samples: seglog.samples,
      ...rawExtra,
      rawKernelPeakRssMiB: mib(raw.kernelPeakRss),
      rssMiBSeries: seglog.rssMiBSeries,
      writtenMiBSeries: seglog.writtenMiBSeries,
      rawRssMiBSeries: raw.rssMiBSeries,
    },
  })
})
