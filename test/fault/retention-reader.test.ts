/**
 * H8, readers vs retention (reliability.md FM-19, api.md "Returned Buffers …
 * stay valid for as long as they are referenced"): Buffers read from a segment — views of its mapping on the native
 * binding, copies in the fallback — keep their bytes after retention unlinks the segment, through
 * many GCs and after the log is closed, and the process never dies of it. Runs in a child with
 * --expose-gc (retention-reader-child.mjs), so a use-after-unmap kills the child, not the suite.
 */
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { distUrl } from '../helpers/dist.js'
import { spawnNode } from '../helpers/line-child.js'
import { makeTempDir, removeTempDirs } from '../helpers/temp-dirs.js'

const childPath = fileURLToPath(new URL('./retention-reader-child.mjs', import.meta.url))

afterEach(removeTempDirs)

describe('readers holding Buffers through retention', () => {
  it('keeps held keys and values byte-identical after retention deletes their segment, through GC and close', async () => {
    // Property: a segment's files can go while its records are referenced; the references stay valid and safe.
    const child = spawnNode(['--expose-gc', childPath, distUrl('index.js'), makeTempDir('seglog-retention-')])
    const exit = await child.exited
    expect(exit, `stdout ${child.lines.join('\n')}\nstderr ${child.stderr}`).toEqual({ code: 0, signal: null })
    const report = JSON.parse(child.lines[0]!)
    console.log(
      `retention reader: held ${report.heldRecords} records of the first of ${report.segments} segments ` +
        `(${report.mappingsWhileLive} mapping(s) of its file while live)`,
    )

    expect(report.segments).toBeGreaterThanOrEqual(3)
    expect(report.heldRecords).toBe(report.secondBase) // the whole first segment, and only it
    expect(report.heldRecords).toBeGreaterThan(0)
    expect(report.firstSegmentFilesLeft).toEqual([])
    expect(report.logStartOffset).toBe(report.thirdBase)
    expect(report.readBelowStartCode).toBe('OFFSET_OUT_OF_RANGE')
    expect(report.mismatchesAfterRetention).toEqual([])
    expect(report.mismatchesAfterClose).toEqual([])
  })
})
