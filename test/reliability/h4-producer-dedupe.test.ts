/**
 * H4 for idempotent producers (simfs/producer-power-cut.ts; issue 10 §6, reliability.md FM-13):
 * after every simulated power cut, each of the last five batches of a producer dedupes at its
 * offsets, a lost batch retried is appended exactly once, an older retry is
 * OUT_OF_ORDER_SEQUENCE_NUMBER, and the log holds no sequence twice and none skipped — with
 * 'fsync' durability (every acknowledged batch kept) and 'os' (where a roll's snapshot lands above
 * what the power cut keeps). The planted bug `producer-state-not-rolled-back` must be caught in a
 * child, and the same child without it must pass. `SEGLOG_ITERS` sets the boots per mode (default
 * 150, so `npm test` stays well inside CI's budget with both bindings; `npm run test:soak`
 * runs 1,000), `SEED` replays a run.
 */
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Log } from '../../src/log.js'
import { distUrl } from '../helpers/dist.js'
import { spawnNode } from '../helpers/line-child.js'
import { plantedBugEnv } from '../helpers/planted-bug-env.js'
import { reportReliability } from '../helpers/reliability-report.js'
import { seedFromEnv } from '../helpers/seeded-random.mjs'
import { runProducerPowerCuts, type ProducerPowerCutResult } from './simfs/producer-power-cut.js'

const BOOTS = Number(process.env.SEGLOG_ITERS ?? 150)
const SEED = seedFromEnv('SEED')
/** Boots of the planted-bug child: the bug shows within the first few power cuts in 'os' mode. */
const PLANTED_BOOTS = 60
const childPath = fileURLToPath(new URL('./simfs/producer-power-cut-child.mjs', import.meta.url))
const registerTsPath = fileURLToPath(new URL('../unit/native/fixtures/register-ts.mjs', import.meta.url))

async function runChild(bug: boolean): Promise<ProducerPowerCutResult> {
  const env = bug ? plantedBugEnv('producer-state-not-rolled-back') : {}
  const child = spawnNode([`--import=${registerTsPath}`, childPath, distUrl('index.js'), String(PLANTED_BOOTS), String(SEED), 'os'], env)
  const exit = await child.exited
  const last = child.lines.at(-1)
  if (exit.code !== 0 || last === undefined) throw new Error(`producer power-cut child exited ${exit.code ?? exit.signal}; stderr: ${child.stderr}`)
  return JSON.parse(last) as ProducerPowerCutResult
}

describe('H4 idempotent producers across power cuts', () => {
  for (const durability of ['fsync', 'os'] as const) {
    it(
      `dedupes each of the last five batches and re-appends lost ones exactly once (${durability})`,
      async () => {
        const result = await runProducerPowerCuts({ boots: BOOTS, seed: SEED, durability, engine: Log })
        const replay = `SEED=${SEED} SEGLOG_ITERS=${BOOTS} npx vitest run test/reliability/h4-producer-dedupe.test.ts`
        reportReliability(
          `H4 producers (${durability}): ${result.boots} power cuts, ${result.duplicatesChecked} retries deduped, ${result.lostSendsReappended} lost batches ` +
            `re-appended once, ${result.truncatingRecoveries} recoveries cut a tail, seed ${SEED}, violations ${result.violations.length} (replay: ${replay})`,
          { harness: 'H4', iterations: result.boots, faultKinds: ['power loss'], seed: SEED, violations: result.violations.length },
        )
        expect(result.violations).toEqual([])
        expect(result.boots).toBe(BOOTS)
        if (BOOTS >= 100) {
          expect(result.duplicatesChecked).toBeGreaterThan(BOOTS)
          expect(result.lostSendsReappended).toBeGreaterThan(0)
        }
      },
      BOOTS * 200 + 30_000,
    )
  }

  it('catches the planted bug producer-state-not-rolled-back (and passes without it)', async () => {
    const [bugged, clean] = await Promise.all([runChild(true), runChild(false)])
    expect(clean.violations).toEqual([])
    expect(bugged.violations.length).toBeGreaterThan(0)
    expect(bugged.violations[0]).toMatch(/answered as a duplicate|not rolled back|sequence/)
  }, 120_000)
})
