/**
 * hypercore 11: a signed append-only log (Merkle tree, ed25519 signature per append) stored in
 * RocksDB (hypercore-storage). The sequence number is the block index, so no key is needed. One
 * batch = one `core.append([100 values])`, awaited before the next.
 *
 * Hypercore has no durability option of its own: its RocksDB writes go to the WAL without sync.
 * The closest equivalents used here:
 * - 'os': append per batch, then one timed final flush of RocksDB's memtable
 *   (`storage.db.flush()`: the data is written to SST files and fsynced).
 * - 'fsync': append + RocksDB flush() after every batch (the only sync hypercore's storage offers).
 * - reads: `await core.get(index)`; the replay is `core.createReadStream({ start: 0, end })`.
 */
export const peer = {
  name: 'hypercore',
  packageName: 'hypercore',
  settings: {
    os: 'append(array) per batch (RocksDB WAL, no sync), final RocksDB flush() (SST written + fsynced)',
    fsync: 'append(array) + RocksDB flush() per batch (no per-write sync option exists)',
    read: 'await core.get(index) / createReadStream({ start: 0, end })',
  },
  async open(dir, { mode }) {
    const { default: Hypercore } = await import('hypercore')
    const core = new Hypercore(dir)
    await core.ready()
    const rocks = core.core.storage.db
    if (typeof rocks?.flush !== 'function') throw new Error('hypercore: no RocksDB flush() found on core.core.storage.db')
    return {
      sync: false,
      syncReads: false,
      async append(first, values) {
        if (core.length !== first) throw new Error(`hypercore: length ${core.length} before appending record ${first}`)
        await core.append(values)
        if (mode === 'fsync') await rocks.flush()
      },
      async finish() {
        await rocks.flush()
      },
      get(seq) {
        return core.get(seq)
      },
      async replay(visit, records) {
        let count = 0
        for await (const value of core.createReadStream({ start: 0, end: records })) visit(count, value, count++)
        return count
      },
      async close() {
        await core.close()
      },
    }
  },
}
