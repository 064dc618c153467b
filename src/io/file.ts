/**
 * The FileSystem seam: every file operation seglog performs goes through one `FileSystem` object,
 * so tests can inject faults (EIO on fdatasync, short writes, ENOSPC) or replace the whole thing with
 * a simulated file system that tracks durable vs volatile bytes (reliability.md H4).
 * Nothing above this layer imports `node:fs`.
 *
 * Contract:
 * - Writes, reads, truncates and metadata calls are synchronous: page-cache operations take
 *   microseconds and the append path is single-threaded per partition (design.md, write path §5).
 * - `fdatasync`, `fsync` and `fsyncDir` are asynchronous (libuv pool) so a durable flush never
 *   blocks the event loop. Callers must never let two writes to one file race on the pool.
 * - `pwrite`/`pwritev` copy `data` before returning and keep no reference to it: appends encode
 *   into reused memory (format/batch-arena.ts) that is handed out again right after the write. An
 *   injected FileSystem that defers writes must copy (SimFS does).
 * - `pwrite`/`pwritev` return the bytes written, which may be fewer than asked: Node reports a
 *   write cut short by a full disk as a short count, not an error (reliability.md). Callers check.
 * - `mapFile` returns a read-only view (zero-copy on the native binding, a copy in the fallback).
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { NativeBinding } from '../native/binding.js'
import { binding as defaultBinding } from '../native/load.js'

export type OpenMode =
  | 'read' // O_RDONLY
  | 'readwrite' // O_RDWR, the file must exist
  | 'create' // O_RDWR | O_CREAT: open, creating if missing
  | 'createExclusive' // O_RDWR | O_CREAT | O_EXCL: fails with EEXIST if present
  | 'truncate' // O_RDWR | O_CREAT | O_TRUNC

export interface FileSystem {
  readonly binding: NativeBinding
  open(filePath: string, mode: OpenMode): number
  close(fd: number): void
  /** Bytes written; may be short (full disk). */
  pwrite(fd: number, data: Uint8Array, position: number): number
  /** Bytes written by one writev at `position`; may be short. */
  pwritev(fd: number, data: readonly Uint8Array[], position: number): number
  /** Bytes read into `target[0..length)`; fewer at end of file. */
  pread(fd: number, target: Uint8Array, length: number, position: number): number
  /** Current size of the open file in bytes. */
  size(fd: number): number
  ftruncate(fd: number, sizeBytes: number): void
  fdatasync(fd: number): Promise<void>
  fsync(fd: number): Promise<void>
  /** fsync a directory so that entries created, renamed or removed in it are durable. */
  fsyncDir(dirPath: string): Promise<void>
  rename(from: string, to: string): void
  unlink(filePath: string): void
  /** Entry names in `dirPath` (not paths), unsorted. */
  readdir(dirPath: string): string[]
  mkdirp(dirPath: string): void
  /** Size in bytes, or -1 if the path does not exist. */
  fileSize(filePath: string): number
  exists(filePath: string): boolean
  /** Last modification time in epoch milliseconds. */
  mtimeMs(filePath: string): number
  rmdir(dirPath: string): void
  readFile(filePath: string): Buffer
  /** See NativeBinding.mapFile. */
  mapFile(fd: number, position: number, length: number): Buffer
  /** See NativeBinding.fallocate. */
  fallocate(fd: number, position: number, length: number): void
  /** See NativeBinding.sendfile: bytes sent, 0 at the end of input, or SENDFILE_WOULD_BLOCK. */
  sendfile(outFd: number, inFd: number, position: number, length: number): number
}

const OPEN_FLAGS: Record<OpenMode, number> = {
  read: fs.constants.O_RDONLY,
  readwrite: fs.constants.O_RDWR,
  create: fs.constants.O_RDWR | fs.constants.O_CREAT,
  createExclusive: fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL,
  truncate: fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC,
}

/** A synchronous call as a settled promise: its error rejects, like the pool's callback would. */
function settled(run: () => void): Promise<void> {
  try {
    run()
    return Promise.resolve()
  } catch (err) {
    return Promise.reject(err)
  }
}

function promisified(run: (done: (err: NodeJS.ErrnoException | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => run((err) => (err ? reject(err) : resolve())))
}

export interface NodeFileSystemOptions {
  /**
   * fsync/fdatasync on the calling thread instead of the libuv pool (LogOptions.syncOnEventLoop):
   * no thread hand-off per sync, at the price of blocking the event loop for each one.
   */
  syncOnEventLoop?: boolean
}

/** The real file system: node:fs plus the loaded binding for mappings and allocation. */
export class NodeFileSystem implements FileSystem {
  private readonly syncOnEventLoop: boolean

  constructor(
    readonly binding: NativeBinding = defaultBinding,
    options: NodeFileSystemOptions = {},
  ) {
    this.syncOnEventLoop = options.syncOnEventLoop === true
  }

  open(filePath: string, mode: OpenMode): number {
    return fs.openSync(filePath, OPEN_FLAGS[mode], 0o644)
  }

  close(fd: number): void {
    fs.closeSync(fd)
  }

  pwrite(fd: number, data: Uint8Array, position: number): number {
    return fs.writeSync(fd, data, 0, data.byteLength, position)
  }

  pwritev(fd: number, data: readonly Uint8Array[], position: number): number {
    if (data.length === 1) return fs.writeSync(fd, data[0]!, 0, data[0]!.byteLength, position)
    return fs.writevSync(fd, data as Uint8Array[], position)
  }

  pread(fd: number, target: Uint8Array, length: number, position: number): number {
    let done = 0
    // A regular file returns short reads only at EOF, but loop anyway: a signal can cut a read.
    while (done < length) {
      const n = fs.readSync(fd, target, done, length - done, position + done)
      if (n === 0) break
      done += n
    }
    return done
  }

  size(fd: number): number {
    return fs.fstatSync(fd).size
  }

  ftruncate(fd: number, sizeBytes: number): void {
    fs.ftruncateSync(fd, sizeBytes)
  }

  fdatasync(fd: number): Promise<void> {
    if (this.syncOnEventLoop) return settled(() => fs.fdatasyncSync(fd))
    return promisified((done) => fs.fdatasync(fd, done))
  }

  fsync(fd: number): Promise<void> {
    if (this.syncOnEventLoop) return settled(() => fs.fsyncSync(fd))
    return promisified((done) => fs.fsync(fd, done))
  }

  async fsyncDir(dirPath: string): Promise<void> {
    const fd = fs.openSync(dirPath, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY)
    try {
      await this.fsync(fd)
    } finally {
      fs.closeSync(fd)
    }
  }

  rename(from: string, to: string): void {
    fs.renameSync(from, to)
  }

  unlink(filePath: string): void {
    fs.unlinkSync(filePath)
  }

  readdir(dirPath: string): string[] {
    return fs.readdirSync(dirPath)
  }

  mkdirp(dirPath: string): void {
    fs.mkdirSync(dirPath, { recursive: true })
  }

  fileSize(filePath: string): number {
    try {
      return fs.statSync(filePath).size
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return -1
      throw err
    }
  }

  exists(filePath: string): boolean {
    return fs.existsSync(filePath)
  }

  mtimeMs(filePath: string): number {
    return fs.statSync(filePath).mtimeMs
  }

  rmdir(dirPath: string): void {
    fs.rmdirSync(dirPath)
  }

  readFile(filePath: string): Buffer {
    return fs.readFileSync(filePath)
  }

  mapFile(fd: number, position: number, length: number): Buffer {
    return this.binding.mapFile(fd, position, length)
  }

  fallocate(fd: number, position: number, length: number): void {
    this.binding.fallocate(fd, position, length)
  }

  sendfile(outFd: number, inFd: number, position: number, length: number): number {
    return this.binding.sendfile(outFd, inFd, position, length)
  }
}

/** The default seam used when no FileSystem is injected. */
export const defaultFileSystem: FileSystem = new NodeFileSystem()

/** `path.join` re-exported so layers above the seam need not import node:path for file names. */
export const joinPath = path.join
