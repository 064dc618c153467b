/**
 * Names of the files of a partition directory, exactly as Kafka spells them (LogFileUtils):
 * `<base offset, 20 decimal digits zero-padded><kind suffix>[<transient suffix>]`.
 *
 * | kind        | suffix       | content                                           |
 * |-------------|--------------|---------------------------------------------------|
 * | log         | `.log`       | record batches (format/batch-header.ts)           |
 * | index       | `.index`     | offset index, 8-byte entries (index/offset-index) |
 * | timeindex   | `.timeindex` | time index, 12-byte entries (index/time-index)    |
 * | txnindex    | `.txnindex`  | aborted transactions, 34-byte entries             |
 * | snapshot    | `.snapshot`  | producer state at that offset                     |
 *
 * Transient suffixes follow the kind suffix (`00000000000000000100.log.deleted`):
 * `.deleted` (scheduled for deletion), `.cleaned` (cleaner output in progress), `.swap` (cleaned
 * output ready to replace the originals), `.tmp` (a file being written before its atomic rename).
 * Recovery decides what each means (kafka-storage.md §3.8 steps 1–2); this file only names them.
 *
 * Parsing is strict: anything that is not exactly one of these shapes is not ours and `parse`
 * returns null, so a directory listing never mistakes a stray file for a segment.
 */
import { joinPath } from '../io/file.js'

export type SegmentFileKind = 'log' | 'index' | 'timeindex' | 'txnindex' | 'snapshot'
export type TransientSuffix = '.deleted' | '.cleaned' | '.swap' | '.tmp'

/** Digits in the base-offset part of a name: Kafka pads a Long to 20 digits. */
export const FILE_NAME_OFFSET_DIGITS = 20

const KIND_SUFFIX: Record<SegmentFileKind, string> = {
  log: '.log',
  index: '.index',
  timeindex: '.timeindex',
  txnindex: '.txnindex',
  snapshot: '.snapshot',
}

const KIND_BY_SUFFIX = new Map<string, SegmentFileKind>(
  Object.entries(KIND_SUFFIX).map(([kind, suffix]) => [suffix, kind as SegmentFileKind]),
)

const TRANSIENT_SUFFIXES: readonly TransientSuffix[] = ['.deleted', '.cleaned', '.swap', '.tmp']

// 20 digits, a kind suffix, an optional transient suffix; nothing else.
const NAME_PATTERN = /^(\d{20})(\.[a-z]+)(\.[a-z]+)?$/

export interface ParsedFileName {
  baseOffset: number
  kind: SegmentFileKind
  /** null for a file in its final state. */
  transient: TransientSuffix | null
}

/** `00000000000000000042` for 42. Offsets are safe integers by contract (api.md). */
export function formatBaseOffset(baseOffset: number): string {
  if (!Number.isSafeInteger(baseOffset) || baseOffset < 0) {
    throw new RangeError(`Base offset ${baseOffset} is not a non-negative safe integer`)
  }
  return String(baseOffset).padStart(FILE_NAME_OFFSET_DIGITS, '0')
}

/** File name (not a path) of one file of the segment or snapshot at `baseOffset`. */
export function segmentFileName(baseOffset: number, kind: SegmentFileKind, transient: TransientSuffix | null = null): string {
  return formatBaseOffset(baseOffset) + KIND_SUFFIX[kind] + (transient ?? '')
}

/** Path of one file of the segment at `baseOffset` in `dir`. */
export function segmentFilePath(
  dir: string,
  baseOffset: number,
  kind: SegmentFileKind,
  transient: TransientSuffix | null = null,
): string {
  return joinPath(dir, segmentFileName(baseOffset, kind, transient))
}

/** The parts of a name we wrote, or null for any other name (including offsets beyond 2^53). */
export function parseSegmentFileName(name: string): ParsedFileName | null {
  const match = NAME_PATTERN.exec(name)
  if (match === null) return null
  const kind = KIND_BY_SUFFIX.get(match[2]!)
  if (kind === undefined) return null
  let transient: TransientSuffix | null = null
  if (match[3] !== undefined) {
    transient = TRANSIENT_SUFFIXES.find((suffix) => suffix === match[3]) ?? null
    if (transient === null) return null
  }
  const baseOffset = Number(match[1])
  // A 20-digit number past 2^53 would silently round: such a file cannot be one of ours.
  if (!Number.isSafeInteger(baseOffset)) return null
  return { baseOffset, kind, transient }
}
