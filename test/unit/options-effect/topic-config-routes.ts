/**
 * The three ways a topic config reaches a topic — createTopic's options, Log.open's defaults for
 * new topics, alterTopicConfig on a topic created without it — and the tests one TopicConfig
 * effect or refusal becomes on each (topic-config-effects.ts holds the table).
 *
 * Where the value under test is the default (`durability: 'fsync'`), `counter` holds the other
 * value and each route must beat it: createTopic beats Log.open's default, alterTopicConfig beats
 * the created config. Each effect also gets a control: the observation with the option at its
 * default (or at `counter`) must fail, the proof that it would catch the option being ignored.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { DEFAULT_TOPIC_CONFIG, type CreateTopicOptions, type Log, type Partition, type TopicConfig } from '../../../src/index.js'
import { appendEach, freshDir, ManualClock, openLog, TOPIC, withFakeTimers, type EffectTest } from './harness.js'

export const ROUTES = ['createTopic', 'Log.open default', 'alterTopicConfig'] as const
export type Route = (typeof ROUTES)[number]

export interface Subject {
  log: Log
  p: Partition
  clock: ManualClock
  dir: string
}

export interface TopicConfigEffect {
  name: string
  /** The setting under test, given through the route. */
  config: Partial<TopicConfig>
  /** Settings the observation needs (small segments, 'os' mode), always given to createTopic. */
  base?: CreateTopicOptions
  /** The opposite setting each route must override (see the file header). */
  counter?: Partial<TopicConfig>
  values?: readonly string[]
  /**
   * The setting applies to segments created after it (Kafka: index settings are a segment's own):
   * every route first rolls once (base.segmentBytes must be set) and the observation is made in
   * the new active segment.
   */
  newSegments?: boolean
  fakeTimers?: boolean
  /** Routes on which the setting has no effect today (reported bugs): their tests run as `it.fails`. */
  fails?: Partial<Record<Route, string>>
  observe(t: Subject, periods: () => number[]): Promise<void>
}

export interface TopicConfigRefusal {
  name: string
  config: Partial<TopicConfig>
  code: 'UNSUPPORTED_FEATURE' | 'UNSUPPORTED_COMPRESSION_TYPE'
  values?: readonly string[]
}

async function subjectFor(route: Route, e: TopicConfigEffect): Promise<Subject> {
  const clock = new ManualClock()
  const dir = freshDir()
  let log: Log
  if (route === 'createTopic') {
    log = await openLog(dir, { clock: clock.now, ...e.counter })
    await log.createTopic(TOPIC, { ...e.base, ...e.config })
  } else if (route === 'Log.open default') {
    log = await openLog(dir, { clock: clock.now, ...e.config })
    await log.createTopic(TOPIC, e.base ?? {})
  } else {
    log = await openLog(dir, { clock: clock.now })
    await log.createTopic(TOPIC, { ...e.base, ...e.counter })
    await log.alterTopicConfig(TOPIC, e.config)
  }
  // The route delivered the value; the observation shows that it acts.
  expect(log.describeTopic(TOPIC).config).toMatchObject(e.config)
  const p = log.partition(TOPIC, 0)
  if (e.newSegments === true) {
    // A batch that nearly fills the segment, then one that cannot fit: the roll makes a segment
    // under the config as it is now.
    const segmentBytes = e.base?.segmentBytes ?? 0
    await appendEach(p, 1, segmentBytes - 120)
    await appendEach(p, 1)
    expect(p.log.segments.length, 'the roll before the observation').toBe(2)
  }
  return { log, p, clock, dir }
}

function runObservation(route: Route, e: TopicConfigEffect): Promise<void> {
  if (e.fakeTimers !== true) return subjectFor(route, e).then((t) => e.observe(t, () => []))
  return withFakeTimers(async (periods) => e.observe(await subjectFor(route, e), periods))
}

/**
 * One test per route, and a control: the same observation with the option at its default (or at
 * `counter`) must fail an assertion — the proof that the test would catch the option being ignored.
 */
export function effectTests(e: TopicConfigEffect): EffectTest[] {
  const tests: EffectTest[] = ROUTES.map((route) => ({
    name: `${e.name} (${route})`,
    values: e.values,
    fails: e.fails?.[route],
    run: () => runObservation(route, e),
  }))
  const key = Object.keys(e.config)[0] as keyof TopicConfig
  const ignored = e.counter ?? { [key]: DEFAULT_TOPIC_CONFIG[key] }
  if (ignored[key] === e.config[key]) return tests // the default itself: nothing to tell it from (said at the entry)
  tests.push({
    name: `${e.name} — control: with ${key} ${JSON.stringify(ignored[key])} instead, the observation fails`,
    run: async () => {
      const failure = await runObservation('createTopic', { ...e, config: ignored, counter: undefined }).then(
        () => null,
        (err: unknown) => err,
      )
      expect(failure, 'the observation passed without the option: it cannot tell the option from its absence').toMatchObject({ name: 'AssertionError' })
    },
  })
  return tests
}

export function refusalTests(r: TopicConfigRefusal): EffectTest[] {
  const key = Object.keys(r.config)[0] as keyof TopicConfig
  const refused = { code: r.code, name: 'SeglogError' }
  return [
    {
      name: `${r.name} (createTopic: no topic, no partition directory)`,
      values: r.values,
      run: async () => {
        const dir = freshDir()
        const log = await openLog(dir)
        await expect((async () => log.createTopic(TOPIC, r.config))()).rejects.toMatchObject(refused)
        expect(log.topics()).toEqual([])
        expect(existsSync(join(dir, `${TOPIC}-0`))).toBe(false)
      },
    },
    {
      name: `${r.name} (Log.open default: the directory is not even created)`,
      values: r.values,
      run: async () => {
        const dir = freshDir()
        await expect(openLog(dir, r.config)).rejects.toMatchObject(refused)
        expect(existsSync(dir)).toBe(false)
      },
    },
    {
      name: `${r.name} (alterTopicConfig: the config is unchanged)`,
      values: r.values,
      run: async () => {
        const log = await openLog(freshDir())
        await log.createTopic(TOPIC)
        await expect((async () => log.alterTopicConfig(TOPIC, r.config))()).rejects.toMatchObject(refused)
        expect(log.describeTopic(TOPIC).config[key]).toBe(DEFAULT_TOPIC_CONFIG[key])
      },
    },
  ]
}

/** Every value of `key` but `accepted` is refused with `code`: one refusal entry per value. */
export function refuseOthers(key: 'cleanupPolicy' | 'compressionType', all: readonly string[], accepted: readonly string[], code: TopicConfigRefusal['code']): EffectTest[] {
  return all
    .filter((v) => !accepted.includes(v))
    .flatMap((v) => refusalTests({ name: `${key} '${v}' is refused with ${code}: it has no effect yet`, config: { [key]: v }, code, values: [v] }))
}

