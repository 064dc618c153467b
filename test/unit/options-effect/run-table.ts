/**
 * Turns an option-effect table into vitest tests: one `describe` per option, one `it` per effect
 * test (`it.fails` for a reported bug, see EffectTest.fails), logs closed and temp dirs removed
 * after each.
 */
import { afterEach, describe, it } from 'vitest'
import { cleanUp, type EffectTable } from './harness.js'

export function runTable(table: EffectTable): void {
  afterEach(cleanUp)
  for (const [key, tests] of Object.entries(table)) {
    describe(key, () => {
      for (const test of tests) {
        if (test.fails === undefined) it(test.name, () => test.run())
        else it.fails(`${test.name} [${test.fails}]`, () => test.run())
      }
    })
  }
}
