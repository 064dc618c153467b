/** Errors a partition's calls raise for its own state (deleted, or its log closed). */
import { SeglogError } from '../errors.js'

export function unknownPartitionError(topic: string, partition: number): SeglogError {
  return new SeglogError('UNKNOWN_TOPIC_OR_PARTITION', `Partition ${topic}-${partition} was deleted with its topic`, { topic, partition })
}

export function logClosedError(): SeglogError {
  return new SeglogError('LOG_CLOSED', 'The log is closed')
}
