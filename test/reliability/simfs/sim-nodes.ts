/**
 * The inodes of SimFS (sim-fs.ts): files and directories, each holding what a power cut would
 * keep for certain (`durable`) and what it might or might not keep (`volatile`, the changes made
 * since the last completed sync, in order).
 *
 * File: `content` is what reads see now; `durable` is the content as of the last completed
 * fdatasync/fsync; `volatile` lists the writes and resizes made since, each with a sequence number
 * (`seq`) so a sync that completes knows which of them it covers (those issued before it was
 * called). Invariant: applying `volatile` in order to `durable` gives `content` — unless a sync
 * failed: the changes it covered leave `volatile` without reaching `durable` (`settleFileSync`),
 * while `content` keeps them. That is fsyncgate (Rebello et al., ATC'20): after a failed fsync
 * Linux marks the pages clean, reads still return them, a retried fsync reports success, and a
 * power cut loses them.
 *
 * Directory: `entries` is the listing now; `durable` the listing as of the last completed
 * fsyncDir; `volatile` the links, unlinks and renames made since. Same invariant and the same
 * exception for a failed fsyncDir. A subdirectory is an entry like a file: creating it is a
 * volatile change of its parent until the parent is fsynced.
 *
 * Pure data and byte helpers: no I/O, no clock, no randomness.
 */

export type DataChange =
  | { seq: number; kind: 'write'; position: number; bytes: Buffer }
  | { seq: number; kind: 'resize'; sizeBytes: number }

export type EntryChange =
  | { seq: number; kind: 'link'; name: string; node: SimNode }
  | { seq: number; kind: 'unlink'; name: string }
  | { seq: number; kind: 'rename'; from: string; to: string; node: SimNode }

export interface FileNode {
  readonly kind: 'file'
  readonly id: number
  content: GrowableBytes
  durable: Buffer
  volatile: DataChange[]
  nextSeq: number
  mtimeMs: number
}

export interface DirNode {
  readonly kind: 'dir'
  readonly id: number
  entries: Map<string, SimNode>
  durable: Map<string, SimNode>
  volatile: EntryChange[]
  nextSeq: number
  mtimeMs: number
}

export type SimNode = FileNode | DirNode

/** A byte array with spare capacity, so appending a few hundred bytes does not copy the whole file. */
export class GrowableBytes {
  private bytes: Buffer
  length: number

  /** Starts with a copy of `initial` (the caller's buffer is never written). */
  constructor(initial: Buffer = Buffer.alloc(0)) {
    this.bytes = Buffer.from(initial)
    this.length = initial.length
  }

  /** The current content (a view: copy it before the next change if it must stay as it is). */
  view(): Buffer {
    return this.bytes.subarray(0, this.length)
  }

  copy(): Buffer {
    return Buffer.from(this.view())
  }

  /** Writes `data` at `position`, zero-filling any hole between the end and `position`. */
  writeAt(position: number, data: Uint8Array): void {
    const end = position + data.byteLength
    this.ensureCapacity(end)
    if (position > this.length) this.bytes.fill(0, this.length, position)
    this.bytes.set(data, position)
    if (end > this.length) this.length = end
  }

  /** Truncates or extends (with zeros) to `sizeBytes`. */
  resize(sizeBytes: number): void {
    this.ensureCapacity(sizeBytes)
    if (sizeBytes > this.length) this.bytes.fill(0, this.length, sizeBytes)
    this.length = sizeBytes
  }

  private ensureCapacity(sizeBytes: number): void {
    if (sizeBytes <= this.bytes.length) return
    const grown = Buffer.alloc(Math.max(sizeBytes, this.bytes.length * 2, 256))
    this.bytes.copy(grown, 0, 0, this.length)
    this.bytes = grown
  }
}

export function applyDataChange(bytes: GrowableBytes, change: DataChange): void {
  if (change.kind === 'write') bytes.writeAt(change.position, change.bytes)
  else bytes.resize(change.sizeBytes)
}

/** Applies one directory change to a listing; a rename whose source no longer names its node is skipped. */
export function applyEntryChange(entries: Map<string, SimNode>, change: EntryChange): void {
  switch (change.kind) {
    case 'link':
      entries.set(change.name, change.node)
      return
    case 'unlink':
      entries.delete(change.name)
      return
    case 'rename':
      if (entries.get(change.from) !== change.node) return
      entries.delete(change.from)
      entries.set(change.to, change.node)
  }
}

/** Node ids name inodes in traces and messages; unique within the process. */
let lastNodeId = 0

/** A file whose content is all durable. `content` is copied once and that copy is never changed in place. */
export function newFileNode(content: Buffer, mtimeMs: number): FileNode {
  const durable = Buffer.from(content)
  return { kind: 'file', id: ++lastNodeId, content: new GrowableBytes(durable), durable, volatile: [], nextSeq: 0, mtimeMs }
}

export function newDirNode(entries: Map<string, SimNode>, mtimeMs: number): DirNode {
  return { kind: 'dir', id: ++lastNodeId, entries, durable: new Map(entries), volatile: [], nextSeq: 0, mtimeMs }
}

/** Ends a sync of `file` that covered its changes before `upToSeq`: they become durable, or, if it failed, are lost. */
export function settleFileSync(file: FileNode, upToSeq: number, failed: boolean): void {
  const covered = takeCovered(file, upToSeq)
  if (failed || covered.length === 0) return
  const bytes = new GrowableBytes(file.durable)
  for (const change of covered) applyDataChange(bytes, change)
  file.durable = bytes.copy()
}

/** Ends an fsyncDir that covered the entry changes before `upToSeq`: durable, or, if it failed, lost. */
export function settleDirSync(dir: DirNode, upToSeq: number, failed: boolean): void {
  const covered = takeCovered(dir, upToSeq)
  if (failed || covered.length === 0) return
  const entries = new Map(dir.durable)
  for (const change of covered) applyEntryChange(entries, change)
  dir.durable = entries
}

/** Removes from `node.volatile` and returns the changes a sync issued at `upToSeq` covers (a prefix: they are in `seq` order). */
function takeCovered<C extends { seq: number }>(node: { volatile: C[] }, upToSeq: number): C[] {
  let count = 0
  while (count < node.volatile.length && node.volatile[count]!.seq < upToSeq) count++
  const covered = node.volatile.slice(0, count)
  node.volatile = node.volatile.slice(count)
  return covered
}
