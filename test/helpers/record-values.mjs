// Self-describing records for crash and fault tests (a plain .mjs so child workers share it).
//
// Every record a test writes names itself, so a checker can verify any record it reads back without
// knowing whether (or where) it was acknowledged:
//   key   = `<batchId>#<index>/<count>`              e.g. "7:2:31#1/3" (record 1 of a 3-record batch)
//   value = `<key>|<valueBytes>|` + filler           filler: a byte stream derived from the key only (ASCII keys)
// A record is intact iff its value equals `recordValue(key, valueBytes)` byte for byte: a flipped,
// shifted, truncated or swapped byte anywhere shows. The batch fields let a checker prove that a
// batch is all-or-nothing (every index 0..count-1 present, at consecutive offsets, in order).
import { createHash } from 'node:crypto'

const ID_PATTERN = /^(.+)#(\d+)\/(\d+)$/

/** FNV-1a over the key's UTF-16 code units: seeds the size and the filler stream. */
function keyHash(key) {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/** Value size picked from the key when the caller gives none: the prefix plus 10–394 filler bytes. */
function defaultValueBytes(key) {
  return Buffer.byteLength(key) + 16 + (keyHash(key) % 385)
}

/** The value of the record keyed `key`, `valueBytes` long (at least the self-describing prefix). */
export function recordValue(key, valueBytes = defaultValueBytes(key)) {
  const prefixBytes = valuePrefix(key, valueBytes)
  const value = Buffer.allocUnsafe(valueBytes)
  value.write(prefixBytes, 0, 'latin1')
  // Filler: xorshift32 seeded by the key, 4 bytes per step (cheap enough to re-derive every record
  // of a large log on every check).
  let x = keyHash(key) || 1
  let position = prefixBytes.length
  for (; position + 4 <= valueBytes; position += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    value.writeInt32LE(x | 0, position)
  }
  for (; position < valueBytes; position++) value[position] = (x >>> (8 * (position & 3))) & 0xff
  return value
}

function valuePrefix(key, valueBytes) {
  const prefix = `${key}|${valueBytes}|`
  if (Buffer.byteLength(prefix) !== prefix.length) throw new RangeError(`record key ${JSON.stringify(key)} is not ASCII`)
  if (valueBytes < prefix.length) throw new RangeError(`valueBytes ${valueBytes} < prefix ${prefix.length} for ${key}`)
  return prefix
}

/** The records of one batch: `count` records keyed `<batchId>#<i>/<count>`. */
export function batchRecords(batchId, count, valueBytes) {
  const records = []
  for (let i = 0; i < count; i++) {
    const key = `${batchId}#${i}/${count}`
    records.push({ key: Buffer.from(key), value: recordValue(key, valueBytes) })
  }
  return records
}

/** `{ batchId, index, count }` from a record key, or null if the key is not one of ours. */
export function parseRecordKey(key) {
  const match = ID_PATTERN.exec(key)
  if (!match) return null
  return { batchId: match[1], index: Number(match[2]), count: Number(match[3]) }
}

/** True iff `value` is exactly the value `recordValue` gives for `key` (any length it claims). */
export function isIntactRecord(key, value) {
  if (key === null || value === null) return false
  const keyText = key.toString()
  if (parseRecordKey(keyText) === null) return false
  const prefix = `${keyText}|`
  if (value.length < prefix.length || value.toString('latin1', 0, prefix.length) !== prefix) return false
  const end = value.indexOf(0x7c /* '|' */, prefix.length)
  if (end < 0) return false
  const claimedBytes = Number(value.toString('latin1', prefix.length, end))
  if (!Number.isSafeInteger(claimedBytes) || claimedBytes !== value.length) return false
  return value.equals(recordValue(keyText, claimedBytes))
}

/** Hex digest of a batch's keys and values in order: what a worker prints for an acknowledged append. */
export function batchDigest(records) {
  const hash = createHash('sha256')
  const length = Buffer.allocUnsafe(4)
  for (const { key, value } of records) {
    for (const part of [key, value]) {
      if (part === null) {
        length.writeInt32BE(-1)
        hash.update(length)
      } else {
        length.writeInt32BE(part.length)
        hash.update(length).update(part)
      }
    }
  }
  return hash.digest('hex').slice(0, 32)
}
