/**
 * `log.producer()` on a real Log (api.md "Producers"): the Log's wiring of the Producer — topic
 * limits, durable producer ids that are never reused across reopens, and `log.close()` writing a
 * producer's lingering batch before it closes.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Log } from '../../../src/index.js'
import { makeTempDir, removeTempDirs } from '../../helpers/temp-dirs.js'

afterEach(removeTempDirs)

describe('log.producer()', () => {
  it('sends keyed messages to the partitions the partitioner picks and reads them back with their producer ids', async () => {
    const dir = makeTempDir('seglog-log-producer-')
    const log = await Log.open(dir)
    try {
      await log.createTopic('t', { partitions: 3 })
      const producer = log.producer()
      const results = await producer.send({ topic: 't', messages: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'a', value: '3' }] })
      expect(results.reduce((n, r) => n + (r.lastOffset - r.baseOffset + 1), 0)).toBe(3)
      const id = producer.producerId
      expect(id).not.toBeNull()
      for (const r of results) {
        const { records } = await log.partition('t', r.partition).read({ offset: r.baseOffset })
        expect(records.length).toBe(r.lastOffset - r.baseOffset + 1)
        for (const record of records) expect(record.producerId).toBe(id)
      }
      // Both 'a' messages are in one partition, in send order.
      const aPartition = results.find((r) => r.lastOffset > r.baseOffset)!
      const { records } = await log.partition('t', aPartition.partition).read({ offset: aPartition.baseOffset })
      expect(records.map((r) => r.value!.toString())).toEqual(['1', '3'])
      await expect(producer.send({ topic: 'missing', messages: [{ value: 'x' }] })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
    } finally {
      await log.close()
    }
  })

  it('never hands out a producer id twice across reopens', async () => {
    const dir = makeTempDir('seglog-log-producer-ids-')
    const seen = new Set<number>()
    for (let round = 0; round < 3; round++) {
      const log = await Log.open(dir)
      if (round === 0) await log.createTopic('t')
      for (let i = 0; i < 2; i++) {
        const producer = log.producer()
        await producer.send({ topic: 't', messages: [{ value: `${round}-${i}` }] })
        expect(seen.has(producer.producerId!)).toBe(false)
        seen.add(producer.producerId!)
      }
      await log.close()
    }
    expect(seen.size).toBe(6)
  })

  it('writes a lingering batch when the log closes, and refuses producers after it', async () => {
    const dir = makeTempDir('seglog-log-producer-close-')
    const log = await Log.open(dir)
    await log.createTopic('t')
    const producer = log.producer({ lingerMs: 60_000 })
    const sent = producer.send({ topic: 't', messages: [{ value: 'lingering' }] })
    await log.close()
    await expect(sent).resolves.toEqual([{ topic: 't', partition: 0, baseOffset: 0, lastOffset: 0 }])
    expect(() => log.producer()).toThrow(expect.objectContaining({ code: 'LOG_CLOSED' }))
    const reopened = await Log.open(dir)
    try {
      const { records } = await reopened.partition('t', 0).read({ offset: 0 })
      expect(records.map((r) => r.value!.toString())).toEqual(['lingering'])
    } finally {
      await reopened.close()
    }
  })
})
