/**
 * How a case is shown to a human: one labelled line (what a workload prints as it goes) or one row
 * of an aligned table (what the runner prints at the end). Both read only the NDJSON case fields
 * (results.mjs), so what is printed is exactly what is stored.
 */
import { formatBytes, formatNumber, formatRatio, formatValue } from './units.mjs'

/** "met", "MISSED", or "" when the case has no target or no number to check. */
export function formatMet(met) {
  return met === true ? 'met' : met === false ? 'MISSED' : ''
}

/** "os, 100 B, batch 100, 8 appenders, native": the conditions a number holds under. */
export function describeConditions(c) {
  const parts = []
  if (c.durability) parts.push(`durability ${c.durability}`)
  if (c.recordBytes !== null) parts.push(`record ${formatBytes(c.recordBytes)}`)
  if (c.batchRecords !== null) parts.push(`batch ${c.batchRecords}`)
  if (c.concurrency !== null) parts.push(`concurrency ${c.concurrency}`)
  parts.push(c.binding)
  return parts.join(', ')
}

/** "fsyncsPerSec 341, recordsPerFsync 1.02k": a case's extra numbers, "" when there are none. */
export function formatExtra(extra) {
  return Object.entries(extra ?? {})
    .filter(([, value]) => typeof value === 'number')
    .map(([key, value]) => `${key} ${formatNumber(value)}`)
    .join(', ')
}

/** The line a workload prints for one case. */
export function formatCaseLine(c) {
  const seglog = c.skipped ? `seglog skipped (${c.skipped})` : `seglog ${formatValue(c.value, c.metric)}${c.metric !== 'MBps' && c.MBps !== null ? ` (${formatValue(c.MBps, 'MBps')})` : ''}`
  const baseline = c.baselineName ? ` | ${c.baselineName} ${formatValue(c.baselineValue, c.metric)} | ratio ${formatRatio(c.ratio)}` : ''
  const target = c.target ? ` | target ${c.target}${c.met === null ? '' : `: ${formatMet(c.met)}`}` : ''
  const extra = formatExtra(c.extra)
  return `${c.case} ${c.name} [${describeConditions(c)}] | ${seglog}${baseline}${target}${extra ? ` | ${extra}` : ''}`
}

/** Columns of the runner's table. */
const COLUMNS = ['case', 'mode', 'record', 'batch', 'conc', 'binding', 'seglog', 'baseline', 'ratio', 'target', 'met']

function caseCells(c) {
  return [
    c.case,
    c.durability ?? '',
    c.recordBytes === null ? '' : formatBytes(c.recordBytes),
    c.batchRecords === null ? '' : String(c.batchRecords),
    c.concurrency === null ? '' : String(c.concurrency),
    c.binding,
    c.skipped ? 'skipped' : formatValue(c.value, c.metric),
    c.baselineName ? formatValue(c.baselineValue, c.metric) : '',
    formatRatio(c.ratio),
    c.target ?? '',
    formatMet(c.met),
  ]
}

/** An aligned plain-text table of cases, header first. */
export function formatCaseTable(cases) {
  const rows = [COLUMNS, ...cases.map(caseCells)]
  const widths = COLUMNS.map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()).join('\n')
}
