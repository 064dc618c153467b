/**
 * Test support shared by the segment and index tests (test/kafka, test/unit/index,
 * test/unit/segment): temp directories, a seeded random source, and a FileSystem that injects
 * write faults (short writes, errno errors) into files chosen by name.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import { NodeFileSystem, type OpenMode } from '../../src/io/file.js'

/** A fresh directory under os.tmpdir() for each test, removed after it. */
export function useTempDir(): { readonly path: string } {
  const dir = { path: '' }
  beforeEach(() => {
    dir.path = mkdtempSync(join(tmpdir(), 'seglog-test-'))
  })
  afterEach(() => {
    rmSync(dir.path, { recursive: true, force: true })
  })
  return dir
}

/** Deterministic PRNG (mulberry32): failures reproduce from the seed in the test. */
export function seededRandom(seed: number): (below: number) => number {
  let state = seed >>> 0
  return (below: number) => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296
    return Math.floor(unit * below)
  }
}

export interface WriteFault {
  /** The fault hits the next write to a file whose path ends with this. */
  pathSuffix: string
  /** Write only this many bytes and report that count (a full disk, as Node reports it). */
  writeBytes?: number
  /** Or throw a system error with this errno name, writing nothing. */
  errorCode?: string
}

/** The real file system, except that the armed fault hits one write and then disarms. */
export class FaultyFileSystem extends NodeFileSystem {
  fault: WriteFault | null = null
  private readonly paths = new Map<number, string>()

  override open(filePath: string, mode: OpenMode): number {
    const fd = super.open(filePath, mode)
    this.paths.set(fd, filePath)
    return fd
  }

  override close(fd: number): void {
    this.paths.delete(fd)
    super.close(fd)
  }

  override pwrite(fd: number, data: Uint8Array, position: number): number {
    return this.pwritev(fd, [data], position)
  }

  override pwritev(fd: number, data: readonly Uint8Array[], position: number): number {
    const fault = this.fault
    if (fault === null || !(this.paths.get(fd) ?? '').endsWith(fault.pathSuffix)) {
      return data.length === 1 ? super.pwrite(fd, data[0]!, position) : super.pwritev(fd, data, position)
    }
    this.fault = null
    if (fault.errorCode !== undefined) {
      throw Object.assign(new Error(`${fault.errorCode}: injected write error`), { code: fault.errorCode, syscall: 'write' })
    }
    const partial = Buffer.concat(data).subarray(0, fault.writeBytes ?? 0)
    return partial.length === 0 ? 0 : super.pwrite(fd, partial, position)
  }
}
