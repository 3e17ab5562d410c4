// Ownership bookkeeping behind KafkaSource.partitions(): empty whenever ownership is in doubt.
import { describe, expect, it } from 'vitest'
import { Membership, type AssignmentChange } from '../../src/stream/kafka/consumer/Membership.ts'

function membership() {
  const changes: AssignmentChange[] = []
  return { m: new Membership((c) => changes.push(c)), changes }
}

describe('Membership', () => {
  it('reports assignments and revocations as changes', () => {
    const { m, changes } = membership()
    m.joined([0, 1, 2])
    m.joined([1, 2, 3])
    expect(m.partitions()).toEqual([1, 2, 3])
    expect(changes).toEqual([
      { partitions: [0, 1, 2], assigned: [0, 1, 2], revoked: [] },
      { partitions: [1, 2, 3], assigned: [3], revoked: [0] },
    ])
    m.joined([1, 2, 3])
    expect(changes).toHaveLength(2) // no change, no call
  })

  it('gives everything up when a request of the current generation says the group moved on; a later accepted heartbeat restores it', () => {
    const { m } = membership()
    m.joined([0, 1])
    m.lose(m.generation)
    expect(m.lost).toBe(true)
    expect(m.partitions()).toEqual([])
    m.confirmed()
    expect(m.lost).toBe(false)
    expect(m.partitions()).toEqual([0, 1])
  })

  it('ignores late failures of an earlier generation', () => {
    const { m } = membership()
    m.joined([0])
    const before = m.generation
    m.joined([0, 1])
    m.lose(before)
    expect(m.lost).toBe(false)
    expect(m.partitions()).toEqual([0, 1])
  })

  it('while kafkajs rejoins, only the next join restores ownership', () => {
    const { m } = membership()
    m.joined([0, 1])
    m.rejoining()
    m.confirmed()
    expect(m.partitions()).toEqual([])
    m.joined([1])
    expect(m.lost).toBe(false)
    expect(m.partitions()).toEqual([1])
  })

  it('owns nothing after clear (stop, crash)', () => {
    const { m } = membership()
    m.joined([4])
    m.clear()
    m.confirmed()
    expect(m.partitions()).toEqual([])
  })
})
