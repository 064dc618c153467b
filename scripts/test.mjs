#!/usr/bin/env node
// The README's test command: runs the whole vitest suite twice — once on the native addon, once on
// the pure-JS fallback (SEGLOG_NO_NATIVE=1) — and ends with one plain line that CI reads:
// `N passed, N failed, N skipped` (vitest's own summary is not recognised by CI).
// Extra arguments are passed to vitest (e.g. `npm test -- test/unit/format`).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const extraArgs = process.argv.slice(2)

// Child processes in tests run the compiled package: rebuild dist/ so it matches src/.
const build = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
if (build.status !== 0) {
  console.log('\n0 passed, 1 failed, 0 skipped')
  process.exit(1)
}
const modes = [
  { name: 'native', env: { SEGLOG_NO_NATIVE: '0' } },
  { name: 'fallback', env: { SEGLOG_NO_NATIVE: '1' } },
]
const outDir = mkdtempSync(join(tmpdir(), 'seglog-test-'))
const totals = { passed: 0, failed: 0, skipped: 0 }
let exitCode = 0
/** Failed tests of both runs, repeated just above the last line: CI may keep only the output's tail. */
const failures = []

for (const mode of modes) {
  const outputFile = join(outDir, `${mode.name}.json`)
  console.log(`\n=== seglog tests: ${mode.name} binding ===\n`)
  const run = spawnSync(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${outputFile}`, ...extraArgs],
    { stdio: 'inherit', env: { ...process.env, ...mode.env } },
  )
  let report
  try {
    report = JSON.parse(readFileSync(outputFile, 'utf8'))
  } catch {
    console.error(`seglog tests (${mode.name}): vitest wrote no JSON report (exit ${run.status}, signal ${run.signal})`)
    totals.failed += 1
    exitCode = 1
    continue
  }
  const passed = report.numPassedTests
  // A file that fails to load has no failed test but fails the run: count it once.
  const failed = report.numFailedTests + (report.numFailedTests === 0 && report.success === false ? 1 : 0)
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  console.log(`seglog tests (${mode.name}): ${passed} passed, ${failed} failed, ${skipped} skipped`)
  for (const name of failedTestNames(report)) failures.push(`${mode.name}: ${name}`)
  totals.passed += passed
  totals.failed += failed
  totals.skipped += skipped
  if (run.status !== 0 || failed > 0) exitCode = 1
}

rmSync(outDir, { recursive: true, force: true })
if (failures.length > 0) console.log(`\nfailed:\n${failures.map((f) => `  ${f}`).join('\n')}`)
if (totals.passed === 0 && exitCode === 0) exitCode = 1 // a run that ran no test is not a pass
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
process.exit(exitCode)

/** `<file> > <test>` of every failed test, and every file that failed without a failed test. */
function failedTestNames(report) {
  const names = []
  for (const file of report.testResults ?? []) {
    const path = String(file.name ?? '').replace(`${process.cwd()}/`, '')
    const failedTests = (file.assertionResults ?? []).filter((t) => t.status === 'failed')
    for (const test of failedTests) names.push(`${path} > ${test.fullName ?? test.title}`)
    if (failedTests.length === 0 && file.status === 'failed') names.push(`${path} (${String(file.message ?? 'failed to run').split('\n')[0]})`)
  }
  return names
}
