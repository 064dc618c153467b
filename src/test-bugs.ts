/**
 * Planted bugs for the reliability harnesses (reliability.md: "a harness is trusted only after it
 * has caught a planted bug"). Each harness has a test asserting it catches the bug it is meant for.
 *
 * Two environment variables, both required, read once when this module loads:
 *   SEGLOG_TEST_BUG=<name>[,<name>…]          which bugs
 *   SEGLOG_TEST_BUG_GATE=i-accept-data-loss   the explicit second gate
 * One variable alone plants nothing — a stray SEGLOG_TEST_BUG in a production environment (an
 * inherited shell, a copied .env) must not turn off fsync in the shipped dist/. Without the gate
 * the names are ignored and a warning says so. With it, an unknown name makes `Log.open` refuse
 * (a typo must not leave a harness testing nothing), and every open warns (`process.emitWarning`,
 * code SEGLOG_TEST_BUG) and lists the active bugs in `log.recovery.testBugs` and
 * `log.metrics().testBugs`.
 *
 * | name                 | what breaks                                                        |
 * |----------------------|--------------------------------------------------------------------|
 * | skip-fsync           | fdatasync/fsync of files succeed without syncing                   |
 * | skip-dir-fsync       | directory fsyncs succeed without syncing                           |
 * | ack-before-datasync  | acks 'all' resolve once written, before the fdatasync              |
 * | no-crc-on-read       | reads return records without checking batch CRCs                   |
 * | truncate-mid-log     | recovery cuts at any damage, even damage to acknowledged data      |
 * | no-lock              | the directory lock always succeeds                                 |
 * | shared-read-buffers  | native reads hand out views of the shared read-only mapping        |
 * | producer-state-not-rolled-back | a torn-tail cut keeps the producer snapshots above the new log end: the retry of a cut batch is called a duplicate |
 */
import { invalidArgValue } from './errors.js'
import type { FileSystem } from './io/file.js'

const TEST_BUGS = ['skip-fsync', 'skip-dir-fsync', 'ack-before-datasync', 'no-crc-on-read', 'truncate-mid-log', 'no-lock', 'shared-read-buffers', 'producer-state-not-rolled-back'] as const

export type TestBug = (typeof TEST_BUGS)[number]

/** The variable naming the bugs, and the second gate with the one value that opens it. */
export const TEST_BUG_ENV = 'SEGLOG_TEST_BUG'
export const TEST_BUG_GATE_ENV = 'SEGLOG_TEST_BUG_GATE'
export const TEST_BUG_GATE_VALUE = 'i-accept-data-loss'

interface TestBugState {
  /** Planted bugs in effect (gate open, names known). */
  active: ReadonlySet<TestBug>
  /** Names given with the gate open that are not bugs: Log.open refuses. */
  unknown: readonly string[]
  /** Names given without the gate: ignored, with a warning. */
  ignored: readonly string[]
}

/** What the environment asks for (exported for its unit test; the engine reads it once, below). */
export function parseTestBugs(env: Readonly<Record<string, string | undefined>>): TestBugState {
  const names = (env[TEST_BUG_ENV] ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '')
  if (env[TEST_BUG_GATE_ENV] !== TEST_BUG_GATE_VALUE) return { active: new Set(), unknown: [], ignored: names }
  const known = new Set<string>(TEST_BUGS)
  return {
    active: new Set(names.filter((name): name is TestBug => known.has(name))),
    unknown: names.filter((name) => !known.has(name)),
    ignored: [],
  }
}

const state = parseTestBugs(process.env)
let ignoredWarned = false

export function hasTestBug(bug: TestBug): boolean {
  return state.active.size > 0 && state.active.has(bug)
}

/** The planted bugs in effect, sorted (what `log.recovery.testBugs` and `metrics().testBugs` show). */
export function activeTestBugs(): TestBug[] {
  return [...state.active].sort()
}

/**
 * Called by every Log.open before it touches the directory: refuses unknown names, warns about
 * active bugs (every open) and about names ignored for want of the gate (once per process).
 */
export function checkTestBugs(): void {
  if (state.unknown.length > 0) {
    throw invalidArgValue(TEST_BUG_ENV, state.unknown.join(','), `names no planted bug (known: ${TEST_BUGS.join(', ')})`)
  }
  if (state.active.size > 0) {
    process.emitWarning(`planted bugs active: ${activeTestBugs().join(', ')}; this process can lose acknowledged data`, {
      code: 'SEGLOG_TEST_BUG',
      detail: `${TEST_BUG_ENV} and ${TEST_BUG_GATE_ENV} are set: for the reliability harnesses only.`,
    })
  } else if (state.ignored.length > 0 && !ignoredWarned) {
    ignoredWarned = true
    process.emitWarning(`${TEST_BUG_ENV}=${state.ignored.join(',')} is ignored: no planted bug is active without ${TEST_BUG_GATE_ENV}`, {
      code: 'SEGLOG_TEST_BUG_IGNORED',
    })
  }
}

/** The FileSystem with the planted sync bugs applied (the same object when none is set). */
export function withTestBugs(fs: FileSystem): FileSystem {
  const skipFsync = hasTestBug('skip-fsync')
  const skipDirFsync = hasTestBug('skip-dir-fsync')
  if (!skipFsync && !skipDirFsync) return fs
  const bugged = Object.create(fs) as FileSystem
  if (skipFsync) {
    bugged.fdatasync = async () => {}
    bugged.fsync = async () => {}
  }
  if (skipDirFsync) bugged.fsyncDir = async () => {}
  return bugged
}
