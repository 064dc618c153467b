/**
 * lmdb (lmdb-js): a B+tree in one memory-mapped file. Records are key = sequence number as 8 bytes
 * big-endian, value = the record's bytes (binary encodings: no msgpack, no compression). One batch
 * = one write transaction (`db.transactionSync(() => 100 × put)`), committed before the next, as
 * seglog awaits each append. transactionSync was the fastest way to commit one batch at a time
 * here (awaiting `db.transaction()` per batch was 1.5× slower for 'os' and 2× slower for 'fsync').
 *
 * - 'os': noSync + useWritemap (commits write the memory map, no fsync/msync: the OS flushes when
 *   it likes), then one timed final `db.sync()` (mdb_env_sync(force)). useWritemap is the fastest
 *   noSync setting (1.5× plain noSync in a probe), so lmdb gets its best 'os' number.
 * - 'fsync': overlappingSync off, noSync off: each commit fdatasyncs before transactionSync returns.
 * - reads: `db.get(key)` (synchronous, returns a copy) and `db.getRange()` in key order.
 */
import { seqKey } from './keys.mjs'

export const peer = {
  name: 'lmdb',
  packageName: 'lmdb',
  settings: {
    os: 'noSync + useWritemap, transactionSync per batch, final db.sync() (mdb_env_sync force)',
    fsync: 'overlappingSync off, transactionSync per batch, each commit fdatasynced before the next',
    read: 'db.get(key) / db.getRange() in key order, binary encoding',
  },
  async open(dir, { mode }) {
    const { open } = await import('lmdb')
    const db = open({
      path: dir,
      keyEncoding: 'binary',
      encoding: 'binary',
      compression: false,
      ...(mode === 'fsync' ? { overlappingSync: false } : { noSync: true, useWritemap: true }),
    })
    return {
      sync: false,
      syncReads: true,
      async append(first, values) {
        db.transactionSync(() => {
          for (let i = 0; i < values.length; i++) db.put(seqKey(first + i), values[i])
        })
      },
      async finish() {
        await new Promise((resolve, reject) => db.sync((err) => (err ? reject(err) : resolve())))
      },
      get(seq) {
        return db.get(seqKey(seq))
      },
      async replay(visit) {
        let count = 0
        for (const { key, value } of db.getRange()) visit(Number(key.readBigUInt64BE(0)), value, count++)
        return count
      },
      async close() {
        await db.close()
      },
    }
  },
}
