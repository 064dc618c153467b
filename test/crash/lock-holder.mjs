// Child of lock.test.ts: holds a log open until it is killed.
//
//   node lock-holder.mjs <dist index.js URL> <dir>
//
// Opens the log at <dir>, creates topic `t`, appends one record with acks 'all', then tries a second
// `Log.open(<dir>)` in this same process, and prints one JSON line:
//   {"holding":true,"baseOffset":0,"secondOpenCode":"LOG_LOCKED"}   (secondOpenCode null if it opened)
// then idles, holding the lock, until SIGKILLed (or SAFETY_EXIT_MS passes). Anything unexpected is
// printed as {"error": …} and the process exits 1.
import { batchRecords } from '../helpers/record-values.mjs'

const SAFETY_EXIT_MS = 60_000
const [indexUrl, dir] = process.argv.slice(2)

setTimeout(() => process.exit(3), SAFETY_EXIT_MS)

try {
  const { Log } = await import(indexUrl)
  const log = await Log.open(dir)
  await log.createTopic('t', { partitions: 1 })
  const { baseOffset } = await log.partition('t', 0).append(batchRecords('holder', 1), { acks: 'all' })
  let secondOpenCode = null
  try {
    const second = await Log.open(dir)
    await second.close()
  } catch (err) {
    secondOpenCode = err?.code ?? String(err)
  }
  process.stdout.write(`${JSON.stringify({ holding: true, baseOffset, secondOpenCode })}\n`)
} catch (err) {
  process.stdout.write(`${JSON.stringify({ error: String(err?.stack ?? err), code: err?.code })}\n`)
  process.exit(1)
}
