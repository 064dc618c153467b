/**
 * Producer sequence arithmetic (Kafka `DefaultRecordBatch.incrementSequence` /
 * `decrementSequence`). Sequences are int32 and wrap from Int32.MAX to 0, never into negatives:
 * a batch whose baseSequence is MAX - 10 and holds 20 records has lastSequence 9.
 *
 * Both functions expect `sequence` in [0, Int32.MAX] and `delta` in [0, Int32.MAX]; callers
 * validate (these run per batch on the append path).
 */

const INT32_MAX = 0x7fff_ffff

/** `sequence + increment`, wrapping past Int32.MAX to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1
  return sequence + increment
}

/** `sequence - decrement`, wrapping below 0 back to Int32.MAX. */
export function decrementSequence(sequence: number, decrement: number): number {
  if (sequence < decrement) return INT32_MAX - (decrement - sequence) + 1
  return sequence - decrement
}
