/** Types for record-digest.mjs (shared with the plain-JS fuzz child). */
export function recordDigest(record: { timestamp: number; key: Buffer | null; value: Buffer | null; headers: [string, Buffer | null][] }): string
