// Copied into a fresh project that installed seglog from its packed tarball, and run there as a
// user's program would: imports 'seglog' by name, appends one record, reads it back, and prints one
// JSON line saying what it read, where 'seglog' resolved to and which binding did the work.
// Usage: node consumer-check.mjs <data dir>
import { Log, nativeLoadError } from 'seglog'

const value = 'appended through the packed tarball'
const log = await Log.open(process.argv[2])
await log.createTopic('installed', { partitions: 1 })
const partition = log.partition('installed', 0)
const { baseOffset } = await partition.append([{ key: 'k-1', value }])
const { records } = await partition.read({ offset: baseOffset, maxRecords: 10 })
await log.close()

console.log(
  JSON.stringify({
    resolvedFrom: import.meta.resolve('seglog'),
    expectedValue: value,
    baseOffset,
    records: records.map((r) => ({ offset: r.offset, key: r.key?.toString() ?? null, value: r.value?.toString() ?? null })),
    nativeLoadError: nativeLoadError ? nativeLoadError.message : null,
    // The addon files actually mapped into this process: proof of the binding, not a claim.
    loadedAddons: process.report.getReport().sharedObjects.filter((file) => file.endsWith('/seglog.node')),
  }),
)
