/**
 * Record values for the benchmarks, chosen so a reader can check every record's bytes cheaply.
 *
 * A pool of POOL_SIZE random values of `recordBytes` each; the record at offset `o` carries
 * `pool[o % POOL_SIZE]`. POOL_SIZE is prime, so it shares no factor with any batch size: a batch
 * written at the wrong offset, reordered records or a value from another record all compare
 * unequal. Writers and readers (seglog and the raw baselines alike) use the same pool, so both
 * do the same comparison work.
 *
 * Invariant: `expected(o)` is the same Buffer object for every call with the same `o`, and the
 * pool is never written after construction (values are handed to seglog by reference).
 */
import { createPrng } from './prng.mjs'

/** Prime, so record offsets and batch boundaries never line up; ~100 KiB of values at 100 B. */
export const POOL_SIZE = 1021

/** The value pool for one record size, derived from `seed`. */
export function createPayloadPool(recordBytes, seed) {
  if (!Number.isSafeInteger(recordBytes) || recordBytes < 0) throw new RangeError(`recordBytes must be a non-negative integer, got ${recordBytes}`)
  const prng = createPrng(seed)
  const values = Array.from({ length: POOL_SIZE }, () => prng.fillBytes(Buffer.allocUnsafe(recordBytes)))
  return {
    recordBytes,
    /** The value of the record at `offset`. */
    expected(offset) {
      return values[offset % POOL_SIZE]
    },
    /**
     * `count` records for offsets firstOffset.., the shape `append` takes: `{ value }`, or
     * `{ value, timestamp: timestampBaseMs + offset }` when a base is given (one distinct
     * millisecond per record, so a timestamp lookup has exactly one right answer).
     */
    records(firstOffset, count, timestampBaseMs) {
      const records = new Array(count)
      for (let i = 0; i < count; i++) {
        const offset = firstOffset + i
        records[i] = timestampBaseMs === undefined ? { value: values[offset % POOL_SIZE] } : { value: values[offset % POOL_SIZE], timestamp: timestampBaseMs + offset }
      }
      return records
    },
  }
}
