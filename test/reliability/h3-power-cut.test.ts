/**
 * H3, power cuts (reliability.md H3): the log lives on a loop-mounted ext4 or xfs
 * image; a worker appends with acks 'all'; at a seeded random moment the worker is frozen, the
 * image copied and the copy mounted (the page cache is lost, the journal replays), the worker
 * killed, and the log on the copy opened and checked: every append acknowledged before the cut
 * must be there, byte for byte, at its offsets (power-cut/power-cut-loop.ts).
 *
 * Counts: `npm test` runs 25 cuts per file system (50 in all; 10 each on the fallback binding); a soak takes SEGLOG_ITERS cuts per
 * file system (`SEGLOG_H3_CUTS` overrides either); SEED replays the cut delays (the exact moment
 * also depends on timing). The planted bug skip-fsync must be caught: its test runs a few cuts
 * with SEGLOG_TEST_BUG=skip-fsync in the worker's environment and expects lost acknowledged
 * appends, then the same cuts without the bug and expects none.
 *
 * Skips with the reason when not root, without loop devices, without mkfs.xfs (xfs only), or when
 * mounting is not permitted. The cuts run one after another (describe.sequential): each holds two
 * loop devices.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { distUrl } from '../helpers/dist.js'
import { plantedBugEnv } from '../helpers/planted-bug-env.js'
import { countViolations, emptyCounters, reportReliability } from '../helpers/reliability-report.js'
import { seedFromEnv } from '../helpers/seeded-random.mjs'
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js'
import { powerCutUnavailableReason, type PowerCutFileSystem } from './power-cut/loop-image.js'
import { runPowerCuts, type PowerCutResult } from './power-cut/power-cut-loop.js'

const SEED = seedFromEnv('SEED')
/** The fallback pass repeats the same protocols on the pure-JS binding: fewer cuts keep the suite's budget. */
const DEFAULT_CUTS_PER_FS = process.env.SEGLOG_NO_NATIVE === '1' ? 10 : 25
const CUTS_PER_FS = Number(process.env.SEGLOG_H3_CUTS || process.env.SEGLOG_ITERS || DEFAULT_CUTS_PER_FS)
if (!Number.isSafeInteger(CUTS_PER_FS) || CUTS_PER_FS < 1) throw new RangeError(`the H3 cut count ${CUTS_PER_FS} (SEGLOG_H3_CUTS / SEGLOG_ITERS) is not a positive integer`)
/** A writer without fsync failed 30/30 cuts (reliability.md "Facts about this platform"): a handful is plenty. */
const PLANTED_BUG_CUTS = 3
/** Per cut: a worker start, up to 150 ms of appends, a copy, a mount and a check. */
const CUT_TIMEOUT_MS = 10_000
const FILE_SYSTEMS: readonly PowerCutFileSystem[] = ['ext4', 'xfs']

const replayCommand =
  `${process.env.SEGLOG_NO_NATIVE === '1' ? 'SEGLOG_NO_NATIVE=1 ' : ''}SEED=${SEED} SEGLOG_H3_CUTS=${CUTS_PER_FS} ` +
  'npx vitest run test/reliability/h3-power-cut.test.ts'

const ran: { fsType: PowerCutFileSystem; result: PowerCutResult }[] = []
const plantedBugsCaught: Record<string, boolean> = {}
const skipped: string[] = []

/** Runs the cuts; a tool or worker failure (not a violation) rethrows with the replay command. */
function cutsOn(fsType: PowerCutFileSystem, cuts: number, workerEnv?: NodeJS.ProcessEnv): Promise<PowerCutResult> {
  return runPowerCuts({ fsType, cuts, seed: SEED, indexUrl: distUrl('index.js'), workDir: makeTempDir('seglog-h3-'), workerEnv }).catch((err: unknown) => {
    throw new Error(`H3 ${fsType} harness failure with seed ${SEED}: ${(err as Error).message}\nreplay: ${replayCommand}`, { cause: err })
  })
}

describe.sequential('H3: power cuts on a loop-mounted image', () => {
  afterAll(() => {
    removeTempDirs()
    const violations = ran.flatMap((r) => r.result.violations)
    const cuts = ran.reduce((sum, r) => sum + r.result.cuts, 0)
    const perFs = ran.map((r) => `${r.fsType} ${r.result.cuts}`).join(', ')
    const caught = Object.entries(plantedBugsCaught).map(([bug, yes]) => `${bug} ${yes ? 'caught' : 'MISSED'}`)
    const ackedBatches = ran.reduce((sum, r) => sum + r.result.ackedBatches, 0)
    const repairedOpens = ran.reduce((sum, r) => sum + r.result.repairedOpens, 0)
    reportReliability(
      `H3 power-cut: ${cuts} cuts (${perFs || 'none'}), ${ackedBatches} acknowledged batches, ${repairedOpens} opens refused then repaired, ` +
        `seed ${SEED}, violations ${violations.length}` +
        `${caught.length > 0 ? `, planted ${caught.join(', ')}` : ''}${skipped.length > 0 ? `; skipped: ${skipped.join('; ')}` : ''}`,
      {
        harness: 'H3',
        cuts,
        faultKinds: cuts > 0 ? ['power loss'] : [],
        seed: SEED,
        violations: violations.length,
        counters: countViolations(violations, emptyCounters()),
        byFileSystem: Object.fromEntries(ran.map((r) => [r.fsType, r.result.cuts])),
        repairedOpens,
        plantedBugsCaught,
      },
    )
  })

  for (const fsType of FILE_SYSTEMS) {
    it(
      `keeps every append acknowledged before a power cut, byte for byte at its offsets, on ${fsType}`,
      async (ctx) => {
        // Property: an append acknowledged with acks 'all' is on the disk image at the moment of a
        // power cut — whatever the page cache held is gone — and the log reopens there with dense
        // offsets, nothing past the HW, agreeing indexes and room to append.
        const unavailable = powerCutUnavailableReason(fsType)
        if (unavailable !== null) {
          skipped.push(`${fsType}: ${unavailable}`)
          ctx.skip(unavailable)
        }
        console.log(`H3 ${fsType}: seed ${SEED}, ${CUTS_PER_FS} cuts (replay: ${replayCommand})`)
        const result = await cutsOn(fsType, CUTS_PER_FS)
        ran.push({ fsType, result })
        if (result.violations.length > 0) console.error(`H3 ${fsType} violations with seed ${SEED}; replay: ${replayCommand}`)
        expect(result.violations, `replay: ${replayCommand}`).toEqual([])
        // Cuts in which nothing was acknowledged would have proved nothing.
        expect(result.ackedBatches).toBeGreaterThan(result.cuts)
      },
      CUTS_PER_FS * CUT_TIMEOUT_MS + 60_000,
    )
  }

  it(
    'reports lost acknowledged appends when fsync is skipped (planted bug skip-fsync), and none for the same cuts without it',
    async (ctx) => {
      // Property: the harness is sensitive — acknowledging before the data is durable shows up as
      // lost acknowledged appends after a power cut (kill -9 alone never shows it).
      const unavailable = powerCutUnavailableReason('ext4')
      if (unavailable !== null) ctx.skip(unavailable)
      const bugged = await cutsOn('ext4', PLANTED_BUG_CUTS, plantedBugEnv('skip-fsync'))
      const counters = countViolations(bugged.violations)
      plantedBugsCaught['skip-fsync'] = counters.lost! > 0
      expect(counters.lost, `violations with skip-fsync: ${bugged.violations.join('\n')}`).toBeGreaterThan(0)

      const clean = await cutsOn('ext4', PLANTED_BUG_CUTS)
      expect(clean.violations).toEqual([])
      expect(clean.ackedBatches).toBeGreaterThan(0)
    },
    2 * PLANTED_BUG_CUTS * CUT_TIMEOUT_MS + 60_000,
  )
})
