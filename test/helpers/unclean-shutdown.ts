/**
 * What a crash leaves behind, staged in-process on a closed log directory (Kafka's LogLoaderTest
 * passes `lastShutdownClean = false` and a recovery point to createLog; these do the same through
 * the files seglog reads at open):
 * - `markUncleanShutdown` removes the clean-shutdown marker close() wrote, so open() recovers;
 * - `writeCheckpoint` replaces a per-partition checkpoint in seglog's version 1 of Kafka's
 *   CheckpointFile text format (`1\n<count>\n<topic> <partition> <offset>\n<crc32c hex>\n`, the
 *   checksum over the lines above it), written here by hand with crc-32's CRC-32C rather than with
 *   the engine's encoder, so the format itself is part of what the tests check.
 * Call these only on a closed log: an open one rewrites both files.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { CLEAN_SHUTDOWN_FILE_NAME } from '../../src/log.js'
import { LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT } from '../../src/log/checkpoint-file.js'

const CRC32C = createRequire(import.meta.url)('crc-32/crc32c') as { buf(data: Uint8Array, seed?: number): number }

/** Removes `<dir>/.clean-shutdown`; throws if it is missing (the close was not clean: the test is wrong). */
export function markUncleanShutdown(dir: string): void {
  const marker = join(dir, CLEAN_SHUTDOWN_FILE_NAME)
  if (!existsSync(marker)) throw new Error(`${marker} is missing: close the log cleanly before staging a crash`)
  rmSync(marker)
}

export type CheckpointName = typeof RECOVERY_POINT_CHECKPOINT | typeof LOG_START_OFFSET_CHECKPOINT

/** Replaces `<dir>/<name>` with one entry per [topic, partition, offset]. */
export function writeCheckpoint(dir: string, name: CheckpointName, entries: readonly [string, number, number][]): void {
  const lines = ['1', String(entries.length), ...entries.map(([topic, partition, offset]) => `${topic} ${partition} ${offset}`)]
  const body = Buffer.from(lines.join('\n') + '\n')
  const checksum = (CRC32C.buf(body) >>> 0).toString(16).padStart(8, '0')
  writeFileSync(join(dir, name), Buffer.concat([body, Buffer.from(`${checksum}\n`)]))
}

/** Stages an unclean shutdown whose recovery point for `topic`-`partition` is `offset`. */
export function crashWithRecoveryPoint(dir: string, topic: string, partition: number, offset: number): void {
  markUncleanShutdown(dir)
  writeCheckpoint(dir, RECOVERY_POINT_CHECKPOINT, [[topic, partition, offset]])
}

export { LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT }
