/**
 * bench/producers.mjs part 3: Log.open time of a partition holding OPEN_PRODUCERS producers (each
 * wrote a few small batches), in a fresh process (producers-open-child.mjs), after a clean close
 * and after kill -9; the baseline is the same partition — same batches, same sizes, same order —
 * written without producer ids, opened the same way in the same run.
 *
 * - clean: the writer closes the log (which writes a producer snapshot at the log end); the median
 *   of OPENS opens is reported, each in a fresh process that closes cleanly again.
 * - kill -9: the writer flushes (durability 'os') and is SIGKILLed with the log open: no clean
 *   marker, no close-time snapshot, so open recovers the partition, and the producer state comes
 *   from the newest snapshot (the empty one the first producer batch waited for, unless a roll
 *   wrote a later one) plus a replay of every producer batch after it. An open recovers only once,
 *   so the killed directory is copied (cpSync, before any open) and each copy is opened once.
 * Recovery fields (producerSnapshotOffset, producerBatchesReplayed, truncatedBytes) are kept per
 * case; the page cache is warm (just written), as in W8.
 */
import { spawn } from 'node:child_process'
import { cpSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { median } from './clock.mjs'
/** Record size of the partitions opened (the child writes records of this size). */
export const OPEN_RECORD_BYTES = 100

const childScript = fileURLToPath(new URL('./producers-open-child.mjs', import.meta.url))

/** Runs the child with `args`; resolves its stdout lines. SIGKILLs it when it prints "flushed" if `kill`. */
function runChild(args, { kill = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const lines = []
    let stderr = ''
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line)
      if (kill && line === 'flushed') child.kill('SIGKILL')
    })
    child.stderr.on('data', (text) => (stderr += text))
    child.on('close', (code, signal) => {
      if (code === 0 || (kill && signal === 'SIGKILL' && lines.includes('flushed'))) resolve(lines)
      else reject(new Error(`producers-open-child ${args.slice(0, 3).join(' ')} ended with ${signal ?? `exit status ${code}`}: ${stderr.trim()}`))
    })
  })
}

/** Bytes of the log's .log files, and the producer snapshots' count and bytes. */
function partitionFiles(dir) {
  const files = { logBytes: 0, snapshots: 0, snapshotBytes: 0 }
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const size = statSync(join(entry.parentPath ?? entry.path, entry.name)).size
    if (entry.name.endsWith('.log')) files.logBytes += size
    if (entry.name.endsWith('.snapshot')) {
      files.snapshots++
      files.snapshotBytes += size
    }
  }
  return files
}

/** Writes one partition of `kind` ending `end`; returns the dirs to open (copies for 'kill'). */
async function writePartition(ctx, { kind, end, shape, opens }) {
  const dir = ctx.tempDir(`open-${kind}-${end}`)
  await runChild(['writer', dir, kind, ...shape, end], { kill: end === 'kill' })
  const files = partitionFiles(dir)
  if (end !== 'kill') return { dirs: [dir], files }
  const dirs = [dir]
  for (let i = 1; i < opens; i++) {
    const copy = ctx.tempDir(`open-${kind}-${end}-copy`)
    cpSync(dir, copy, { recursive: true })
    dirs.push(copy)
  }
  return { dirs, files }
}

/** Opens `dirs` (clean: the one dir `opens` times; kill: each copy once) in fresh processes. */
async function timeOpens(dirs, { kind, shape, opens }) {
  const results = []
  for (let i = 0; i < opens; i++) {
    const lines = await runChild(['opener', dirs[Math.min(i, dirs.length - 1)], kind, ...shape])
    results.push(JSON.parse(lines.at(-1)))
  }
  return results
}

/** Records cases `W11/open-clean` and `W11/open-kill9` with the plain partition's open as baseline. */
export async function measureOpenWithProducers(ctx) {
  const producers = 10_000
  const batches = ctx.scale(3, 2)
  const recordsPerBatch = 10
  const shape = [producers, batches, recordsPerBatch].map(String)
  const records = producers * batches * recordsPerBatch
  for (const end of ['clean', 'kill']) {
    const opens = end === 'clean' ? ctx.scale(5, 3) : ctx.scale(3, 1)
    const conditions = {
      case: `W11/open-${end === 'kill' ? 'kill9' : 'clean'}`,
      name: `Log.open in a fresh process after ${end === 'kill' ? 'kill -9 (flushed, no close)' : 'a clean close'} of a partition of ${producers.toLocaleString('en')} producers × ${batches} batches (${records.toLocaleString('en')} records), median of ${opens}`,
      durability: 'os',
      recordBytes: OPEN_RECORD_BYTES,
      batchRecords: recordsPerBatch,
      concurrency: 1,
      metric: 'ms',
      baselineName: 'the same batches written without producer ids, opened the same way',
    }
    if (!ctx.Log) {
      ctx.record({ ...conditions, skipped: ctx.seglogMissing })
      continue
    }
    const measured = {}
    const written = []
    try {
      for (const kind of ['plain', 'producers']) {
        ctx.progress(`${conditions.case}: writing the ${kind} partition`)
        const partition = await writePartition(ctx, { kind, end, shape, opens })
        written.push(...partition.dirs)
        ctx.progress(`${conditions.case}: opening the ${kind} partition`)
        measured[kind] = { files: partition.files, opens: await timeOpens(partition.dirs, { kind, shape, opens }) }
      }
    } finally {
      for (const dir of written) ctx.removeTempDir(dir)
    }
    const openMs = (kind) => median(measured[kind].opens.map((o) => o.openMs))
    const firstRecovery = (kind) => measured[kind].opens[0].recovery
    const producerRecovery = firstRecovery('producers')
    const value = openMs('producers')
    ctx.record({
      ...conditions,
      seconds: value / 1000,
      value,
      baselineValue: openMs('plain'),
      extra: {
        producerSnapshotOffset: producerRecovery?.producerSnapshotOffset ?? null,
        producerBatchesReplayed: producerRecovery?.producerBatchesReplayed ?? null,
        truncatedBytes: producerRecovery?.truncatedBytes ?? null,
        cleanShutdown: measured.producers.opens[0].cleanShutdown,
        partitionBytes: measured.producers.files.logBytes,
        snapshotBytes: measured.producers.files.snapshotBytes,
        snapshots: measured.producers.files.snapshots,
        opensMs: measured.producers.opens.map((o) => o.openMs),
        plainOpensMs: measured.plain.opens.map((o) => o.openMs),
        plainRecovery: firstRecovery('plain'),
        recovery: producerRecovery,
      },
    })
  }
}
