// A record's fingerprint for H7 (shared by the fuzz child, which reads records, and the parent,
// which knows what was written): SHA-256 over the timestamp, key, value and headers with their
// lengths (-1 for null), first 16 bytes as hex. Two records with the same digest are the same
// record, byte for byte, so the child returns 32 characters per record instead of the record.
import { createHash } from 'node:crypto'

function update(hash, bytes) {
  const length = Buffer.allocUnsafe(4)
  length.writeInt32BE(bytes === null ? -1 : bytes.length)
  hash.update(length)
  if (bytes !== null) hash.update(bytes)
}

/** @param {{ timestamp: number, key: Buffer | null, value: Buffer | null, headers: [string, Buffer | null][] }} record */
export function recordDigest(record) {
  const hash = createHash('sha256')
  hash.update(String(record.timestamp)).update('|')
  update(hash, record.key)
  update(hash, record.value)
  for (const [key, value] of record.headers) {
    update(hash, Buffer.from(key, 'utf8'))
    update(hash, value)
  }
  return hash.digest('hex').slice(0, 32)
}
