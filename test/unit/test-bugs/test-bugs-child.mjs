// Child for test-bugs.test.ts: opens a log in the directory argv[3] with the engine from dist/
// (argv[2]), under whatever SEGLOG_TEST_BUG* variables the parent set, through a FileSystem that
// counts fdatasyncs; appends one durable record and prints one JSON line with what it saw.
const [distDir, dir] = process.argv.slice(2)
const { Log } = await import(new URL('log.js', distDir).href)
const { defaultFileSystem } = await import(new URL('io/file.js', distDir).href)

const warnings = []
process.on('warning', (w) => warnings.push(w.code))
let fdatasyncs = 0
const counting = Object.create(defaultFileSystem)
counting.fdatasync = async (fd) => {
  fdatasyncs++
  return defaultFileSystem.fdatasync(fd)
}
let log
try {
  log = await Log.open(dir, { fileSystem: counting })
} catch (err) {
  console.log(JSON.stringify({ openError: { name: err.name, code: err.code, message: err.message } }))
  process.exit(0)
}
await log.createTopic('t')
await log.partition('t', 0).append([{ value: 'v' }], { acks: 'all' })
const result = { testBugs: log.recovery.testBugs, metricsTestBugs: log.metrics().testBugs, fdatasyncs }
await log.close()
// Warnings are emitted on process.nextTick: let them arrive.
await new Promise((resolve) => setImmediate(resolve))
console.log(JSON.stringify({ ...result, warnings }))
