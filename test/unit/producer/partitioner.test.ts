import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { SeglogError } from '../../../src/errors.js'
import {
  murmur2,
  partitionForKey,
  resolvePartitioner,
  RoundRobinPartitioner,
  StickyPartitionCache,
  toPositive,
  type PartitionerArgs,
} from '../../../src/producer/partitioner.js'
import { randomInt, seedFromEnv, seededRandom } from '../../helpers/seeded-random.mjs'

// kafkajs (a devDependency, CommonJS) is the independent implementation we match: its murmur2 and
// its DefaultPartitioner, the Java-compatible one (not LegacyPartitioner).
const require = createRequire(import.meta.url)
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number
const kafkajs = require('kafkajs') as {
  Partitioners: {
    DefaultPartitioner: () => (args: {
      topic: string
      partitionMetadata: { partitionId: number; leader: number }[]
      message: { key?: Buffer | string | null; partition?: number }
    }) => number
  }
}

const SEED = seedFromEnv('SEED')
const RANDOM_KEYS = 4_000

/** Code point ranges for random keys: ASCII, Latin-1/Greek/Cyrillic, CJK, and astral emoji (4 UTF-8 bytes). */
const CODE_POINT_RANGES: [number, number][] = [
  [0x20, 0x7e],
  [0x00, 0x1f],
  [0xa0, 0x4ff],
  [0x4e00, 0x9fff],
  [0x1f300, 0x1faff],
]

function randomString(random: () => number): string {
  const length = randomInt(random, 0, 40)
  let s = ''
  for (let i = 0; i < length; i++) {
    const [low, high] = CODE_POINT_RANGES[randomInt(random, 0, CODE_POINT_RANGES.length - 1)]
    s += String.fromCodePoint(randomInt(random, low, high))
  }
  return s
}

function randomBytes(random: () => number): Buffer {
  const bytes = Buffer.alloc(randomInt(random, 0, 64))
  for (let i = 0; i < bytes.length; i++) bytes[i] = randomInt(random, 0, 255)
  return bytes
}

function metadata(partitionCount: number): { partitionId: number; leader: number }[] {
  return Array.from({ length: partitionCount }, (_, partitionId) => ({ partitionId, leader: 0 }))
}

function expectSeglogError(fn: () => unknown, code: string): SeglogError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(SeglogError)
    expect((err as SeglogError).code).toBe(code)
    return err as SeglogError
  }
  throw new Error(`expected a SeglogError ${code}, nothing was thrown`)
}

describe('murmur2', () => {
  it("gives the Java client's values for Kafka's UtilsTest.testMurmur2 vectors", () => {
    // Property: Utils.murmur2 equality on the fixed vectors the Java client itself asserts.
    const javaVectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ]
    for (const [key, expected] of javaVectors) expect(murmur2(Buffer.from(key)), key).toBe(expected)
  })

  it("equals kafkajs' murmur2 for thousands of random strings, non-ASCII and emoji included", () => {
    // Property: for well-formed strings, our hash of the UTF-8 bytes equals kafkajs' hash of the string.
    const random = seededRandom(SEED)
    for (let i = 0; i < RANDOM_KEYS; i++) {
      const key = randomString(random)
      expect(murmur2(Buffer.from(key, 'utf8')), `SEED=${SEED} key ${JSON.stringify(key)}`).toBe(kafkajsMurmur2(key))
    }
  })

  it("equals kafkajs' murmur2 for thousands of random binary keys of 0 to 64 bytes", () => {
    // Property: every length mod 4 (the tail switch) and every byte value hash as kafkajs hashes them.
    const random = seededRandom(SEED + 1)
    const lengthsSeen = new Set<number>()
    for (let i = 0; i < RANDOM_KEYS; i++) {
      const key = randomBytes(random)
      lengthsSeen.add(key.length)
      expect(murmur2(key), `SEED=${SEED} key ${key.toString('hex')}`).toBe(kafkajsMurmur2(key))
    }
    expect(lengthsSeen.size).toBe(65)
  })

  it('hashes a Uint8Array that is not a Buffer like the Buffer of the same bytes', () => {
    // Property: the hash depends on the bytes only, not on the view type or its offset in a larger buffer.
    const backing = new Uint8Array(40).map((_, i) => (i * 37 + 11) & 0xff)
    const view = backing.subarray(3, 30)
    expect(murmur2(view)).toBe(kafkajsMurmur2(Buffer.from(view)))
  })
})

describe('toPositive', () => {
  it('clears the sign bit rather than taking the absolute value, as Kafka does', () => {
    // Property: toPositive(x) = x & 0x7fffffff, which differs from Math.abs for negative hashes.
    expect(toPositive(-1)).toBe(0x7fffffff)
    expect(toPositive(-(2 ** 31))).toBe(0)
    expect(toPositive(-973932308)).toBe(-973932308 + 2 ** 31)
    expect(toPositive(479470107)).toBe(479470107)
  })
})

describe('partitionForKey', () => {
  it("picks kafkajs DefaultPartitioner's partition for random string and binary keys over 1..50 partitions", () => {
    // Property: for every partition count from 1 to 50, keyed placement equals the Java-compatible kafkajs partitioner.
    const random = seededRandom(SEED + 2)
    const kafkajsPartition = kafkajs.Partitioners.DefaultPartitioner()
    const metadataByCount = Array.from({ length: 51 }, (_, n) => metadata(n))
    const choose = resolvePartitioner('murmur2').choosePartition
    const mismatches: string[] = []
    for (let i = 0; i < 1_000; i++) {
      const key = i % 2 === 0 ? randomString(random) : randomBytes(random)
      for (let partitionCount = 1; partitionCount <= 50; partitionCount++) {
        const expected = kafkajsPartition({ topic: 't', partitionMetadata: metadataByCount[partitionCount], message: { key } })
        const viaKey = partitionForKey(key, partitionCount)
        const viaMessage = choose({ key, value: 'v' }, 't', partitionCount)
        if (viaKey !== expected || viaMessage !== expected) {
          mismatches.push(`key ${JSON.stringify(key)} over ${partitionCount}: kafkajs ${expected}, ours ${viaKey}/${viaMessage}`)
        }
      }
    }
    expect(mismatches, `SEED=${SEED}`).toEqual([])
  })

  it('places a string key where its UTF-8 bytes go', () => {
    // Property: a string key and the Buffer of its UTF-8 encoding land on the same partition.
    for (const key of ['order-1', 'ünïcödé', '注文-42', '🦄🚀', '']) {
      for (const partitionCount of [1, 3, 7, 12, 50]) {
        expect(partitionForKey(key, partitionCount)).toBe(partitionForKey(Buffer.from(key, 'utf8'), partitionCount))
      }
    }
  })

  it('treats an empty key as a key, not as a missing one', () => {
    // Property: '' hashes (murmur2 of zero bytes), as in kafkajs and the Java client; it is not sticky.
    const choose = resolvePartitioner('murmur2', () => 0.99).choosePartition
    const expected = toPositive(murmur2(Buffer.alloc(0))) % 10
    for (let i = 0; i < 5; i++) expect(choose({ key: '', value: 'v' }, 't', 10)).toBe(expected)
    expect(choose({ key: null, value: 'v' }, 't', 10)).toBe(9)
  })

  it('refuses a partition count below 1 and a key of another type', () => {
    // Property: programmer errors are Node-style argument errors, not silent NaN partitions.
    expect(() => partitionForKey('k', 0)).toThrow(RangeError)
    expect(() => partitionForKey('k', 2.5)).toThrow(RangeError)
    expect(() => partitionForKey(42 as unknown as string, 3)).toThrow(TypeError)
  })
})

describe('StickyPartitionCache', () => {
  it('keeps every unkeyed message of a topic on one partition until a batch for it completes', () => {
    // Property: partition() is stable between batch completions; nextBatch on the sticky partition moves it elsewhere.
    const cache = new StickyPartitionCache(seededRandom(SEED + 3))
    const first = cache.partition('t', 6)
    for (let i = 0; i < 100; i++) expect(cache.partition('t', 6)).toBe(first)
    const second = cache.nextBatch('t', 6, first)
    expect(second).not.toBe(first)
    for (let i = 0; i < 100; i++) expect(cache.partition('t', 6)).toBe(second)
  })

  it('does not move when a batch of another partition completes', () => {
    // Property: a completed batch moves the sticky partition only if it was for that partition (Kafka's compare-and-replace).
    const cache = new StickyPartitionCache(seededRandom(SEED + 4))
    const sticky = cache.partition('t', 5)
    for (let other = 0; other < 5; other++) {
      if (other === sticky) continue
      expect(cache.nextBatch('t', 5, other)).toBe(sticky)
      expect(cache.partition('t', 5)).toBe(sticky)
    }
  })

  it('keeps one sticky partition per topic', () => {
    // Property: completing a batch of one topic leaves another topic's sticky partition as it was.
    const cache = new StickyPartitionCache(seededRandom(SEED + 5))
    const a = cache.partition('a', 8)
    const b = cache.partition('b', 8)
    cache.nextBatch('a', 8, a)
    expect(cache.partition('b', 8)).toBe(b)
  })

  it('never returns to the partition it just left and visits all partitions about evenly', () => {
    // Property: over many completed batches each next partition differs from the previous, and the choice is uniform.
    const cache = new StickyPartitionCache(seededRandom(SEED + 6))
    const partitionCount = 7
    const batches = 14_000
    const counts = new Array<number>(partitionCount).fill(0)
    let repeats = 0
    let current = cache.partition('t', partitionCount)
    for (let i = 0; i < batches; i++) {
      const next = cache.nextBatch('t', partitionCount, current)
      if (next === current) repeats++
      counts[next]++
      current = next
    }
    expect(repeats).toBe(0)
    expect(counts.reduce((a, b) => a + b, 0)).toBe(batches)
    // 2,000 expected per partition, σ ≈ 41: a 10% band is about 5σ, so a fair choice never fails it.
    const expected = batches / partitionCount
    for (const count of counts) expect(Math.abs(count - expected), `SEED=${SEED} counts ${counts}`).toBeLessThan(expected * 0.1)
  })

  it('stays on partition 0 of a single-partition topic', () => {
    // Property: with one partition there is nowhere else to go, and nextBatch does not fail or loop.
    const cache = new StickyPartitionCache(seededRandom(SEED + 7))
    expect(cache.partition('t', 1)).toBe(0)
    expect(cache.nextBatch('t', 1, 0)).toBe(0)
    expect(cache.partition('t', 1)).toBe(0)
  })

  it('chooses again when the partition count no longer covers the sticky partition', () => {
    // Property: the sticky partition is always below the partition count the caller passes.
    const cache = new StickyPartitionCache(() => 0.999)
    expect(cache.partition('t', 10)).toBe(9)
    expect(cache.partition('t', 4)).toBe(3)
    expect(cache.nextBatch('t', 2, 0)).toBe(1)
  })

  it('starts afresh for a forgotten topic', () => {
    // Property: forget() drops the topic's sticky partition, so the next call chooses anew.
    const draws = [0.1, 0.9]
    const cache = new StickyPartitionCache(() => draws.shift() ?? 0.5)
    expect(cache.partition('t', 10)).toBe(1)
    cache.forget('t')
    expect(cache.partition('t', 10)).toBe(9)
  })
})

describe("resolvePartitioner('murmur2') for unkeyed messages", () => {
  it('sends unkeyed messages to the sticky partition and moves on only when its batch completes', () => {
    // Property: null and undefined keys share the sticky partition; keyed messages and other batches do not disturb it.
    const partitioner = resolvePartitioner('murmur2', seededRandom(SEED + 8))
    const sticky = partitioner.choosePartition({ value: 'a' }, 't', 4)
    expect(partitioner.choosePartition({ key: null, value: 'b' }, 't', 4)).toBe(sticky)
    expect(partitioner.choosePartition({ key: 'k', value: 'c' }, 't', 4)).toBe(partitionForKey('k', 4))
    partitioner.batchCompleted('t', 4, (sticky + 1) % 4)
    expect(partitioner.choosePartition({ value: 'd' }, 't', 4)).toBe(sticky)
    partitioner.batchCompleted('t', 4, sticky)
    const next = partitioner.choosePartition({ value: 'e' }, 't', 4)
    expect(next).not.toBe(sticky)
    expect(partitioner.sticky?.partition('t', 4)).toBe(next)
  })

  it('is the default', () => {
    // Property: no option means the murmur2 partitioner (keyed placement equals partitionForKey).
    const partitioner = resolvePartitioner()
    expect(partitioner.kind).toBe('murmur2')
    for (const key of ['x', 'y', 'z']) expect(partitioner.choosePartition({ key, value: 'v' }, 't', 9)).toBe(partitionForKey(key, 9))
  })
})

describe("resolvePartitioner('roundRobin')", () => {
  it('deals messages to the partitions in turn, keyed or not, from partition 0', () => {
    // Property: message i of a topic goes to partition i mod partitionCount, ignoring keys.
    const { choosePartition } = resolvePartitioner('roundRobin')
    const partitionCount = 5
    const counts = new Array<number>(partitionCount).fill(0)
    for (let i = 0; i < 1_000; i++) {
      const partition = choosePartition({ key: i % 3 === 0 ? 'same-key' : null, value: 'v' }, 't', partitionCount)
      expect(partition).toBe(i % partitionCount)
      counts[partition]++
    }
    expect(counts).toEqual([200, 200, 200, 200, 200])
  })

  it('keeps a position per topic', () => {
    // Property: messages to one topic do not advance another topic's turn.
    const roundRobin = new RoundRobinPartitioner()
    expect([roundRobin.partition('a', 3), roundRobin.partition('a', 3)]).toEqual([0, 1])
    expect(roundRobin.partition('b', 3)).toBe(0)
    expect(roundRobin.partition('a', 3)).toBe(2)
    roundRobin.forget('a')
    expect(roundRobin.partition('a', 3)).toBe(0)
  })
})

describe('resolvePartitioner(custom function)', () => {
  it('uses the partition the function returns, given topic, partition count, key, value and headers', () => {
    // Property: the function sees the message's fields and its (valid) answer is the partition.
    const seen: PartitionerArgs[] = []
    const { choosePartition, kind } = resolvePartitioner((args) => {
      seen.push(args)
      return Buffer.byteLength(String(args.value)) % args.partitionCount
    })
    expect(kind).toBe('custom')
    expect(choosePartition({ key: 'k', value: 'hello', headers: { h: '1' } }, 'orders', 3)).toBe(2)
    expect(choosePartition({ value: 'hi' }, 'orders', 3)).toBe(2)
    expect(choosePartition({ value: 'abc' }, 'orders', 3)).toBe(0)
    expect(seen[0]).toEqual({ topic: 'orders', partitionCount: 3, key: 'k', value: 'hello', headers: { h: '1' } })
    expect(seen[1]).toEqual({ topic: 'orders', partitionCount: 3, key: undefined, value: 'hi', headers: undefined })
  })

  it.each([
    ['-1', -1],
    ['the partition count', 4],
    ['far out of range', 1_000],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a numeric string', '1'],
    ['null', null],
    ['undefined', undefined],
    ['a Promise', Promise.resolve(1)],
  ])('refuses a returned partition that is %s with UNKNOWN_TOPIC_OR_PARTITION', (_, returned) => {
    // Property: only an integer in [0, partitionCount) passes; anything else is a typed error naming the topic.
    const { choosePartition } = resolvePartitioner(() => returned as number)
    const err = expectSeglogError(() => choosePartition({ key: 'k', value: 'v' }, 'orders', 4), 'UNKNOWN_TOPIC_OR_PARTITION')
    expect(err.topic).toBe('orders')
    expect(err.message).toContain('orders')
    expect(err.message).toContain('0 to 3')
  })

  it('lets an error thrown by the function through unchanged', () => {
    // Property: the partitioner does not swallow or rewrap the caller's own error.
    const boom = new Error('no partition for you')
    const { choosePartition } = resolvePartitioner(() => {
      throw boom
    })
    expect(() => choosePartition({ value: 'v' }, 't', 2)).toThrow(boom)
  })
})

describe("a message's own partition", () => {
  const kinds = [
    ['murmur2', () => resolvePartitioner('murmur2', seededRandom(SEED + 9))],
    ['roundRobin', () => resolvePartitioner('roundRobin')],
    ['a custom function', () => resolvePartitioner(() => 0)],
  ] as const

  it.each(kinds)('wins over the %s partitioner', (_, make) => {
    // Property: an explicit partition is used as is, whatever the key and partitioner say.
    const { choosePartition } = make()
    for (let partition = 0; partition < 6; partition++) {
      expect(choosePartition({ key: 'k', value: 'v', partition }, 't', 6)).toBe(partition)
      expect(choosePartition({ value: 'v', partition }, 't', 6)).toBe(partition)
    }
  })

  it('does not call the custom function nor advance the round-robin turn', () => {
    // Property: an explicit partition bypasses the partitioner entirely (no side effects on its state).
    let calls = 0
    resolvePartitioner(() => calls++).choosePartition({ value: 'v', partition: 1 }, 't', 2)
    expect(calls).toBe(0)
    const roundRobin = resolvePartitioner('roundRobin')
    roundRobin.choosePartition({ value: 'v', partition: 1 }, 't', 3)
    expect(roundRobin.choosePartition({ value: 'v' }, 't', 3)).toBe(0)
  })

  it.each(kinds)('beyond the partition count is UNKNOWN_TOPIC_OR_PARTITION under the %s partitioner', (_, make) => {
    // Property: a partition the topic does not have is a typed error with topic and partition, before any state changes.
    const { choosePartition } = make()
    const err = expectSeglogError(() => choosePartition({ value: 'v', partition: 6 }, 'orders', 6), 'UNKNOWN_TOPIC_OR_PARTITION')
    expect(err.topic).toBe('orders')
    expect(err.partition).toBe(6)
  })

  it('that is not a non-negative integer is an argument error; null means none', () => {
    // Property: -1, 1.5 and '1' are programmer errors (RangeError/TypeError, as log.partition); null falls through to the partitioner.
    const { choosePartition } = resolvePartitioner('roundRobin')
    expect(() => choosePartition({ value: 'v', partition: -1 }, 't', 3)).toThrow(RangeError)
    expect(() => choosePartition({ value: 'v', partition: 1.5 }, 't', 3)).toThrow(RangeError)
    expect(() => choosePartition({ value: 'v', partition: '1' as unknown as number }, 't', 3)).toThrow(TypeError)
    expect(choosePartition({ value: 'v', partition: null as unknown as number }, 't', 3)).toBe(0)
  })
})

describe('resolvePartitioner options', () => {
  it('refuses an unknown partitioner name', () => {
    // Property: a typo is a TypeError at producer creation, not a silent fallback to murmur2.
    expect(() => resolvePartitioner('random' as 'murmur2')).toThrow(TypeError)
  })
})
