/**
 * Chooses the binding: the native addon (loaded with node-gyp-build from `build/Release` in the
 * repo or `prebuilds/` in a published package) unless `SEGLOG_NO_NATIVE=1`, else the pure-JS
 * fallback. If the addon is not used, the package still works and `nativeLoadError` says why.
 *
 * The raw addon (native/*.c) is never exposed: `wrapAddon` puts the fallback's argument checks in
 * front of every function, so bad input throws the same Node-style errors with either binding and
 * never reaches C, and it keeps the state C must not guess:
 * - the ArrayBuffers of live mappings (a WeakSet), so adviseMapping madvises only memory that
 *   mapFile mapped — MADV_DONTNEED on any other memory would discard its contents;
 * - the lock handles it returned, so unlockFile cannot close an unrelated fd.
 * crc32c stays thin: two type checks and the call, no allocation.
 *
 * The package root is two directories above this file, both in src/native (tests) and in
 * dist/native (the published package).
 */
import { ftruncateSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { NativeBinding } from './binding.js'
import { useCrc32cImplementation } from '../format/crc32c.js'
import { invalidArgType, invalidArgValue, assertSafeNonNegativeInteger } from '../errors.js'
import {
  adviceIndex,
  assertBytes,
  assertCopyRanges,
  assertCrc,
  assertFd,
  assertMapLength,
  assertPath,
  fallbackBinding,
} from './fallback.js'

export { fallbackBinding }

/** The functions native/binding.c exports, before validation. */
interface RawAddon {
  crc32c(data: ArrayBufferView, crc: number): number
  copyWithCrc32c(source: Uint8Array, sourceStart: number, sourceEnd: number, target: Uint8Array, targetStart: number, crcStart: number): number
  readonly crc32cMethod: 'sse4.2' | 'table'
  mapFile(fd: number, position: number, length: number): Buffer
  adviseMapping(mapping: Uint8Array, adviceIndex: number): void
  adviseHugePages(buffer: Uint8Array): number
  sendfile(outFd: number, inFd: number, position: number, length: number): number
  lockFile(path: string): number
  unlockFile(fd: number): void
  fallocate(fd: number, position: number, length: number): void
}

const packageRoot = fileURLToPath(new URL('../../', import.meta.url))

function wrapAddon(raw: RawAddon): NativeBinding {
  const mappings = new WeakSet<ArrayBufferLike>()
  const lockHandles = new Set<number>()
  return {
    kind: 'native',

    crc32c(data, crc = 0) {
      assertBytes('data', data)
      assertCrc('crc', crc)
      return raw.crc32c(data, crc)
    },

    copyWithCrc32c(source, sourceStart, sourceEnd, target, targetStart, crcStart) {
      assertCopyRanges(source, sourceStart, sourceEnd, target, targetStart, crcStart)
      // A mapping is PROT_READ: a copy into it would be a SIGSEGV, not an error.
      if (mappings.has(target.buffer)) throw invalidArgValue('target', '<a mapping>', 'must not be a mapFile mapping (read-only memory)')
      return raw.copyWithCrc32c(source, sourceStart, sourceEnd, target, targetStart, crcStart)
    },

    mapFile(fd, position, length) {
      assertFd('fd', fd)
      assertSafeNonNegativeInteger('position', position)
      assertMapLength('length', length)
      const mapping = raw.mapFile(fd, position, length)
      // Empty results and copies (runtimes without external buffers) are ordinary memory; the
      // addon makes adviseMapping a no-op in the copy case, and empty views have nothing to advise.
      if (length > 0) mappings.add(mapping.buffer)
      return mapping
    },

    adviseHugePages(buffer) {
      if (!(buffer instanceof Uint8Array)) throw invalidArgType('buffer', 'an instance of Buffer', buffer)
      // A mapping is file memory: huge-page advice is for anonymous memory about to be written.
      if (mappings.has(buffer.buffer)) return 0
      return raw.adviseHugePages(buffer)
    },

    adviseMapping(mapping, advice) {
      if (!(mapping instanceof Uint8Array)) throw invalidArgType('mapping', 'an instance of Buffer', mapping)
      const index = adviceIndex(advice)
      if (mappings.has(mapping.buffer)) raw.adviseMapping(mapping, index)
    },

    sendfile(outFd, inFd, position, length) {
      assertFd('outFd', outFd)
      assertFd('inFd', inFd)
      assertSafeNonNegativeInteger('position', position)
      assertSafeNonNegativeInteger('length', length)
      return raw.sendfile(outFd, inFd, position, length)
    },

    lockFile(path) {
      assertPath('path', path)
      const handle = raw.lockFile(path)
      if (handle >= 0) lockHandles.add(handle)
      return handle
    },

    unlockFile(handle) {
      if (!lockHandles.delete(handle)) throw invalidArgValue('handle', handle, 'is not a lock handle held by this process')
      // Empty the pid while the flock is still held: a fallback-binding opener (pid-file lock) would
      // otherwise read our live pid after we let go and refuse a lock nobody holds.
      try {
        ftruncateSync(handle, 0)
      } catch {
        // Best effort, like the pid write: the flock itself is what excludes other native openers.
      }
      raw.unlockFile(handle)
    },

    fallocate(fd, position, length) {
      assertFd('fd', fd)
      assertSafeNonNegativeInteger('position', position)
      assertSafeNonNegativeInteger('length', length)
      raw.fallocate(fd, position, length)
    },
  }
}

function loadNative(): { binding: NativeBinding | null; error: Error | null } {
  if (process.env.SEGLOG_NO_NATIVE === '1') {
    return { binding: null, error: new Error('seglog native addon disabled by SEGLOG_NO_NATIVE=1') }
  }
  try {
    const load = createRequire(import.meta.url)('node-gyp-build') as (root: string) => RawAddon
    return { binding: wrapAddon(load(packageRoot)), error: null }
  } catch (err) {
    const cause = err instanceof Error ? err : new Error(String(err))
    return { binding: null, error: new Error(`seglog native addon not loaded from ${packageRoot}: ${cause.message}`, { cause }) }
  }
}

const loaded = loadNative()

/** The addon behind the NativeBinding checks, or null when it is disabled or failed to load. */
export const nativeBinding: NativeBinding | null = loaded.binding

/** Why `nativeBinding` is null (disabled, not built, failed to load); null when it loaded. */
export const nativeLoadError: Error | null = loaded.error

/** The binding seglog uses by default: the addon when it loaded, else the pure-JS fallback. */
export const binding: NativeBinding = nativeBinding ?? fallbackBinding

// format/ is pure and takes its CRC-32C from here (format/crc32c.ts).
useCrc32cImplementation(binding)
