/**
 * The metrics a benchmark case can report, their units and which direction is better, and how to
 * print them. One table so the workloads, the runner's table and the report agree on every label.
 *
 * MB is 10^6 bytes (MB/s as disks and networks quote it); MiB is 2^20 where sizes are chosen.
 */
export const METRICS = {
  recordsPerSec: { unit: 'rec/s', higherIsBetter: true },
  MBps: { unit: 'MB/s', higherIsBetter: true },
  readsPerSec: { unit: 'reads/s', higherIsBetter: true },
  lookupsPerSec: { unit: 'lookups/s', higherIsBetter: true },
  syncsPerSec: { unit: 'syncs/s', higherIsBetter: true },
  ms: { unit: 'ms', higherIsBetter: false },
  MiB: { unit: 'MiB', higherIsBetter: false },
}

export function metricInfo(metric) {
  const info = METRICS[metric]
  if (!info) throw new RangeError(`Unknown benchmark metric "${metric}" (known: ${Object.keys(METRICS).join(', ')})`)
  return info
}

/** 3 significant digits with k/M suffixes: 1234567 → "1.23M", 812.4 → "812", 3 → "3", 0.0421 → "0.0421". */
export function formatNumber(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—'
  const abs = Math.abs(value)
  if (abs >= 1e9) return `${(value / 1e9).toPrecision(3)}G`
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)}k`
  if (abs >= 100 || Number.isInteger(value)) return value.toFixed(0)
  return value.toPrecision(3)
}

/** "812k rec/s", "77.5 MB/s", "12.3 ms", "—" for a missing value. */
export function formatValue(value, metric) {
  if (value === null || value === undefined) return '—'
  return `${formatNumber(value)} ${metricInfo(metric).unit}`
}

/** "0.66×", "0.0048×" (two significant digits below 0.1), "—" when there is no ratio. */
export function formatRatio(ratio) {
  if (ratio === null || ratio === undefined) return '—'
  return `${ratio < 0.1 ? ratio.toPrecision(2) : ratio.toFixed(2)}×`
}

/** Binary sizes for labels: 100 → "100 B", 1024 → "1 KiB", 2^30 → "1 GiB". */
export function formatBytes(sizeBytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = sizeBytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024
    unit++
  }
  return `${value} ${units[unit]}`
}
