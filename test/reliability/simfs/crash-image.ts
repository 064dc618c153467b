/**
 * What a power cut leaves of a SimFS tree (reliability H4): a new tree in which everything is
 * durable, built from the durable state of every inode plus a seeded choice, made independently
 * per file and per directory, of which volatile changes reached the disk.
 *
 * Per file with volatile changes (writes and resizes since its last completed sync, in order):
 * | choice      | p    | result                                                                 |
 * |-------------|------|------------------------------------------------------------------------|
 * | file-drop   | 1/4  | the durable bytes only                                                 |
 * | file-keep   | 1/4  | everything written                                                     |
 * | file-prefix | 1/2  | the first k changes (0 ≤ k < n); if change k is a write, it is torn:   |
 * |             |      | the part up to a random sector boundary inside it (tear-512 or         |
 * |             |      | tear-4096; the cut may be at its very start) persists, and if the file |
 * |             |      | grew, its new length may have persisted without the data: fill-none    |
 * |             |      | (the file ends at the cut), fill-zero, fill-garbage (seeded bytes)     |
 * This is the in-order model (ext4 data=ordered, and the ALICE "prefix" class): a later write never
 * persists while an earlier one to the same file is lost. Out-of-order page writeback is not
 * modelled, deliberately: the engine's documented answer to it is to refuse to open
 * (docs/decisions.md "Torn tail vs corruption"), which is an availability choice, not a loss.
 *
 * Per directory with volatile entry changes (links, unlinks, renames since its last completed
 * fsyncDir): dir-revert (1/4) keeps the durable listing, dir-keep (1/4) the current one,
 * dir-subset (1/2) applies each change independently with p = 1/2, in order (a rename whose source
 * is absent is skipped). A same-directory rename is one change, so it is atomic, as on every Linux
 * file system; a subtree whose directory entry is reverted disappears with it (RocksDB's
 * DeleteFilesCreatedAfterLastDirSync). Inodes linked nowhere (unlinked but open) vanish.
 *
 * Deterministic: the same tree and the same random sequence give the same image.
 */
import { randomInt } from '../../helpers/seeded-random.mjs'
import { applyDataChange, applyEntryChange, GrowableBytes, newDirNode, newFileNode, type DataChange, type DirNode, type FileNode, type SimNode } from './sim-nodes.js'

export const DAMAGE_KINDS = [
  'file-drop',
  'file-keep',
  'file-prefix',
  'tear-512',
  'tear-4096',
  'fill-none',
  'fill-zero',
  'fill-garbage',
  'dir-revert',
  'dir-keep',
  'dir-subset',
] as const

export type DamageKind = (typeof DAMAGE_KINDS)[number]
export type DamageCounts = Record<DamageKind, number>

export function noDamage(): DamageCounts {
  return Object.fromEntries(DAMAGE_KINDS.map((kind) => [kind, 0])) as DamageCounts
}

/** The tree a power cut right now could leave; `counts` is incremented per choice made. */
export function crashImage(root: DirNode, random: () => number, counts: DamageCounts): DirNode {
  const copies = new Map<SimNode, SimNode>()
  const copy = (node: SimNode): SimNode => {
    const done = copies.get(node)
    if (done !== undefined) return done
    if (node.kind === 'file') {
      const file = newFileNode(contentAfterCrash(node, random, counts), node.mtimeMs)
      copies.set(node, file)
      return file
    }
    const dir = newDirNode(new Map(), node.mtimeMs)
    copies.set(node, dir)
    for (const [name, child] of entriesAfterCrash(node, random, counts)) dir.entries.set(name, copy(child))
    dir.durable = new Map(dir.entries)
    return dir
  }
  return copy(root) as DirNode
}

/** The choice every file and directory with volatile changes makes: none (1/4), all (1/4), or some (1/2). */
function chooseExtent(random: () => number, counts: DamageCounts, kinds: readonly [none: DamageKind, all: DamageKind, some: DamageKind]): 'none' | 'all' | 'some' {
  const roll = random()
  const extent = roll < 0.25 ? 'none' : roll < 0.5 ? 'all' : 'some'
  counts[kinds[extent === 'none' ? 0 : extent === 'all' ? 1 : 2]]++
  return extent
}

function contentAfterCrash(file: FileNode, random: () => number, counts: DamageCounts): Buffer {
  const changes = file.volatile
  if (changes.length === 0) return file.durable
  const extent = chooseExtent(random, counts, ['file-drop', 'file-keep', 'file-prefix'])
  if (extent === 'none') return file.durable
  if (extent === 'all') return file.content.view()
  const bytes = new GrowableBytes(file.durable)
  const kept = randomInt(random, 0, changes.length - 1)
  for (let i = 0; i < kept; i++) applyDataChange(bytes, changes[i]!)
  const torn = changes[kept]!
  if (torn.kind === 'write') tearWrite(bytes, torn, random, counts)
  return bytes.view()
}

/** Applies the part of `write` up to a random sector boundary, and maybe its length without its data. */
function tearWrite(bytes: GrowableBytes, write: Extract<DataChange, { kind: 'write' }>, random: () => number, counts: DamageCounts): void {
  const sectorBytes = random() < 0.5 ? 512 : 4096
  counts[sectorBytes === 512 ? 'tear-512' : 'tear-4096']++
  const start = write.position
  const end = start + write.bytes.length
  // Cut points: the write's start, or a sector boundary strictly inside the write.
  const firstBoundary = (Math.floor(start / sectorBytes) + 1) * sectorBytes
  const boundaries = firstBoundary < end ? Math.floor((end - 1 - firstBoundary) / sectorBytes) + 1 : 0
  const choice = randomInt(random, 0, boundaries)
  const cut = choice === 0 ? start : firstBoundary + (choice - 1) * sectorBytes
  const lengthBefore = bytes.length
  if (cut > start) bytes.writeAt(start, write.bytes.subarray(0, cut - start))
  const holeFrom = Math.max(lengthBefore, cut)
  if (end <= holeFrom) return
  const fill = random()
  if (fill < 1 / 3) {
    counts['fill-none']++
  } else if (fill < 2 / 3) {
    counts['fill-zero']++
    bytes.resize(end)
  } else {
    counts['fill-garbage']++
    const garbage = Buffer.allocUnsafe(end - holeFrom)
    for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(random() * 256)
    bytes.writeAt(holeFrom, garbage)
  }
}

function entriesAfterCrash(dir: DirNode, random: () => number, counts: DamageCounts): Map<string, SimNode> {
  if (dir.volatile.length === 0) return dir.durable
  const extent = chooseExtent(random, counts, ['dir-revert', 'dir-keep', 'dir-subset'])
  if (extent === 'none') return dir.durable
  if (extent === 'all') return dir.entries
  const entries = new Map(dir.durable)
  for (const change of dir.volatile) if (random() < 0.5) applyEntryChange(entries, change)
  return entries
}
