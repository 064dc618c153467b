/**
 * A file system image for power cuts (reliability.md H3 and "Facts about this platform"): an
 * ext4 or xfs image, loop-mounted as the "live" file system a worker writes to; a
 * snapshot copies the image file — exactly what the file system had sent to its block device,
 * without the dirty page cache — and loop-mounts the copy, which replays the journal as a reboot
 * would. A snapshot therefore shows the disk as a power cut at the moment of the copy leaves it.
 *
 * Isolation and clean-up: everything lives in a private mount namespace held by one process
 * (`unshare -m --propagation private sh -c '… exec cat'`): a tmpfs over the work directory (the
 * image and its copy live in memory, so the loop device's flushes cost nothing and nothing touches
 * the host disk), the image, and both loop mounts (`mount -o loop` sets autoclear). The parent
 * reaches those files through /proc/<holder>/root/…, which resolves paths in the holder's mount
 * namespace; mounting the copy runs `nsenter -m` into it. Closing the holder's stdin — or the
 * parent dying — ends `cat`, the namespace goes, and with it every mount and loop device, even if
 * vitest is killed.
 *
 * Needs root, util-linux (unshare, nsenter, mount with loop support), a free loop device, and
 * mkfs for the file system: `powerCutUnavailableReason` says which is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

export type PowerCutFileSystem = 'ext4' | 'xfs'

const MIB = 1024 * 1024
/** Sparse image sizes: ext4 is happy with 64 MiB, mkfs.xfs refuses images under 300 MiB. */
const IMAGE_BYTES: Record<PowerCutFileSystem, number> = { ext4: 64 * MIB, xfs: 320 * MIB }
/** Room on the tmpfs for the image and one copy, both sparse: what the logs write, twice, plus slack. */
const TMPFS_BYTES = 1024 * MIB
const MKFS_ARGS: Record<PowerCutFileSystem, string[]> = { ext4: ['-q'], xfs: ['-q', '-f'] }
/** xfs refuses to mount a second file system with the same UUID as a mounted one. */
const SNAPSHOT_MOUNT_OPTIONS: Record<PowerCutFileSystem, string> = { ext4: 'loop', xfs: 'loop,nouuid' }
/** A guard for mkfs + mount (well under a second for these sizes). */
const SETUP_TIMEOUT_MS = 60_000

const HOLDER_SCRIPT = `
set -e
work=$1; fstype=$2; image_bytes=$3; tmpfs_bytes=$4; shift 4
mount -t tmpfs -o size=$tmpfs_bytes seglog-power-cut "$work"
truncate -s "$image_bytes" "$work/image"
mkfs.$fstype "$@" "$work/image" >&2
mkdir "$work/live" "$work/snap"
mount -o loop "$work/image" "$work/live"
echo mounted
exec cat >/dev/null
`

/** Why power cuts cannot run here for `fsType`, or null if they can. */
export function powerCutUnavailableReason(fsType: PowerCutFileSystem): string | null {
  if (process.platform !== 'linux') return `power cuts need Linux loop devices (this is ${process.platform})`
  if (process.getuid?.() !== 0) return 'power cuts need root (loop devices and mount)'
  for (const tool of ['unshare', 'nsenter', 'losetup', `mkfs.${fsType}`]) {
    const probe = spawnSync(tool, ['-V'], { encoding: 'utf8' })
    if (probe.error) return `${tool} is not available (${probe.error.message})${tool.startsWith('mkfs.xfs') ? ': apt-get install xfsprogs' : ''}`
  }
  const loop = spawnSync('losetup', ['-f'], { encoding: 'utf8' })
  if (loop.status !== 0) return `no free loop device: ${(loop.stderr || loop.stdout).trim()}`
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seglog-mount-probe-'))
  try {
    const mount = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs probe "$1"', 'sh', dir], { encoding: 'utf8' })
    if (mount.status !== 0) return `mount is not permitted in a private mount namespace: ${mount.stderr.trim()}`
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  return null
}

export class LoopImage {
  /** The live file system's root, as this process reaches it. */
  readonly liveDir: string
  /** The mounted copy's root, as this process reaches it (valid between snapshot and dropSnapshot). */
  readonly snapshotDir: string
  private snapshotMounted = false

  private constructor(
    readonly fsType: PowerCutFileSystem,
    private readonly workDir: string,
    private readonly holder: ChildProcess,
    private readonly holderExited: Promise<void>,
  ) {
    this.liveDir = this.reach('live')
    this.snapshotDir = this.reach('snap')
  }

  /** Makes the namespace, the tmpfs, the image and its file system, and mounts it. */
  static async create(fsType: PowerCutFileSystem, workDir: string): Promise<LoopImage> {
    const holder = spawn(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', HOLDER_SCRIPT, 'sh', workDir, fsType, String(IMAGE_BYTES[fsType]), String(TMPFS_BYTES), ...MKFS_ARGS[fsType]],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    )
    let stderr = ''
    holder.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const holderExited = new Promise<void>((resolve) => holder.on('close', () => resolve()))
    const mounted = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${fsType} image setup took over ${SETUP_TIMEOUT_MS} ms; stderr: ${stderr}`)), SETUP_TIMEOUT_MS)
      holder.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        if (!chunk.includes('mounted')) return
        clearTimeout(timer)
        resolve()
      })
      void holderExited.then(() => {
        clearTimeout(timer)
        reject(new Error(`${fsType} image setup failed (exit ${holder.exitCode ?? holder.signalCode}): ${stderr.trim()}`))
      })
    })
    try {
      await mounted
    } catch (err) {
      holder.kill('SIGKILL')
      throw err
    }
    return new LoopImage(fsType, workDir, holder, holderExited)
  }

  /**
   * Copies the image (sparse) and mounts the copy: the power cut. The caller must have stopped
   * every writer first, or the copy races them.
   */
  snapshot(): void {
    if (this.snapshotMounted) throw new Error('a snapshot is already mounted: drop it first')
    run('cp', ['--sparse=always', this.reach('image'), this.reach('snap.img')])
    this.inNamespace('mount', ['-o', SNAPSHOT_MOUNT_OPTIONS[this.fsType], path.join(this.workDir, 'snap.img'), path.join(this.workDir, 'snap')])
    this.snapshotMounted = true
  }

  /** Unmounts and deletes the copy. */
  dropSnapshot(): void {
    if (!this.snapshotMounted) return
    this.inNamespace('umount', [path.join(this.workDir, 'snap')])
    this.snapshotMounted = false
    fs.rmSync(this.reach('snap.img'), { force: true })
  }

  /** Ends the holder: the namespace, both mounts, the loop devices and the tmpfs go with it. */
  async destroy(): Promise<void> {
    this.holder.stdin!.end()
    await this.holderExited
  }

  private reach(name: string): string {
    return `/proc/${this.holder.pid}/root${path.join(this.workDir, name)}`
  }

  private inNamespace(command: string, args: readonly string[]): void {
    run('nsenter', ['-t', String(this.holder.pid), '-m', '--', command, ...args])
  }
}

function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' })
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? result.status ?? result.signal}): ${result.stderr.trim()}`)
  }
}
