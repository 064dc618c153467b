#!/usr/bin/env node
// W8: Log.open time of a 1 GiB partition (--quick 256 MiB) in a fresh process, after a clean close
// (median of OPENS_AFTER_CLEAN opens; target < 50 ms) and after kill -9 (a child appends with
// durability 'os', flushes, and is SIGKILLed: one open, which recovers; the recovery report is
// kept in extra). Page cache warm (just written). No baseline: the target is absolute.
import { spawn } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { median } from '../lib/clock.mjs'
import { runWorkload } from '../lib/workload.mjs'
import { formatBytes } from '../lib/units.mjs'

/** Record size for the partition: 1 GiB is ~1M records, a few seconds to write. */
const RECORD_BYTES = 1024
const BATCH_RECORDS = 100
/** Opens measured after the clean close; the median is reported (each open closes cleanly again). */
const OPENS_AFTER_CLEAN = 5

const childScript = fileURLToPath(new URL('./w8-child.mjs', import.meta.url))

/**
 * Runs w8-child with `args`; calls `onLine(line, child)` per stdout line; resolves with the lines
 * when it exits. A non-zero exit rejects, unless `expectKill` (then SIGKILL is the expected end).
 */
function runChild(args, { onLine, expectKill = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const lines = []
    let stderr = ''
    let pending = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (text) => {
      pending += text
      for (let newline; (newline = pending.indexOf('\n')) >= 0; ) {
        const line = pending.slice(0, newline)
        pending = pending.slice(newline + 1)
        lines.push(line)
        onLine?.(line, child)
      }
    })
    child.stderr.on('data', (text) => (stderr += text))
    child.on('close', (code, signal) => {
      if (code === 0 || (expectKill && signal === 'SIGKILL')) resolve(lines)
      else reject(new Error(`w8-child ${args.join(' ')} ended with ${signal ?? `exit status ${code}`}: ${stderr.trim()}`))
    })
  })
}

async function openOnce(dir) {
  const lines = await runChild(['opener', dir])
  return JSON.parse(lines.at(-1))
}

/** Bytes of the partition's .log files and their count. */
function partitionLogFiles(dir) {
  let sizeBytes = 0
  let segments = 0
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.log')) {
      sizeBytes += statSync(join(entry.parentPath ?? entry.path, entry.name)).size
      segments++
    }
  }
  return { sizeBytes, segments }
}

await runWorkload('W8', async (ctx) => {
  const targetBytes = ctx.scale(1024 ** 3, 256 * 1024 ** 2)
  for (const mode of ['clean', 'kill9']) {
    const conditions = {
      case: `W8/${mode}`,
      name: `Log.open of a ${formatBytes(targetBytes)} partition in a fresh process after ${mode === 'clean' ? 'a clean close' : 'kill -9 (flushed, no close)'}`,
      durability: 'os',
      recordBytes: RECORD_BYTES,
      batchRecords: BATCH_RECORDS,
      concurrency: 1,
      metric: 'ms',
    }
    if (!ctx.Log) {
      ctx.record({ ...conditions, skipped: ctx.seglogMissing })
      continue
    }
    const dir = ctx.tempDir(mode)
    try {
      ctx.progress(`${mode}: writing ${formatBytes(targetBytes)}`)
      await runChild(['writer', dir, String(targetBytes), String(RECORD_BYTES), String(BATCH_RECORDS), mode === 'clean' ? 'clean' : 'kill'], {
        expectKill: mode === 'kill9',
        onLine(line, child) {
          if (line.startsWith('appended')) ctx.progress(`${mode}: ${line}`)
          if (line === 'flushed') child.kill('SIGKILL')
        },
      })
      const files = partitionLogFiles(dir)
      const opens = []
      for (let i = 0; i < (mode === 'clean' ? OPENS_AFTER_CLEAN : 1); i++) {
        ctx.progress(`${mode}: open ${i + 1}`)
        opens.push(await openOnce(dir))
      }
      const openMs = median(opens.map((open) => open.openMs))
      ctx.record({
        ...conditions,
        // Bytes only after kill -9, where open scans the partition and MB/s is its recovery rate;
        // after a clean close open reads no data, and a MB/s would be meaningless.
        bytes: mode === 'kill9' ? files.sizeBytes : null,
        seconds: openMs / 1000,
        value: openMs,
        extra: { partitionBytes: files.sizeBytes, segments: files.segments, opensMs: opens.map((open) => open.openMs), recovery: opens[0].recovery },
      })
    } finally {
      ctx.removeTempDir(dir)
    }
  }
})
