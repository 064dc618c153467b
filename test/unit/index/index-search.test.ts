import { describe, expect, test } from 'vitest'
import { countBelow, largestLowerBoundSlot } from '../../../src/index/index-search.js'
import { seededRandom } from '../../kafka/fixtures.js'

function linearFloor(keys: number[], target: number): number {
  let slot = -1
  for (let i = 0; i < keys.length; i++) if (keys[i]! <= target) slot = i
  return slot
}

describe('index searches', () => {
  test('largestLowerBoundSlot equals a linear floor search for every warm-section size', () => {
    // Property: the warm-section split never changes the answer, with or without repeated keys.
    const random = seededRandom(3)
    for (let round = 0; round < 200; round++) {
      const keys: number[] = []
      let key = random(5)
      const length = random(60)
      for (let i = 0; i < length; i++) {
        key += random(3) // 0 repeats a key, as time-index offsets may
        keys.push(key)
      }
      const warm = random(10)
      for (let target = -2; target <= key + 2; target++) {
        const slot = largestLowerBoundSlot(keys.length, warm, target, (s) => keys[s]!)
        const want = linearFloor(keys, target)
        expect(slot).toBe(want)
      }
    }
  })

  test('countBelow counts the keys below the target', () => {
    // Property: countBelow is the lower bound of the target.
    const keys = [1, 3, 3, 7, 9]
    expect([0, 1, 2, 3, 4, 7, 8, 9, 10].map((t) => countBelow(keys.length, t, (s) => keys[s]!))).toEqual([
      0, 0, 1, 1, 3, 3, 4, 4, 5,
    ])
  })
})
