/**
 * The meta-test (issue 9 §2: "every accepted option has a test that would fail if it stopped having
 * its effect; same rule for every future option"): the options the TypeScript compiler finds in
 * the public API (test/helpers/public-api-shape.ts) must be exactly the keys of the effect tables,
 * and every literal value an option's type admits must be exercised by one of its tests. An option
 * or a value added to src/ without an effect test fails here, by name.
 */
import { describe, expect, it } from 'vitest'
import { publicOptions, type PublicOption } from '../../helpers/public-api-shape.js'
import type { EffectTable } from './harness.js'
import { logOptionEffects } from './log-options-effects.js'
import { partitionOptionEffects } from './partition-options-effects.js'
import { producerOptionEffects } from './producer-options-effects.js'
import { topicConfigEffects } from './topic-config-effects.js'

const TABLES: EffectTable[] = [topicConfigEffects, logOptionEffects, partitionOptionEffects, producerOptionEffects]

describe('every public option has an effect test', () => {
  let options: PublicOption[] = []
  const table: EffectTable = Object.assign({}, ...TABLES)

  it('the tables register each option once', () => {
    const keys = TABLES.flatMap((t) => Object.keys(t))
    expect(keys.filter((key, i) => keys.indexOf(key) !== i)).toEqual([])
    expect(Object.entries(table).filter(([, tests]) => tests.length === 0).map(([key]) => key)).toEqual([])
  })

  it('the options in src/index.ts are exactly the options with effect tests', () => {
    options = publicOptions()
    // Sanity: the extraction sees the API (a broken extraction must not pass by finding nothing).
    expect(options.map((o) => o.key)).toEqual(expect.arrayContaining(['TopicConfig.segmentBytes', 'LogOptions.clock', 'ReadOptions.maxWaitMs']))
    const derived = options.map((o) => o.key)
    const tested = Object.keys(table)
    expect(
      derived.filter((key) => !tested.includes(key)),
      'options without an effect test: add one to a table in test/unit/options-effect/',
    ).toEqual([])
    expect(
      tested.filter((key) => !derived.includes(key)),
      'effect tests of options the API no longer has (renamed or removed?)',
    ).toEqual([])
  }, 30_000)

  it("every literal value of an option's type is exercised by one of its tests", () => {
    if (options.length === 0) options = publicOptions()
    const uncovered: string[] = []
    const unknown: string[] = []
    for (const option of options) {
      const exercised = new Set((table[option.key] ?? []).flatMap((test) => test.values ?? []))
      for (const literal of option.literals) if (!exercised.has(literal)) uncovered.push(`${option.key} ${JSON.stringify(literal)}`)
      for (const value of exercised) if (!option.literals.includes(value)) unknown.push(`${option.key} ${JSON.stringify(value)}`)
    }
    expect(uncovered, 'values without a test of their effect (or of their refusal)').toEqual([])
    expect(unknown, "values tested that the option's type does not admit").toEqual([])
  }, 30_000)
})
