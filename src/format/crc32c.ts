/**
 * CRC-32C (Castagnoli), the checksum of Kafka's v2 record batches (bytes 21..end of a batch).
 *
 * format/ is pure (no native loader, no I/O), so the implementation is handed in: it starts as
 * crc-32's table in JS, and src/native/load.ts installs the loaded binding's (the addon's SSE4.2
 * path, or the same table) as soon as it loads — before any engine code runs, since every path
 * into the engine imports the loader through the FileSystem seam. Results are identical either way.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
// crc-32 ships CommonJS; its crc32c.buf(data, seed) continues a previous (signed) CRC.
const CRC32C = require('crc-32/crc32c') as { buf(data: Uint8Array, seed?: number): number }

/** What an implementation provides; src/native/binding.ts specifies both functions. */
export interface Crc32cImplementation {
  crc32c(data: Uint8Array, crc?: number): number
  copyWithCrc32c(source: Uint8Array, sourceStart: number, sourceEnd: number, target: Uint8Array, targetStart: number, crcStart: number): number
}

/** crc-32's slicing table in JS: the default, and the fallback binding's implementation. */
export const tableCrc32c: Crc32cImplementation = {
  crc32c: (data, crc = 0) => CRC32C.buf(data, crc | 0) >>> 0,
  copyWithCrc32c(source, sourceStart, sourceEnd, target, targetStart, crcStart) {
    target.set(source.subarray(sourceStart, sourceEnd), targetStart)
    const crcFrom = targetStart + (crcStart - sourceStart)
    return CRC32C.buf(target.subarray(crcFrom, crcFrom + (sourceEnd - crcStart)), 0) >>> 0
  },
}

let implementation: Crc32cImplementation = tableCrc32c

/** Makes `next` the implementation every caller of this module uses (src/native/load.ts). */
export function useCrc32cImplementation(next: Crc32cImplementation): void {
  implementation = next
}

/** CRC-32C of `data`, continuing from `crc` (default 0). Unsigned 32-bit result. */
export function crc32c(data: Uint8Array, crc = 0): number {
  return implementation.crc32c(data, crc)
}

/**
 * Copies `source[sourceStart, sourceEnd)` into `target` at `targetStart` and returns the CRC-32C
 * of `source[crcStart, sourceEnd)`: the read path's checked private copy (NativeBinding.copyWithCrc32c).
 */
export function copyWithCrc32c(source: Uint8Array, sourceStart: number, sourceEnd: number, target: Uint8Array, targetStart: number, crcStart: number): number {
  return implementation.copyWithCrc32c(source, sourceStart, sourceEnd, target, targetStart, crcStart)
}
