/**
 * Replaces a small metadata file atomically and durably: write `<name>.tmp` → fsync it → rename over
 * `<name>` → fsync the directory. Used for every checkpoint, topic metadata, the FORMAT file and
 * the clean-shutdown marker (format.md: Kafka writes producer snapshots in place — we don't).
 *
 * Crash behaviour: before the rename, `<name>` still holds the previous version and a stray
 * `<name>.tmp` may exist (open() deletes `.tmp` leftovers); after the directory fsync the new
 * version survives power loss. A failed fsync throws and nothing is retried (fail-stop is the
 * caller's decision; the error carries the path).
 */
import type { FileSystem } from './file.js'
import { joinPath } from './file.js'

export const TMP_SUFFIX = '.tmp'

export async function writeFileAtomic(fs: FileSystem, dir: string, name: string, data: Uint8Array): Promise<void> {
  const finalPath = joinPath(dir, name)
  const tmpPath = finalPath + TMP_SUFFIX
  const fd = fs.open(tmpPath, 'truncate')
  try {
    const written = fs.pwrite(fd, data, 0)
    if (written !== data.byteLength) {
      const err = new Error(`short write to ${tmpPath}: ${written} of ${data.byteLength} bytes`) as NodeJS.ErrnoException
      err.code = 'ENOSPC'
      throw err
    }
    await fs.fsync(fd)
  } catch (err) {
    fs.close(fd)
    try {
      fs.unlink(tmpPath)
    } catch {
      // The tmp file is a leftover that open() removes; the original error is what matters.
    }
    throw err
  }
  fs.close(fd)
  fs.rename(tmpPath, finalPath)
  await fs.fsyncDir(dir)
}
