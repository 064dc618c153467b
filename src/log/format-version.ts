/**
 * The `FORMAT` file at the root of a log directory: which on-disk format version wrote it.
 *
 * Content: one JSON object `{"format":"seglog","major":1,"minor":0}`, written with the atomic
 * protocol when a directory is created. open() refuses a newer major version with
 * `UNSUPPORTED_FORMAT_VERSION` instead of guessing; a newer minor is readable (minor versions only
 * add things old readers may ignore).
 */
import { SeglogError } from '../errors.js'
import { writeFileAtomic } from '../io/atomic-file.js'
import type { FileSystem } from '../io/file.js'
import { joinPath } from '../io/file.js'

export const FORMAT_FILE_NAME = 'FORMAT'
export const FORMAT_MAJOR = 1
export const FORMAT_MINOR = 0

export interface FormatVersion {
  major: number
  minor: number
}

/** Reads FORMAT, or returns null when the directory has none (a new log). */
export function readFormatVersion(fs: FileSystem, dir: string): FormatVersion | null {
  const path = joinPath(dir, FORMAT_FILE_NAME)
  if (!fs.exists(path)) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(fs.readFile(path).toString('utf8'))
  } catch (cause) {
    throw new SeglogError('UNSUPPORTED_FORMAT_VERSION', `${path}: not a seglog FORMAT file`, { cause })
  }
  const { format, major, minor } = (parsed ?? {}) as Record<string, unknown>
  if (format !== 'seglog' || !Number.isInteger(major) || !Number.isInteger(minor)) {
    throw new SeglogError('UNSUPPORTED_FORMAT_VERSION', `${path}: not a seglog FORMAT file`)
  }
  return { major: major as number, minor: minor as number }
}

/** Creates FORMAT for a new directory, or checks an existing one. */
export async function ensureFormatVersion(fs: FileSystem, dir: string): Promise<FormatVersion> {
  const existing = readFormatVersion(fs, dir)
  if (existing === null) {
    const current = { major: FORMAT_MAJOR, minor: FORMAT_MINOR }
    await writeFileAtomic(fs, dir, FORMAT_FILE_NAME, Buffer.from(JSON.stringify({ format: 'seglog', ...current }) + '\n'))
    return current
  }
  if (existing.major > FORMAT_MAJOR) {
    throw new SeglogError(
      'UNSUPPORTED_FORMAT_VERSION',
      `${joinPath(dir, FORMAT_FILE_NAME)}: format ${existing.major}.${existing.minor} is newer than this seglog reads (${FORMAT_MAJOR}.x)`,
    )
  }
  return existing
}
