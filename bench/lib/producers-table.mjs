/**
 * The table bench/producers.mjs prints at the end: the runner's table (table.mjs formatCaseTable,
 * the same columns bench/run.mjs prints) with what the producer cases add on the right — the
 * idempotent overhead, the load average when the case ended, and a few words from `extra` (CPU per
 * record, the recovery fields of the open cases) — read only from the stored case lines.
 */
import { formatCaseTable } from './table.mjs'
import { formatNumber } from './units.mjs'

const percent = (value) => (typeof value === 'number' ? `${value >= 0 ? '+' : ''}${value.toFixed(1)}%` : '')

/** What the case's extra numbers say in a few words. */
function notes(c) {
  const x = c.extra ?? {}
  if (x.pairedOverheadPct !== undefined) {
    return `CPU ${formatNumber(x.cpuNsPerRecord)} vs ${formatNumber(x.plainCpuNsPerRecord)} ns/rec (${percent(x.cpuOverheadPct)}), paired ${percent(x.pairedOverheadPct)}, appends only ${percent(x.appendOnlyOverheadPct)}`
  }
  if (x.producerSnapshotOffset !== undefined) {
    const recovered = x.recovery ? `snapshot @${x.producerSnapshotOffset ?? 'none'}, replayed ${x.producerBatchesReplayed} batches` : 'no recovery entry (clean open)'
    return `${recovered}, ${formatNumber(x.snapshotBytes)} B of snapshots`
  }
  if (typeof x.recordsPerFsync === 'number') return `rec/fsync ${formatNumber(x.recordsPerFsync)} (baseline ${formatNumber(x.baselineRecordsPerFsync)})`
  return ''
}

const EXTRA_COLUMNS = ['overhead', 'load', 'notes']

function extraCells(c) {
  const load = c.extra?.loadAverage1m
  return [percent(c.extra?.overheadPct), typeof load === 'number' ? load.toFixed(2) : '', notes(c)]
}

/** An aligned plain-text table of the cases, header first. */
export function formatProducerCaseTable(cases) {
  const base = formatCaseTable(cases).split('\n')
  const baseWidth = Math.max(...base.map((line) => line.length))
  const rows = [EXTRA_COLUMNS, ...cases.map(extraCells)]
  const widths = EXTRA_COLUMNS.map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  return base.map((line, i) => `${line.padEnd(baseWidth)}  ${rows[i].map((cell, column) => cell.padEnd(widths[column])).join('  ')}`.trimEnd()).join('\n')
}
