/**
 * CRC-32C (Castagnoli), the checksum of Kafka's v2 record batches (bytes 21..end of a batch).
 * Dispatches to the loaded binding: the addon's SSE4.2 path, or crc-32's table in the fallback.
 */
import { binding } from '../native/load.js'

/** CRC-32C of `data`, continuing from `crc` (default 0). Unsigned 32-bit result. */
export function crc32c(data: Uint8Array, crc = 0): number {
  return binding.crc32c(data, crc)
}
