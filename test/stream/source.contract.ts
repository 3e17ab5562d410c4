// The event-source contract (ARCHITECTURE.md §3: one suite against every adapter). Run by
// embedded-source.test.ts and kafka-source.test.ts. What the engine relies on:
//   - every record reaches the handler, in order within its partition;
//   - a failed handler call is delivered again (nothing skipped);
//   - a restarted source resumes after the last committed position (no loss, no replay of
//     what was committed);
//   - one key (customer) always lands on one partition.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { IngestSink } from '../../src/stream/ingest/IngestSink.ts'
import type { EventSource, SourceBatch } from '../../src/stream/source/EventSource.ts'
import { messages, Recorder, waitFor, type Delivery } from './helpers.ts'

export interface SourceFixture {
  /** Where test messages are produced (the adapter's own ingest sink). */
  sink: IngestSink
  /** A new source over the same log/group, as a (re)started process would build it. */
  newSource(): EventSource
  /** Stores a handled batch's position where this adapter's resume reads it (embedded: the engine's positions; Kafka: nothing, the source commits). */
  commitPosition(batch: SourceBatch): Promise<void>
  /** Resolves when the source owns its partitions (Kafka: the group join took place). */
  ready(source: EventSource): Promise<void>
  /** How many partitions the log has. */
  partitionCount: number
  cleanup(): Promise<void>
}

function byPartition(deliveries: readonly Delivery[]): Map<number, Delivery[]> {
  const out = new Map<number, Delivery[]>()
  for (const d of deliveries) out.set(d.partition, [...(out.get(d.partition) ?? []), d])
  return out
}

export function eventSourceContract(name: string, setup: () => Promise<SourceFixture>): void {
  describe(`event source contract: ${name}`, () => {
    let fx: SourceFixture
    const running: EventSource[] = []

    beforeEach(async () => {
      fx = await setup()
    })
    afterEach(async () => {
      for (const s of running.splice(0)) await s.stop()
      await fx.cleanup()
    })

    /** A recorder that stores positions the way this adapter's engine would. */
    function recorder(): Recorder {
      return new Recorder((batch) => fx.commitPosition(batch))
    }

    async function startSource(rec: Recorder): Promise<EventSource> {
      const source = fx.newSource()
      running.push(source)
      await source.start(rec.handler)
      await fx.ready(source)
      return source
    }

    async function stopSource(source: EventSource): Promise<void> {
      await source.stop()
      running.splice(running.indexOf(source), 1)
    }

    it('delivers every record once, in order per partition, and owns every partition', async () => {
      const rec = recorder()
      const source = await startSource(rec)
      expect(source.partitions()).toHaveLength(fx.partitionCount)
      const sent = messages(60, 12)
      await fx.sink.accept(sent.slice(0, 30))
      await fx.sink.accept(sent.slice(30))
      await waitFor('all 60 effects', () => rec.has(sent))
      // A single steady consumer sees no redelivery.
      expect(rec.deliveries).toHaveLength(60)
      for (const [, ds] of byPartition(rec.deliveries)) {
        const offsets = ds.map((d) => d.offset)
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b))
        expect(new Set(offsets).size).toBe(offsets.length)
        expect(Math.min(...offsets)).toBeGreaterThan(0) // the engine skips positions ≤ 0
      }
      // Per customer, production order is kept (one customer = one partition).
      const perKey = new Map<string, number[]>()
      for (const d of rec.deliveries) perKey.set(d.key, [...(perKey.get(d.key) ?? []), d.seq])
      for (const seqs of perKey.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    })

    it('puts records with the same key on the same partition', async () => {
      const rec = recorder()
      await startSource(rec)
      const sent = messages(80, 20)
      await fx.sink.accept(sent)
      await waitFor('all effects', () => rec.has(sent))
      const partitionsOf = new Map<string, Set<number>>()
      for (const d of rec.deliveries) partitionsOf.set(d.key, (partitionsOf.get(d.key) ?? new Set()).add(d.partition))
      expect(partitionsOf.size).toBe(20)
      for (const set of partitionsOf.values()) expect(set.size).toBe(1)
      const used = new Set(rec.deliveries.map((d) => d.partition))
      expect(used.size).toBeLessThanOrEqual(fx.partitionCount)
      if (fx.partitionCount > 1) expect(used.size).toBeGreaterThan(1)
    })

    it('delivers a batch again after the handler failed', async () => {
      const rec = recorder()
      rec.failNext = 1
      await startSource(rec)
      const sent = messages(20, 4)
      await fx.sink.accept(sent)
      await waitFor('all effects after the failure', () => rec.has(sent))
      const failed = rec.batches[0] as SourceBatch
      for (const r of failed.records) {
        expect(rec.deliveries.filter((d) => d.partition === r.partition && d.offset === r.offset).length).toBeGreaterThanOrEqual(2)
      }
      expect(rec.effects.size).toBe(20)
    })

    it('resumes after the last committed position when restarted', async () => {
      const first = recorder()
      const a = await startSource(first)
      const before = messages(30, 6)
      await fx.sink.accept(before)
      await waitFor('the first run', () => first.has(before))
      await stopSource(a)
      const committed = new Map<number, number>()
      for (const d of first.deliveries) committed.set(d.partition, Math.max(committed.get(d.partition) ?? 0, d.offset))

      const after = messages(30, 6)
      await fx.sink.accept(after) // produced while no source runs
      const second = recorder()
      await startSource(second)
      await waitFor('the second run', () => second.has(after))
      for (const d of second.deliveries) expect(d.offset).toBeGreaterThan(committed.get(d.partition) ?? 0)
      expect(second.deliveries.some((d) => before.some((m) => m.messageId === d.messageId))).toBe(false)
      expect(second.effects.size).toBe(30)
    })
  })
}
