/**
 * The NativeBinding of a SimFS (reliability H4): CRC-32C from the binding this process loaded
 * (the addon, or the pure-JS twin under SEGLOG_NO_NATIVE=1), everything that touches files routed
 * to the SimFS, and the directory lock held in memory.
 *
 * `kind` is 'fallback' because `mapFile` returns copies, which is what the engine must assume of
 * a fallback mapping. The lock table belongs to one SimFS instance, i.e. to one "boot" of the
 * simulated machine: the SimFS built from a crash image starts with no lock held, as a new process
 * after a crash does (flock locks die with their process).
 */
import type { NativeBinding } from '../../../src/native/binding.js'
import { binding as loadedBinding } from '../../../src/native/load.js'

export interface SimFileAccess {
  mapFile(fd: number, position: number, length: number): Buffer
  fallocate(fd: number, position: number, length: number): void
}

export function simBinding(files: SimFileAccess): NativeBinding {
  const heldPaths = new Map<number, string>()
  let lastHandle = 0
  return {
    kind: 'fallback',
    crc32c: (data, crc = 0) => loadedBinding.crc32c(data, crc),
    copyWithCrc32c: (source, sourceStart, sourceEnd, target, targetStart, crcStart) =>
      loadedBinding.copyWithCrc32c(source, sourceStart, sourceEnd, target, targetStart, crcStart),
    mapFile: (fd, position, length) => files.mapFile(fd, position, length),
    adviseMapping: () => {},
    adviseHugePages: () => 0,
    sendfile: () => {
      throw Object.assign(new Error('ENOSYS: SimFS has no sockets, sendfile'), { code: 'ENOSYS', syscall: 'sendfile' })
    },
    lockFile: (path) => {
      for (const held of heldPaths.values()) if (held === path) return -1
      heldPaths.set(++lastHandle, path)
      return lastHandle
    },
    unlockFile: (handle) => {
      heldPaths.delete(handle)
    },
    fallocate: (fd, position, length) => files.fallocate(fd, position, length),
  }
}
