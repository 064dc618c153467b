import { describe, expect, it } from 'vitest'
import type { LogRecord } from '../../../src/format/batch-records.js'
import { RecordStream } from '../../../src/partition/record-stream.js'

const record = (offset: number): LogRecord => ({ offset, timestamp: 0, key: null, value: null, headers: [] })

/** A fetch serving `runs` in order, then null; counts its calls and can hold each call until released. */
function fetcher(runs: (number[] | Error)[], options: { held?: boolean } = {}) {
  let calls = 0
  const releases: (() => void)[] = []
  const fetch = async (): Promise<LogRecord[] | null> => {
    const run = runs[calls++]
    if (options.held) await new Promise<void>((resolve) => releases.push(resolve))
    if (run === undefined) return null
    if (run instanceof Error) throw run
    return run.map(record)
  }
  return { fetch, calls: () => calls, release: () => releases.shift()?.() }
}

async function offsets(stream: AsyncIterable<LogRecord>): Promise<number[]> {
  const out: number[] = []
  for await (const r of stream) out.push(r.offset)
  return out
}

describe('RecordStream', () => {
  it('yields every fetched record in order and fetches only when the previous run is used up', async () => {
    // Property: records come out in fetch order, one fetch per run, none before the first next().
    const source = fetcher([[0, 1, 2], [3], [4, 5]])
    const stream = new RecordStream(source.fetch)
    expect(source.calls()).toBe(0)
    expect(await stream.next()).toEqual({ value: record(0), done: false })
    expect(source.calls()).toBe(1)
    await stream.next()
    await stream.next()
    expect(source.calls()).toBe(1)
    expect(await offsets(stream)).toEqual([3, 4, 5])
    expect(source.calls()).toBe(4)
    expect(await stream.next()).toEqual({ value: undefined, done: true })
  })

  it('serves next() calls made before a fetch finishes in call order', async () => {
    // Property: like a generator, overlapping next() calls queue instead of racing the fetch.
    const source = fetcher([[0, 1], [2]], { held: true })
    const stream = new RecordStream(source.fetch)
    const pending = [stream.next(), stream.next(), stream.next(), stream.next()]
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r))
      source.release()
    }
    const results = await Promise.all(pending)
    expect(results.map((r) => (r.done ? 'done' : r.value.offset))).toEqual([0, 1, 2, 'done'])
  })

  it('rejects the next() whose fetch failed, then ends', async () => {
    // Property: a fetch error (CORRUPT_RECORD, OFFSET_OUT_OF_RANGE, AbortError) reaches the consumer once and finishes the stream.
    const failure = new Error('fetch failed')
    const source = fetcher([[0], failure, [1]])
    const stream = new RecordStream(source.fetch)
    expect((await stream.next()).value).toEqual(record(0))
    await expect(stream.next()).rejects.toBe(failure)
    expect(await stream.next()).toEqual({ value: undefined, done: true })
    expect(source.calls()).toBe(2)
  })

  it('ends on return() and on throw(), dropping what was fetched', async () => {
    // Property: breaking out of for-await ends the stream; throw() rejects with its error and ends it.
    const source = fetcher([[0, 1, 2], [3]])
    const stream = new RecordStream(source.fetch)
    for await (const r of stream) if (r.offset === 0) break
    expect(await stream.next()).toEqual({ value: undefined, done: true })
    const other = new RecordStream(fetcher([[0, 1]]).fetch)
    await other.next()
    const err = new Error('stop')
    await expect(other.throw(err)).rejects.toBe(err)
    expect(await other.next()).toEqual({ value: undefined, done: true })
    expect(await other.return(undefined)).toEqual({ value: undefined, done: true })
  })
})
