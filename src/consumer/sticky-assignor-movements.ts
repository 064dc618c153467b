/**
 * Kafka's `AbstractStickyAssignor.PartitionMovements`, used by the sticky assignor's general
 * (unequal subscriptions) path while it rebalances: for each partition moved so far in this
 * assignment, where it came from and where it went, so that a later move of a partition of the
 * same topic between the same two members in the opposite direction is made with a partition that
 * already moved that way instead — two partitions swapping owners would be two needless moves.
 *
 * Where Kafka takes "any" partition of a set (a HashSet's first), this takes the lowest partition
 * number, so the outcome does not depend on hashing.
 *
 * State lives for one assignment; pure computation, no I/O.
 */
import { partitionKey, type TopicPartition } from './assignor.js'

interface Movement {
  readonly src: string
  readonly dst: string
}

/** A map key for an ordered pair of member ids (JSON, so no pair of ids can collide with another). */
function pairKey(src: string, dst: string): string {
  return JSON.stringify([src, dst])
}

export class PartitionMovements {
  /** topic → movement pair → the partitions of that topic that moved that way (by partition key). */
  private readonly byTopic = new Map<string, Map<string, Map<string, TopicPartition>>>()
  /** partition key → its movement, from its owner at the start of the assignment to its owner now. */
  private readonly byPartition = new Map<string, Movement>()

  /** Records that `partition` moves from `oldConsumer` to `newConsumer` (`movePartition`). */
  move(partition: TopicPartition, oldConsumer: string, newConsumer: string): void {
    const key = partitionKey(partition)
    const existing = this.byPartition.get(key)
    if (existing === undefined) {
      this.add(partition, { src: oldConsumer, dst: newConsumer })
      return
    }
    this.remove(partition, existing)
    // A partition moving back to where it started has not moved at all.
    if (existing.src !== newConsumer) this.add(partition, { src: existing.src, dst: newConsumer })
  }

  /**
   * The partition to move when `partition` should go from `oldConsumer` to `newConsumer`
   * (`getTheActualPartitionToBeMoved`): one of the same topic that earlier moved from
   * `newConsumer` to `partition`'s original owner, if any — moving it back undoes a move — else
   * `partition` itself.
   */
  partitionToMove(partition: TopicPartition, oldConsumer: string, newConsumer: string): TopicPartition {
    const topicMovements = this.byTopic.get(partition.topic)
    if (topicMovements === undefined) return partition
    const own = this.byPartition.get(partitionKey(partition))
    const origin = own === undefined ? oldConsumer : own.src
    const reverse = topicMovements.get(pairKey(newConsumer, origin))
    if (reverse === undefined) return partition
    let lowest: TopicPartition | undefined
    for (const tp of reverse.values()) if (lowest === undefined || tp.partition < lowest.partition) lowest = tp
    return lowest!
  }

  private add(partition: TopicPartition, movement: Movement): void {
    const key = partitionKey(partition)
    this.byPartition.set(key, movement)
    let topicMovements = this.byTopic.get(partition.topic)
    if (topicMovements === undefined) this.byTopic.set(partition.topic, (topicMovements = new Map()))
    const pair = pairKey(movement.src, movement.dst)
    let partitions = topicMovements.get(pair)
    if (partitions === undefined) topicMovements.set(pair, (partitions = new Map()))
    partitions.set(key, partition)
  }

  private remove(partition: TopicPartition, movement: Movement): void {
    const key = partitionKey(partition)
    this.byPartition.delete(key)
    const topicMovements = this.byTopic.get(partition.topic)!
    const pair = pairKey(movement.src, movement.dst)
    const partitions = topicMovements.get(pair)!
    partitions.delete(key)
    if (partitions.size === 0) topicMovements.delete(pair)
    if (topicMovements.size === 0) this.byTopic.delete(partition.topic)
  }
}
