/**
 * Pure-JS twin of the native addon: the same `NativeBinding` contract with copies instead of
 * mappings. Used when the addon cannot load, or when forced with `SEGLOG_NO_NATIVE=1` /
 * `Log.open(dir, { native: false })`.
 *
 * TODO(native helper): mapFile, adviseMapping, sendfile, lockFile, unlockFile, fallocate.
 */
import { createRequire } from 'node:module'
import type { NativeBinding } from './binding.js'

const require = createRequire(import.meta.url)
// crc-32 ships CommonJS; its crc32c.buf(data, seed) continues a previous (signed) CRC.
const CRC32C = require('crc-32/crc32c') as { buf(data: Uint8Array, seed?: number): number }

function notYet(name: string): never {
  throw new Error(`fallback.${name} is not implemented yet`)
}

export const fallbackBinding: NativeBinding = {
  kind: 'fallback',
  crc32c(data, crc = 0) {
    return CRC32C.buf(data, crc | 0) >>> 0
  },
  mapFile: () => notYet('mapFile'),
  adviseMapping: () => {},
  sendfile: () => notYet('sendfile'),
  lockFile: () => notYet('lockFile'),
  unlockFile: () => notYet('unlockFile'),
  fallocate: () => notYet('fallocate'),
}
