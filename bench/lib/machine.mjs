/**
 * What machine a benchmark ran on, recorded beside every result: numbers from different machines,
 * file systems or bindings are not comparable, and a result file must say which it was.
 *
 * - CPU model from /proc/cpuinfo (`model name`), cores from os.availableParallelism(), memory.
 * - The file system type of the directory the benchmark writes to, from the longest mount point in
 *   /proc/mounts that contains it (falls back to `stat -f`), and whether that is memory (tmpfs):
 *   an fsync on tmpfs costs nothing, so durable numbers there would be fiction.
 * - The 1-minute load average when the workload started: on a shared machine a load above the core
 *   count means the numbers were taken while others competed for the CPUs and the disk.
 * - Node version and the binding seglog loaded (native addon or pure-JS fallback, with the reason),
 *   read from dist/native/load.js; "dist not built" when it is missing.
 *
 * The bench directory is $SEGLOG_BENCH_DIR, else os.tmpdir(); if that is memory-backed, a
 * directory inside the repository (bench/results/work.tmp, git-ignored) on the real disk.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'

/** File systems that live in memory: durability numbers measured on them mean nothing. */
const MEMORY_FILE_SYSTEMS = new Set(['tmpfs', 'ramfs'])

const repoWorkDir = fileURLToPath(new URL('../results/work.tmp/', import.meta.url))
const loadModulePath = fileURLToPath(new URL('../../dist/native/load.js', import.meta.url))

/** /proc/mounts escapes spaces and tabs in paths as octal (\040). */
function unescapeMountPath(field) {
  return field.replace(/\\([0-7]{3})/g, (_, octal) => String.fromCharCode(parseInt(octal, 8)))
}

/** The file system type holding `dirPath` ("ext4", "xfs", "tmpfs", …), or "unknown". */
export function fileSystemTypeOf(dirPath) {
  const target = realpathSync(dirPath)
  try {
    let best = { mountPoint: '', type: 'unknown' }
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const [, mountField, type] = line.split(' ')
      if (!mountField) continue
      const mountPoint = unescapeMountPath(mountField)
      const contains = mountPoint === '/' || target === mountPoint || target.startsWith(mountPoint + '/')
      if (contains && mountPoint.length >= best.mountPoint.length) best = { mountPoint, type }
    }
    if (best.type !== 'unknown') return best.type
  } catch {
    // No /proc (not Linux): ask stat below.
  }
  try {
    return execFileSync('stat', ['-f', '-c', '%T', target], { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

/** Where benchmarks put their data: `{ path, fsType, note }`, never memory-backed if avoidable. */
export function chooseBenchRoot() {
  const requested = process.env.SEGLOG_BENCH_DIR ?? os.tmpdir()
  mkdirSync(requested, { recursive: true })
  const fsType = fileSystemTypeOf(requested)
  if (!MEMORY_FILE_SYSTEMS.has(fsType)) return { path: realpathSync(requested), fsType, note: `${requested} (${fsType})` }
  mkdirSync(repoWorkDir, { recursive: true })
  const diskType = fileSystemTypeOf(repoWorkDir)
  return { path: repoWorkDir, fsType: diskType, note: `${repoWorkDir} (${diskType}; ${requested} is ${fsType}, memory)` }
}

function cpuModel() {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (match) return match[1].trim()
  } catch {
    // Not Linux: os.cpus() below.
  }
  return os.cpus()[0]?.model ?? 'unknown'
}

/** The binding seglog's dist loads by default: `{ binding, nativeLoadError }`. */
async function seglogBinding() {
  if (!existsSync(loadModulePath)) return { binding: 'unknown', nativeLoadError: 'dist not built (npx tsc -p tsconfig.build.json)' }
  const { binding, nativeLoadError } = await import(loadModulePath)
  return { binding: binding.kind, nativeLoadError: nativeLoadError?.message ?? null }
}

/** Everything a result needs to say about the machine; `benchRoot` from chooseBenchRoot(). */
export async function machineInfo(benchRoot) {
  return {
    cpuModel: cpuModel(),
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    loadAverage1m: os.loadavg()[0],
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    ...(await seglogBinding()),
    benchDir: benchRoot.path,
    fsType: benchRoot.fsType,
  }
}

/** One line for humans: "AMD EPYC ×2, 23.5 GiB, load 0.4, ext4 /tmp, node v20.20.2, native". */
export function describeMachine(machine) {
  const memoryGiB = (machine.memoryBytes / 2 ** 30).toFixed(1)
  return `${machine.cpuModel} ×${machine.cores}, ${memoryGiB} GiB, load ${machine.loadAverage1m.toFixed(1)}, ${machine.fsType} ${machine.benchDir}, node ${machine.node}, ${machine.binding}`
}
