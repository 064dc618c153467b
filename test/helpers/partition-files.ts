/**
 * The files of one partition directory (`<log dir>/<topic>-<partition>/`), read and written
 * directly with node:fs, behind the engine's back — the way Kafka's LogLoaderTest deletes index
 * files, appends nonsense or lays down segments itself. Only for closed logs (or files the open
 * log no longer uses): the engine's in-memory state is not told.
 */
import { appendFileSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { segmentFileName, type SegmentFileKind } from '../../src/segment/file-names.js'

export function partitionDir(logDir: string, topic: string, partition = 0): string {
  return join(logDir, `${topic}-${partition}`)
}

/** Path of a segment file, Kafka-named (20-digit base offset). */
export function segmentFile(dir: string, baseOffset: number, kind: SegmentFileKind): string {
  return join(dir, segmentFileName(baseOffset, kind))
}

/** Entry names in `dir`, sorted (segment files sort by base offset). */
export function fileNames(dir: string): string[] {
  return readdirSync(dir).sort()
}

/** Sizes of the files in `dir` whose names end with `suffix`, by name. */
export function fileSizes(dir: string, suffix: string): Record<string, number> {
  const sizes: Record<string, number> = {}
  for (const name of fileNames(dir)) if (name.endsWith(suffix)) sizes[name] = statSync(join(dir, name)).size
  return sizes
}

/** Every `.log` of the partition concatenated in offset order: the partition's bytes. */
export function logBytes(dir: string): Buffer {
  return Buffer.concat(fileNames(dir).filter((name) => name.endsWith('.log')).map((name) => readFileSync(join(dir, name))))
}

/** Removes every file of the partition and writes one `.log` per segment (no index files). */
export function replaceSegments(dir: string, segments: readonly { baseOffset: number; batches: readonly Buffer[] }[]): void {
  for (const name of readdirSync(dir)) rmSync(join(dir, name))
  for (const { baseOffset, batches } of segments) writeFileSync(segmentFile(dir, baseOffset, 'log'), Buffer.concat(batches))
}

/** Kafka's TestUtils.randomBytes from a seeded source: `size` bytes of noise. */
export function nonsense(size: number, random: (below: number) => number): Buffer {
  const bytes = Buffer.alloc(size)
  for (let i = 0; i < size; i++) bytes[i] = random(256)
  return bytes
}

/** Kafka's TestUtils.appendNonsenseToFile. */
export function appendNonsense(path: string, size: number, random: (below: number) => number): void {
  appendFileSync(path, nonsense(size, random))
}
