/**
 * The producer's partitioner: which partition of a topic each message of `producer.send` goes to
 * (api.md "Producers", the `partitioner` option).
 *
 * Order of decision, as in Kafka's `KafkaProducer.partition`:
 * 1. a message's own `partition` wins (checked against the topic's partition count);
 * 2. else a custom function, if given, decides for every message, keyed or not;
 * 3. else `'roundRobin'` hands out the partitions in turn, ignoring keys (Kafka's
 *    `RoundRobinPartitioner`);
 * 4. else (`'murmur2'`, the default) a keyed message goes to
 *    `toPositive(murmur2(keyBytes)) % partitionCount` — the Java client's
 *    `BuiltInPartitioner.partitionForKey` and kafkajs' `Partitioners.DefaultPartitioner` (formerly
 *    `JavaCompatiblePartitioner`); not kafkajs' `Partitioners.LegacyPartitioner`, whose murmur2
 *    multiplies in doubles, loses the low bits and so picks other partitions. An unkeyed message
 *    (key null or undefined; an empty key is a key) goes to the topic's sticky partition
 *    (`StickyPartitionCache`).
 *
 * Key bytes are the bytes seglog writes as the record key: a string's UTF-8 encoding (a lone
 * surrogate becomes EF BF BD, as `Buffer.from` does; Java's `getBytes(UTF_8)` writes `?` instead,
 * so only a malformed string can hash differently from a Java producer's), a Buffer/Uint8Array as is.
 *
 * A partition that is not an integer in [0, partitionCount) — returned by a custom function or
 * given on a message — is UNKNOWN_TOPIC_OR_PARTITION (a message's `partition` that is not a
 * non-negative integer at all is a RangeError, as for `log.partition(topic, n)`); the check runs
 * before anything is written, so a send that fails it writes nothing.
 *
 * Concurrency: pure computation plus per-topic counters; one instance per producer, used from the
 * event loop only. Nothing here is persisted: after a restart the sticky partitions and
 * round-robin positions start afresh, as a new Kafka producer's do.
 */
import { invalidArgType, outOfRange, SeglogError } from '../errors.js'
import type { HeaderInput, RecordValue } from '../format/record.js'

/** Kafka's `Utils.murmur2` seed. */
const MURMUR2_SEED = 0x9747b28c
/** murmur2's mixing constants `m` and `r` (Austin Appleby's MurmurHash2). */
const MURMUR2_M = 0x5bd1e995
const MURMUR2_R = 24

/**
 * Kafka's `Utils.murmur2`: MurmurHash2 of `data` with seed 0x9747b28c, as a signed 32-bit integer
 * (the Java `int`). Java's int arithmetic is reproduced with `Math.imul` and `| 0`; shifts are
 * Java's `>>>`.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length
  let h = (MURMUR2_SEED ^ length) | 0
  const length4 = length >>> 2
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24)
    k = Math.imul(k, MURMUR2_M)
    k ^= k >>> MURMUR2_R
    k = Math.imul(k, MURMUR2_M)
    h = Math.imul(h, MURMUR2_M) ^ k
  }
  // The 1–3 bytes after the last whole word: Java's switch with fall-through, as ifs.
  const tailBytes = length & 3
  if (tailBytes > 0) {
    const tail = length - tailBytes
    if (tailBytes === 3) h ^= data[tail + 2] << 16
    if (tailBytes >= 2) h ^= data[tail + 1] << 8
    h ^= data[tail]
    h = Math.imul(h, MURMUR2_M)
  }
  h ^= h >>> 13
  h = Math.imul(h, MURMUR2_M)
  h ^= h >>> 15
  return h | 0
}

/**
 * Kafka's `Utils.toPositive`: clears the sign bit. Not `Math.abs`, which would map a different
 * set of hashes to each partition (and leave −2^31 negative in Java).
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff
}

/** A message key as `producer.send` takes it: a string (hashed as UTF-8) or bytes. */
export type PartitionKey = string | Uint8Array

/** The bytes murmur2 hashes for `key`: what the record stores as its key. */
export function keyBytes(key: PartitionKey): Uint8Array {
  if (typeof key === 'string') return Buffer.from(key, 'utf8')
  if (key instanceof Uint8Array) return key
  throw invalidArgType('key', 'of type string or an instance of Buffer or Uint8Array', key)
}

/** The Java client's partition for a keyed record: `toPositive(murmur2(key)) % partitionCount`. */
export function partitionForKey(key: PartitionKey, partitionCount: number): number {
  assertPartitionCount(partitionCount)
  return toPositive(murmur2(keyBytes(key))) % partitionCount
}

/**
 * Sticky partitions for unkeyed messages (Kafka's KIP-480 `StickyPartitionCache`): all unkeyed
 * messages of a topic go to one partition until a batch for that partition is completed, then to
 * another, so that unkeyed traffic fills few large batches instead of one small batch per
 * partition, and still spreads over all partitions as batches complete.
 *
 * When the sticky partition changes, in seglog: only on `nextBatch(topic, partitionCount,
 * completedPartition)` with `completedPartition` equal to the topic's current sticky partition.
 * The producer calls it each time it completes a batch for a partition of the topic — with
 * `lingerMs: 0` at the end of every `send` (one batch per partition per call), with `lingerMs > 0`
 * when the linger window closes or the batch reaches `batchBytes`. A completed batch of another
 * partition (a keyed batch, a late one) leaves the sticky partition as it is, like Kafka's
 * compare-and-replace on `prevPartition`. It also changes when the topic's partition count no
 * longer covers it. (Kafka 3.3's KIP-794 switches after `batch.size` bytes instead; seglog keeps
 * KIP-480's batch boundary because it is where a local log gains from switching.)
 *
 * The next partition is chosen at random, never the one just left when there are two or more, so
 * that producers do not walk the partitions in lockstep.
 */
export class StickyPartitionCache {
  /** topic → its current sticky partition. */
  private readonly stickyByTopic = new Map<string, number>()

  /** @param random uniform floats in [0, 1); tests pass a seeded one. */
  constructor(private readonly random: () => number = Math.random) {}

  /** The topic's sticky partition, choosing one on first use or when `partitionCount` shrank below it. */
  partition(topic: string, partitionCount: number): number {
    assertPartitionCount(partitionCount)
    const current = this.stickyByTopic.get(topic)
    if (current !== undefined && current < partitionCount) return current
    return this.choose(topic, partitionCount, current)
  }

  /**
   * A batch for `completedPartition` of `topic` was completed: if it is the sticky partition, move
   * to another. Returns the topic's sticky partition after the call.
   */
  nextBatch(topic: string, partitionCount: number, completedPartition: number): number {
    assertPartitionCount(partitionCount)
    const current = this.stickyByTopic.get(topic)
    if (current === undefined || current >= partitionCount) return this.choose(topic, partitionCount, current)
    if (current !== completedPartition) return current
    return this.choose(topic, partitionCount, current)
  }

  /** Drops the topic's state (the producer calls it when the topic is deleted). */
  forget(topic: string): void {
    this.stickyByTopic.delete(topic)
  }

  private choose(topic: string, partitionCount: number, previous: number | undefined): number {
    let next: number
    if (partitionCount === 1) next = 0
    else if (previous === undefined || previous >= partitionCount) next = this.randomBelow(partitionCount)
    else {
      // Uniform over the other partitionCount − 1 partitions, in one draw.
      next = this.randomBelow(partitionCount - 1)
      if (next >= previous) next++
    }
    this.stickyByTopic.set(topic, next)
    return next
  }

  private randomBelow(n: number): number {
    return Math.min(n - 1, Math.floor(this.random() * n))
  }
}

/**
 * Kafka's `RoundRobinPartitioner`: every message, keyed or not, to the next partition of its
 * topic in turn, starting at partition 0 of each topic.
 */
export class RoundRobinPartitioner {
  /** topic → how many messages it has handed out (wraps at 2^31, like Java's counter). */
  private readonly countByTopic = new Map<string, number>()

  partition(topic: string, partitionCount: number): number {
    assertPartitionCount(partitionCount)
    const count = this.countByTopic.get(topic) ?? 0
    this.countByTopic.set(topic, (count + 1) & 0x7fffffff)
    return count % partitionCount
  }

  forget(topic: string): void {
    this.countByTopic.delete(topic)
  }
}

/** What a custom partitioner function is given. */
export interface PartitionerArgs {
  topic: string
  partitionCount: number
  key: RecordValue | undefined
  value: RecordValue
  headers: HeaderInput | undefined
}

/** A custom partitioner: returns an integer in [0, partitionCount), synchronously. */
export type CustomPartitioner = (args: PartitionerArgs) => number

/** The `partitioner` option of `log.producer` (api.md "Producers"). */
export type PartitionerOption = 'murmur2' | 'roundRobin' | CustomPartitioner

/** The fields of a `producer.send` message the partitioner looks at. */
export interface PartitionedMessage {
  key?: RecordValue
  value: RecordValue
  headers?: HeaderInput
  partition?: number
}

/** What `resolvePartitioner` gives the producer. */
export interface ResolvedPartitioner {
  /** Which partition `message` goes to; throws (and the producer writes nothing) for a bad partition. */
  choosePartition(message: PartitionedMessage, topic: string, partitionCount: number): number
  /**
   * The producer completed a batch for `partition` of `topic`: lets the sticky partition move on
   * (see StickyPartitionCache). Call it for every completed batch, whichever partitioner; it does
   * nothing for `'roundRobin'` and custom functions.
   */
  batchCompleted(topic: string, partitionCount: number, partition: number): void
  /** Drops per-topic state (sticky partition, round-robin position) of a deleted topic. */
  forgetTopic(topic: string): void
  readonly kind: 'murmur2' | 'roundRobin' | 'custom'
  /** The unkeyed messages' partitions under `'murmur2'`; undefined for the other kinds. */
  readonly sticky: StickyPartitionCache | undefined
}

/**
 * The partitioner for `option` (default `'murmur2'`). `random` feeds the sticky choice; tests
 * pass a seeded one.
 */
export function resolvePartitioner(option: PartitionerOption = 'murmur2', random: () => number = Math.random): ResolvedPartitioner {
  if (option === 'murmur2') {
    const sticky = new StickyPartitionCache(random)
    return {
      kind: 'murmur2',
      sticky,
      choosePartition(message, topic, partitionCount) {
        const explicit = explicitPartition(message, topic, partitionCount)
        if (explicit !== undefined) return explicit
        const key = message.key
        if (key === null || key === undefined) return sticky.partition(topic, partitionCount)
        return partitionForKey(key, partitionCount)
      },
      batchCompleted: (topic, partitionCount, partition) => void sticky.nextBatch(topic, partitionCount, partition),
      forgetTopic: (topic) => sticky.forget(topic),
    }
  }
  if (option === 'roundRobin') {
    const roundRobin = new RoundRobinPartitioner()
    return {
      kind: 'roundRobin',
      sticky: undefined,
      choosePartition(message, topic, partitionCount) {
        return explicitPartition(message, topic, partitionCount) ?? roundRobin.partition(topic, partitionCount)
      },
      batchCompleted: () => {},
      forgetTopic: (topic) => roundRobin.forget(topic),
    }
  }
  if (typeof option === 'function') {
    const custom = option
    return {
      kind: 'custom',
      sticky: undefined,
      choosePartition(message, topic, partitionCount) {
        const explicit = explicitPartition(message, topic, partitionCount)
        if (explicit !== undefined) return explicit
        const { key, value, headers } = message
        const chosen: unknown = custom({ topic, partitionCount, key, value, headers })
        if (typeof chosen !== 'number' || !Number.isInteger(chosen) || chosen < 0 || chosen >= partitionCount) {
          throw new SeglogError(
            'UNKNOWN_TOPIC_OR_PARTITION',
            `The partitioner chose partition ${describePartition(chosen)} of topic ${topic}, which has partitions 0 to ${partitionCount - 1}`,
            { topic },
          )
        }
        return chosen
      },
      batchCompleted: () => {},
      forgetTopic: () => {},
    }
  }
  throw invalidArgType('partitioner', "'murmur2', 'roundRobin' or a function", option)
}

/** A message's own partition, checked; undefined when it has none (null counts as none, as in kafkajs). */
function explicitPartition(message: PartitionedMessage, topic: string, partitionCount: number): number | undefined {
  assertPartitionCount(partitionCount)
  const partition: unknown = message.partition
  if (partition === undefined || partition === null) return undefined
  if (typeof partition !== 'number') throw invalidArgType('message.partition', 'of type number', partition)
  if (!Number.isSafeInteger(partition) || partition < 0) {
    throw outOfRange('message.partition', '>= 0 and <= 2^53 - 1 (an integer)', partition)
  }
  if (partition >= partitionCount) {
    throw new SeglogError(
      'UNKNOWN_TOPIC_OR_PARTITION',
      `Topic ${topic} has ${partitionCount} partitions; there is no partition ${partition}`,
      { topic, partition },
    )
  }
  return partition
}

function assertPartitionCount(partitionCount: number): void {
  if (!Number.isSafeInteger(partitionCount) || partitionCount < 1) {
    throw outOfRange('partitionCount', 'an integer >= 1', partitionCount)
  }
}

function describePartition(value: unknown): string {
  if (typeof value === 'number') return String(value)
  if (value instanceof Promise) return '(a Promise: partitioners must be synchronous)'
  return `(${value === null ? 'null' : typeof value})`
}
