/**
 * Interleaved rounds for bench/producers.mjs: the sides of a comparison (plain vs idempotent
 * appends; raw appends vs producer.send with two lingerMs) take turns, round after round, and the
 * side that goes first rotates each round (A B, B A, A B, … for two sides). On a 2-core machine
 * shared with other engineers' test runs, a neighbour's burst then lands on every side alike, and
 * neither side always runs with the JIT or the page cache warmed by the other.
 */
import { median } from './clock.mjs'

/**
 * Runs `measure(side, round)` for every side in `sides`, `rounds` times, in rotating order, after
 * one untimed warm-up round (round −1) of every side: without it the first side of round 0 runs
 * on a cold JIT and loses the pairing. `measure` resolves `{ records, seconds, ... }`. Returns
 * `Map<side, result[]>` (in round order, the warm-up left out).
 */
export async function runInterleaved(sides, rounds, measure) {
  for (const side of sides) await measure(side, -1)
  const results = new Map(sides.map((side) => [side, []]))
  for (let round = 0; round < rounds; round++) {
    const order = sides.map((_, i) => sides[(i + round) % sides.length])
    for (const side of order) results.get(side).push(await measure(side, round))
  }
  return results
}

/** records/s of one round. */
export function roundRate(result) {
  return result.records / result.seconds
}

/** The round whose rate is the median (an odd count makes it a measured round). */
export function medianRound(results, rate = roundRate) {
  const sorted = [...results].sort((a, b) => rate(a) - rate(b))
  return sorted[sorted.length >> 1]
}

/**
 * The median over rounds of `rate(a[r]) / rate(b[r])`: each pair was measured back to back, so
 * their ratio is less exposed to the machine's drift than the ratio of two medians.
 */
export function pairedRatioMedian(a, b, rate = roundRate) {
  return median(a.map((result, round) => rate(result) / rate(b[round])))
}
