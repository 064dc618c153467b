/**
 * better-sqlite3: SQLite in WAL mode, one table `log (seq INTEGER PRIMARY KEY, value BLOB)`, so the
 * key is the rowid (the record's sequence number). One batch = one transaction of 100 prepared
 * INSERTs. The API is synchronous (`sync: true`): the driver calls it without awaiting.
 *
 * - 'os': journal_mode=WAL, synchronous=OFF (no fsync: the OS writes the pages when it likes), then
 *   one timed final flush: synchronous=FULL + wal_checkpoint(FULL), which fsyncs the WAL and the
 *   database file.
 * - 'fsync': journal_mode=WAL, synchronous=FULL: every commit fsyncs the WAL before it returns.
 * - reads: a prepared `SELECT value … WHERE seq = ?` per point read; `SELECT seq, value … ORDER BY
 *   seq` iterated (raw rows) for the replay.
 */
export const peer = {
  name: 'better-sqlite3',
  packageName: 'better-sqlite3',
  settings: {
    os: 'WAL, synchronous=OFF, one transaction per batch, final synchronous=FULL + wal_checkpoint(FULL)',
    fsync: 'WAL, synchronous=FULL, one transaction per batch (each commit fsyncs the WAL)',
    read: 'prepared SELECT by INTEGER PRIMARY KEY / ORDER BY seq iterate (raw rows)',
  },
  async open(dir, { mode }) {
    const { default: Database } = await import('better-sqlite3')
    const db = new Database(`${dir}/log.sqlite`)
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${mode === 'fsync' ? 'FULL' : 'OFF'}`)
    db.exec('CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, value BLOB NOT NULL)')
    const insert = db.prepare('INSERT INTO log (seq, value) VALUES (?, ?)')
    const select = db.prepare('SELECT value FROM log WHERE seq = ?').pluck()
    const all = db.prepare('SELECT seq, value FROM log ORDER BY seq').raw()
    const insertBatch = db.transaction((first, values) => {
      for (let i = 0; i < values.length; i++) insert.run(first + i, values[i])
    })
    return {
      sync: true,
      syncReads: true,
      append(first, values) {
        insertBatch(first, values)
      },
      finish() {
        db.pragma('synchronous = FULL')
        db.pragma('wal_checkpoint(FULL)')
      },
      get(seq) {
        return select.get(seq)
      },
      async replay(visit) {
        let count = 0
        for (const [seq, value] of all.iterate()) visit(seq, value, count++)
        return count
      },
      close() {
        db.close()
      },
    }
  },
}
