// One writer per customer: a customer arriving on a second partition is detected and counted.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'

let engine: TestEngine
const clock = new ManualClock(Date.UTC(2026, 9, 1))
beforeAll(async () => {
  engine = await startEngine({ clock })
})
afterAll(async () => {
  await engine?.app.stop()
})

const record = (partition: number, offset: number, userId: string) => ({
  partition,
  offset,
  key: userId,
  value: { type: 'track', messageId: randomUUID(), userId, event: 'Product Viewed', properties: {}, timestamp: new Date(clock.now()).toISOString() },
  receivedAt: clock.now(),
})

it('counts a customer seen on two partitions, and keeps processing', async () => {
  const metric = async () => Number(/^careloop_partition_conflicts_total (\d+)/m.exec(await engine.app.server.inject({ url: '/metrics', headers: { authorization: `Bearer ${KEYS.admin}` } }).then((r) => r.body))?.[1])
  await engine.app.engine.handleBatch({ partition: 3, records: [record(3, 1, 'split-1'), record(3, 2, 'whole-1')] })
  expect(await metric()).toBe(0)
  await engine.app.engine.forgetState()
  await engine.app.engine.handleBatch({ partition: 5, records: [record(5, 1, 'split-1')] })
  expect(await metric()).toBe(1)
  const timeline = await engine.api('GET', '/api/customers/split-1/timeline')
  expect(timeline.body.entries.filter((e: { kind: string }) => e.kind === 'event')).toHaveLength(2)
})
