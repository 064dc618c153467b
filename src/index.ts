/**
 * seglog's public API, described in docs/api.md. Everything a user imports comes from here;
 * internal modules are not part of the contract. test/docs/api-coverage.test.ts fails when a
 * name exported here (a class member, an option, a field, an error code) is missing from
 * docs/api.md.
 *
 * @packageDocumentation
 */
export { Log } from './log.js'
export type { LogOptions, CreateTopicOptions, TopicDescription, PartitionInfo, RecoveryReport, PartitionRecovery, VerifyReport } from './log.js'
export { Partition } from './partition/partition.js'
export type { AppendOptions, AppendResult, ReadOptions, ReadResult, StreamOptions, SendToOptions, Acks, Isolation } from './partition/partition.js'
export type { LogRecord as Record } from './partition/reader.js'
export { SeglogError } from './errors.js'
export type { ErrorCode, PublicErrorCode, CorruptionReason, SeglogErrorDetails } from './errors.js'
export type { TopicConfig, CleanupPolicy, Durability, TimestampType, CompressionType } from './options.js'
export { DEFAULT_TOPIC_CONFIG } from './options.js'
export type { LogMetrics, Histogram } from './metrics.js'
export { nativeLoadError } from './native/load.js'
export type { RecordInput, RecordValue, HeaderInput } from './format/batch.js'
export { Producer } from './producer/producer.js'
export type { ProducerOptions, ProducerMessage, SendRequest, SendResult } from './producer/producer.js'
export type { PartitionerOption, CustomPartitioner, PartitionerArgs } from './producer/partitioner.js'
