/**
 * Generators of refused calls for H6's input fuzzing (FM-18): for every public method, argument
 * lists in which exactly one slot is wrong — a boundary value (-1, NaN, 2**53, Infinity, '', huge
 * strings, bigints, symbols, …) or anything fast-check can make (`fc.anything` with every option
 * on) that the input contract (input-contract.ts) does not accept, an unknown option key, or a
 * state-dependent refusal (an offset past the HW, a topic that exists or does not). Every call
 * built here must be refused with a typed error and change nothing.
 *
 * `METHOD_SPECS` is a list of data: each names the method, generates its bad argument lists for
 * the current state, and invokes it. New API (producers, transactions, consumers) adds entries.
 */
import fc from 'fast-check'
import { Log, type Partition } from '../../../src/index.js'
import type { LogModel } from './log-model.js'
import {
  APPEND_OPTION_RULES,
  LOG_OPTION_RULES,
  TOPIC_CONFIG_RULES,
  integerIn,
  isLegalTopicName,
  isNonEmptyString,
  isPartitionCount,
  isSafeInteger,
  isValidOptions,
  isValidRecord,
  isValidRecords,
  readOptionRules,
  sendToOptionRules,
  streamOptionRules,
  type Validator,
} from './input-contract.js'
import { recordArb } from './arbitraries.js'

/** What the bad calls run against: one open log mirrored by `model`, and the paths around it. */
export interface InputContext {
  log: Log
  model: LogModel
  /** The open log's directory. */
  logDir: string
  /** A closed log directory (Log.open with bad options must leave it untouched). */
  closedDir: string
  /** A path that does not exist (Log.open with bad options must not create it). */
  missingDir: string
  /** An open file descriptor sendTo may write to (it must stay empty). */
  sinkFd: number
  /** The topic every partition-level method targets. */
  topic: string
}

export interface MethodSpec {
  name: string
  /** Argument lists the method must refuse, for the state in `ctx`. */
  badArgs(ctx: InputContext): fc.Arbitrary<unknown[]>
  /** Calls the method; for stream, also pulls the first record (where a lazy error shows). */
  invoke(ctx: InputContext, args: unknown[]): Promise<unknown>
}

/** Values at the edges of every type check (FM-18). */
export const BOUNDARY_VALUES: readonly unknown[] = [
  -1, 0, 1, -0, 0.5, 1.5, NaN, Infinity, -Infinity, 127, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), Number.MAX_VALUE,
  Number.MIN_VALUE, '', '0', '1', ' ', 'x'.repeat(300), '\u0000', '\ud800', null, undefined, true, false, [], [1], {}, 0n, 1n, 2n ** 64n,
  Symbol('boundary'), () => 1, new Date(0), Buffer.alloc(0), new Uint8Array(3), new Int32Array(2), new Map(), new Set(), Object.create(null),
  { valueOf: () => 1 }, new Number(1), new String('all'),
]

const anyValue = fc.anything({
  maxDepth: 2,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withTypedArray: true,
  withSparseArray: true,
})

/** Anything (a boundary value or fc.anything) the validator refuses. */
export function invalid(valid: Validator): fc.Arbitrary<unknown> {
  return fc.oneof(fc.constantFrom(...BOUNDARY_VALUES), anyValue).filter((v) => !valid(v))
}

const unknownKey = fc.string({ minLength: 1, maxLength: 12 })

/**
 * Option objects `isValidOptions(…, rules)` refuses: not an object (or missing a `required` key),
 * one known key with a bad value on top of `base`, or an unknown key.
 */
function badOptions(rules: Record<string, Validator>, base: Record<string, unknown>, optional: boolean, required: readonly string[] = []): fc.Arbitrary<unknown> {
  const keys = Object.keys(rules)
  return fc.oneof(
    invalid((v) => isValidOptions(v, rules, optional, required)),
    fc.constantFrom(...keys).chain((key) => invalid(rules[key]!).filter((v) => v !== undefined).map((v) => ({ ...base, [key]: v }))),
    fc.tuple(unknownKey.filter((k) => !Object.hasOwn(rules, k)), anyValue).map(([key, v]) => ({ ...base, [key]: v })),
  )
}

/** One slot wrong, the others valid: `valid[i]` supplies slot i's valid value. */
function oneSlotWrong(valid: readonly fc.Arbitrary<unknown>[], wrong: readonly fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown[]> {
  return fc.oneof(...wrong.map((bad, i) => fc.tuple(...valid.map((v, j) => (j === i ? bad : v)))))
}

function partitionState(ctx: InputContext, p: number): { logStartOffset: number; highWatermark: number } {
  return ctx.model.describe(ctx.topic)[p]!
}

function handle(ctx: InputContext, p = 0): Partition {
  return ctx.log.partition(ctx.topic, p)
}

const topicRules = { ...TOPIC_CONFIG_RULES } as Record<string, Validator>
const openRules = { ...TOPIC_CONFIG_RULES, ...LOG_OPTION_RULES } as Record<string, Validator>
const createTopicRules = { ...topicRules, partitions: isPartitionCount }

/** A records array with one bad record, or the whole argument wrong. */
function badRecords(): fc.Arbitrary<unknown> {
  const badRecord = fc.oneof(
    invalid(isValidRecord),
    fc.tuple(recordArb, fc.constantFrom('key', 'value', 'headers', 'timestamp')).chain(([record, field]) =>
      invalid((v) => isValidRecord({ ...record, [field]: v })).map((v) => ({ ...record, [field]: v })),
    ),
    recordArb.chain((record) => invalid((v) => isValidRecord({ ...record, headers: [['h', v]] })).map((v) => ({ ...record, headers: [['h', v]] }))),
    recordArb.chain((record) => invalid((v) => isValidRecord({ ...record, headers: { h: v } })).map((v) => ({ ...record, headers: { h: v } }))),
  )
  return fc.oneof(
    invalid(isValidRecords),
    fc.tuple(fc.array(recordArb, { maxLength: 3 }), badRecord, fc.nat()).map(([records, bad, at]) => {
      const out: unknown[] = [...records]
      out.splice(at % (records.length + 1), 0, bad)
      return out
    }),
  )
}

export const METHOD_SPECS: readonly MethodSpec[] = [
  {
    name: 'Log.open',
    badArgs: (ctx) =>
      oneSlotWrong(
        [fc.constantFrom(ctx.logDir, ctx.closedDir, ctx.missingDir), fc.constant(undefined)],
        [invalid(isNonEmptyString), badOptions(openRules, {}, true)],
      ),
    invoke: async (_ctx, [dir, options]) => {
      const log = await Log.open(dir as string, options as never)
      await log.close() // opened: the test fails on the missing error; do not leak the lock
    },
  },
  {
    name: 'createTopic',
    badArgs: (ctx) =>
      oneSlotWrong(
        [fc.constant('fresh-topic'), fc.constant(undefined)],
        [invalid((v) => isLegalTopicName(v) && !ctx.model.topics.has(v as string)), badOptions(createTopicRules, {}, true)],
      ),
    invoke: (ctx, [name, options]) => ctx.log.createTopic(name as string, options as never),
  },
  {
    name: 'createPartitions',
    badArgs: (ctx) => {
      const count = ctx.model.topic(ctx.topic).partitions.length
      return oneSlotWrong(
        [fc.constant(ctx.topic), fc.constant(count + 1)],
        [invalid((v) => typeof v === 'string' && ctx.model.topics.has(v)), invalid(integerIn(count + 1, 10_000))],
      )
    },
    invoke: (ctx, [name, count]) => ctx.log.createPartitions(name as string, count as number),
  },
  {
    name: 'alterTopicConfig',
    badArgs: (ctx) =>
      oneSlotWrong(
        [fc.constant(ctx.topic), fc.constant({ retentionBytes: -1 })],
        [invalid((v) => typeof v === 'string' && ctx.model.topics.has(v)), badOptions(topicRules, {}, true)],
      ),
    invoke: (ctx, [name, config]) => ctx.log.alterTopicConfig(name as string, config as never),
  },
  {
    name: 'partition',
    badArgs: (ctx) =>
      oneSlotWrong(
        [fc.constant(ctx.topic), fc.constant(0)],
        [
          invalid((v) => typeof v === 'string' && ctx.model.topics.has(v)),
          invalid(integerIn(0, ctx.model.topic(ctx.topic).partitions.length - 1)),
        ],
      ),
    invoke: async (ctx, [topic, partition]) => ctx.log.partition(topic as string, partition as number),
  },
  {
    name: 'append',
    badArgs: (ctx) => {
      // A batch over maxMessageBytes is RECORD_TOO_LARGE, however valid its records.
      const tooLarge = fc.integer({ min: ctx.model.topic(ctx.topic).config.maxMessageBytes, max: 64 * 1024 }).map((n) => [{ value: Buffer.alloc(n) }])
      return oneSlotWrong([fc.constant([{ value: 'v' }]), fc.constant(undefined)], [fc.oneof(badRecords(), tooLarge), badOptions(APPEND_OPTION_RULES, {}, true)])
    },
    invoke: (ctx, [records, options]) => handle(ctx).append(records as never, options as never),
  },
  {
    name: 'read',
    badArgs: (ctx) => {
      const { logStartOffset, highWatermark } = partitionState(ctx, 0)
      return badOptions(readOptionRules(logStartOffset, highWatermark), { offset: logStartOffset }, false, ['offset']).map((v) => [v])
    },
    invoke: (ctx, [options]) => handle(ctx).read(options as never),
  },
  {
    name: 'stream',
    badArgs: (ctx) => {
      const { logStartOffset, highWatermark } = partitionState(ctx, 0)
      return badOptions(streamOptionRules(logStartOffset, highWatermark), {}, true).map((v) => [v])
    },
    invoke: async (ctx, [options]) => {
      const records = handle(ctx).stream(options as never)
      try {
        await records.next()
      } finally {
        await records.return(undefined)
      }
    },
  },
  {
    name: 'offsetForTimestamp',
    badArgs: () => invalid(isSafeInteger).map((v) => [v]),
    invoke: (ctx, [timestamp]) => handle(ctx).offsetForTimestamp(timestamp as number),
  },
  {
    name: 'deleteRecords',
    badArgs: (ctx) => invalid(integerIn(0, partitionState(ctx, 0).highWatermark)).map((v) => [v]),
    invoke: (ctx, [beforeOffset]) => handle(ctx).deleteRecords(beforeOffset as number),
  },
  {
    name: 'sendTo',
    badArgs: (ctx) => {
      const { logStartOffset, highWatermark } = partitionState(ctx, 0)
      const isTarget: Validator = (v) => integerIn(0, 0x7fffffff)(v) || (typeof v === 'object' && v !== null && typeof (v as { write?: unknown }).write === 'function')
      return oneSlotWrong(
        [fc.constant(ctx.sinkFd), fc.constant({ offset: logStartOffset })],
        [invalid(isTarget), badOptions(sendToOptionRules(logStartOffset, highWatermark), { offset: logStartOffset }, false, ['offset'])],
      )
    },
    invoke: (ctx, [target, options]) => handle(ctx).sendTo(target as number, options as never),
  },
]
