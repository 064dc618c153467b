#!/usr/bin/env node
/**
 * Runs the benchmark workloads, each in its own child process (`node bench/workloads/wN.mjs`), so
 * one workload's heap, page-cache churn, JIT state or crash cannot colour the next. Results go to
 * bench/results/<run>.ndjson (one line per case, bench/lib/results.mjs); at the end a compact table
 * of every case is printed, and `node bench/report.mjs` turns the file into BENCHMARKS.md.
 * While the run is going the file is `<run>.ndjson.tmp` (git-ignored), renamed when the last
 * workload has ended, so an interrupted run never becomes "the latest results" of the report.
 *
 *   node bench/run.mjs                 every workload (under 10 minutes on a 2-core machine)
 *   node bench/run.mjs --quick         smaller sizes and shorter durations (~1 minute smoke run)
 *   node bench/run.mjs --only W1,W5    a subset
 *
 * Build first (`npx tsc -p tsconfig.build.json`): workloads load dist/. Without a Log in dist they
 * still record their baselines and mark the seglog side skipped.
 *
 * Each child gets a time limit (WORKLOAD_TIMEOUT_MS, a quarter of that with --quick) and its own
 * process group, killed whole when the limit passes or the runner is interrupted; all children
 * write under one per-run directory ($SEGLOG_BENCH_DIR) that the runner removes at the end, so
 * even a killed child leaves no data behind. Exit status 1 if any workload failed.
 */
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { WORKLOAD_IDS as WORKLOADS } from './lib/catalog.mjs'
import { killRunningChild, runChild } from './lib/child-run.mjs'
import { chooseBenchRoot, describeMachine, machineInfo } from './lib/machine.mjs'
import { newRunId, readResults, RESULTS_DIR, resultsPathFor } from './lib/results.mjs'
import { DIST_INDEX_PATH } from './lib/seglog.mjs'
import { formatCaseTable } from './lib/table.mjs'
import { makeTempDir, removeTempDir } from './lib/temp-dir.mjs'

/** A full W8 writes 1 GiB twice; five minutes is several times what any workload needs here. */
const WORKLOAD_TIMEOUT_MS = 5 * 60 * 1000
/** Lines of a failed child's stdout shown with its error. */
const FAILURE_TAIL_LINES = 20

const workloadsDir = fileURLToPath(new URL('./workloads/', import.meta.url))
const srcDir = fileURLToPath(new URL('../src/', import.meta.url))

function parseOptions() {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } })
  const only = values.only ? values.only.split(',').map((id) => id.trim().toUpperCase()) : WORKLOADS
  const unknown = only.filter((id) => !WORKLOADS.includes(id))
  if (unknown.length) throw new RangeError(`--only: unknown workload ${unknown.join(', ')} (known: ${WORKLOADS.join(', ')})`)
  return { quick: values.quick, workloads: only }
}

/** Newest modification time (ms) of any .ts file under `dir`. */
async function newestSourceMs(dir) {
  let newest = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs)
  }
  return newest
}

/** A warning when dist/ is missing or older than src/, else null. */
async function buildWarning() {
  if (!existsSync(DIST_INDEX_PATH)) return 'dist/index.js is missing: build with `npx tsc -p tsconfig.build.json` (seglog sides will be skipped)'
  if ((await newestSourceMs(srcDir)) > statSync(DIST_INDEX_PATH).mtimeMs) return 'src/ is newer than dist/index.js: rebuild with `npx tsc -p tsconfig.build.json` to measure the current code'
  return null
}

/** Runs one workload; resolves `{ ok, seconds, reason, stdout }`. */
async function runWorkloadChild(id, { quick, resultsPath, runId, benchDir }) {
  const script = join(workloadsDir, `${id.toLowerCase()}.mjs`)
  const args = [script, '--results', resultsPath, '--run', runId, ...(quick ? ['--quick'] : [])]
  const timeoutMs = quick ? WORKLOAD_TIMEOUT_MS / 4 : WORKLOAD_TIMEOUT_MS
  const result = await runChild(args, { timeoutMs, env: { ...process.env, SEGLOG_BENCH_DIR: benchDir }, captureStdout: true })
  return { ok: result.reason === null, ...result }
}

const options = parseOptions()
const runId = newRunId(options.quick)
const resultsPath = resultsPathFor(runId)
const partialPath = `${resultsPath}.tmp`
mkdirSync(RESULTS_DIR, { recursive: true })
const benchRoot = chooseBenchRoot()
const benchDir = makeTempDir(benchRoot.path, 'run')
// On Ctrl-C or SIGTERM: kill the running child's whole group, then temp-dir.mjs's handler removes
// the run directory and re-raises the signal, which (no listener left) ends the runner.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.prependOnceListener(signal, () => {
    killRunningChild()
  })
}

console.log(`run ${runId}: ${options.workloads.join(' ')} on ${describeMachine(await machineInfo(benchRoot))}`)
console.log(`data under ${benchRoot.note}; results in ${resultsPath}`)
const warning = await buildWarning()
if (warning) console.log(`warning: ${warning}`)

const failures = []
const runStart = process.hrtime.bigint()
try {
  for (const id of options.workloads) {
    const result = await runWorkloadChild(id, { quick: options.quick, resultsPath: partialPath, runId, benchDir })
    const cases = existsSync(partialPath) ? readResults(partialPath).filter((c) => c.workload === id).length : 0
    console.log(`${id.padEnd(3)} ${result.seconds.toFixed(1).padStart(6)} s  ${cases} case${cases === 1 ? '' : 's'}${result.ok ? '' : `  FAILED: ${result.reason}`}`)
    if (!result.ok) {
      failures.push(id)
      const tail = result.stdout.trimEnd().split('\n').filter(Boolean).slice(-FAILURE_TAIL_LINES)
      for (const line of tail) console.log(`    ${line}`)
    }
  }
} finally {
  removeTempDir(benchDir)
}
if (existsSync(partialPath)) renameSync(partialPath, resultsPath)

const totalSeconds = Number(process.hrtime.bigint() - runStart) / 1e9
console.log('')
if (existsSync(resultsPath)) console.log(formatCaseTable(readResults(resultsPath)))
console.log(`\n${options.workloads.length} workloads in ${totalSeconds.toFixed(1)} s${failures.length ? `; failed: ${failures.join(', ')}` : ''}`)
console.log(`report: node bench/report.mjs ${resultsPath}`)
if (failures.length) process.exitCode = 1
