/**
 * What H7 does to a copy of the original directory (reliability.md H7): a data-driven list
 * of mutation kinds, each with a weight and a promise about the data.
 *
 * `keepsRecords` is true for kinds that touch only hints: index files (FM-4/FM-7: an index is
 * never the truth, a bad or missing one is rebuilt from the log), the recovery-point checkpoint
 * and the clean-shutdown marker (a bad one only makes open re-validate more, FM-21), a missing
 * log-start checkpoint or FORMAT file. After only such mutations, open must succeed and every
 * original record must still be readable. Every other kind may make open refuse (a typed error
 * naming the file) or lose records only as the torn-tail rule allows (verdict.ts).
 *
 * Each `apply` acts on the files present in the mutant (earlier mutations may have removed some)
 * and returns a one-line description for the replay message, or null when it found nothing to
 * act on. All randomness comes from the input's seeded generator.
 */
import { existsSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { BATCH_HEADER_BYTES } from '../../../src/format/batch-header.js'
import { randomInt } from '../../helpers/seeded-random.mjs'
import type { OriginalBatch, OriginalPartition } from './fixture.js'

export type FileCategory = 'log' | 'index' | 'timeindex' | 'txnindex' | 'recovery-point' | 'log-start' | 'topic' | 'format' | 'marker' | 'other'

export interface MutantFile {
  /** Relative to the log directory. */
  path: string
  category: FileCategory
  sizeBytes: number
}

export interface MutationContext {
  dir: string
  next: () => number
  /** The original's partitions (their batches are the targets of record-byte flips). */
  partitions: readonly OriginalPartition[]
}

export interface MutationKind {
  name: string
  weight: number
  keepsRecords: boolean
  apply(ctx: MutationContext): string | null
}

/** Categories whose damage no record may pay for. */
const HINT_CATEGORIES: ReadonlySet<FileCategory> = new Set(['index', 'timeindex', 'txnindex', 'recovery-point', 'marker'])

function categoryOf(path: string): FileCategory {
  const name = path.split('/').pop()!
  if (path === 'FORMAT') return 'format'
  if (path === '.clean-shutdown') return 'marker'
  if (path === 'recovery-point-offset-checkpoint') return 'recovery-point'
  if (path === 'log-start-offset-checkpoint') return 'log-start'
  if (path.startsWith('topics/') && name.endsWith('.json')) return 'topic'
  if (name.endsWith('.log')) return 'log'
  if (name.endsWith('.index')) return 'index'
  if (name.endsWith('.timeindex')) return 'timeindex'
  if (name.endsWith('.txnindex')) return 'txnindex'
  return 'other'
}

export function listMutantFiles(dir: string): MutantFile[] {
  const out: MutantFile[] = []
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name)
      const stat = statSync(path)
      if (stat.isDirectory()) walk(path)
      else out.push({ path: relative(dir, path), category: categoryOf(relative(dir, path)), sizeBytes: stat.size })
    }
  }
  walk(dir)
  return out.filter((f) => f.category !== 'other') // .lock and the like are not part of the format
}

function pick<T>(next: () => number, items: readonly T[]): T | null {
  return items.length === 0 ? null : items[randomInt(next, 0, items.length - 1)]!
}

function randomBytes(next: () => number, length: number): Buffer {
  const bytes = Buffer.alloc(length)
  for (let i = 0; i < length; i++) bytes[i] = randomInt(next, 0, 255)
  return bytes
}

function filesOf(ctx: MutationContext, categories: readonly FileCategory[], nonEmpty = false): MutantFile[] {
  return listMutantFiles(ctx.dir).filter((f) => categories.includes(f.category) && (!nonEmpty || f.sizeBytes > 0))
}

function flipBits(ctx: MutationContext, file: MutantFile, flips: number, from = 0, to = file.sizeBytes): string {
  const path = join(ctx.dir, file.path)
  const bytes = readFileSync(path)
  const positions: string[] = []
  for (let i = 0; i < flips; i++) {
    const position = randomInt(ctx.next, from, to - 1)
    const bit = randomInt(ctx.next, 0, 7)
    bytes[position]! ^= 1 << bit
    positions.push(`${position}.${bit}`)
  }
  writeFileSync(path, bytes)
  return `${file.path}: flipped bits ${positions.join(', ')}`
}

const INDEXES: readonly FileCategory[] = ['index', 'timeindex', 'txnindex']

/** Kind over one category set; `keepsRecords` when every category in it is a hint. */
function onFiles(name: string, weight: number, categories: readonly FileCategory[], apply: (ctx: MutationContext, file: MutantFile) => string | null): MutationKind {
  return {
    name,
    weight,
    keepsRecords: categories.every((c) => HINT_CATEGORIES.has(c)),
    apply: (ctx) => {
      const file = pick(ctx.next, filesOf(ctx, categories, true))
      return file === null ? null : apply(ctx, file)
    },
  }
}

const flipAnywhere = (ctx: MutationContext, file: MutantFile) => flipBits(ctx, file, randomInt(ctx.next, 1, 4))

const truncate = (ctx: MutationContext, file: MutantFile) => {
  const size = randomInt(ctx.next, 0, file.sizeBytes - 1)
  truncateSync(join(ctx.dir, file.path), size)
  return `${file.path}: truncated from ${file.sizeBytes} to ${size} bytes`
}

const zeroRange = (ctx: MutationContext, file: MutantFile) => {
  const path = join(ctx.dir, file.path)
  const bytes = readFileSync(path)
  const from = randomInt(ctx.next, 0, bytes.length - 1)
  const to = randomInt(ctx.next, from + 1, Math.min(bytes.length, from + 512))
  bytes.fill(0, from, to)
  writeFileSync(path, bytes)
  return `${file.path}: zeroed [${from}, ${to})`
}

const appendGarbage = (ctx: MutationContext, file: MutantFile) => {
  const length = randomInt(ctx.next, 1, 300)
  const zeros = ctx.next() < 0.3
  writeFileSync(join(ctx.dir, file.path), zeros ? Buffer.alloc(length) : randomBytes(ctx.next, length), { flag: 'a' })
  return `${file.path}: appended ${length} ${zeros ? 'zero' : 'random'} bytes`
}

const deleteFile = (ctx: MutationContext, file: MutantFile) => {
  rmSync(join(ctx.dir, file.path))
  return `${file.path}: deleted`
}

/** Two index files of one partition: same kind from two segments, or offset ↔ time of one segment. */
function indexPair(ctx: MutationContext): [MutantFile, MutantFile] | null {
  const indexes = filesOf(ctx, INDEXES)
  const first = pick(ctx.next, indexes)
  if (first === null) return null
  const dirOf = (f: MutantFile) => f.path.slice(0, f.path.lastIndexOf('/'))
  const others = indexes.filter((f) => f !== first && dirOf(f) === dirOf(first))
  const second = pick(ctx.next, others)
  return second === null ? null : [first, second]
}

/** Tries before `presentBatch` gives up: earlier mutations rarely remove most batches. */
const BATCH_PICK_TRIES = 20

/** A batch of the original (one `eligible` allows) whose file still holds its bytes' range. */
function presentBatch(ctx: MutationContext, eligible: (batch: OriginalBatch, partition: OriginalPartition, index: number) => boolean): OriginalBatch | null {
  const candidates = ctx.partitions.flatMap((p) => p.batches.filter((b, i) => eligible(b, p, i)))
  for (let i = 0; i < BATCH_PICK_TRIES; i++) {
    const batch = pick(ctx.next, candidates)
    if (batch === null) return null
    const path = join(ctx.dir, batch.file)
    if (existsSync(path) && statSync(path).size >= batch.position + batch.sizeBytes) return batch
  }
  return null
}

function flipRecordByte(name: string, weight: number, eligible: Parameters<typeof presentBatch>[1]): MutationKind {
  return {
    name,
    weight,
    keepsRecords: false,
    apply: (ctx) => {
      const batch = presentBatch(ctx, eligible)
      if (batch === null) return null
      const file: MutantFile = { path: batch.file, category: 'log', sizeBytes: batch.position + batch.sizeBytes }
      return flipBits(ctx, file, 1, batch.position + BATCH_HEADER_BYTES, batch.position + batch.sizeBytes) + ` (batch ${batch.baseOffset}-${batch.lastOffset})`
    },
  }
}

/** A checkpoint entry line `<topic> <partition> <offset>` rewritten to another offset. */
function rewriteCheckpointOffset(ctx: MutationContext, file: MutantFile): string | null {
  const path = join(ctx.dir, file.path)
  const lines = readFileSync(path, 'utf8').split('\n')
  const entries = lines.map((line, i) => [line, i] as const).filter(([line]) => /^\S+ \d+ \d+$/.test(line))
  const entry = pick(ctx.next, entries)
  if (entry === null) return null
  const [topic, partition, offset] = entry[0].split(' ')
  const replacement = randomInt(ctx.next, 0, Number(offset) * 2 + 5)
  lines[entry[1]] = `${topic} ${partition} ${replacement}`
  writeFileSync(path, lines.join('\n'))
  return `${file.path}: ${topic}-${partition} offset ${offset} → ${replacement}`
}

export const MUTATION_KINDS: readonly MutationKind[] = [
  onFiles('flip-log-bits', 4, ['log'], flipAnywhere),
  // Inside a batch's records (past the 61-byte header): the batch still parses, only its CRC
  // catches the change — what a reader that skipped the CRC would return.
  flipRecordByte('flip-record-byte', 4, () => true),
  // The same in a batch the unclean variant's recovery re-validates (at or past its recovery point)
  // with valid batches after it: damage recovery must refuse, never cut (FM-2).
  flipRecordByte('flip-unflushed-record-byte', 2, (b, p, i) => b.baseOffset >= p.uncleanRecoveryPoint && i < p.batches.length - 1),
  onFiles('flip-index-bits', 3, INDEXES, flipAnywhere),
  onFiles('flip-metadata-bits', 2, ['recovery-point', 'log-start', 'topic', 'format', 'marker'], flipAnywhere),
  onFiles('truncate-log', 3, ['log'], truncate),
  onFiles('truncate-index', 2, INDEXES, truncate),
  onFiles('truncate-metadata', 1, ['recovery-point', 'log-start', 'topic', 'format'], truncate),
  onFiles('zero-log-range', 2, ['log'], zeroRange),
  onFiles('zero-index-range', 2, INDEXES, zeroRange),
  onFiles('append-log-garbage', 2, ['log'], appendGarbage),
  onFiles('append-index-garbage', 2, INDEXES, appendGarbage),
  onFiles('append-metadata-garbage', 1, ['recovery-point', 'log-start', 'topic', 'format'], appendGarbage),
  onFiles('delete-index', 3, INDEXES, deleteFile),
  { ...onFiles('delete-hint-file', 2, ['recovery-point', 'log-start', 'marker', 'format'], deleteFile), keepsRecords: true },
  onFiles('delete-topic-metadata', 1, ['topic'], deleteFile),
  {
    name: 'swap-index',
    weight: 2,
    keepsRecords: true,
    apply: (ctx) => {
      const pair = indexPair(ctx)
      if (pair === null) return null
      const [a, b] = pair.map((f) => join(ctx.dir, f.path)) as [string, string]
      const bytesA = readFileSync(a)
      writeFileSync(a, readFileSync(b))
      writeFileSync(b, bytesA)
      return `${pair[0].path} ⇄ ${pair[1].path}: contents swapped`
    },
  },
  {
    name: 'copy-index',
    weight: 1,
    keepsRecords: true,
    apply: (ctx) => {
      const pair = indexPair(ctx)
      if (pair === null) return null
      writeFileSync(join(ctx.dir, pair[1].path), readFileSync(join(ctx.dir, pair[0].path)))
      return `${pair[1].path}: overwritten with ${pair[0].path}`
    },
  },
  onFiles('zero-index', 1, INDEXES, (ctx, file) => {
    writeFileSync(join(ctx.dir, file.path), Buffer.alloc(file.sizeBytes))
    return `${file.path}: all ${file.sizeBytes} bytes zeroed`
  }),
  {
    name: 'remove-segment',
    weight: 3,
    keepsRecords: false,
    apply: (ctx) => {
      const log = pick(ctx.next, filesOf(ctx, ['log']))
      if (log === null) return null
      const base = log.path.slice(0, -'.log'.length)
      const withIndexes = ctx.next() < 0.5
      for (const f of listMutantFiles(ctx.dir)) if (f.path === log.path || (withIndexes && f.path.startsWith(base + '.'))) rmSync(join(ctx.dir, f.path))
      return `${log.path}: removed${withIndexes ? ' with its index files' : ''}`
    },
  },
  { ...onFiles('rewrite-recovery-point', 1, ['recovery-point'], rewriteCheckpointOffset), keepsRecords: true },
  onFiles('rewrite-log-start', 1, ['log-start'], rewriteCheckpointOffset),
  onFiles('rewrite-topic-partitions', 1, ['topic'], (ctx, file) => {
    const path = join(ctx.dir, file.path)
    let meta: { partitions?: unknown }
    try {
      meta = JSON.parse(readFileSync(path, 'utf8')) as { partitions?: unknown }
    } catch {
      return null // already garbage
    }
    if (typeof meta.partitions !== 'number') return null
    const before = meta.partitions
    meta.partitions = Math.max(1, before + (ctx.next() < 0.5 ? -1 : 1))
    writeFileSync(path, JSON.stringify(meta))
    return `${file.path}: partitions ${before} → ${meta.partitions}`
  }),
  onFiles('garbage-format', 1, ['format'], (ctx, file) => {
    const newer = ctx.next() < 0.5
    writeFileSync(join(ctx.dir, file.path), newer ? '{"format":"seglog","major":2,"minor":0}\n' : randomBytes(ctx.next, randomInt(ctx.next, 1, 40)))
    return `${file.path}: replaced with ${newer ? 'a newer major version' : 'random bytes'}`
  }),
]

/** A kind drawn by weight from `kinds`. */
export function drawKind(next: () => number, kinds: readonly MutationKind[]): MutationKind {
  const total = kinds.reduce((sum, k) => sum + k.weight, 0)
  let ticket = next() * total
  for (const kind of kinds) {
    ticket -= kind.weight
    if (ticket < 0) return kind
  }
  return kinds[kinds.length - 1]!
}
