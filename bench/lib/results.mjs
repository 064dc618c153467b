/**
 * Benchmark results as data: one JSON object per case, one line each, in
 * bench/results/<run>.ndjson (NDJSON). The runner names a run after its UTC start time
 * (`20251122T010203Z`, `-quick` appended for smoke runs), so names sort by time.
 *
 * A case line holds:
 *   run, at (ISO time), quick, workload ("W3"), case ("W3/c8"), name (what was measured),
 *   durability ('os' | 'fsync' | null), recordBytes, batchRecords, concurrency, binding,
 *   records, bytes (payload bytes: records × recordBytes), seconds, recordsPerSec, MBps,
 *   metric (units.mjs) and value (the headline number in that metric),
 *   baselineName, baselineValue (same metric, measured in the same process just before),
 *   ratio (value / baseline when higher is better, baseline / value when lower is better:
 *   above 1 means seglog did better), target (text) and met (true/false/null),
 *   skipped (why the seglog side did not run, else absent), extra (case-specific numbers),
 *   machine (machine.mjs).
 *
 * Lines are appended one at a time with appendFileSync, so a workload that crashes keeps the cases
 * it finished; a torn last line (killed mid-write) is reported, not silently dropped.
 */
import { appendFileSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { targetFor, targetMet } from './targets.mjs'
import { metricInfo } from './units.mjs'

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url))

/** "20251122T010203Z" (+ "-quick"): the run's UTC start, sortable. */
export function newRunId(quick) {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  return quick ? `${stamp}-quick` : stamp
}

export function resultsPathFor(runId) {
  return join(RESULTS_DIR, `${runId}.ndjson`)
}

function rate(count, seconds) {
  return count === null || count === undefined || !(seconds > 0) ? null : count / seconds
}

/**
 * The full case line from what a workload measured. `fields.metric` names the headline number;
 * its `value` defaults to the matching rate (records/s, MB/s, or records/s for reads and lookups,
 * whose "records" are reads and lookups).
 */
export function buildCase(fields, { run, quick, machine }) {
  const { workload, metric } = fields
  const info = metricInfo(metric)
  const caseId = fields.case ?? workload
  const skipped = fields.skipped ?? null
  const recordsPerSec = skipped ? null : rate(fields.records, fields.seconds)
  const bytesPerSec = skipped ? null : rate(fields.bytes, fields.seconds)
  const MBps = bytesPerSec === null ? null : bytesPerSec / 1e6
  const value = skipped ? null : (fields.value ?? (metric === 'MBps' ? MBps : metric === 'ms' ? null : recordsPerSec))
  const baselineValue = fields.baselineValue ?? null
  let ratio = null
  if (value !== null && baselineValue) ratio = info.higherIsBetter ? value / baselineValue : baselineValue / value
  const target = targetFor(caseId, workload)
  return {
    run,
    at: new Date().toISOString(),
    quick,
    workload,
    case: caseId,
    name: fields.name,
    durability: fields.durability ?? null,
    recordBytes: fields.recordBytes ?? null,
    batchRecords: fields.batchRecords ?? null,
    concurrency: fields.concurrency ?? null,
    binding: fields.binding ?? machine.binding,
    records: skipped ? null : (fields.records ?? null),
    bytes: skipped ? null : (fields.bytes ?? null),
    seconds: skipped ? null : (fields.seconds ?? null),
    recordsPerSec,
    MBps,
    metric,
    value,
    baselineName: fields.baselineName ?? null,
    baselineValue,
    ratio,
    target: target?.text ?? null,
    met: targetMet(target, { value, ratio }),
    ...(skipped ? { skipped } : {}),
    extra: fields.extra ?? {},
    machine,
  }
}

/** Appends case lines to `filePath` (created on first write). */
export function createResultsWriter(filePath) {
  return {
    filePath,
    write(caseLine) {
      appendFileSync(filePath, JSON.stringify(caseLine) + '\n')
    },
  }
}

/** The case lines of a results file; a line that is not JSON throws with the path and line number. */
export function readResults(filePath) {
  const cases = []
  const lines = readFileSync(filePath, 'utf8').split('\n')
  lines.forEach((line, index) => {
    if (line.trim() === '') return
    try {
      cases.push(JSON.parse(line))
    } catch (err) {
      throw new Error(`Bad results line ${filePath}:${index + 1}: ${err.message}`, { cause: err })
    }
  })
  return cases
}

/** The newest results file: the newest full run if there is one, else the newest quick run; null if none. */
export function latestResultsPath() {
  let names
  try {
    names = readdirSync(RESULTS_DIR).filter((name) => /^\d{8}T\d{6}Z(-quick)?\.ndjson$/.test(name)).sort()
  } catch {
    return null
  }
  const full = names.filter((name) => !name.includes('-quick'))
  const chosen = full.at(-1) ?? names.at(-1)
  return chosen ? join(RESULTS_DIR, chosen) : null
}
