/**
 * The H7 loop: for each input, copy one variant of the original (clean or unclean), apply 1–5
 * seeded mutations (mutations.ts), and have the child open and read it — twice, without and with
 * `repair: true`, each time on a fresh copy mutated again from the same seed (open changes files).
 * The oracle (verdict.ts) judges each run. Input i's randomness comes from deriveSeed(seed, i)
 * alone, so one input replays by itself (`onlyInput`).
 *
 * The copy lives under the caller's root and is replaced per open, so disk use stays at one
 * directory whatever the count.
 */
import { cpSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { deriveSeed, randomInt, seededRandom } from '../../helpers/seeded-random.mjs'
import type { Fixture } from './fixture.js'
import { knownBugFor } from './known-bugs.js'
import { drawKind, MUTATION_KINDS, type MutationKind } from './mutations.js'
import { OpenChildPool } from './open-child-process.js'
import { imageOf, restoreImage } from './tree-image.js'
import { judge, mutantFacts, type OutcomeKind, type Probes } from './verdict.js'

export interface FuzzRunOptions {
  inputs: number
  seed: number
  /** Mutation kinds to draw from (default: all). */
  kinds?: readonly MutationKind[]
  variants?: readonly ('clean' | 'unclean')[]
  mutationsMin?: number
  mutationsMax?: number
  /** Extra env for the child (SEGLOG_TEST_BUG for the planted-bug checks). */
  childEnv?: NodeJS.ProcessEnv
  /** Run only this input (replay). */
  onlyInput?: number
  /** Per open-and-read bound; beyond it the child counts as hung. */
  timeoutMs?: number
}

export interface FuzzViolation {
  input: number
  variant: string
  repair: boolean
  mutations: string[]
  messages: string[]
}

export interface FuzzRunResult {
  inputs: number
  opens: number
  childRestarts: number
  outcomes: Record<OutcomeKind, number>
  /** Inputs per mutation kind applied (for the summary). */
  kindsApplied: Record<string, number>
  /** Violations no known bug explains: each fails the run. */
  violations: FuzzViolation[]
  /** Violations explained by a known, not yet fixed engine bug (known-bugs.ts), per bug id. */
  knownBugs: Record<string, { violations: number; firstInput: number }>
}

/**
 * Beyond this a child that has not answered counts as hung: a guard against an engine loop, not a
 * speed check. An answer takes milliseconds and a fresh child's start about 0.15 s, so the bound
 * leaves a loaded CI machine ample room before a slow child passes for a hung one.
 */
const DEFAULT_TIMEOUT_MS = 30_000
const PROBE_OFFSETS_PER_PARTITION = 6
const PROBE_TIMESTAMPS = 6

/** Probe offsets (segment bases, ends, random) and timestamps, fixed per run from the seed. */
export function probesFor(fixture: Fixture, seed: number): Probes {
  const next = seededRandom(deriveSeed(seed, 0x70be5))
  const offsets = new Map<string, number[]>()
  for (const p of fixture.partitions) {
    const picks = new Set<number>([p.logStartOffset, p.endOffset - 1, ...p.batches.map((b) => b.baseOffset)])
    for (let i = 0; i < PROBE_OFFSETS_PER_PARTITION; i++) picks.add(randomInt(next, p.logStartOffset, Math.max(p.logStartOffset, p.endOffset - 1)))
    offsets.set(p.key, [...picks].filter((o) => o >= 0).sort((a, b) => a - b))
  }
  const [minTs, maxTs] = fixture.timestampRange
  const timestamps = [minTs, maxTs, maxTs + 1]
  for (let i = 0; i < PROBE_TIMESTAMPS; i++) timestamps.push(randomInt(next, minTs, maxTs))
  return { offsets, timestamps }
}

/** The probes as the child's request names them (by partition key). */
function probeRequestOf(fixture: Fixture, probes: Probes): Record<string, { offsets: number[]; timestamps: number[] }> {
  return Object.fromEntries(fixture.partitions.map((p) => [p.key, { offsets: probes.offsets.get(p.key)!, timestamps: probes.timestamps }]))
}

export async function runFuzz(fixture: Fixture, root: string, indexUrl: string, options: FuzzRunOptions): Promise<FuzzRunResult> {
  const kinds = options.kinds ?? MUTATION_KINDS
  const variants = options.variants ?? ['clean', 'unclean']
  const mutationsMin = options.mutationsMin ?? 1
  const mutationsMax = options.mutationsMax ?? 5
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const probes = probesFor(fixture, options.seed)
  const probeRequest = probeRequestOf(fixture, probes)
  const pool = new OpenChildPool(indexUrl, options.childEnv ?? {})
  const result: FuzzRunResult = {
    inputs: 0,
    opens: 0,
    childRestarts: 0,
    outcomes: { refused: 0, 'read-error': 0, complete: 0, 'lost-tail': 0, died: 0, hung: 0 },
    kindsApplied: {},
    violations: [],
    knownBugs: {},
  }
  const run = join(root, 'run')
  mkdirSync(root, { recursive: true })
  const cleanImage = imageOf(fixture.clean)
  const uncleanImage = imageOf(fixture.unclean)
  try {
    for (let input = 0; input < options.inputs; input++) {
      if (options.onlyInput !== undefined && input !== options.onlyInput) continue
      result.inputs++
      for (const repair of [false, true]) {
        // The same seed gives the same variant and mutations: each open gets its own fresh mutant.
        const next = seededRandom(deriveSeed(options.seed, input))
        const variant = variants[randomInt(next, 0, variants.length - 1)]!
        const original = variant === 'clean' ? cleanImage : uncleanImage
        restoreImage(original, run)
        const mutations: string[] = []
        let keepsRecords = true
        const count = randomInt(next, mutationsMin, mutationsMax)
        for (let m = 0; m < count; m++) {
          const kind = drawKind(next, kinds)
          const done = kind.apply({ dir: run, next, partitions: fixture.partitions })
          if (done === null) continue
          mutations.push(`${kind.name}: ${done}`)
          keepsRecords &&= kind.keepsRecords
          if (!repair) result.kindsApplied[kind.name] = (result.kindsApplied[kind.name] ?? 0) + 1
        }
        const facts = mutantFacts(run, fixture, original)
        // SEGLOG_FUZZ_KEEP=<dir>: a copy of each mutant as the open found it, to debug a replayed input.
        if (process.env.SEGLOG_FUZZ_KEEP) cpSync(run, join(process.env.SEGLOG_FUZZ_KEEP, `input-${input}-repair-${repair}`), { recursive: true })
        const outcome = await pool.request({ id: input, dir: run, repair, probes: probeRequest }, timeoutMs)
        result.opens++
        const verdict = judge({ fixture, facts, keepsRecords, repair, dir: run, probes, outcome })
        result.outcomes[verdict.kind]++
        const unknown: string[] = []
        for (const message of verdict.violations) {
          const bug = knownBugFor(message, { fixture, facts, repair })
          if (bug === null) unknown.push(message)
          else (result.knownBugs[bug.id] ??= { violations: 0, firstInput: input }).violations++
        }
        if (unknown.length > 0) result.violations.push({ input, variant, repair, mutations, messages: unknown })
      }
    }
  } finally {
    result.childRestarts = pool.restarts
    await pool.close()
    rmSync(run, { recursive: true, force: true })
  }
  return result
}

export interface SingleMutation {
  variant: 'clean' | 'unclean'
  repair: boolean
  /** Damages the copy in `dir` (a fixed, hand-written mutation). */
  mutate(dir: string): void
}

/**
 * Opens and reads one hand-mutated copy in a child and returns every violation, known or not —
 * the known-bug regression cases assert there are none once the bug is fixed.
 */
export async function violationsOf(fixture: Fixture, root: string, indexUrl: string, mutation: SingleMutation): Promise<string[]> {
  const run = join(root, 'single')
  const original = imageOf(mutation.variant === 'clean' ? fixture.clean : fixture.unclean)
  restoreImage(original, run)
  mutation.mutate(run)
  const facts = mutantFacts(run, fixture, original)
  const pool = new OpenChildPool(indexUrl, {})
  try {
    const probes = probesFor(fixture, 0)
    const probeRequest = probeRequestOf(fixture, probes)
    const outcome = await pool.request({ id: 0, dir: run, repair: mutation.repair, probes: probeRequest }, DEFAULT_TIMEOUT_MS)
    return judge({ fixture, facts, keepsRecords: false, repair: mutation.repair, dir: run, probes, outcome }).violations
  } finally {
    await pool.close()
    rmSync(run, { recursive: true, force: true })
  }
}
