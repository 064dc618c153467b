/**
 * classic-level: LevelDB (LSM tree with a write-ahead log). Key = sequence number as 8 bytes
 * big-endian, value = the record's bytes (buffer encodings). One batch = one `db.batch([...100
 * puts])`, awaited before the next.
 *
 * - 'os': batch() with sync: false (LevelDB's default: the log write goes to the OS, no fsync),
 *   except the last batch, written with sync: true, which fsyncs the log: the one final flush.
 * - 'fsync': every batch with sync: true (fsync of the log before the batch resolves).
 * - reads: `db.getSync(key)` (classic-level 3's synchronous get); the replay walks `db.iterator()`
 *   with nextv(1000).
 */
import { seqKey } from './keys.mjs'

const NEXTV_SIZE = 1000

export const peer = {
  name: 'classic-level',
  packageName: 'classic-level',
  settings: {
    os: 'batch() per batch with sync: false, the last batch with sync: true (fsyncs the log)',
    fsync: 'batch() per batch with sync: true (log fsynced before it resolves)',
    read: 'db.getSync(key) / iterator().nextv(1000) in key order, buffer encodings',
  },
  async open(dir, { mode, lastSeq }) {
    const { ClassicLevel } = await import('classic-level')
    const db = new ClassicLevel(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    await db.open()
    return {
      sync: false,
      syncReads: true,
      async append(first, values, { last } = {}) {
        const operations = new Array(values.length)
        for (let i = 0; i < values.length; i++) operations[i] = { type: 'put', key: seqKey(first + i), value: values[i] }
        await db.batch(operations, { sync: mode === 'fsync' || Boolean(last) })
      },
      async finish() {
        // The last batch was written with sync: true (the driver says which batch is last).
      },
      get(seq) {
        return db.getSync(seqKey(seq))
      },
      async replay(visit) {
        let count = 0
        const iterator = db.iterator()
        try {
          for (;;) {
            const entries = await iterator.nextv(NEXTV_SIZE)
            if (entries.length === 0) break
            for (const [key, value] of entries) visit(Number(key.readBigUInt64BE(0)), value, count++)
          }
        } finally {
          await iterator.close()
        }
        return count
      },
      async close() {
        await db.close()
      },
    }
  },
}
