/**
 * Awaiting the fdatasync rounds seglog publishes on `seglog:flush` (src/diagnostics.ts) instead of
 * sleeping: subscribe before triggering the flush, resume when the round that covers the offsets
 * in question is reported, however slow the machine is. (The round is published once its
 * fdatasync returned; the partition's recovery point is updated right after, in the same turn.)
 */
import diagnosticsChannel from 'node:diagnostics_channel'

export interface FlushEvent {
  topic: string
  partition: number
  durationMs: number
  durableEnd: number
}

const FLUSH_CHANNEL = 'seglog:flush'

/** The first flush round of `topic`-`partition` that made everything below `durableEnd` durable. */
export function flushReaching(topic: string, partition: number, durableEnd: number): Promise<FlushEvent> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown): void => {
      const event = message as FlushEvent
      if (event.topic !== topic || event.partition !== partition || event.durableEnd < durableEnd) return
      diagnosticsChannel.unsubscribe(FLUSH_CHANNEL, onMessage)
      resolve(event)
    }
    diagnosticsChannel.subscribe(FLUSH_CHANNEL, onMessage)
  })
}
