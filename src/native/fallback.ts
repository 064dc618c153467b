/**
 * Pure-JS twin of the native addon: the `NativeBinding` contract (src/native/binding.ts) with
 * copies instead of mappings and a pid file instead of flock. Used when the addon cannot load, or
 * when forced with `SEGLOG_NO_NATIVE=1` / `Log.open(dir, { native: false })`. It sits below the
 * FileSystem seam, so it uses node:fs directly.
 *
 * This file also owns the argument checks both bindings run first (`assertFd`, …): load.ts wraps
 * the addon with the same checks, so bad input raises the same Node-style error either way and
 * never reaches C.
 *
 * Differences from the addon that callers may observe (all allowed by the contract):
 * - mapFile returns a private copy: later writes to the file are not visible through it, and it
 *   costs `length` bytes of memory. adviseMapping does nothing.
 * - sendfile copies through a bounded scratch buffer, at most SENDFILE_CHUNK_BYTES per call.
 * - fallocate writes zeros past the end of the file instead of allocating blocks.
 *
 * Lock file protocol (fallback): the file at `path` exists while a process holds the lock and
 * holds that process's pid and a newline (the addon writes the same, so a fallback process sees a
 * native holder as alive). The file appears with its content in one step (written under a temp
 * name, then link(2)ed into place, which fails with EEXIST like O_EXCL), so no contender ever
 * reads an empty file that is being written. A file whose pid is not alive, or that holds no pid,
 * is stale: it is removed and the create retried once.
 * Limits: a process killed between writing the temp file and removing it leaves
 * `<path>.<pid>.tmp` behind; two contenders taking over the same stale file at the same instant
 * can both succeed (the re-read before unlink narrows, not closes, that window); a pid reused by
 * an unrelated process makes a stale file look held. A native process does not see a fallback
 * holder (flock ignores the pid file): processes sharing a directory must use the same binding.
 * The addon's flock has none of these limits.
 */
import * as fs from 'node:fs'
import { constants as bufferConstants } from 'node:buffer'
import { constants as osConstants } from 'node:os'
import { SENDFILE_WOULD_BLOCK, type MapAdvice, type NativeBinding } from './binding.js'
import { assertSafeNonNegativeInteger, invalidArgType, invalidArgValue, outOfRange } from '../errors.js'
import { tableCrc32c } from '../format/crc32c.js'


/**
 * Most bytes one fallback sendfile call copies: bounds the scratch buffer. 1 MiB is well above a
 * pipe's 64 KiB and a socket's default send buffer, so a call rarely sends less than the fd takes.
 */
export const SENDFILE_CHUNK_BYTES = 1024 * 1024

/** Zeros written per write by the fallback fallocate: bounds its scratch buffer. */
export const FALLOCATE_ZERO_CHUNK_BYTES = 64 * 1024

/** Index of each advice in the addon's madvise table (native/mmap.c). */
export const MAP_ADVICE_INDEX: Readonly<Record<MapAdvice, number>> = Object.freeze({
  normal: 0,
  sequential: 1,
  random: 2,
  willneed: 3,
  dontneed: 4,
})

// --- argument checks shared with load.ts -------------------------------------------------------

/** Throws unless `value` is a file descriptor: an integer in [0, 2^31 - 1]. */
export function assertFd(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw outOfRange(name, '>= 0 and <= 2147483647 (a file descriptor)', value)
  }
}

/** Throws unless `value` is a mappable length: a safe integer no larger than a Buffer can be. */
export function assertMapLength(name: string, value: unknown): asserts value is number {
  assertSafeNonNegativeInteger(name, value)
  if (value > bufferConstants.MAX_LENGTH) throw outOfRange(name, `<= ${bufferConstants.MAX_LENGTH} (buffer.constants.MAX_LENGTH)`, value)
}

/** Throws unless `value` is a Buffer, TypedArray or DataView. */
export function assertBytes(name: string, value: unknown): asserts value is ArrayBufferView {
  if (!ArrayBuffer.isView(value)) throw invalidArgType(name, 'an instance of Buffer, TypedArray, or DataView', value)
}

/** Throws unless `value` is a number usable as a CRC to continue from. */
export function assertCrc(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
}

/** Throws unless the ranges of a `copyWithCrc32c` call lie inside their buffers and do not overlap. */
export function assertCopyRanges(
  source: unknown,
  sourceStart: unknown,
  sourceEnd: unknown,
  target: unknown,
  targetStart: unknown,
  crcStart: unknown,
): asserts source is Uint8Array {
  if (!(source instanceof Uint8Array)) throw invalidArgType('source', 'an instance of Buffer or Uint8Array', source)
  if (!(target instanceof Uint8Array)) throw invalidArgType('target', 'an instance of Buffer or Uint8Array', target)
  assertSafeNonNegativeInteger('sourceStart', sourceStart)
  assertSafeNonNegativeInteger('sourceEnd', sourceEnd)
  assertSafeNonNegativeInteger('targetStart', targetStart)
  assertSafeNonNegativeInteger('crcStart', crcStart)
  if (sourceEnd > source.length) throw outOfRange('sourceEnd', `<= ${source.length} (the source's length)`, sourceEnd)
  if (sourceStart > sourceEnd) throw outOfRange('sourceStart', `<= ${sourceEnd} (sourceEnd)`, sourceStart)
  if (crcStart < sourceStart || crcStart > sourceEnd) throw outOfRange('crcStart', `>= ${sourceStart} and <= ${sourceEnd}`, crcStart)
  const length = sourceEnd - sourceStart
  if (targetStart > target.length || length > target.length - targetStart) {
    throw outOfRange('targetStart', `<= ${target.length - length} (the target's length less the bytes copied)`, targetStart)
  }
  if (length > 0 && source.buffer === target.buffer) {
    const from = source.byteOffset + sourceStart
    const to = target.byteOffset + targetStart
    if (from < to + length && to < from + length) throw outOfRange('targetStart', 'a range that does not overlap the source range', targetStart)
  }
}

/** Throws unless `value` is a string path without null bytes (which would cut the path in C). */
export function assertPath(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value)
  if (value.includes('\u0000')) throw invalidArgValue(name, value, 'must be a string without null bytes')
}

/** Returns the madvise table index of `value`, or throws if it is not a MapAdvice. */
export function adviceIndex(value: unknown): number {
  const index = typeof value === 'string' ? MAP_ADVICE_INDEX[value as MapAdvice] : undefined
  if (index === undefined) {
    throw invalidArgValue('advice', value, `must be one of ${Object.keys(MAP_ADVICE_INDEX).join(', ')}`)
  }
  return index
}

/** The RangeError both bindings raise for a mapping past the end of the file. */
export function pastEndOfFile(fd: number, end: number, sizeBytes: number): RangeError {
  return outOfRange('position + length', `<= ${sizeBytes} (the size of fd ${fd})`, end)
}

// --- the fallback ------------------------------------------------------------------------------

/** An Error shaped like Node's own system errors, for failures the fallback detects itself. */
function systemError(code: keyof typeof osConstants.errno, syscall: string, detail: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${detail}, ${syscall}`)
  err.code = code
  err.errno = -osConstants.errno[code]
  err.syscall = syscall
  return err
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code
}

function asBytes(data: ArrayBufferView): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

function readExactly(fd: number, target: Uint8Array, position: number): number {
  let done = 0
  // pread returns short counts at EOF and may return them after a signal: loop until 0.
  while (done < target.byteLength) {
    const n = fs.readSync(fd, target, done, target.byteLength - done, position + done)
    if (n === 0) break
    done += n
  }
  return done
}

let sendScratch: Buffer | null = null
let zeroChunk: Buffer | null = null

/** True if a process with this pid exists (EPERM: it exists but belongs to someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return errorCode(err) === 'EPERM'
  }
}

/** The pid in a lock file's content, or null if it holds none (empty, garbage, not positive). */
function parsePid(content: string): number | null {
  if (!/^[0-9]{1,10}\n?$/.test(content)) return null
  const pid = Number.parseInt(content, 10)
  return pid > 0 ? pid : null
}

function readLockFile(lockPath: string): string | null {
  try {
    return fs.readFileSync(lockPath, 'latin1')
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return null
    throw err
  }
}

/** Creates `lockPath` holding our pid, atomically with its content. False if it already exists. */
function createLockFile(lockPath: string): boolean {
  const tempPath = `${lockPath}.${process.pid}.tmp`
  fs.writeFileSync(tempPath, `${process.pid}\n`, { mode: 0o644 })
  try {
    fs.linkSync(tempPath, lockPath)
    return true
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return false
    throw err
  } finally {
    fs.rmSync(tempPath, { force: true })
  }
}

/** Lock handles of this process: small integers → the lock file they hold. */
const heldLocks = new Map<number, string>()
let nextLockHandle = 1

function lockFile(lockPath: string): number {
  assertPath('path', lockPath)
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createLockFile(lockPath)) {
      const handle = nextLockHandle++
      heldLocks.set(handle, lockPath)
      return handle
    }
    const content = readLockFile(lockPath)
    if (content === null) continue // removed since our create: try again
    const pid = parsePid(content)
    if (pid !== null && processAlive(pid)) return -1
    // Stale: remove it unless it changed since we read it (a new holder took it meanwhile).
    const again = readLockFile(lockPath)
    if (again === null) continue
    if (again !== content) return -1
    fs.rmSync(lockPath, { force: true })
  }
  return -1
}

function unlockFile(handle: number): void {
  const lockPath = heldLocks.get(handle)
  if (lockPath === undefined) throw invalidArgValue('handle', handle, 'is not a lock handle held by this process')
  heldLocks.delete(handle)
  // Remove the file only while it still names us: if it was taken over, it is someone else's now.
  if (readLockFile(lockPath) === `${process.pid}\n`) fs.rmSync(lockPath, { force: true })
}

export const fallbackBinding: NativeBinding = {
  kind: 'fallback',

  crc32c(data, crc = 0) {
    assertBytes('data', data)
    assertCrc('crc', crc)
    return tableCrc32c.crc32c(asBytes(data), crc)
  },

  copyWithCrc32c(source, sourceStart, sourceEnd, target, targetStart, crcStart) {
    assertCopyRanges(source, sourceStart, sourceEnd, target, targetStart, crcStart)
    return tableCrc32c.copyWithCrc32c(source, sourceStart, sourceEnd, target, targetStart, crcStart)
  },

  mapFile(fd, position, length) {
    assertFd('fd', fd)
    assertSafeNonNegativeInteger('position', position)
    assertMapLength('length', length)
    const sizeBytes = fs.fstatSync(fd).size
    if (position + length > sizeBytes) throw pastEndOfFile(fd, position + length, sizeBytes)
    // Not from the pool: a copy owns its memory, like a mapping owns its pages.
    const copy = Buffer.allocUnsafeSlow(length)
    const read = length === 0 ? 0 : readExactly(fd, copy, position)
    if (read < length) throw pastEndOfFile(fd, position + length, position + read) // shrank meanwhile
    return copy
  },

  adviseHugePages(buffer) {
    if (!(buffer instanceof Uint8Array)) throw invalidArgType('buffer', 'an instance of Buffer', buffer)
    return 0
  },

  adviseMapping(mapping, advice) {
    if (!(mapping instanceof Uint8Array)) throw invalidArgType('mapping', 'an instance of Buffer', mapping)
    adviceIndex(advice)
  },

  sendfile(outFd, inFd, position, length) {
    assertFd('outFd', outFd)
    assertFd('inFd', inFd)
    assertSafeNonNegativeInteger('position', position)
    assertSafeNonNegativeInteger('length', length)
    sendScratch ??= Buffer.allocUnsafeSlow(SENDFILE_CHUNK_BYTES)
    const chunk = sendScratch.subarray(0, Math.min(length, SENDFILE_CHUNK_BYTES))
    const read = readExactly(inFd, chunk, position)
    let written = 0
    while (written < read) {
      try {
        written += fs.writeSync(outFd, chunk, written, read - written)
      } catch (err) {
        if (errorCode(err) !== 'EAGAIN') throw err
        return written === 0 ? SENDFILE_WOULD_BLOCK : written
      }
    }
    return written
  },

  lockFile,
  unlockFile,

  fallocate(fd, position, length) {
    assertFd('fd', fd)
    assertSafeNonNegativeInteger('position', position)
    assertSafeNonNegativeInteger('length', length)
    const end = position + length
    // Only past the current end: bytes already in the file are data and stay as they are.
    let at = Math.max(fs.fstatSync(fd).size, position)
    zeroChunk ??= Buffer.alloc(FALLOCATE_ZERO_CHUNK_BYTES)
    while (at < end) {
      const n = fs.writeSync(fd, zeroChunk, 0, Math.min(end - at, zeroChunk.byteLength), at)
      if (n === 0) throw systemError('ENOSPC', 'write', `no space left on device extending fd ${fd} to ${end} bytes`)
      at += n
    }
  },
}
