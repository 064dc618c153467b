import { describe, expect, it } from 'vitest'
import { decrementSequence, incrementSequence } from '../../../src/format/sequence.js'

const MAX = 2 ** 31 - 1

describe('producer sequence arithmetic (DefaultRecordBatchTest.testIncrementSequence)', () => {
  it('increments without wrapping below Int32.MAX', () => {
    // Property: ordinary increments are plain addition.
    expect(incrementSequence(5, 10)).toBe(15)
    expect(incrementSequence(MAX - 10, 10)).toBe(MAX)
  })

  it('wraps past Int32.MAX to 0, never to a negative', () => {
    // Property: Kafka's wrap rule: MAX + 1 → 0, MAX − 5 + 10 → 4.
    expect(incrementSequence(MAX, 1)).toBe(0)
    expect(incrementSequence(MAX - 5, 10)).toBe(4)
    expect(incrementSequence(MAX, MAX)).toBe(MAX - 1)
  })

  it('decrements back across the wrap, inverting increment', () => {
    // Property: decrementSequence(incrementSequence(s, n), n) === s for s and n across the range.
    expect(decrementSequence(4, 10)).toBe(MAX - 5)
    expect(decrementSequence(0, 1)).toBe(MAX)
    for (const s of [0, 1, 1000, MAX - 10, MAX]) {
      for (const n of [0, 1, 9, 10, 11, MAX]) {
        expect(decrementSequence(incrementSequence(s, n), n), `${s} ± ${n}`).toBe(s)
      }
    }
  })
})
