/**
 * The frame every bench/workloads/wN.mjs runs in: arguments, machine info, the results file, temp
 * directories and printing, so a workload file holds only what it measures.
 *
 * Arguments (bench/run.mjs passes them; a workload also runs alone):
 *   --quick           smaller sizes and shorter durations (the ~1 minute smoke run)
 *   --results FILE    append each case as one NDJSON line to FILE (results.mjs)
 *   --run ID          the run id stored in each case (default: a new one)
 *   --seed N          PRNG seed for record values, offsets and timestamps (default 42)
 *
 * stdout: one line with the machine, then one line per case with its conditions (durability,
 * record size, batch size, concurrency, binding) beside its numbers. stderr: progress on a TTY,
 * errors. A workload that throws exits 1 after printing the error; its finished cases stay in
 * the results file.
 */
import { parseArgs } from 'node:util'
import { chooseBenchRoot, describeMachine, machineInfo } from './machine.mjs'
import { clearProgress, progress } from './progress.mjs'
import { buildCase, createResultsWriter, newRunId } from './results.mjs'
import { loadSeglog } from './seglog.mjs'
import { formatCaseLine } from './table.mjs'
import { makeTempDir, removeTempDir } from './temp-dir.mjs'

/** Seed used when none is given: fixed, so runs on different days measure the same records. */
const DEFAULT_SEED = 42

/**
 * Runs `body(ctx)` for workload `id` ("W1"). `ctx`:
 *   id, quick, seed, machine, Log (null when dist has no Log), seglogMissing (why, else null),
 *   scale(full, quick) → full or quick value, tempDir(label) → new dir, removeTempDir(dir),
 *   progress(text), record(fields) → the case line written (results.mjs buildCase fields).
 */
export async function runWorkload(id, body) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      results: { type: 'string' },
      run: { type: 'string' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
    },
  })
  const seed = Number(values.seed)
  if (!Number.isSafeInteger(seed)) throw new RangeError(`--seed must be an integer, got ${values.seed}`)
  const quick = values.quick
  const run = values.run ?? newRunId(quick)
  const benchRoot = chooseBenchRoot()
  const machine = await machineInfo(benchRoot)
  const { Log, missing } = await loadSeglog()
  const writer = values.results ? createResultsWriter(values.results) : null

  console.log(`${id} on ${describeMachine(machine)}${quick ? ' (quick)' : ''}${missing ? ` — seglog side skipped: ${missing}` : ''}`)
  const ctx = {
    id,
    quick,
    seed,
    machine,
    Log,
    seglogMissing: missing,
    scale: (full, quickValue) => (quick ? quickValue : full),
    tempDir: (label) => makeTempDir(benchRoot.path, `${id.toLowerCase()}-${label}`),
    removeTempDir,
    progress: (text) => progress(`${id} ${text}`),
    record(fields) {
      const line = buildCase({ workload: id, ...fields }, { run, quick, machine })
      writer?.write(line)
      clearProgress()
      console.log(formatCaseLine(line))
      return line
    },
  }
  try {
    await body(ctx)
  } catch (err) {
    clearProgress()
    console.error(`${id} failed: ${err?.stack ?? err}`)
    process.exitCode = 1
  }
}
