/** Types for record-values.mjs (shared with plain-JS child workers). */
export interface TestRecord {
  key: Buffer
  value: Buffer
}
export function recordValue(key: string, valueBytes?: number): Buffer
export function batchRecords(batchId: string, count: number, valueBytes?: number): TestRecord[]
export function parseRecordKey(key: string): { batchId: string; index: number; count: number } | null
export function isIntactRecord(key: Buffer | null, value: Buffer | null): boolean
export function batchDigest(records: ReadonlyArray<{ key: Buffer | null; value: Buffer | null }>): string
