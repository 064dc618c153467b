/**
 * H7's oracle: given the original's ledger, facts about one fuzzed copy, and what the child saw when
 * it opened and read that copy, lists every broken promise (reliability.md H7; contract
 * 3 and 6 in reliability.md). Pure: no I/O besides `mutantFacts`, which reads the mutant's files.
 *
 * Pass means every one of:
 * - no signal, no crash, no hang (the child answered within the bound);
 * - every error — from open, a read, close — is a SeglogError with a documented code whose message
 *   names the log directory (so the file);
 * - every record returned equals the record written at its offset, byte for byte (digest), offsets
 *   are consecutive from the log start and below the HW: never CRC-failing data, never a record
 *   that was not written;
 * - no written record vanishes without an error, except:
 *   - a torn tail: the copy is recovered as unclean (no clean-shutdown marker), the loss starts at
 *     or above the recovery point open reads, and no original batch at or past the cut survives
 *     byte-identical in the copy (a valid later batch means the damage was not at the tail:
 *     docs/decisions.md "Torn tail vs corruption");
 *   - with `repair: true`, a loss that `log.recovery` reports in `lostOffsets`;
 *   - a partition left unserved because its topic metadata is gone, when `log.recovery` reports it
 *     in `orphanPartitionDirs` and its directory is still there;
 * - after mutations of hints only (`keepsRecords`), open succeeds and every record is readable;
 * - when the full read succeeded: a point read of each probe offset returns that record (the
 *   offset index agrees with the scan) and offsetForTimestamp returns the first offset at or above
 *   each probe target (the time index agrees with the scan).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BATCH_HEADER_BYTES } from '../../../src/format/batch-header.js'
import { decodeCheckpoint, LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT } from '../../../src/log/checkpoint-file.js'
import { PUBLIC_ERROR_CODES } from '../model/typed-error.js'
import type { Fixture, OriginalPartition } from './fixture.js'
import type { ChildOutcome } from './open-child-process.js'
import { changedFiles, type TreeImage } from './tree-image.js'

export interface ChildError {
  name: string
  code: string | null
  message: string
  seglog: boolean
}

type Errorish = { error: ChildError }

export interface ChildPartition {
  topic: string
  partition: number
  logStartOffset: number
  highWatermark: number
  records: [number, string][]
  readError: ChildError | null
  points: [number, [number, string] | null | Errorish][]
  timestamps: [number, number | null | Errorish][]
}

export interface ChildReply {
  id: number
  open:
    | {
        recovery: {
          partitions: { topic: string; partition: number; lostOffsets: { from: number; to: number } | null }[]
          /** Partition directories with records but no topic metadata: kept on disk, not served. */
          orphanPartitionDirs?: string[]
        }
      }
    | Errorish
  partitions?: ChildPartition[]
  close?: Errorish
}

export interface MutantFacts {
  /** open() will take the copy as cleanly shut down and re-validate nothing. */
  clean: boolean
  /** The recovery point open() reads per partition (0 when the checkpoint is missing or unreadable). */
  recoveryPoints: Map<string, number>
  /** Base offsets of the original batches still byte-identical at their place, per partition. */
  intactBaseOffsets: Map<string, number[]>
  /** Files of the original variant the mutations changed or removed (relative paths). */
  changedFiles: Set<string>
  /**
   * Partitions where a batch header changed — the 61 bytes: base offset, length and magic outside
   * the CRC, last offset delta and timestamps inside it, all read by header walks before any CRC
   * check — or where a sealed segment (any `.log` but the last) changed size.
   */
  headerDamage: Set<string>
}

export interface Probes {
  /** Per partition key. */
  offsets: Map<string, number[]>
  timestamps: number[]
}

export type OutcomeKind = 'refused' | 'read-error' | 'complete' | 'lost-tail' | 'died' | 'hung'

export interface Verdict {
  kind: OutcomeKind
  violations: string[]
}

export function mutantFacts(dir: string, fixture: Fixture, original: TreeImage): MutantFacts {
  // Without FORMAT a directory is new (clean) only if it has no topics either (decisions.md).
  const clean = existsSync(join(dir, '.clean-shutdown')) || (!existsSync(join(dir, 'FORMAT')) && !existsSync(join(dir, 'topics')))
  const checkpointPath = join(dir, RECOVERY_POINT_CHECKPOINT)
  const checkpoint = existsSync(checkpointPath) ? decodeCheckpoint(readFileSync(checkpointPath, 'utf8'))?.entries : new Map<string, number>()
  const recoveryPoints = new Map<string, number>()
  const intactBaseOffsets = new Map<string, number[]>()
  const headerDamage = new Set<string>()
  const files = new Map<string, Buffer | null>()
  const fileBytes = (path: string) => {
    if (!files.has(path)) files.set(path, existsSync(join(dir, path)) ? readFileSync(join(dir, path)) : null)
    return files.get(path)!
  }
  for (const p of fixture.partitions) {
    recoveryPoints.set(p.key, checkpoint?.get(p.key) ?? 0)
    const intact: number[] = []
    for (const batch of p.batches) {
      const bytes = fileBytes(batch.file)
      if (bytes !== null && bytes.length >= batch.position + batch.sizeBytes && bytes.subarray(batch.position, batch.position + batch.sizeBytes).equals(batch.bytes)) {
        intact.push(batch.baseOffset)
      }
    }
    intactBaseOffsets.set(p.key, intact)
    const sealed = new Set(p.logFiles.slice(0, -1))
    const headerDamaged = p.batches.some((b) => {
      const bytes = fileBytes(b.file)
      if (bytes === null) return false
      const end = b.position + BATCH_HEADER_BYTES
      return bytes.length < end || !bytes.subarray(b.position, end).equals(b.bytes.subarray(0, BATCH_HEADER_BYTES))
    })
    const sizeChanged = [...sealed].some((file) => {
      const bytes = fileBytes(file)
      return bytes !== null && bytes.length !== original.files.get(file)?.length
    })
    if (headerDamaged || sizeChanged) headerDamage.add(p.key)
  }
  return { clean, recoveryPoints, intactBaseOffsets, changedFiles: changedFiles(original, dir), headerDamage }
}

/** Why `error` is not a typed refusal naming a file under `dir`, or null. */
export function errorProblem(error: ChildError, dir: string): string | null {
  if (!error.seglog) return `an untyped ${error.name} (code ${error.code}): ${error.message}`
  if (!(PUBLIC_ERROR_CODES as readonly (string | null)[]).includes(error.code)) return `SeglogError with an undocumented code ${error.code}: ${error.message}`
  if (!error.message.includes(dir)) return `${error.code} that names no file of the log directory: ${error.message}`
  return null
}

function isErrorish(value: unknown): value is Errorish {
  return typeof value === 'object' && value !== null && 'error' in value
}

export interface JudgeInput {
  fixture: Fixture
  facts: MutantFacts
  /** Only hint files were mutated: every record must stay readable. */
  keepsRecords: boolean
  repair: boolean
  /** The directory the child opened. */
  dir: string
  probes: Probes
  outcome: ChildOutcome
}

export function judge(input: JudgeInput): Verdict {
  const { outcome, dir } = input
  if (outcome.kind === 'died') {
    return { kind: 'died', violations: [`the child died (exit ${outcome.code}, signal ${outcome.signal}); stderr: ${outcome.stderr}`] }
  }
  if (outcome.kind === 'hung') {
    return { kind: 'hung', violations: [`no answer within ${outcome.timeoutMs} ms (a hang); stderr: ${outcome.stderr}`] }
  }
  const reply = outcome.reply as ChildReply
  const violations: string[] = []
  if (isErrorish(reply.open)) {
    const problem = errorProblem(reply.open.error, dir)
    if (problem !== null) violations.push(`open: ${problem}`)
    if (input.keepsRecords) violations.push(`open refused a copy whose mutations touched only hints: ${reply.open.error.message}`)
    return { kind: 'refused', violations }
  }
  if (reply.close !== undefined) violations.push(`close failed: ${reply.close.error.name} ${reply.close.error.code}: ${reply.close.error.message}`)
  const recovery = reply.open.recovery
  let kind: OutcomeKind = 'complete'
  const seen = new Set<string>()
  for (const original of input.fixture.partitions) {
    seen.add(original.key)
    const got = reply.partitions!.find((p) => p.topic === original.topic && p.partition === original.partition)
    const lostOffsets = recovery.partitions.find((p) => p.topic === original.topic && p.partition === original.partition)?.lostOffsets ?? null
    const orphaned = recovery.orphanPartitionDirs?.includes(`${original.topic}-${original.partition}`) ?? false
    const partitionKind = judgePartition(input, original, got, lostOffsets, orphaned, violations)
    if (partitionKind === 'read-error' || (partitionKind === 'lost-tail' && kind === 'complete')) kind = partitionKind
  }
  for (const extra of reply.partitions!) {
    if (!seen.has(`${extra.topic} ${extra.partition}`) && extra.records.length > 0) {
      violations.push(`${extra.topic}-${extra.partition}: a partition that was never written returned ${extra.records.length} records`)
    }
  }
  return { kind, violations }
}

function judgePartition(
  input: JudgeInput,
  original: OriginalPartition,
  got: ChildPartition | undefined,
  lostOffsets: { from: number; to: number } | null,
  orphaned: boolean,
  violations: string[],
): OutcomeKind {
  const name = `${original.topic}-${original.partition}`
  const firstKept = Math.max(original.logStartOffset, 0)
  if (got === undefined) {
    // Unserved but reported and kept on disk (its topic metadata is gone): an operator can recover it.
    if (orphaned && existsSync(join(input.dir, name))) return 'refused'
    if (original.endOffset > firstKept) violations.push(`${name}: the partition vanished, and records [${firstKept}, ${original.endOffset}) with it, without an error`)
    return 'lost-tail'
  }
  let next = got.logStartOffset
  for (const [offset, digest] of got.records) {
    if (offset !== next) violations.push(`${name}: offset ${offset} was read where ${next} was next (a hole, a repeat or a reorder)`)
    next = offset + 1
    if (offset >= got.highWatermark) violations.push(`${name}: offset ${offset} was returned at or past the HW ${got.highWatermark}`)
    const written = original.records.get(offset)
    if (written === undefined) violations.push(`${name}: offset ${offset} was returned but never written`)
    else if (written.digest !== digest) violations.push(`${name}: offset ${offset} was returned with bytes other than those written (damaged data passed as valid)`)
  }
  if (got.readError !== null) {
    const problem = errorProblem(got.readError, input.dir)
    if (problem !== null) violations.push(`${name}: read at offset ${next}: ${problem}`)
    if (input.keepsRecords) violations.push(`${name}: read failed after mutations of hints only: ${got.readError.message}`)
    return 'read-error'
  }
  if (next !== got.highWatermark && got.highWatermark > got.logStartOffset) {
    violations.push(`${name}: the full read ended at offset ${next}, not at the HW ${got.highWatermark}`)
  }

  let kind: OutcomeKind = 'complete'
  // With repair the loss may be taken, if reported (a first segment missing above the log start).
  const startRepaired = input.repair && lostOffsets !== null && lostOffsets.from <= firstKept && lostOffsets.to >= Math.min(got.logStartOffset, original.endOffset)
  // The log-start checkpoint is the engine's only record of where the log starts: with it deleted
  // or damaged, lost first segments cannot be told from retention.
  const startUnrecorded = input.facts.changedFiles.has(LOG_START_OFFSET_CHECKPOINT)
  if (got.logStartOffset > firstKept && original.endOffset > firstKept && !startRepaired && !startUnrecorded) {
    violations.push(`${name}: records [${firstKept}, ${Math.min(got.logStartOffset, original.endOffset)}) vanished below the log start ${got.logStartOffset} without an error`)
  }
  if (got.highWatermark < original.endOffset) {
    kind = 'lost-tail'
    const cut = got.highWatermark
    const recoveryPoint = input.facts.recoveryPoints.get(original.key) ?? 0
    const survivorAfterCut = (input.facts.intactBaseOffsets.get(original.key) ?? []).find((base) => base >= cut)
    // After a clean shutdown the recovery-point checkpoint is the engine's only record of where the
    // log ended; with it deleted or damaged, a tail lost with it cannot be told from one never written.
    const endUnrecorded = !input.facts.clean || input.facts.changedFiles.has(RECOVERY_POINT_CHECKPOINT)
    const tornTail = endUnrecorded && cut >= recoveryPoint && survivorAfterCut === undefined
    const repaired = input.repair && lostOffsets !== null && lostOffsets.from <= cut
    if (input.keepsRecords || !(tornTail || repaired)) {
      const why = input.facts.clean
        ? 'the copy was cleanly shut down'
        : cut < recoveryPoint
          ? `the cut is below the recovery point ${recoveryPoint}`
          : survivorAfterCut !== undefined
            ? `the original batch at offset ${survivorAfterCut} after the cut is intact (damage in the middle, not a torn tail)`
            : 'only hints were mutated'
      violations.push(`${name}: records [${cut}, ${original.endOffset}) vanished without an error, and ${why}${lostOffsets === null ? '' : ` (recovery reported lost offsets [${lostOffsets.from}, ${lostOffsets.to}))`}`)
    }
  }
  judgeProbes(original, got, name, violations)
  return kind
}

/** Point reads and timestamp lookups must agree with the full read (index vs scan). */
function judgeProbes(original: OriginalPartition, got: ChildPartition, name: string, violations: string[]): void {
  for (const [offset, result] of got.points) {
    if (isErrorish(result)) {
      violations.push(`${name}: a point read at offset ${offset} failed though a full scan read it: ${result.error.code}: ${result.error.message}`)
    } else if (result === null || result[0] !== offset || result[1] !== original.records.get(offset)?.digest) {
      violations.push(`${name}: a point read at offset ${offset} returned ${JSON.stringify(result)}, not the record written there (the offset index disagrees with the scan)`)
    }
  }
  for (const [target, result] of got.timestamps) {
    let expected: number | null = null
    for (let offset = got.logStartOffset; offset < got.highWatermark; offset++) {
      if ((original.records.get(offset)?.timestamp ?? -Infinity) >= target) {
        expected = offset
        break
      }
    }
    if (isErrorish(result)) {
      violations.push(`${name}: offsetForTimestamp(${target}) failed though a full scan read the partition: ${result.error.code}: ${result.error.message}`)
    } else if (result !== expected) {
      violations.push(`${name}: offsetForTimestamp(${target}) = ${result}, but the first offset with a timestamp ≥ it is ${expected} (the time index disagrees with the scan)`)
    }
  }
}
