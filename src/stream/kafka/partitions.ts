// The engine keys positions, customer state and timers by (source name, partition number), but
// Kafka partitions are numbered per topic. With one topic the source partition IS the Kafka
// partition. With several, the source partition is topicIndex * 10000 + partition, topicIndex
// being the topic's place in KAFKA_TOPICS. So the list is append-only: reordering or removing a
// topic would point stored positions and timers at another topic's partitions. Topic 0 keeps its
// plain numbers, so adding a second topic later leaves the first one's positions valid.

export const TOPIC_PARTITION_STRIDE = 10_000

export interface TopicPartition {
  topic: string
  partition: number
}

export class PartitionIds {
  private readonly index: Map<string, number>

  constructor(readonly topics: readonly string[]) {
    if (topics.length === 0) throw new Error('PartitionIds: at least one topic')
    this.index = new Map(topics.map((t, i) => [t, i]))
  }

  /** The engine's partition number for a Kafka topic partition. */
  toSource(topic: string, partition: number): number {
    const i = this.index.get(topic)
    if (i === undefined) throw new Error(`topic "${topic}" is not one of ${this.topics.join(', ')}`)
    if (!Number.isInteger(partition) || partition < 0 || partition >= TOPIC_PARTITION_STRIDE) {
      throw new Error(`partition ${partition} of "${topic}" is outside 0..${TOPIC_PARTITION_STRIDE - 1}`)
    }
    return i * TOPIC_PARTITION_STRIDE + partition
  }

  /** The Kafka topic partition behind an engine partition number. */
  fromSource(id: number): TopicPartition {
    const topic = this.topics[Math.floor(id / TOPIC_PARTITION_STRIDE)]
    if (topic === undefined || id < 0) throw new Error(`source partition ${id} maps to no topic`)
    return { topic, partition: id % TOPIC_PARTITION_STRIDE }
  }

  /** Source partition numbers of a kafkajs member assignment ({ topic: [partitions] }), sorted. */
  fromAssignment(assignment: Readonly<Record<string, readonly number[]>>): number[] {
    const ids: number[] = []
    for (const [topic, partitions] of Object.entries(assignment)) {
      if (!this.index.has(topic)) continue
      for (const p of partitions) ids.push(this.toSource(topic, p))
    }
    return ids.sort((a, b) => a - b)
  }
}
