/**
 * What a record becomes once written, as the model predicts it from the append input alone (api.md
 * "Appending" / "Reading"): keys, values and header values of `Buffer | Uint8Array | string | null`
 * come back as `Buffer | null` (strings UTF-8 encoded, so a lone surrogate comes back as U+FFFD);
 * headers given as an object come back as `[key, value]` pairs in the object's own-key order; a
 * record without a timestamp carries the clock's time at the append; a `LogAppendTime` topic
 * stamps every record with the append time.
 *
 * Also the view of an engine record in the same shape (`comparableRecord`), with bytes as hex so a
 * failed comparison prints something readable.
 */
import type { RecordInput, RecordValue } from '../../../src/index.js'

export interface StoredRecord {
  key: Buffer | null
  value: Buffer | null
  headers: [string, Buffer | null][]
  timestamp: number
}

export interface ComparableRecord {
  offset: number
  timestamp: number
  key: string | null
  value: string | null
  headers: [string, string | null][]
}

function storedBytes(value: RecordValue | undefined): Buffer | null {
  if (value === undefined || value === null) return null
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
}

/** Header keys are written as UTF-8 and read back decoded: a lone surrogate becomes U+FFFD. */
function storedHeaderKey(key: string): string {
  return Buffer.from(key, 'utf8').toString('utf8')
}

function storedHeaders(headers: RecordInput['headers']): [string, Buffer | null][] {
  if (headers === undefined || headers === null) return []
  const entries: readonly (readonly [string, RecordValue])[] = Array.isArray(headers)
    ? (headers as readonly (readonly [string, RecordValue])[])
    : Object.keys(headers).map((key) => [key, (headers as Record<string, RecordValue>)[key]!] as const)
  return entries.map(([key, value]) => [storedHeaderKey(key), storedBytes(value)])
}

/** The stored form of `input` appended at clock time `nowMs`; `logAppendTime` stamps it instead. */
export function storedRecord(input: RecordInput, nowMs: number, logAppendTime: boolean): StoredRecord {
  const timestamp = logAppendTime ? nowMs : (input.timestamp ?? nowMs)
  return { key: storedBytes(input.key), value: storedBytes(input.value), headers: storedHeaders(input.headers), timestamp }
}

function hex(bytes: Buffer | null): string | null {
  return bytes === null ? null : bytes.toString('hex')
}

/** A record (model or engine) as plain data for `toEqual`. */
export function comparableRecord(offset: number, record: StoredRecord): ComparableRecord {
  return {
    offset,
    timestamp: record.timestamp,
    key: hex(record.key),
    value: hex(record.value),
    headers: record.headers.map(([key, value]) => [key, hex(value)]),
  }
}
