/**
 * Planted bugs for the reliability harnesses (reliability.md: "a harness is trusted only after it
 * has caught a planted bug"). `SEGLOG_TEST_BUG=<name>[,<name>…]` switches one on; each harness has
 * a test asserting it catches the bug it is meant for. Read once at load: never set in production.
 *
 * | name                 | what breaks                                                        |
 * |----------------------|--------------------------------------------------------------------|
 * | skip-fsync           | fdatasync/fsync of files succeed without syncing                   |
 * | skip-dir-fsync       | directory fsyncs succeed without syncing                           |
 * | ack-before-datasync  | acks 'all' resolve once written, before the fdatasync              |
 * | no-crc-on-read       | reads return records without checking batch CRCs                   |
 * | truncate-mid-log     | recovery cuts at any damage, even damage to acknowledged data      |
 * | no-lock              | the directory lock always succeeds                                 |
 */
import type { FileSystem } from './io/file.js'

export type TestBug = 'skip-fsync' | 'skip-dir-fsync' | 'ack-before-datasync' | 'no-crc-on-read' | 'truncate-mid-log' | 'no-lock'

const enabled = new Set((process.env.SEGLOG_TEST_BUG ?? '').split(',').filter((name) => name !== ''))

export function hasTestBug(bug: TestBug): boolean {
  return enabled.size > 0 && enabled.has(bug)
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
