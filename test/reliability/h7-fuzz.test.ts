/**
 * H7, on-disk fuzzing (reliability.md H7, FM-1/2/3/4/7/8/21): build a small valid log
 * (fuzz/fixture.ts), then for each input mutate a copy — bit flips, truncation, zeroed ranges,
 * garbage, deleted/swapped/zeroed index files, a missing segment, corrupt checkpoints, topic
 * metadata and FORMAT (fuzz/mutations.ts) — and open and read it in a child process without and
 * with `repair: true`. The outcome must be a correct prefix of the original records or a typed
 * error naming the file; never a signal, an untyped exception, a hang, damaged data returned, or
 * written records vanishing without an error (fuzz/verdict.ts has the exact rules).
 *
 * Counts: 1,000 inputs in `npm test` (600 on the fallback binding, whose opens cost more),
 * 10 × SEGLOG_ITERS in soak runs. SEED replays a run; SEGLOG_FUZZ_INPUT=<i> replays one input of it
 * (SEGLOG_FUZZ_KEEP=<dir> keeps a copy of each mutant it opens);
 * SEGLOG_FUZZ_DUMP=<file> writes every violation as JSON (the failure message shows the first few).
 *
 * The planted-bug checks run the same harness with SEGLOG_TEST_BUG set in the child's env and
 * assert it reports violations, and that the identical run without the bug reports none.
 */
import { writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { distUrl } from '../helpers/dist.js'
import { plantedBugEnv } from '../helpers/planted-bug-env.js'
import type { TestBug } from '../../src/test-bugs.js'
import { seedFromEnv } from '../helpers/seeded-random.mjs'
import { useFixture } from './fuzz/fixture.js'
import { runFuzz, type FuzzRunOptions, type FuzzRunResult } from './fuzz/fuzz-run.js'
import { MUTATION_KINDS } from './fuzz/mutations.js'
import { bindingEnvPrefix, iterationsFromEnv, writeHarnessReport } from './model/harness-report.js'

const SEED = seedFromEnv('SEED')
/** Soak runs take 10 × SEGLOG_ITERS inputs: an input costs about a tenth of an H6 run or an H1 kill. */
const INPUTS = iterationsFromEnv(1000, 600, 10)
const ONLY_INPUT = process.env.SEGLOG_FUZZ_INPUT === undefined ? undefined : Number(process.env.SEGLOG_FUZZ_INPUT)
/** Inputs per planted-bug run: each input has a good chance to expose the bug, so a miss is ~1e-8. */
const PLANTED_INPUTS = 20
const VIOLATIONS_PRINTED = 10

const handle = useFixture(SEED)

function replayCommand(input?: number): string {
  return `${bindingEnvPrefix()}SEED=${SEED}${input === undefined ? '' : ` SEGLOG_FUZZ_INPUT=${input}`} npx vitest run test/reliability/h7-fuzz.test.ts -t 'fuzzed directories'`
}

function describeViolations(result: FuzzRunResult): string {
  return result.violations
    .slice(0, VIOLATIONS_PRINTED)
    .map((v) => `input ${v.input} (${v.variant}, repair ${v.repair}) — replay: ${replayCommand(v.input)}\n  mutations:\n    ${v.mutations.join('\n    ')}\n  violations:\n    ${v.messages.join('\n    ')}`)
    .join('\n')
}

async function fuzz(options: Omit<FuzzRunOptions, 'seed'>): Promise<FuzzRunResult> {
  return runFuzz(handle.fixture, handle.workDir, distUrl('index.js'), { seed: SEED, ...options })
}

describe('H7 on-disk fuzzing', () => {
  it(
    'opens and reads fuzzed directories as a correct prefix or a typed error naming the file, never a crash, hang, damaged record or silent loss',
    async () => {
      // Property: whatever is done to the files, the engine returns only records that were written,
      // at their offsets, or refuses with a typed error naming the file; it never crashes, hangs,
      // or drops written records without an error beyond an unacknowledgeable torn tail.
      console.log(`H7 fuzz: seed ${SEED}, ${INPUTS} inputs (replay: ${replayCommand()})`)
      const result = await fuzz({ inputs: INPUTS, onlyInput: ONLY_INPUT })
      const outcomes = Object.entries(result.outcomes).map(([k, n]) => `${k} ${n}`).join(', ')
      const known = Object.entries(result.knownBugs).map(([id, k]) => `${id} ${k.violations} (first at input ${k.firstInput})`)
      writeHarnessReport({
        harness: 'H7 fuzz',
        countName: 'inputs',
        count: result.inputs,
        faultKinds: MUTATION_KINDS.map((k) => k.name),
        seed: SEED,
        violations: result.violations.length,
        counters: Object.fromEntries(Object.entries(result.knownBugs).map(([id, k]) => [`known bug ${id}`, k.violations])),
        detail: `${result.opens} opens (${outcomes}), ${result.childRestarts} child restarts; known engine bugs (fuzz/known-bugs.ts): ${known.join(', ') || 'none'}`,
      })
      if (result.violations.length > 0) console.error(describeViolations(result))
      // Every violation, for triage of a long run (the message shows the first few).
      if (process.env.SEGLOG_FUZZ_DUMP) writeFileSync(process.env.SEGLOG_FUZZ_DUMP, JSON.stringify(result.violations, null, 1))
      expect(result.violations.length, describeViolations(result)).toBe(0)
      // A run in which nothing was ever refused or cut proved little about damage handling.
      if (ONLY_INPUT === undefined) expect(result.outcomes.refused + result.outcomes['read-error']).toBeGreaterThan(0)
    },
    // A guard for soak counts, not a measurement: an input takes ~20–70 ms, a hang 5 s.
    INPUTS * 500 + 120_000,
  )

  describe('planted bugs', () => {
    const caught: Record<string, boolean> = {}
    let plantedInputs = 0
    let cleanRunViolations = 0

    afterAll(() => {
      writeHarnessReport({
        harness: 'H7 planted bugs',
        countName: 'inputs',
        count: plantedInputs,
        faultKinds: ['flip-record-byte', 'flip-unflushed-record-byte'],
        seed: SEED,
        violations: cleanRunViolations,
        plantedBugsCaught: caught,
      })
    })

    /**
     * Runs the harness on `inputs` single-mutation inputs of `kind` with `bug` planted in the child,
     * expects a violation containing `symptom`, then the identical run without the bug: none.
     */
    async function expectCaught(bug: TestBug, kind: string, variant: 'clean' | 'unclean', symptom: string): Promise<void> {
      const options = { inputs: PLANTED_INPUTS, kinds: MUTATION_KINDS.filter((k) => k.name === kind), variants: [variant], mutationsMin: 1, mutationsMax: 1 }
      const bugged = await fuzz({ ...options, childEnv: plantedBugEnv(bug) })
      const clean = await fuzz(options)
      plantedInputs += bugged.inputs + clean.inputs
      cleanRunViolations += clean.violations.length
      caught[bug] = bugged.violations.some((v) => v.messages.some((m) => m.includes(symptom)))
      expect(caught[bug], `no violation showing "${symptom}" with ${bug} planted:\n${describeViolations(bugged)}`).toBe(true)
      expect(clean.violations, describeViolations(clean)).toEqual([])
    }

    it('reports a flipped value byte in a sealed segment returned as data under SEGLOG_TEST_BUG=no-crc-on-read, and nothing without it', async () => {
      // Property: the harness catches a read path that skips the CRC (contract 3), and is quiet on the real one.
      await expectCaught('no-crc-on-read', 'flip-record-byte', 'clean', 'bytes other than those written')
    }, 120_000)

    it('reports a mid-log flip cut away silently under SEGLOG_TEST_BUG=truncate-mid-log, and nothing without it', async () => {
      // Property: the harness catches recovery that cuts damage with valid batches after it (FM-2),
      // and is quiet on the real recovery.
      await expectCaught('truncate-mid-log', 'flip-unflushed-record-byte', 'unclean', 'vanished without an error')
    }, 120_000)
  })
})
