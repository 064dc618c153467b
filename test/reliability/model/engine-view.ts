/**
 * "The engine equals the model" (H6): every topic, its config, every partition's offsets, segment
 * count and size, and every readable record byte for byte — read through the public API only
 * (`topics`, `describeTopic`, `read`).
 */
import { expect } from 'vitest'
import type { Log } from '../../../src/index.js'
import type { LogModel } from './log-model.js'
import { comparableRecord, type ComparableRecord } from './stored-record.js'

/** Large enough that a model-sized partition is one or two reads. */
const READ_MAX_BYTES = 4 * 1024 * 1024

async function readAll(log: Log, topic: string, partition: number, from: number, highWatermark: number): Promise<ComparableRecord[]> {
  const out: ComparableRecord[] = []
  let offset = from
  while (offset < highWatermark) {
    const result = await log.partition(topic, partition).read({ offset, maxBytes: READ_MAX_BYTES })
    if (result.nextOffset <= offset) throw new Error(`read({ offset: ${offset} }) of ${topic}-${partition} made no progress below the HW ${highWatermark}`)
    for (const record of result.records) out.push(comparableRecord(record.offset, record))
    offset = result.nextOffset
  }
  return out
}

export async function expectEngineEqualsModel(log: Log, model: LogModel): Promise<void> {
  expect(log.topics(), 'topics').toEqual(model.topicNames())
  for (const name of model.topicNames()) {
    const described = log.describeTopic(name)
    expect({ ...described.config }, `config of ${name}`).toEqual({ ...model.topic(name).config })
    const expected = model.describe(name)
    expect(described.partitions, `partitions of ${name}`).toEqual(expected)
    for (const info of expected) {
      const records = await readAll(log, name, info.partition, info.logStartOffset, info.highWatermark)
      expect(records, `records of ${name}-${info.partition}`).toEqual(model.readable(name, info.partition))
    }
  }
}
