/**
 * H5, fdatasync EIO (reliability.md FM-15, contract 7): a worker runs under strace with exactly one
 * fdatasync failing — the first one after it starts a group of concurrent appends. The engine must
 * fail-stop: the appends of that flush reject with STORAGE_ERROR (cause EIO), later appends and
 * flush() reject with STORAGE_ERROR without any new fdatasync (Linux may report a retried fsync as
 * OK after dropping the pages), reads keep working, and a reopen recovers with every acknowledged
 * record intact.
 *
 * Skips with the reason when strace is missing or may not trace (no ptrace).
 */
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { Log } from '../../src/index.js'
import { distUrl } from '../helpers/dist.js'
import { findLedgerViolations, type AckedBatch } from '../helpers/ledger-check.js'
import type { LineChild } from '../helpers/line-child.js'
import { readWholePartition } from '../helpers/partition-snapshot.js'
import { batchRecords, isIntactRecord } from '../helpers/record-values.mjs'
import { countCalls, injectWhenAfterMark, markIndex, readTrace, spawnNodeUnderStrace, straceUnavailableReason } from '../helpers/strace.js'
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js'

const workerPath = fileURLToPath(new URL('./fsync-eio-worker.mjs', import.meta.url))
/** write/writev make the workers' `mark` lines visible in the trace, in order with the fdatasyncs. */
const TRACED_SYSCALLS = ['fdatasync', 'write', 'writev']
const unavailable = straceUnavailableReason()

afterEach(removeTempDirs)

interface WorkerEvent {
  event: string
  batchId?: string
  ok?: boolean
  code?: string
  causeCode?: string | null
  baseOffset?: number
  lastOffset?: number
  digest?: string
  highWatermark?: number
  records?: { offset: number; key: string | null; intact: boolean }[]
}

function eventsOf(child: LineChild): WorkerEvent[] {
  return child.lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as WorkerEvent)
}

async function expectCleanExit(child: LineChild, what: string): Promise<void> {
  const exit = await child.exited
  expect(exit, `${what}: stdout ${child.lines.join('\n')}\nstderr ${child.stderr}`).toEqual({ code: 0, signal: null })
}

describe('fdatasync EIO (strace injection)', () => {
  it('injects EIO into exactly the first fdatasync after a worker’s mark', async (ctx) => {
    // Property: the harness itself — calibrating `when=` from a trace hits the intended call and only it.
    if (unavailable !== null) ctx.skip(unavailable)
    const dir = makeTempDir('seglog-eio-')
    const probe = [
      '--input-type=module',
      '-e',
      `import * as fs from 'node:fs/promises'
       const fh = await fs.open(process.argv[1], 'w')
       for (let i = 1; i <= 6; i++) {
         if (i === 4) process.stdout.write('mark target\\n')
         await fh.write(Buffer.from('x'))
         try { await fh.datasync(); console.log('ok ' + i) } catch (err) { console.log(err.code + ' ' + i) }
       }`,
    ]
    const calibration = spawnNodeUnderStrace({ traceFile: path.join(dir, 'calibration.trace'), syscalls: TRACED_SYSCALLS, nodeArgs: [...probe, path.join(dir, 'a')] })
    await expectCleanExit(calibration, 'calibration probe')
    const when = injectWhenAfterMark(readTrace(path.join(dir, 'calibration.trace')), 'target', 'fdatasync')

    const injected = spawnNodeUnderStrace({
      traceFile: path.join(dir, 'injected.trace'),
      syscalls: TRACED_SYSCALLS,
      inject: `fdatasync:error=EIO:when=${when}`,
      nodeArgs: [...probe, path.join(dir, 'b')],
    })
    await expectCleanExit(injected, 'injected probe')
    expect(injected.lines).toEqual(['ok 1', 'ok 2', 'ok 3', 'mark target', 'EIO 4', 'ok 5', 'ok 6'])
  })

  for (const syncOnEventLoop of [false, true]) {
    it(
      `rejects the appends of a failed fdatasync with STORAGE_ERROR, then refuses writes without fsyncing again, keeps reads, and recovers every acknowledged record (fdatasync ${syncOnEventLoop ? 'on the event loop: syncOnEventLoop' : 'on the libuv pool'})`,
      async (ctx) => {
        // Property: fail-stop on fsync error — never retried, no acknowledgement after it, reads and
        // acknowledged data unharmed, and the next open recovers.
        if (unavailable !== null) ctx.skip(unavailable)
        const indexUrl = distUrl('index.js')
        const traces = makeTempDir('seglog-eio-trace-')
        const calibrationTrace = path.join(traces, 'calibration.trace')
        const injectedTrace = path.join(traces, 'injected.trace')

        // 1. The same workload without injection: which fdatasync (on its thread) follows the mark.
        const env = { SEGLOG_EIO_SYNC_ON_EVENT_LOOP: syncOnEventLoop ? '1' : '0' }
        const calibration = spawnNodeUnderStrace({
          traceFile: calibrationTrace,
          syscalls: TRACED_SYSCALLS,
          nodeArgs: [workerPath, indexUrl, path.join(makeTempDir('seglog-eio-'), 'log')],
          env,
        })
        await expectCleanExit(calibration, 'calibration run')
        const when = injectWhenAfterMark(readTrace(calibrationTrace), 'failing-flush', 'fdatasync')

        // 2. The run with that fdatasync failing.
        const logDir = path.join(makeTempDir('seglog-eio-'), 'log')
        const worker = spawnNodeUnderStrace({
          traceFile: injectedTrace,
          syscalls: TRACED_SYSCALLS,
          inject: `fdatasync:error=EIO:when=${when}`,
          nodeArgs: [workerPath, indexUrl, logDir],
          env,
        })
        await expectCleanExit(worker, 'injected run')
        const events = eventsOf(worker)
        const trace = readTrace(injectedTrace)

        // The intended call failed, once, and nothing fdatasynced after it — not a retry, not a later append.
        const injectedAt = trace.findIndex((line) => line.text.includes('(INJECTED)'))
        expect(trace.filter((line) => line.text.includes('(INJECTED)'))).toHaveLength(1)
        expect(injectedAt).toBeGreaterThan(markIndex(trace, 'failing-flush'))
        expect(countCalls(trace, 'fdatasync', injectedAt), 'fdatasync calls after the failed one').toBe(0)
        // The option decides the thread: the marks are written by the event loop's thread.
        const onEventLoop = trace[injectedAt]!.tid === trace[markIndex(trace, 'failing-flush')]!.tid
        expect(onEventLoop, 'the failed fdatasync ran on the event loop thread').toBe(syncOnEventLoop)

        const acked = events.filter((e) => e.event === 'acked')
        expect(acked.map((e) => [e.baseOffset, e.lastOffset])).toEqual([
          [0, 1],
          [2, 3],
          [4, 5],
        ])
        const failing = events.filter((e) => e.event === 'failing')
        expect(failing).toHaveLength(4)
        for (const e of failing) expect(e, 'an append whose flush failed').toMatchObject({ ok: false, code: 'STORAGE_ERROR' })
        expect(failing.map((e) => e.causeCode)).toContain('EIO')
        const after = events.filter((e) => e.event === 'after')
        expect(after).toHaveLength(3)
        for (const e of after) expect(e, 'an append after the failure').toMatchObject({ ok: false, code: 'STORAGE_ERROR' })
        expect(events.find((e) => e.event === 'flush'), 'flush() after the failure').toMatchObject({ ok: false, code: 'STORAGE_ERROR' })

        // Reads keep working, and serve exactly the acknowledged prefix.
        const read = events.find((e) => e.event === 'read')!
        expect(read.highWatermark).toBe(6)
        expect(read.records!.map((r) => [r.offset, r.key, r.intact])).toEqual(
          ['before:0', 'before:1', 'before:2'].flatMap((batch, b) => [0, 1].map((i) => [2 * b + i, `${batch}#${i}/2`, true])),
        )

        // 3. Reopen without strace: a recovery, every acknowledged record intact, the failed batches
        //    whole or absent, and writes accepted again.
        const log = await Log.open(logDir)
        try {
          expect(log.recovery.cleanShutdown).toBe(false)
          const partition = log.partition('t', 0)
          const ackedBatches: AckedBatch[] = acked.map((e) => ({
            baseOffset: e.baseOffset!,
            lastOffset: e.lastOffset!,
            digest: e.digest!,
            source: e.batchId!,
          }))
          const snapshot = await readWholePartition(partition, 0)
          expect(findLedgerViolations(snapshot, ackedBatches)).toEqual([])
          const resumed = await partition.append(batchRecords('reopened', 2), { acks: 'all' })
          expect(resumed.baseOffset).toBe(snapshot.highWatermark)
          const { records } = await partition.read({ offset: resumed.baseOffset })
          expect(records.map((r) => r.key?.toString())).toEqual(['reopened#0/2', 'reopened#1/2'])
          expect(records.every((r) => isIntactRecord(r.key, r.value))).toBe(true)
        } finally {
          await log.close()
        }
      },
      60_000,
    )
  }
})
