/**
 * SimFS: the FileSystem seam (src/io/file.ts) implemented in memory, for reliability harness H4.
 * It knows, for every file, which bytes are durable (covered by a completed fdatasync/fsync) and
 * which are volatile (written since), and for every directory which entries are durable (as of
 * the last completed fsyncDir) and which changes are volatile (sim-nodes.ts). crash-image.ts turns
 * that knowledge into the state a power cut could leave.
 *
 * Events and crashes: every call that changes state (an open that creates or truncates, pwrite,
 * pwritev, ftruncate, fallocate, rename, unlink, mkdirp per directory made, rmdir), every sync
 * call and every sync completion is one numbered event; reads, stats and close are not (a crash
 * there equals a crash at the next event). `armCrash(n, onCrash)` makes the n-th event from now
 * the last one: the machine dies right after it, and `onCrash` runs synchronously inside that
 * call, so it sees exactly the state after event n. From then on the SimFS is dead: pending and
 * later syncs never complete (the process that waited for them is gone), while other calls keep
 * working on the abandoned state so the abandoned engine stalls quietly instead of throwing.
 *
 * Syncs: `fdatasync`/`fsync`/`fsyncDir` note, synchronously at the call, what they cover (the
 * changes made before that moment: writes issued after the call are not covered, the FM-20 rule)
 * and complete after a few event-loop turns (`syncDelayTurns`, seeded by the caller, so appends
 * interleave with syncs in flight). A later completion never moves durability back. `failSync`
 * makes one chosen sync fail with EIO the way Linux does (fsyncgate, sim-nodes.ts).
 *
 * Order of operations: the last TRACE_EVENTS_MAX events are kept for failure messages, and
 * `ackCoverage` answers whether a byte string is durable in a directory's `.log` files — the
 * harness asks it at the moment each acknowledgement arrives.
 *
 * Single-threaded, like the engine that drives it. Paths are POSIX and absolute.
 */
import * as nodeFs from 'node:fs'
import type { FileSystem, OpenMode } from '../../../src/io/file.js'
import { SENDFILE_WOULD_BLOCK, type NativeBinding } from '../../../src/native/binding.js'
import { simBinding } from './sim-binding.js'
import {
  applyDataChange,
  applyEntryChange,
  newDirNode,
  newFileNode,
  settleDirSync,
  settleFileSync,
  type DataChange,
  type DirNode,
  type EntryChange,
  type FileNode,
  type SimNode,
} from './sim-nodes.js'

/** Events kept for failure messages: enough to show the protocol steps around a crash. */
export const TRACE_EVENTS_MAX = 64

/** The size `fileSize` reports for a directory (only its sign matters to the engine). */
const DIRECTORY_SIZE_BYTES = 4096

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'file already exists',
  EISDIR: 'illegal operation on a directory',
  ENOTDIR: 'not a directory',
  ENOTEMPTY: 'directory not empty',
  EIO: 'i/o error',
  EBADF: 'bad file descriptor',
}

function sysError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const err = new Error(`${code}: ${ERRNO_TEXT[code] ?? 'error'}, ${syscall} '${path}' (SimFS)`) as NodeJS.ErrnoException
  err.code = code
  err.syscall = syscall
  err.path = path
  return err
}

interface OpenFile {
  node: FileNode
  path: string
  writable: boolean
}

export interface SimFsOptions {
  /** The tree to start from (a crash image); default an empty root. Every node in it must be durable. */
  root?: DirNode
  /** Modification times. */
  clock: () => number
  /** Event-loop turns a sync of `path` takes (≥ 1); default 1. */
  syncDelayTurns?: (op: string, path: string) => number
}

export type AckCoverage = 'durable' | 'entry-not-durable' | 'data-not-durable'

export class SimFS implements FileSystem {
  readonly binding: NativeBinding
  readonly root: DirNode
  /**
   * Everything that changes, in one object reached through a readonly field: the engine's planted
   * bugs wrap a FileSystem with `Object.create` (src/test-bugs.ts), so `this` may be that wrapper,
   * and a plain field assignment would land on the wrapper instead of this SimFS.
   */
  private readonly state = {
    eventCount: 0,
    crashAtEvent: Number.POSITIVE_INFINITY,
    onCrash: null as (() => void) | null,
    dead: false,
    lastFd: 2,
    lastOp: '',
    syncsBeforeFailure: Number.POSITIVE_INFINITY,
    onSyncFailure: null as ((what: string) => void) | null,
  }
  private readonly fds = new Map<number, OpenFile>()
  private readonly clock: () => number
  private readonly syncDelayTurns: (op: string, path: string) => number
  private readonly trace: string[] = []

  constructor(options: SimFsOptions) {
    this.clock = options.clock
    this.syncDelayTurns = options.syncDelayTurns ?? (() => 1)
    this.root = options.root ?? newDirNode(new Map(), options.clock())
    this.binding = simBinding(this)
  }

  /** Events so far (see the header). */
  get eventCount(): number {
    return this.state.eventCount
  }

  /** The operation of the last event ('write', 'fsyncDir done', …): where a crash landed. */
  get lastEventOp(): string {
    return this.state.lastOp
  }

  /** True once the armed crash has happened. */
  get crashed(): boolean {
    return this.state.dead
  }

  /** Crash right after the `afterEvents`-th event from now (≥ 1); `onCrash` runs inside that call. */
  armCrash(afterEvents: number, onCrash: () => void): void {
    if (!Number.isSafeInteger(afterEvents) || afterEvents < 1) throw new RangeError(`afterEvents must be an integer >= 1, got ${afterEvents}`)
    this.state.crashAtEvent = this.state.eventCount + afterEvents
    this.state.onCrash = onCrash
  }

  /**
   * Makes the `afterSyncs`-th sync call from now (fdatasync, fsync or fsyncDir; ≥ 1) fail with EIO
   * when it completes, fsyncgate style (sim-nodes.ts): what it covered stays readable but is lost
   * at a crash, and later syncs do not bring it back. `onFailure` runs right after the rejection.
   */
  failSync(afterSyncs: number, onFailure: (what: string) => void): void {
    if (!Number.isSafeInteger(afterSyncs) || afterSyncs < 1) throw new RangeError(`afterSyncs must be an integer >= 1, got ${afterSyncs}`)
    this.state.syncsBeforeFailure = afterSyncs
    this.state.onSyncFailure = onFailure
  }

  /** Crash now, between events (a watchdog or a harness error ends the run of this boot). */
  crashNow(): void {
    if (!this.state.dead) this.die()
  }

  /** The last events, oldest first: `#<n> <op> <path> <detail>`. */
  recentEvents(): string[] {
    return [...this.trace]
  }

  // --- FileSystem: files -------------------------------------------------------------------------

  open(filePath: string, mode: OpenMode): number {
    const { parent, name, node } = this.lookup(filePath, 'open')
    let file: FileNode
    if (node === undefined) {
      if (mode === 'read' || mode === 'readwrite') throw sysError('ENOENT', 'open', filePath)
      file = newFileNode(Buffer.alloc(0), this.clock())
      // A new inode's content starts empty and durable; its name is a volatile change of the directory.
      this.changeEntries(parent, { seq: parent.nextSeq++, kind: 'link', name, node: file })
      this.event('create', filePath)
    } else {
      if (node.kind === 'dir') throw sysError('EISDIR', 'open', filePath)
      if (mode === 'createExclusive') throw sysError('EEXIST', 'open', filePath)
      file = node
      if (mode === 'truncate') {
        this.changeData(file, { seq: file.nextSeq++, kind: 'resize', sizeBytes: 0 })
        this.event('truncate-open', filePath)
      }
    }
    const fd = ++this.state.lastFd
    this.fds.set(fd, { node: file, path: filePath, writable: mode !== 'read' })
    return fd
  }

  close(fd: number): void {
    if (!this.fds.delete(fd)) throw sysError('EBADF', 'close', String(fd))
  }

  pwrite(fd: number, data: Uint8Array, position: number): number {
    return this.write(fd, Buffer.from(data.buffer, data.byteOffset, data.byteLength), position)
  }

  pwritev(fd: number, data: readonly Uint8Array[], position: number): number {
    // One writev is one change: a crash may tear it, but it is issued (and ordered) as one call.
    return this.write(fd, Buffer.concat(data), position)
  }

  pread(fd: number, target: Uint8Array, length: number, position: number): number {
    const content = this.openFile(fd, 'read').node.content
    const count = Math.max(0, Math.min(length, content.length - position))
    if (count > 0) target.set(content.view().subarray(position, position + count), 0)
    return count
  }

  size(fd: number): number {
    return this.openFile(fd, 'fstat').node.content.length
  }

  ftruncate(fd: number, sizeBytes: number): void {
    const open = this.writableFile(fd, 'ftruncate')
    this.changeData(open.node, { seq: open.node.nextSeq++, kind: 'resize', sizeBytes })
    this.event('ftruncate', open.path, `to ${sizeBytes}`)
  }

  fallocate(fd: number, position: number, length: number): void {
    const open = this.writableFile(fd, 'fallocate')
    if (position + length <= open.node.content.length) return
    this.changeData(open.node, { seq: open.node.nextSeq++, kind: 'resize', sizeBytes: position + length })
    this.event('fallocate', open.path, `to ${position + length}`)
  }

  mapFile(fd: number, position: number, length: number): Buffer {
    const open = this.openFile(fd, 'mmap')
    const sizeBytes = open.node.content.length
    if (position + length > sizeBytes) {
      const err = new RangeError(`The value of "position + length" is out of range. It must be <= ${sizeBytes} (the size of ${open.path}). Received ${position + length}`)
      throw Object.assign(err, { code: 'ERR_OUT_OF_RANGE' })
    }
    // Copies, never views: the engine may truncate the file later, and a copy cannot change under it.
    return Buffer.from(open.node.content.view().subarray(position, position + length))
  }

  /** sendfile from a simulated file to a real descriptor (the target is outside the simulation). */
  sendfile(outFd: number, inFd: number, position: number, length: number): number {
    const bytes = Buffer.alloc(length)
    const count = this.pread(inFd, bytes, length, position)
    if (count === 0) return 0
    try {
      return nodeFs.writeSync(outFd, bytes, 0, count)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return SENDFILE_WOULD_BLOCK
      throw err
    }
  }

  fdatasync(fd: number): Promise<void> {
    const open = this.openFile(fd, 'fdatasync')
    return this.syncFile(open.node, open.path, 'fdatasync')
  }

  fsync(fd: number): Promise<void> {
    const open = this.openFile(fd, 'fsync')
    return this.syncFile(open.node, open.path, 'fsync')
  }

  // --- FileSystem: names -------------------------------------------------------------------------

  fsyncDir(dirPath: string): Promise<void> {
    const dir = this.lookupDir(dirPath, 'fsync')
    const upToSeq = dir.nextSeq
    return this.sync('fsyncDir', dirPath, (failed) => settleDirSync(dir, upToSeq, failed))
  }

  rename(from: string, to: string): void {
    const source = this.lookup(from, 'rename')
    if (source.node === undefined) throw sysError('ENOENT', 'rename', from)
    const target = this.lookup(to, 'rename')
    if (target.node?.kind === 'dir') throw sysError('EISDIR', 'rename', to)
    if (source.parent === target.parent) {
      if (source.name === target.name) return
      this.changeEntries(source.parent, { seq: source.parent.nextSeq++, kind: 'rename', from: source.name, to: target.name, node: source.node })
    } else {
      // Across directories each side is its own volatile change, made durable by its own fsyncDir.
      this.changeEntries(source.parent, { seq: source.parent.nextSeq++, kind: 'unlink', name: source.name })
      this.changeEntries(target.parent, { seq: target.parent.nextSeq++, kind: 'link', name: target.name, node: source.node })
    }
    this.event('rename', from, `-> ${to}`)
  }

  unlink(filePath: string): void {
    const { parent, name, node } = this.lookup(filePath, 'unlink')
    if (node === undefined) throw sysError('ENOENT', 'unlink', filePath)
    if (node.kind === 'dir') throw sysError('EISDIR', 'unlink', filePath)
    this.changeEntries(parent, { seq: parent.nextSeq++, kind: 'unlink', name })
    this.event('unlink', filePath)
  }

  readdir(dirPath: string): string[] {
    return [...this.lookupDir(dirPath, 'scandir').entries.keys()]
  }

  mkdirp(dirPath: string): void {
    let dir = this.root
    let walked = ''
    for (const part of splitPath(dirPath)) {
      walked += `/${part}`
      const next = dir.entries.get(part)
      if (next?.kind === 'file') throw sysError('ENOTDIR', 'mkdir', walked)
      if (next !== undefined) {
        dir = next
        continue
      }
      const made = newDirNode(new Map(), this.clock())
      this.changeEntries(dir, { seq: dir.nextSeq++, kind: 'link', name: part, node: made })
      this.event('mkdir', walked)
      dir = made
    }
  }

  fileSize(filePath: string): number {
    const node = this.find(filePath)
    if (node === undefined) return -1
    return node.kind === 'dir' ? DIRECTORY_SIZE_BYTES : node.content.length
  }

  exists(filePath: string): boolean {
    return this.find(filePath) !== undefined
  }

  mtimeMs(filePath: string): number {
    const node = this.find(filePath)
    if (node === undefined) throw sysError('ENOENT', 'stat', filePath)
    return node.mtimeMs
  }

  rmdir(dirPath: string): void {
    const { parent, name, node } = this.lookup(dirPath, 'rmdir')
    if (node === undefined) throw sysError('ENOENT', 'rmdir', dirPath)
    if (node.kind !== 'dir') throw sysError('ENOTDIR', 'rmdir', dirPath)
    if (node.entries.size > 0) throw sysError('ENOTEMPTY', 'rmdir', dirPath)
    this.changeEntries(parent, { seq: parent.nextSeq++, kind: 'unlink', name })
    this.event('rmdir', dirPath)
  }

  readFile(filePath: string): Buffer {
    const node = this.find(filePath)
    if (node === undefined) throw sysError('ENOENT', 'open', filePath)
    if (node.kind === 'dir') throw sysError('EISDIR', 'read', filePath)
    return node.content.copy()
  }

  // --- inspection ----------------------------------------------------------------------------------

  /**
   * Whether `needle` is durable in one of the `.log` files of `dirPath`: 'durable' if a file
   * reachable from the root through durable entries only holds it in its durable bytes;
   * 'entry-not-durable' if only a file whose name (or a parent directory's) is still a volatile
   * change does; 'data-not-durable' otherwise.
   */
  ackCoverage(dirPath: string, needle: Buffer): AckCoverage {
    const dir = this.find(dirPath)
    if (dir === undefined || dir.kind !== 'dir') return 'data-not-durable'
    const pathDurable = this.isDurablyLinked(dirPath)
    let found: AckCoverage = 'data-not-durable'
    for (const [name, node] of dir.entries) {
      if (node.kind !== 'file' || !name.endsWith('.log') || node.durable.indexOf(needle) < 0) continue
      if (pathDurable && dir.durable.get(name) === node) return 'durable'
      found = 'entry-not-durable'
    }
    return found
  }

  // --- internals -----------------------------------------------------------------------------------

  private write(fd: number, bytes: Buffer, position: number): number {
    const open = this.writableFile(fd, 'write')
    // The change keeps its own copy: the caller may reuse its buffers after the call returns.
    this.changeData(open.node, { seq: open.node.nextSeq++, kind: 'write', position, bytes: Buffer.from(bytes) })
    this.event('write', open.path, `@${position} +${bytes.length}`)
    return bytes.length
  }

  private syncFile(node: FileNode, path: string, op: string): Promise<void> {
    const upToSeq = node.nextSeq
    return this.sync(op, path, (failed) => settleFileSync(node, upToSeq, failed))
  }

  /**
   * One sync: the call is an event; after its delay, `settle` makes what it covers durable (or
   * lost, if this is the sync `failSync` picked), the completion is an event, and the promise
   * settles — unless the machine died meanwhile.
   */
  private sync(op: string, path: string, settle: (failed: boolean) => void): Promise<void> {
    const fails = this.takeSyncFailure()
    this.event(op, path)
    // A crashed machine answers nothing: whoever waits for this sync waits forever.
    if (this.state.dead) return new Promise(() => {})
    return new Promise((resolve, reject) => {
      const finish = (turnsLeft: number): void => {
        if (this.state.dead) return
        if (turnsLeft > 1) {
          setImmediate(finish, turnsLeft - 1)
          return
        }
        settle(fails)
        this.event(`${op} ${fails ? 'failed' : 'done'}`, path)
        if (this.state.dead) return
        if (!fails) return resolve()
        reject(sysError('EIO', op, path))
        this.state.onSyncFailure?.(`${op} ${path}`)
      }
      setImmediate(finish, Math.max(1, this.syncDelayTurns(op, path)))
    })
  }

  private takeSyncFailure(): boolean {
    if (this.state.syncsBeforeFailure === Number.POSITIVE_INFINITY) return false
    if (--this.state.syncsBeforeFailure > 0) return false
    this.state.syncsBeforeFailure = Number.POSITIVE_INFINITY
    return true
  }

  private changeData(node: FileNode, change: DataChange): void {
    applyDataChange(node.content, change)
    node.volatile.push(change)
    node.mtimeMs = this.clock()
  }

  private changeEntries(dir: DirNode, change: EntryChange): void {
    applyEntryChange(dir.entries, change)
    dir.volatile.push(change)
    dir.mtimeMs = this.clock()
  }

  private event(op: string, path: string, detail = ''): void {
    const state = this.state
    if (state.dead) return
    state.eventCount++
    state.lastOp = op
    if (this.trace.length === TRACE_EVENTS_MAX) this.trace.shift()
    this.trace.push(`#${state.eventCount} ${op} ${path}${detail === '' ? '' : ` ${detail}`}`)
    if (state.eventCount === state.crashAtEvent) this.die()
  }

  private die(): void {
    this.state.dead = true
    const onCrash = this.state.onCrash
    this.state.onCrash = null
    onCrash?.()
  }

  private openFile(fd: number, syscall: string): OpenFile {
    const open = this.fds.get(fd)
    if (open === undefined) throw sysError('EBADF', syscall, String(fd))
    return open
  }

  private writableFile(fd: number, syscall: string): OpenFile {
    const open = this.openFile(fd, syscall)
    if (!open.writable) throw sysError('EBADF', syscall, open.path)
    return open
  }

  private find(filePath: string): SimNode | undefined {
    let node: SimNode = this.root
    for (const part of splitPath(filePath)) {
      if (node.kind !== 'dir') return undefined
      const next: SimNode | undefined = node.entries.get(part)
      if (next === undefined) return undefined
      node = next
    }
    return node
  }

  private lookupDir(dirPath: string, syscall: string): DirNode {
    const node = this.find(dirPath)
    if (node === undefined) throw sysError('ENOENT', syscall, dirPath)
    if (node.kind !== 'dir') throw sysError('ENOTDIR', syscall, dirPath)
    return node
  }

  /** The parent directory (which must exist), the last name, and the node it names if any. */
  private lookup(filePath: string, syscall: string): { parent: DirNode; name: string; node: SimNode | undefined } {
    const parts = splitPath(filePath)
    const name = parts.pop()
    if (name === undefined) throw sysError('EISDIR', syscall, filePath)
    const parent = this.lookupDir(`/${parts.join('/')}`, syscall)
    return { parent, name, node: parent.entries.get(name) }
  }

  private isDurablyLinked(dirPath: string): boolean {
    let dir: SimNode = this.root
    for (const part of splitPath(dirPath)) {
      if (dir.kind !== 'dir') return false
      const next: SimNode | undefined = dir.durable.get(part)
      if (next === undefined || next !== dir.entries.get(part)) return false
      dir = next
    }
    return true
  }
}

/** The names along `filePath` from the root ('.' and '..' resolved; a relative path starts at the root). */
function splitPath(filePath: string): string[] {
  const parts: string[] = []
  for (const part of filePath.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') parts.pop()
    else parts.push(part)
  }
  return parts
}

/** A SimFS whose tree already holds `dirs` (durably), as a machine would before the test starts. */
export function simFsWithDirs(dirs: readonly string[], options: Omit<SimFsOptions, 'root'>): SimFS {
  const root = newDirNode(new Map(), options.clock())
  for (const dir of dirs) {
    let parent = root
    for (const part of splitPath(dir)) {
      let next = parent.entries.get(part)
      if (next === undefined) {
        next = newDirNode(new Map(), options.clock())
        parent.entries.set(part, next)
        parent.durable.set(part, next)
      }
      if (next.kind !== 'dir') throw new Error(`${dir}: ${part} is a file`)
      parent = next
    }
  }
  return new SimFS({ ...options, root })
}
