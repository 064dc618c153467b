#!/usr/bin/env node
// The reliability runner (reliability issue):
//
//   node scripts/reliability.mjs [--report] [--soak] [-- <vitest args>]
//
// Rebuilds dist/ (child processes in the harnesses run compiled code), then runs
// `vitest run test/reliability test/crash test/fault <vitest args>` once, on the binding the
// environment selects (SEGLOG_NO_NATIVE=1 for the fallback), with SEGLOG_RELIABILITY_REPORT set to
// a temp file: every harness appends one JSON line there at its end
// ({ harness, iterations|points|cuts|crashes|inputs|runs, faultKinds, seed, violations,
// counters?, plantedBugsCaught? }).
//
// --report  prints ONE line aggregating those lines — the counts per harness, the distinct fault
//           kinds, the violation counters (acknowledged records lost, duplicates, …: each should
//           be 0), the planted bugs caught, and every seed — and exits non-zero if any harness
//           reported a violation, a line is malformed, or vitest failed.
// --soak    long runs: SEGLOG_ITERS defaults to 1000 (each harness scales its count from it) and
//           SEGLOG_KILL_ITERS (the H1 kill loop's own knob) to SEGLOG_ITERS. SEED replays a run.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const SUITES = ['test/reliability', 'test/crash', 'test/fault']
const COUNT_FIELDS = ['iterations', 'points', 'cuts', 'crashes', 'inputs', 'runs']
const SOAK_ITERS_DEFAULT = '1000'

const args = process.argv.slice(2)
const separator = args.indexOf('--')
const ownArgs = separator < 0 ? args : args.slice(0, separator)
const vitestArgs = separator < 0 ? [] : args.slice(separator + 1)
for (const arg of ownArgs) {
  if (arg !== '--report' && arg !== '--soak') {
    console.error(`reliability: unknown option ${arg} (usage: node scripts/reliability.mjs [--report] [--soak] [-- <vitest args>])`)
    process.exit(2)
  }
}
const wantReport = ownArgs.includes('--report')
const env = { ...process.env }
if (ownArgs.includes('--soak')) {
  env.SEGLOG_ITERS ||= SOAK_ITERS_DEFAULT
  env.SEGLOG_KILL_ITERS ||= env.SEGLOG_ITERS
}

const build = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
if (build.status !== 0) {
  console.error('reliability: the build failed')
  process.exit(1)
}

const workDir = mkdtempSync(join(tmpdir(), 'seglog-reliability-'))
const reportFile = join(workDir, 'report.ndjson')
let exitCode
try {
  const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...SUITES, ...vitestArgs], {
    stdio: 'inherit',
    env: { ...env, SEGLOG_RELIABILITY_REPORT: reportFile },
  })
  const vitestOk = run.status === 0
  exitCode = vitestOk ? 0 : 1
  if (wantReport) {
    const { line, problems } = summarize(readLines(reportFile), vitestOk ? 'passed' : `failed (${run.status ?? run.signal})`)
    for (const problem of problems) console.error(`reliability: ${problem}`)
    console.log(`\n${line}`)
    if (problems.length > 0) exitCode = 1
  }
} finally {
  rmSync(workDir, { recursive: true, force: true })
}
process.exit(exitCode)

function readLines(file) {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '')
  } catch (err) {
    if (err.code === 'ENOENT') return []
    throw err
  }
}

/** The one summary line, and what makes the run fail (violations, malformed lines). */
function summarize(lines, vitestOutcome) {
  const problems = []
  const harnesses = new Map() // name → { counts: {field: n}, seeds: Set, violations }
  const faultKinds = new Set()
  const counters = {}
  const planted = new Map() // bug → caught by any harness
  let violations = 0
  for (const text of lines) {
    let entry
    try {
      entry = JSON.parse(text)
    } catch {
      problems.push(`malformed report line: ${text}`)
      continue
    }
    if (typeof entry?.harness !== 'string' || !Number.isSafeInteger(entry.violations) || !Array.isArray(entry.faultKinds)) {
      problems.push(`report line without harness, violations or faultKinds: ${text}`)
      continue
    }
    let harness = harnesses.get(entry.harness)
    if (!harness) harnesses.set(entry.harness, (harness = { counts: {}, seeds: new Set(), violations: 0 }))
    for (const field of COUNT_FIELDS) {
      if (Number.isFinite(entry[field])) harness.counts[field] = (harness.counts[field] ?? 0) + entry[field]
    }
    harness.seeds.add(String(entry.seed))
    harness.violations += entry.violations
    violations += entry.violations
    for (const kind of entry.faultKinds) faultKinds.add(kind)
    for (const [kind, n] of Object.entries(entry.counters ?? {})) counters[kind] = (counters[kind] ?? 0) + n
    for (const [bug, caught] of Object.entries(entry.plantedBugsCaught ?? {})) planted.set(bug, planted.get(bug) === true || caught === true)
  }
  if (violations > 0) problems.push(`${violations} violations reported: see each harness's output above for the seed and the replay command`)
  for (const [bug, caught] of planted) if (!caught) problems.push(`planted bug ${bug} was not caught`)

  const ran = [...harnesses]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, h]) => `${name} ${Object.entries(h.counts).map(([field, n]) => `${n} ${field}`).join(' ') || 'ran'}${h.violations > 0 ? ` (${h.violations} violations)` : ''}`)
  const counterText = Object.entries(counters)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(' / ')
  const caught = [...planted.values()].filter(Boolean).length
  const seeds = [...harnesses].map(([name, h]) => `${name}=${[...h.seeds].join('|')}`).join(', ')
  const line =
    `reliability: ${violations} violations${counterText ? ` (${counterText})` : ''} across ${ran.join(' + ') || 'no harness'}; ` +
    `${faultKinds.size} fault kinds (${[...faultKinds].sort().join(', ')}); ` +
    `planted bugs caught ${caught}/${planted.size}; seeds ${seeds || 'none'}; vitest ${vitestOutcome}`
  return { line: lines.length === 0 ? `${line} (no harness wrote a report line: all skipped?)` : line, problems }
}
