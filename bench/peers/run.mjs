#!/usr/bin/env node
/**
 * `npm run bench:peers`: the same workloads as seglog (W1, W2, W3 c1, W5, W6) on other embeddable
 * stores — lmdb, better-sqlite3, classic-level, hypercore — through one adapter each
 * (bench/peers/adapters/*.mjs, measured by bench/peers/measure.mjs), so BENCHMARKS.md can show
 * them beside seglog's numbers.
 *
 *   node bench/peers/run.mjs                      every peer, full sizes
 *   node bench/peers/run.mjs --quick              10× smaller (smoke run)
 *   node bench/peers/run.mjs --peers lmdb,hypercore
 *   node bench/peers/run.mjs --report             then `node bench/report.mjs` (what `npm run bench:peers`
 *                                                 does, so `npm run bench:peers -- --quick` reaches this script)
 *
 * The peers are installed into bench/peers/node_modules from bench/peers/package.json (its own
 * package, never a dependency of seglog) with `npm install --prefix bench/peers`, only when one of
 * them is missing. A peer that cannot be installed or loaded is skipped with the reason printed
 * (and recorded), never failing the run.
 *
 * Each peer runs in its own child process with a time limit, all under one per-run directory on
 * the bench disk (removed at the end). Results: bench/results/peers-<run>.ndjson (one line per
 * peer case, measure.mjs describes the fields; `<run>.ndjson.tmp` while running), which
 * bench/report.mjs merges into the newest seglog results as `peers` of each case.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { killRunningChild, runChild } from '../lib/child-run.mjs'
import { chooseBenchRoot, describeMachine, machineInfo } from '../lib/machine.mjs'
import { newRunId, RESULTS_DIR } from '../lib/results.mjs'
import { makeTempDir, removeTempDir } from '../lib/temp-dir.mjs'
import { formatBytes, formatValue } from '../lib/units.mjs'

/** Adapter file names, in run order; each adapter's package is `peer.packageName`. */
const PEERS = ['lmdb', 'better-sqlite3', 'classic-level', 'hypercore']
/** A full peer run takes well under a minute or two here; hypercore is the slowest. */
const PEER_TIMEOUT_MS = 10 * 60 * 1000

const peersDir = fileURLToPath(new URL('./', import.meta.url))
const measureScript = join(peersDir, 'measure.mjs')

function parseOptions() {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, peers: { type: 'string' }, report: { type: 'boolean', default: false } } })
  const peers = values.peers ? values.peers.split(',').map((name) => name.trim()) : PEERS
  const unknown = peers.filter((name) => !PEERS.includes(name))
  if (unknown.length) throw new RangeError(`--peers: unknown peer ${unknown.join(', ')} (known: ${PEERS.join(', ')})`)
  return { quick: values.quick, peers, report: values.report }
}

function installedPackages() {
  const { dependencies } = JSON.parse(readFileSync(join(peersDir, 'package.json'), 'utf8'))
  return Object.keys(dependencies).filter((name) => existsSync(join(peersDir, 'node_modules', name, 'package.json')))
}

/** `npm install --prefix bench/peers` when a peer package is missing; failures are printed, not thrown. */
function installPeers() {
  const { dependencies } = JSON.parse(readFileSync(join(peersDir, 'package.json'), 'utf8'))
  const missing = Object.keys(dependencies).filter((name) => !installedPackages().includes(name))
  if (missing.length === 0) return
  console.log(`installing peers into bench/peers (missing: ${missing.join(', ')}): npm install --prefix bench/peers`)
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const result = spawnSync(npm, ['install', '--prefix', peersDir, '--no-audit', '--no-fund'], { stdio: 'inherit' })
  if (result.status !== 0) console.log(`npm install --prefix bench/peers failed (${result.error?.message ?? `exit status ${result.status}`}); peers that did not install are skipped`)
}

function runPeer(name, { quick, resultsPath, runId, benchDir }) {
  const args = [measureScript, '--peer', name, '--results', resultsPath, '--run', runId, ...(quick ? ['--quick'] : [])]
  const timeoutMs = quick ? PEER_TIMEOUT_MS / 4 : PEER_TIMEOUT_MS
  return runChild(args, { timeoutMs, env: { ...process.env, SEGLOG_BENCH_DIR: benchDir } })
}

function readLines(path) {
  if (!existsSync(path)) return []
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line))
}

function summary(lines) {
  const rows = [['case', 'peer', 'value', 'durability', 'record', 'batch', 'setting']]
  for (const line of lines) {
    if (line.skipped) rows.push(['—', line.peer, 'skipped', '', '', '', line.skipped])
    else rows.push([line.caseId, line.peer, formatValue(line.value, line.metric), line.conditions.durability, formatBytes(line.conditions.recordBytes), String(line.conditions.batchRecords ?? ''), line.conditions.setting])
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ')).join('\n')
}

const options = parseOptions()
installPeers()
const runId = newRunId(options.quick)
mkdirSync(RESULTS_DIR, { recursive: true })
const resultsPath = join(RESULTS_DIR, `peers-${runId}.ndjson`)
const partialPath = `${resultsPath}.tmp`
const benchRoot = chooseBenchRoot()
const benchDir = makeTempDir(benchRoot.path, 'peers')
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.prependOnceListener(signal, () => {
    killRunningChild()
  })
}

console.log(`peers run ${runId}: ${options.peers.join(' ')} on ${describeMachine(await machineInfo(benchRoot))}`)
console.log(`installed in bench/peers: ${installedPackages().join(', ') || 'none'}; results in ${resultsPath}`)
const failures = []
try {
  for (const name of options.peers) {
    const result = await runPeer(name, { quick: options.quick, resultsPath: partialPath, runId, benchDir })
    console.log(`${name}: ${result.seconds.toFixed(1)} s${result.reason ? `  FAILED: ${result.reason}` : ''}\n`)
    if (result.reason) failures.push(name)
  }
} finally {
  removeTempDir(benchDir)
}
if (existsSync(partialPath)) renameSync(partialPath, resultsPath)
console.log(summary(readLines(resultsPath)))
if (failures.length) {
  console.log(`failed: ${failures.join(', ')}`)
  process.exitCode = 1
} else if (options.report) {
  // The report merges the newest peers-*.ndjson of the same kind (full/quick) into the newest seglog results.
  const report = spawnSync(process.execPath, [fileURLToPath(new URL('../report.mjs', import.meta.url))], { stdio: 'inherit' })
  if (report.status !== 0) process.exitCode = 1
} else {
  console.log(`\nreport: node bench/report.mjs (merges the newest peers-*.ndjson into the newest seglog results)`)
}
