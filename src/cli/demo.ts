/**
 * `npm start`: the main job, a guided tour of seglog on a real directory (default ./data).
 * Creates (or reuses) a topic, appends with group commit and progress output, replays from an
 * offset and from a timestamp, tails a live append, and prints throughput next to the durability
 * mode, record size and batch size it was measured with. Running it again appends more and shows
 * the log reopening (clean or recovered).
 */
import { Log } from '../log.js'
import { binding, nativeLoadError } from '../native/load.js'
import { latestBenchmarkLines } from './latest-benchmarks.js'

export interface DemoOptions {
  dir: string
  records: number
  recordBytes: number
  batchRecords: number
  durability: 'fsync' | 'os'
}

const TOPIC = 'demo-events'
/** Appenders in flight at once: enough for group commit to share fsyncs. */
const CONCURRENT_APPENDS = 8

function rate(count: number, ms: number): string {
  return Math.round((count * 1000) / Math.max(ms, 0.001)).toLocaleString('en-US')
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const { dir, records, recordBytes, batchRecords, durability } = options
  console.log(`seglog demo in ${dir}`)
  console.log(`binding: ${binding.kind}${nativeLoadError && binding.kind === 'fallback' ? ` (${nativeLoadError.message})` : ''}`)

  const log = await Log.open(dir)
  try {
    const r = log.recovery
    console.log(`opened in ${r.durationMs.toFixed(1)} ms: ${r.cleanShutdown ? 'clean shutdown' : 'unclean shutdown, recovered'}` +
      (r.partitions.some((p) => p.truncatedBytes > 0) ? `, cut ${r.partitions.reduce((n, p) => n + p.truncatedBytes, 0)} torn bytes` : ''))
    if (!log.topics().includes(TOPIC)) await log.createTopic(TOPIC, { partitions: 1, durability, segmentBytes: 64 * 1024 * 1024 })
    const p = log.partition(TOPIC, 0)
    const mode = log.describeTopic(TOPIC).config.durability
    const startOffset = p.logEndOffset
    console.log(`topic ${TOPIC}: durability '${mode}', ${startOffset} records already there`)

    // 1. Append with group commit: CONCURRENT_APPENDS batches in flight, acks 'all'.
    const value = Buffer.alloc(recordBytes, 'x')
    const batches = Math.ceil(records / batchRecords)
    const startedMs = Date.now()
    const t0 = performance.now()
    let nextBatch = 0
    let lastReport = t0
    const appender = async (): Promise<void> => {
      while (nextBatch < batches) {
        const b = nextBatch++
        const count = Math.min(batchRecords, records - b * batchRecords)
        const batch = Array.from({ length: count }, (_, i) => ({ key: `k${(b * batchRecords + i) % 1000}`, value }))
        await p.append(batch, { acks: 'all' })
        const now = performance.now()
        if (now - lastReport > 500) {
          lastReport = now
          console.log(`  appended ${(b + 1) * batchRecords} / ${records} records…`)
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENT_APPENDS }, appender))
    const appendMs = performance.now() - t0
    const m = log.metrics()
    console.log(
      `append: ${records} records of ${recordBytes} B in batches of ${batchRecords}, acks 'all', durability '${mode}', ` +
        `${CONCURRENT_APPENDS} appenders: ${rate(records, appendMs)} records/s, ` +
        `${((records * recordBytes) / 1e6 / (appendMs / 1000)).toFixed(1)} MB/s of values, ${m.fsyncs} fsyncs`,
    )

    // 2. Replay from an offset: everything this run appended, every record checked.
    const t1 = performance.now()
    let replayed = 0
    for await (const record of p.stream({ from: startOffset })) {
      if (record.value?.length !== recordBytes) throw new Error(`record ${record.offset} has ${record.value?.length} bytes`)
      replayed++
      if (replayed === records) break
    }
    const replayMs = performance.now() - t1
    console.log(`replay from offset ${startOffset}: ${replayed} records in ${replayMs.toFixed(0)} ms (${rate(replayed, replayMs)} records/s)`)

    // 3. Replay from a timestamp: where this run started.
    const fromTs = await p.offsetForTimestamp(startedMs)
    console.log(`first offset with timestamp >= ${new Date(startedMs).toISOString()}: ${fromTs}`)
    const first = (await p.read({ offset: fromTs ?? p.highWatermark, maxRecords: 1 })).records[0]
    if (first) console.log(`  → offset ${first.offset}, key ${first.key?.toString()}, timestamp ${new Date(first.timestamp).toISOString()}`)

    // 4. Tail: a follower sees a record appended while it waits.
    const controller = new AbortController()
    const tail = (async () => {
      for await (const record of p.stream({ from: 'latest', follow: true, signal: controller.signal })) return record
      return null
    })()
    setTimeout(() => void p.append([{ key: 'live', value: `appended at ${new Date().toISOString()}` }]), 50)
    const live = await tail
    controller.abort()
    console.log(`tail: follower received offset ${live?.offset}: ${live?.value?.toString()}`)

    const info = log.describeTopic(TOPIC).partitions[0]!
    console.log(`partition: logStart ${info.logStartOffset}, HW ${info.highWatermark}, LEO ${info.logEndOffset}, ${info.segments} segment(s), ${(info.sizeBytes / 1e6).toFixed(1)} MB`)
  } finally {
    await log.close()
  }
  console.log('closed cleanly; run again to append more, or `rm -rf ' + dir + '` to start over')
  for (const line of latestBenchmarkLines()) console.log(line)
}
