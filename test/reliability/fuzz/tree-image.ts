/**
 * A directory tree held in memory (the fuzz originals): put back into a work directory between
 * opens, and compared with a mutant to see which files a mutation touched.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface TreeImage {
  dirs: Set<string>
  /** Relative path → bytes. */
  files: Map<string, Buffer>
}

export function imageOf(root: string, prefix = '', image: TreeImage = { dirs: new Set(), files: new Map() }): TreeImage {
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const path = join(prefix, entry.name)
    if (entry.isDirectory()) {
      image.dirs.add(path)
      imageOf(root, path, image)
    } else {
      image.files.set(path, readFileSync(join(root, path)))
    }
  }
  return image
}

function readOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path)
  } catch {
    return null
  }
}

/**
 * Makes `to` hold exactly the tree in `image`, rewriting only files that differ: creating and
 * unlinking files is what costs on an ext4 work disk, and an open plus a few mutations change
 * only a handful of the ~70 files.
 */
export function restoreImage(image: TreeImage, to: string, prefix = ''): void {
  mkdirSync(join(to, prefix), { recursive: true })
  for (const entry of readdirSync(join(to, prefix), { withFileTypes: true })) {
    const path = join(prefix, entry.name)
    if (entry.isDirectory() ? !image.dirs.has(path) : !image.files.has(path)) rmSync(join(to, path), { recursive: true, force: true })
  }
  if (prefix !== '') return
  for (const dir of image.dirs) restoreImage(image, to, dir)
  for (const [path, bytes] of image.files) {
    const current = readOrNull(join(to, path))
    if (current === null || !current.equals(bytes)) writeFileSync(join(to, path), bytes)
  }
}

/** Files of `image` that `dir` lacks or holds with other bytes. */
export function changedFiles(image: TreeImage, dir: string): Set<string> {
  const changed = new Set<string>()
  for (const [path, bytes] of image.files) {
    const current = readOrNull(join(dir, path))
    if (current === null || !current.equals(bytes)) changed.add(path)
  }
  return changed
}
