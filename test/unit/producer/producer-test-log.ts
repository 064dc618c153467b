/**
 * Real logs for the producer tests (producer-api, producer-linger, producer-retry): a Log on a temp
 * directory, a producer id allocator on the same directory, producers over them, and a read-back
 * of the batches as they are on disk — so a test sees how many batches a send made and which
 * producer id and sequences they carry.
 *
 * `idempotentAppendsSupported` is detected, not assumed: it tries an append with a producer id on a
 * throwaway log, so the idempotent tests skip while the partition refuses producer fields
 * (UNSUPPORTED_FEATURE) and run by themselves once it validates them.
 */
import { afterEach } from 'vitest'
import { SeglogError } from '../../../src/errors.js'
import { decodeBatch } from '../../../src/format/batch.js'
import { defaultFileSystem } from '../../../src/io/file.js'
import { Log, type LogOptions } from '../../../src/log.js'
import type { AppendOptions } from '../../../src/partition/partition.js'
import { ProducerIdAllocator } from '../../../src/producer/producer-ids.js'
import { Producer, producerLogFor, type ProducerLog, type ProducerOptions } from '../../../src/producer/producer.js'
import { logBytes, partitionDir } from '../../helpers/partition-files.js'
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dirs.js'

/** Whether `append` takes producerId/producerEpoch/baseSequence (the idempotence wiring landed). */
export async function detectIdempotentAppends(): Promise<boolean> {
  const dir = makeTempDir('seglog-producer-probe-')
  const log = await Log.open(dir)
  try {
    await log.createTopic('probe')
    const options = { producerId: 0, producerEpoch: 0, baseSequence: 0 } as AppendOptions
    await log.partition('probe', 0).append([{ value: 'probe' }], options)
    return true
  } catch (err) {
    if (err instanceof SeglogError && err.code === 'UNSUPPORTED_FEATURE') return false
    throw err
  } finally {
    await log.close()
  }
}

export interface ProducerTestLog {
  log: Log
  dir: string
  /** The log as producers see it (tests wrap it to interfere with appends). */
  producerLog: ProducerLog
  producer(options?: ProducerOptions, producerLog?: ProducerLog): Producer
}

/** One batch as stored. */
export interface StoredBatch {
  baseOffset: number
  lastOffset: number
  sizeBytes: number
  producerId: number
  producerEpoch: number
  baseSequence: number
  values: string[]
}

/** Opens logs (closed, with their producers, and removed after each test). */
export function useProducerLogs(): (options?: LogOptions) => Promise<ProducerTestLog> {
  const logs: Log[] = []
  const producers: Producer[] = []
  afterEach(async () => {
    for (const producer of producers.splice(0)) await producer.close().catch(() => {})
    for (const log of logs.splice(0)) await log.close().catch(() => {})
    removeTempDirs()
  })
  return async (options) => {
    const dir = makeTempDir('seglog-producer-')
    const log = await Log.open(dir, options)
    logs.push(log)
    const ids = await ProducerIdAllocator.open(options?.fileSystem ?? defaultFileSystem, dir)
    const producerLog = producerLogFor(log, () => ids.allocate(), options?.clock)
    return {
      log,
      dir,
      producerLog,
      producer(producerOptions, through = producerLog) {
        const producer = new Producer(through, producerOptions)
        producers.push(producer)
        return producer
      },
    }
  }
}

/** The batches of a partition as they are in its `.log` files, in offset order. */
export function storedBatches(dir: string, topic: string, partition: number): StoredBatch[] {
  const bytes = logBytes(partitionDir(dir, topic, partition))
  const batches: StoredBatch[] = []
  for (let pos = 0; pos < bytes.length; ) {
    const batch = decodeBatch(bytes, pos)
    batches.push({
      baseOffset: batch.baseOffset,
      lastOffset: batch.lastOffset,
      sizeBytes: batch.sizeBytes,
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      values: batch.records.map((r) => r.value?.toString() ?? '<null>'),
    })
    pos += batch.sizeBytes
  }
  return batches
}

/** Every record value of a partition, in offset order. */
export function storedValues(dir: string, topic: string, partition: number): string[] {
  return storedBatches(dir, topic, partition).flatMap((b) => b.values)
}
