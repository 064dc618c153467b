/**
 * Tracing through `node:diagnostics_channel` (api.md "Checking and observing"). Publishing is guarded by
 * `hasSubscribers`, so an untraced log pays one property read per event and allocates nothing.
 *
 * | channel          | message                                                              |
 * |------------------|----------------------------------------------------------------------|
 * | `seglog:append`  | `{ topic, partition, baseOffset, lastOffset, bytes }` per written run |
 * | `seglog:flush`   | `{ topic, partition, durationMs, durableEnd }` per fdatasync round    |
 * | `seglog:roll`    | `{ topic, partition, baseOffset }` per new segment                    |
 */
import diagnosticsChannel from 'node:diagnostics_channel'

export const appendChannel = diagnosticsChannel.channel('seglog:append')
export const flushChannel = diagnosticsChannel.channel('seglog:flush')
export const rollChannel = diagnosticsChannel.channel('seglog:roll')
