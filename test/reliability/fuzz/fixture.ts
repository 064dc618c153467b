/**
 * H7's original: a small valid log directory and the ledger of everything written to it, which
 * every fuzzed copy is judged against.
 *
 * The directory holds two topics (three partitions) with tiny segments, so each partition has
 * several sealed segments, offset and time indexes with entries, checkpoints and topic metadata;
 * records come from H6's generators (null keys and values, headers, timestamps going backwards);
 * partition f-0 has had deleteRecords, so its log start is not a segment base. It exists in two
 * variants:
 * - clean: closed normally (clean-shutdown marker, recovery point = LEO);
 * - unclean: the same bytes without the marker and with the recovery-point checkpoint moved back
 *   into the last segments, as a crash leaves it — open then re-validates from there, and the
 *   torn-tail rule (cut only damage past the recovery point with no valid batch after it) applies.
 *
 * The ledger is built from the append inputs through the model's stored form (model/
 * stored-record.ts), not read back from the engine; the build checks that the engine returns
 * exactly it before any fuzzing starts. `useFixture` builds one per test file (beforeAll) and
 * removes it afterwards.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll } from 'vitest'
import { Log, SeglogError } from '../../../src/index.js'
import { baseOffsetAt, batchSizeAt, lastOffsetAt } from '../../../src/format/batch-header.js'
import { ManualClock } from '../../helpers/test-log.js'
import { markUncleanShutdown, writeCheckpoint, RECOVERY_POINT_CHECKPOINT } from '../../helpers/unclean-shutdown.js'
import { CLOCK_BASE_MS, recordsArb } from '../model/arbitraries.js'
import { storedRecord } from '../model/stored-record.js'
import { recordDigest } from './record-digest.mjs'

export interface LedgerRecord {
  digest: string
  timestamp: number
}

/** One batch of the original as it lies in its `.log` file. */
export interface OriginalBatch {
  /** Path relative to the log directory, e.g. `f-0/00000000000000000012.log`. */
  file: string
  position: number
  sizeBytes: number
  baseOffset: number
  lastOffset: number
  bytes: Buffer
}

export interface OriginalPartition {
  topic: string
  partition: number
  /** `<topic> <partition>`, as checkpoints and the child's probes name it. */
  key: string
  logStartOffset: number
  /** The log end offset (= HW) of the original. */
  endOffset: number
  /** Every record ever appended, by offset (also those below logStartOffset, still on disk). */
  records: Map<number, LedgerRecord>
  batches: OriginalBatch[]
  /** The partition's `.log` files (relative paths), oldest first; the last is the active segment. */
  logFiles: string[]
  /** Recovery point written into the unclean variant's checkpoint. */
  uncleanRecoveryPoint: number
}

export interface Fixture {
  clean: string
  unclean: string
  partitions: OriginalPartition[]
  /** Smallest and largest record timestamp in the ledger. */
  timestampRange: [number, number]
}

const TOPICS = [
  { name: 'f', partitions: 2, config: { segmentBytes: 700, indexIntervalBytes: 128, retentionMs: -1 } },
  { name: 'g', partitions: 1, config: { segmentBytes: 1500, indexIntervalBytes: 0, retentionMs: -1 } },
]
const BATCHES = 60
/** Clock step between appends, so records without a timestamp still move forward in time. */
const CLOCK_STEP_MS = 1000
const DELETE_RECORDS_BEFORE = 3

function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`
}

function logFilesOf(logDir: string, dirName: string): string[] {
  return readdirSync(join(logDir, dirName))
    .filter((n) => n.endsWith('.log'))
    .sort()
    .map((n) => `${dirName}/${n}`)
}

/** The batches of every `.log` in a partition directory, parsed from the file bytes. */
function readBatches(logDir: string, dirName: string): OriginalBatch[] {
  const batches: OriginalBatch[] = []
  for (const file of logFilesOf(logDir, dirName)) {
    const name = file.slice(dirName.length + 1)
    const bytes = readFileSync(join(logDir, dirName, name))
    for (let position = 0; position < bytes.length; ) {
      const sizeBytes = batchSizeAt(bytes, position)
      batches.push({
        file: `${dirName}/${name}`,
        position,
        sizeBytes,
        baseOffset: baseOffsetAt(bytes, position),
        lastOffset: lastOffsetAt(bytes, position),
        bytes: Buffer.from(bytes.subarray(position, position + sizeBytes)),
      })
      position += sizeBytes
    }
  }
  return batches
}

/** Builds both variants under `root` from `seed`. */
export async function buildFixture(root: string, seed: number): Promise<Fixture> {
  const clean = join(root, 'original-clean')
  const clock = new ManualClock(CLOCK_BASE_MS)
  const log = await Log.open(clean, { clock: clock.now })
  const ledgers = new Map<string, Map<number, LedgerRecord>>()
  const targets: { topic: string; partition: number }[] = []
  for (const topic of TOPICS) {
    await log.createTopic(topic.name, { partitions: topic.partitions, ...topic.config })
    for (let p = 0; p < topic.partitions; p++) {
      targets.push({ topic: topic.name, partition: p })
      ledgers.set(`${topic.name} ${p}`, new Map())
    }
  }
  const samples = fc.sample(recordsArb, { seed, numRuns: BATCHES })
  for (const [i, records] of samples.entries()) {
    clock.sleep(CLOCK_STEP_MS)
    const target = targets[i % targets.length]!
    let baseOffset: number
    try {
      baseOffset = (await log.partition(target.topic, target.partition).append(records)).baseOffset
    } catch (err) {
      if (err instanceof SeglogError && err.code === 'RECORD_TOO_LARGE') continue // bigger than these tiny segments
      throw err
    }
    const ledger = ledgers.get(`${target.topic} ${target.partition}`)!
    records.forEach((input, j) => {
      const stored = storedRecord(input, clock.nowMs, false)
      ledger.set(baseOffset + j, { digest: recordDigest(stored), timestamp: stored.timestamp })
    })
  }
  await log.partition('f', 0).deleteRecords(DELETE_RECORDS_BEFORE)
  const infos = new Map<string, { logStartOffset: number; endOffset: number }>()
  for (const { topic, partition } of targets) {
    const info = log.describeTopic(topic).partitions[partition]!
    infos.set(`${topic} ${partition}`, { logStartOffset: info.logStartOffset, endOffset: info.logEndOffset })
  }
  await log.close()

  const partitions: OriginalPartition[] = targets.map(({ topic, partition }) => {
    const key = `${topic} ${partition}`
    const batches = readBatches(clean, partitionDirName(topic, partition))
    // Back into the last ~third of the batches: the unclean variant re-validates a few segments.
    const rpBatch = batches[Math.floor(batches.length * 0.65)]
    return {
      topic,
      partition,
      key,
      ...infos.get(key)!,
      records: ledgers.get(key)!,
      batches,
      logFiles: logFilesOf(clean, partitionDirName(topic, partition)),
      uncleanRecoveryPoint: rpBatch?.baseOffset ?? 0,
    }
  })
  await checkLedgerReadsBack(root, clean, partitions)

  const unclean = join(root, 'original-unclean')
  cpSync(clean, unclean, { recursive: true })
  markUncleanShutdown(unclean)
  writeCheckpoint(unclean, RECOVERY_POINT_CHECKPOINT, partitions.map((p) => [p.topic, p.partition, p.uncleanRecoveryPoint]))

  const timestamps = partitions.flatMap((p) => [...p.records.values()].map((r) => r.timestamp))
  return { clean, unclean, partitions, timestampRange: [Math.min(...timestamps), Math.max(...timestamps)] }
}

/** The original must read back exactly as the ledger says (on a scratch copy: open rewrites files). */
async function checkLedgerReadsBack(root: string, clean: string, partitions: readonly OriginalPartition[]): Promise<void> {
  const scratch = join(root, 'ledger-check')
  cpSync(clean, scratch, { recursive: true })
  const log = await Log.open(scratch)
  try {
    for (const p of partitions) {
      const { records } = await log.partition(p.topic, p.partition).read({ offset: p.logStartOffset, maxBytes: 1 << 20 })
      const expected = [...p.records].filter(([offset]) => offset >= p.logStartOffset).map(([offset, r]) => [offset, r.digest])
      const actual = records.map((r) => [r.offset, recordDigest(r)])
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        throw new Error(`fixture ${p.key}: the original does not read back as its ledger says:\n${JSON.stringify(actual)}\n${JSON.stringify(expected)}`)
      }
    }
  } finally {
    await log.close()
    rmSync(scratch, { recursive: true, force: true })
  }
}

export interface FixtureHandle {
  /** A scratch directory next to the fixture, for the fuzz copies. */
  readonly workDir: string
  readonly fixture: Fixture
}

/** Builds a fixture from `seed` before the file's tests and removes it after them. */
export function useFixture(seed: number): FixtureHandle {
  let root = ''
  let fixture: Fixture | null = null
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'seglog-h7-'))
    fixture = await buildFixture(root, seed)
  }, 60_000)
  afterAll(() => {
    rmSync(root, { recursive: true, force: true })
  })
  return {
    get workDir() {
      return join(root, 'work')
    },
    get fixture() {
      if (fixture === null) throw new Error('the fixture is built in beforeAll')
      return fixture
    },
  }
}
