import { describe, expect, it } from 'vitest'
import { BatchArena } from '../../../src/format/batch-arena.js'
import { seededRandom, randomInt } from '../../helpers/seeded-random.mjs'

describe('BatchArena', () => {
  it("gives a producer's next batch the memory of the one it released", () => {
    // Property: allocate → release → allocate reuses the same bytes (the point of the arena).
    const arena = new BatchArena()
    const first = arena.allocate(10_000)
    arena.release(first)
    const second = arena.allocate(20_000)
    expect(second.buffer).toBe(first.buffer)
    expect(second.byteOffset).toBe(first.byteOffset)
  })

  it('never hands out bytes of a view that is still live, over random allocate/release sequences', () => {
    // Property: every live view keeps the pattern written into it until it is released, whatever
    // was allocated, released or written meanwhile (sizes span shared and own allocations).
    const random = seededRandom(314159)
    const arena = new BatchArena()
    const live: { view: Buffer; fill: number }[] = []
    let reused = 0
    const seen = new Set<ArrayBufferLike>()
    for (let step = 0; step < 5_000; step++) {
      if (live.length > 0 && random() < 0.5) {
        const [entry] = live.splice(randomInt(random, 0, live.length - 1), 1)
        expect(entry!.view.every((byte) => byte === entry!.fill), `step ${step}`).toBe(true)
        arena.release(entry!.view)
      } else {
        const size = random() < 0.02 ? randomInt(random, 1_048_577, 1_500_000) : randomInt(random, 61, 300_000)
        const view = arena.allocate(size)
        expect(view.length).toBe(size)
        if (seen.has(view.buffer)) reused++
        seen.add(view.buffer)
        const fill = step & 0xff
        view.fill(fill)
        live.push({ view, fill })
      }
    }
    for (const { view, fill } of live) expect(view.every((byte) => byte === fill)).toBe(true)
    expect(reused).toBeGreaterThan(1_000)
  })

  it('moves to a new slab when views are never released, leaving the old views intact', () => {
    // Property: a leaked view (a failed append nobody releases) costs memory, never correctness.
    const arena = new BatchArena()
    const leaked = arena.allocate(1_000_000).fill(7)
    const views = Array.from({ length: 8 }, (_, i) => arena.allocate(1_000_000).fill(i))
    expect(new Set(views.map((v) => v.buffer)).size).toBeGreaterThan(1)
    expect(leaked.every((b) => b === 7)).toBe(true)
    views.forEach((v, i) => expect(v.every((b) => b === i)).toBe(true))
  })
})
