/**
 * Regression cases for the engine bugs H7 found (fuzz/known-bugs.ts), each a fixed, hand-written
 * mutation of the seed-7 fixture opened and read by the same child and judged by the same oracle
 * as the fuzz run: it passes when the oracle finds no violation at all.
 *
 * Cases of bugs not fixed yet are skipped (KNOWN BUG); when the engine is fixed, unskip the case
 * and delete the bug's entry in known-bugs.ts, so the fuzz run fails on it again. Cases marked
 * REGRESSION are fixed and run.
 */
import { closeSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { distUrl } from '../../helpers/dist.js'
import { useFixture } from './fixture.js'
import { violationsOf, type SingleMutation } from './fuzz-run.js'

/** The fixture seed the cases' positions refer to (the seed of the fuzz run that found most of them). */
const FIXTURE_SEED = 7

const fuzz = useFixture(FIXTURE_SEED)

function flipBit(path: string, position: number, bit: number): void {
  const bytes = readFileSync(path)
  bytes[position]! ^= 1 << bit
  writeFileSync(path, bytes)
}

function zero(path: string, from: number, to: number): void {
  const fd = openSync(path, 'r+')
  writeSync(fd, Buffer.alloc(to - from), 0, to - from, from)
  closeSync(fd)
}

function segment(topicPartition: string, baseOffset: number, suffix: string): string {
  return `${topicPartition}/${String(baseOffset).padStart(20, '0')}${suffix}`
}

async function expectNoViolations(mutation: SingleMutation): Promise<void> {
  expect(await violationsOf(fuzz.fixture, fuzz.workDir, distUrl('index.js'), mutation)).toEqual([])
}

describe('H7 known engine bugs (regressions; the skipped ones are not fixed yet)', () => {
  // REGRESSION read-error-names-no-file (found by SEED=7, input 8; fixed in cd54a0c): read()
  // reported a CRC failure as "Corrupt record batch data at position N", naming neither the segment
  // file nor its position.
  it('names the segment file when a read meets a batch that fails its CRC', async () => {
    // Property: a damaged record in a sealed segment is a typed error naming the file.
    await expectNoViolations({ variant: 'clean', repair: false, mutate: (dir) => flipBit(join(dir, segment('f-1', 0, '.log')), 229 + 100, 0) })
  })

  // REGRESSION unchecked-batch-headers (SEED=7, input 52; fixed in cd54a0c): base offset 18 of a
  // sealed batch becomes 19; the header is outside the CRC and no read checked offsets were
  // consecutive.
  it('refuses, rather than misnumbers or skips, records of a sealed batch whose base offset was damaged', async () => {
    // Property: a batch header damaged outside the CRC is never read as valid data.
    await expectNoViolations({ variant: 'clean', repair: false, mutate: (dir) => flipBit(join(dir, segment('f-1', 15, '.log')), 159 + 7, 0) })
  })

  // REGRESSION unchecked-batch-headers, what cd54a0c left (SEED=31, input 810; fixed by the
  // contiguity check in wholeBatchesEnd / BatchScanner): a sealed batch's base offset jumps far
  // past the HW; a read spanning several batches skipped it (records 18 on went missing) while a
  // point read reported it.
  it('refuses a sealed batch whose base offset jumped past the HW in the middle of a read', async () => {
    // Property: a damaged base offset never turns into a hole.
    await expectNoViolations({ variant: 'clean', repair: false, mutate: (dir) => flipBit(join(dir, segment('f-1', 15, '.log')), 159 + 2, 2) })
  })

  // REGRESSION unchecked-batch-headers (SEED=31, input 2248; fixed by BatchScanner's contiguity
  // check, which recovery's scan stops at): the last batch of g-0 moves from offset 70 to 78 —
  // offsets still increased, so recovery kept it and reads served offsets 78–82, which were never
  // written, while 70–74 vanished.
  it('refuses a batch whose base offset jumped forward, though offsets still increase', async () => {
    // Property: records are served only at the offsets they were written at.
    await expectNoViolations({ variant: 'unclean', repair: false, mutate: (dir) => flipBit(join(dir, segment('g-0', 54, '.log')), 766 + 7, 3) })
  })

  // REGRESSION unchecked-batch-headers (SEED=31, input 44; fixed by BatchScanner's contiguity
  // check in the read's seek): the last offset delta of f-0's batch 2–6 (inside the CRC, but read
  // by the header walk before any CRC check) is zeroed; reads from the log start 3 skipped to 7.
  it('refuses a batch whose last offset delta was damaged instead of skipping its records', async () => {
    // Property: a header field is checked (CRC) before the read trusts it to skip a batch.
    await expectNoViolations({ variant: 'clean', repair: false, mutate: (dir) => zero(join(dir, segment('f-0', 0, '.log')), 192 + 23, 192 + 27) })
  })

  // REGRESSION read-loops-forever-on-bad-base-offset (SEED=9, input 995; fixed in cd54a0c): in
  // g-0's first segment the batch at 552 claims base offset 8204 and the next one a length past the
  // file; a read from offset 12 spun forever in collectRecords and blocked the event loop.
  it('answers a read whose batch claims an offset past the HW instead of looping forever', async () => {
    // Property: no damage makes a read hang (the child must answer within the bound).
    await expectNoViolations({
      variant: 'clean',
      repair: false,
      mutate: (dir) => {
        flipBit(join(dir, segment('g-0', 0, '.log')), 552 + 6, 5)
        flipBit(join(dir, segment('g-0', 0, '.log')), 829 + 8, 2)
      },
    })
  }, 30_000)

  // REGRESSION offset-index-trusted (SEED=8, input 714; fixed in cd54a0c): a zeroed index entry
  // points offset 15 at batch 18's position; reads from 15 skipped 15–17 without an error.
  it('checks the batch an offset index entry lands on, so a damaged entry never skips records', async () => {
    // Property: the offset index is a hint; a wrong entry never changes what a read returns.
    await expectNoViolations({ variant: 'clean', repair: false, mutate: (dir) => zero(join(dir, segment('f-1', 15, '.index')), 0, 7) })
  })

  // REGRESSION time-index-trusted (SEED=7, input 1324; fixed by Segment.timeScanStart): a zeroed
  // time index entry made offsetForTimestamp start its scan past records that match. The same
  // through a damaged offset index (CI run SEED=2560522675, input 379) is pinned by the
  // "answers every lookup correctly despite …" cases in test/unit/segment/segment-open.test.ts.
  it('answers offsetForTimestamp correctly whatever a damaged time index entry says', async () => {
    // Property: the time index is a hint; offsetForTimestamp equals a full scan's answer.
    await expectNoViolations({ variant: 'clean', repair: false, mutate: (dir) => zero(join(dir, segment('g-0', 0, '.timeindex')), 0, 9) })
  })

  // REGRESSION torn-tail-check-reads-first-batch-only (SEED=7, input 1194; fixed in cd54a0c):
  // damage in g-0's batch 53 (past the recovery point 50, last of its segment) and in the first
  // batch of the next segment; batches 58–74 after them are intact, yet recovery cut at 53 as if it
  // were a torn tail.
  it('refuses to cut damage that valid batches follow in a later segment whose first batch is damaged too', async () => {
    // Property: recovery cuts only a provable torn tail (FM-2), looking past a damaged first batch.
    await expectNoViolations({
      variant: 'unclean',
      repair: false,
      mutate: (dir) => {
        flipBit(join(dir, segment('g-0', 29, '.log')), 1324 + 80, 0)
        flipBit(join(dir, segment('g-0', 54, '.log')), 100, 0)
      },
    })
  })

  // REGRESSION repair-under-reports-lost-offsets (SEED=7, input 94; fixed in PartitionLog.checkNoGaps):
  // repair cut g-0 at its damaged batch 6 but reported lostOffsets from the missing segment 29 on.
  it('reports every offset repair cut in lostOffsets', async () => {
    // Property: with repair, the loss is exactly what log.recovery reports.
    await expectNoViolations({
      variant: 'clean',
      repair: true,
      mutate: (dir) => {
        flipBit(join(dir, segment('g-0', 0, '.log')), 319 + 80, 0)
        for (const suffix of ['.log', '.index', '.timeindex']) rmSync(join(dir, segment('g-0', 29, suffix)), { force: true })
      },
    })
  })

  // REGRESSION log-end-below-recovery-point-unnoticed (SEED=7, input 35; fixed by the checksummed
  // checkpoint and PartitionLog.checkEndAtRecoveryPoint): f-1's active segment lost its last batch
  // at a batch boundary after a clean shutdown; the log simply ended at 59.
  it('refuses a log that ends below its checkpointed recovery point', async () => {
    // Property: records below the durable point never vanish without an error.
    await expectNoViolations({ variant: 'clean', repair: false, mutate: (dir) => truncateSync(join(dir, segment('f-1', 53, '.log')), 337) })
  })

  // REGRESSION topic-metadata-loss-deletes-data (SEED=7, input 0; fixed in cd54a0c): without
  // topics/g.json, open deleted g-0 as an orphan of a crashed createTopic (now kept and reported in
  // log.recovery.orphanPartitionDirs).
  it('keeps (or refuses to open) partition data whose topic metadata file is missing', async () => {
    // Property: losing a metadata file never deletes records without an error.
    await expectNoViolations({ variant: 'clean', repair: false, mutate: (dir) => rmSync(join(dir, 'topics/g.json')) })
  })

  // REGRESSION log-start-unverified (SEED=7, input 1; fixed by the checksummed checkpoint and
  // checkFirstSegmentAtLogStart): without f-1's first segment the log start moved to 15, although
  // the log-start checkpoint says 0.
  it('refuses a partition whose first segment is missing below the checkpointed log start', async () => {
    // Property: a missing first segment is detected, never taken as retention.
    await expectNoViolations({
      variant: 'clean',
      repair: false,
      mutate: (dir) => {
        for (const suffix of ['.log', '.index', '.timeindex']) rmSync(join(dir, segment('f-1', 0, suffix)), { force: true })
      },
    })
  })
})
