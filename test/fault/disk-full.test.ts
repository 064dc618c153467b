/**
 * H5, a real full disk (reliability.md FM-14, api.md DISK_FULL): the log lives on a 2 MiB tmpfs next
 * to a filler file; 1 KiB appends run until one is refused. DISK_FULL is a definite error, not
 * fail-stop: nothing of the refused append is kept (Node reports a write cut short by ENOSPC as a
 * short count — the engine must notice and roll back), the log stays readable with everything
 * acknowledged intact, and appends succeed again once the filler is deleted.
 *
 * Needs root (mount); skips with the reason otherwise. The tmpfs is unmounted in afterAll.
 */
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Log } from '../../src/index.js'
import { findLedgerViolations, type AckedBatch } from '../helpers/ledger-check.js'
import { readWholePartition } from '../helpers/partition-snapshot.js'
import { batchDigest, batchRecords } from '../helpers/record-values.mjs'

const TMPFS_BYTES = 2 * 1024 * 1024
/** Deleted to free space; several segments' worth, so appends (and a roll) fit again. */
const FILLER_BYTES = 256 * 1024
const SEGMENT_BYTES = 64 * 1024
const RECORD_VALUE_BYTES = 1024
/** Twice what the tmpfs can hold: reaching it means DISK_FULL never came. */
const MAX_APPENDS = (2 * TMPFS_BYTES) / RECORD_VALUE_BYTES
const TOPIC = 't'

const isRoot = process.getuid?.() === 0
let mountDir: string | null = null
let mountError = ''

beforeAll(() => {
  if (!isRoot) return
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglog-enospc-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', dir], { stdio: 'pipe' })
    mountDir = dir
  } catch (err) {
    mountError = `${(err as Error).message}`.trim()
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

afterAll(() => {
  if (mountDir === null) return
  try {
    execFileSync('umount', [mountDir], { stdio: 'pipe' })
  } catch {
    execFileSync('umount', ['-l', mountDir], { stdio: 'pipe' }) // something still holds it: detach
  }
  fs.rmSync(mountDir, { recursive: true, force: true })
})

interface PartitionState {
  logEndOffset: number
  highWatermark: number
  sizeBytes: number
  /** Sum of the .log file sizes on disk, measured directly. */
  logFileBytes: number
}

function partitionState(log: Log, partitionDir: string): PartitionState {
  const { logEndOffset, highWatermark, sizeBytes } = log.describeTopic(TOPIC).partitions[0]!
  const logFileBytes = fs
    .readdirSync(partitionDir)
    .filter((name) => name.endsWith('.log'))
    .reduce((sum, name) => sum + fs.statSync(path.join(partitionDir, name)).size, 0)
  return { logEndOffset, highWatermark, sizeBytes, logFileBytes }
}

describe('disk full (tmpfs ENOSPC)', () => {
  it(
    'refuses the append that does not fit with DISK_FULL, keeps nothing of it, and appends again once space is freed',
    async (ctx) => {
      // Property: DISK_FULL is definite and not fail-stop — no byte or offset of the refused append is
      // kept, acknowledged records stay readable and intact, and freeing space is enough to go on.
      if (!isRoot) ctx.skip('needs root to mount a tmpfs')
      if (mountDir === null) ctx.skip(`mount -t tmpfs failed: ${mountError}`)
      const root = mountDir!
      const fillerPath = path.join(root, 'filler')
      fs.writeFileSync(fillerPath, Buffer.alloc(FILLER_BYTES, 0xa5))
      const logDir = path.join(root, 'log')
      const partitionDir = path.join(logDir, `${TOPIC}-0`)
      const acked: AckedBatch[] = []
      const append = async (log: Log, batchId: string, count: number) => {
        const records = batchRecords(batchId, count, RECORD_VALUE_BYTES)
        const result = await log.partition(TOPIC, 0).append(records, { acks: 'all' })
        acked.push({ baseOffset: result.baseOffset, lastOffset: result.lastOffset, digest: batchDigest(records), source: batchId })
        return result
      }

      const log = await Log.open(logDir)
      let stateBeforeFailure: PartitionState
      try {
        await log.createTopic(TOPIC, { partitions: 1, segmentBytes: SEGMENT_BYTES })
        stateBeforeFailure = partitionState(log, partitionDir)
        let failure: unknown = null
        for (let n = 0; n < MAX_APPENDS && failure === null; n++) {
          try {
            await append(log, `fill:${n}`, 1)
            stateBeforeFailure = partitionState(log, partitionDir)
          } catch (err) {
            failure = err
          }
        }
        expect(failure, `no DISK_FULL after ${acked.length} appends of ${RECORD_VALUE_BYTES} bytes`).toMatchObject({ code: 'DISK_FULL' })
        expect(acked.length).toBeGreaterThan(0)
        expect(partitionState(log, partitionDir)).toEqual(stateBeforeFailure)

        // Still full: refused again, still definite (DISK_FULL, not the fail-stop STORAGE_ERROR), still nothing kept.
        await expect(append(log, 'full:again', 2)).rejects.toMatchObject({ code: 'DISK_FULL' })
        expect(partitionState(log, partitionDir)).toEqual(stateBeforeFailure)

        // Readable, and everything acknowledged is there byte for byte.
        const partition = log.partition(TOPIC, 0)
        const snapshot = await readWholePartition(partition, 0)
        expect(snapshot.highWatermark).toBe(stateBeforeFailure.logEndOffset)
        expect(findLedgerViolations(snapshot, acked)).toEqual([])

        // Free space: appends go on from the same offset, and across a roll.
        fs.unlinkSync(fillerPath)
        const resumed = await append(log, 'freed:0', 3)
        expect(resumed.baseOffset).toBe(stateBeforeFailure.logEndOffset)
        const segmentsBefore = log.describeTopic(TOPIC).partitions[0]!.segments
        for (let n = 1; log.describeTopic(TOPIC).partitions[0]!.segments === segmentsBefore; n++) await append(log, `freed:${n}`, 4)
        expect(findLedgerViolations(await readWholePartition(partition, 0), acked)).toEqual([])
      } finally {
        await log.close()
      }

      // And it all survives a clean close and reopen.
      const reopened = await Log.open(logDir)
      try {
        expect(reopened.recovery.cleanShutdown).toBe(true)
        expect(findLedgerViolations(await readWholePartition(reopened.partition(TOPIC, 0), 0), acked)).toEqual([])
      } finally {
        await reopened.close()
      }
    },
  )
})
