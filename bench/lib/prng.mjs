/**
 * Seeded pseudo-random numbers for the benchmarks: the same seed gives the same record contents,
 * read offsets and lookup timestamps on every machine, so two runs measure the same work.
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Counter, as in PractRand): 128 bits of state, period at
 * least 2^32, passes PractRand to terabytes — plenty for choosing offsets. The seed is expanded
 * with splitmix32 so nearby seeds (1, 2, 3) give unrelated streams. Not for cryptography.
 */

/** splitmix32 step: scrambles a 32-bit counter into a well-mixed 32-bit value. */
function splitmix32(state) {
  let z = (state + 0x9e3779b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/**
 * A generator seeded with the integer `seed`.
 * - `nextUint32()`: uniform in [0, 2^32).
 * - `nextBelow(n)`: integer in [0, n) for 1 ≤ n ≤ 2^32 (multiply-shift; the bias is below n/2^32,
 *   under 0.03 % for the million-record datasets here).
 * - `fillBytes(buffer)`: fills a Buffer/Uint8Array with random bytes.
 */
export function createPrng(seed) {
  if (!Number.isSafeInteger(seed)) throw new TypeError(`PRNG seed must be a safe integer, got ${seed}`)
  let a = splitmix32(seed)
  let b = splitmix32(a)
  let c = splitmix32(b)
  let d = 1 // sfc32's counter word

  function nextUint32() {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  // Discard the first outputs: sfc32's state needs a few rounds to mix the seed words.
  for (let i = 0; i < 12; i++) nextUint32()

  return {
    nextUint32,
    nextBelow(n) {
      if (!(n >= 1 && n <= 2 ** 32)) throw new RangeError(`nextBelow bound must be in [1, 2^32], got ${n}`)
      return Math.floor((nextUint32() / 2 ** 32) * n)
    },
    fillBytes(buffer) {
      let i = 0
      for (; i + 4 <= buffer.length; i += 4) {
        const word = nextUint32()
        buffer[i] = word
        buffer[i + 1] = word >>> 8
        buffer[i + 2] = word >>> 16
        buffer[i + 3] = word >>> 24
      }
      for (let word = nextUint32(); i < buffer.length; i++, word >>>= 8) buffer[i] = word
      return buffer
    },
  }
}
