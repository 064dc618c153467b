/**
 * Wall-clock measurement for the benchmarks: monotonic (process.hrtime), in seconds as a float.
 * Every case measures wall time of the whole operation as the caller sees it (including awaits),
 * because that is what an application gets.
 */

/** A monotonic start mark. */
export function startClock() {
  return process.hrtime.bigint()
}

/** Seconds since `start`. */
export function secondsSince(start) {
  return Number(process.hrtime.bigint() - start) / 1e9
}

/** Milliseconds since `start`. */
export function msSince(start) {
  return Number(process.hrtime.bigint() - start) / 1e6
}

/** The median of a non-empty list of numbers. */
export function median(values) {
  if (values.length === 0) throw new RangeError('median of an empty list')
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/**
 * Runs `measure()` `count` times and returns the result whose `seconds` is the median: a single
 * sample on a shared machine can land in a neighbour's burst. `count` should be odd.
 */
export function medianRun(count, measure) {
  const runs = Array.from({ length: count }, () => measure())
  runs.sort((a, b) => a.seconds - b.seconds)
  return runs[runs.length >> 1]
}
