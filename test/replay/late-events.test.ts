// Replay and live agree on late-arriving events: a delivery that happened before its parcel was
// due but reaches the live engine seconds after the past-due shipment ends the wait in both; the
// parcel without a delivery gets its apology in both.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { replayTrace } from '../../src/replay/replay.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'

const DAY = 86_400_000
const T = Date.UTC(2026, 5, 20, 10, 0, 0)
const clock = new ManualClock(T)
let engine: TestEngine

beforeAll(async () => {
  engine = await startEngine({ clock })
})
afterAll(async () => {
  await engine?.app.stop()
})

const msg = (userId: string, event: string, properties: Record<string, unknown>, at: number) => ({ type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: new Date(at).toISOString() })

function shipment(userId: string) {
  return [
    { type: 'identify', messageId: randomUUID(), userId, traits: { email: `${userId}@example.com` }, timestamp: new Date(T - 10 * DAY).toISOString() },
    msg(userId, 'Order Completed', { order_id: 'R1', total: 40 }, T - 5 * DAY),
    msg(userId, 'Order Shipped', { order_id: 'R1', estimated_delivery_at: new Date(T - 2 * DAY).toISOString() }, T - 4 * DAY),
  ]
}

describe('late-arriving events', () => {
  it('decide the same in replay (by event time) and live (arriving late)', async () => {
    const delivered = `rl-${randomUUID().slice(0, 8)}`
    const late = `rl-${randomUUID().slice(0, 8)}`
    const delivery = msg(delivered, 'Order Delivered', { order_id: 'R1' }, T - 3 * DAY)

    // Live: both shipments now, the delivery 3 s later in its own request.
    expect((await engine.ingest([...shipment(delivered), ...shipment(late)])).status).toBe(200)
    await engine.app.tick()
    clock.advance(3_000)
    expect((await engine.ingest([delivery])).status).toBe(200)
    await engine.app.tick()
    clock.advance(10 * 60_000)
    await engine.app.tick()
    const live: string[] = []
    for (const id of [delivered, late]) for (const o of await engine.app.ops.outbox.list({ customerId: id })) live.push(`${o.ruleId}|${id}|${o.template}`)

    const replayed = await replayTrace([...shipment(delivered), ...shipment(late), delivery], { horizonMs: 3 * DAY })
    const fromReplay = replayed.lines.filter((l) => l.action === 'nudge' && l.outcome !== 'suppressed').map((l) => `${l.rule}|${l.customer}|${l.template}`)

    expect(live).toEqual([`delayed-shipment|${late}|delayed-shipment`])
    expect(fromReplay.sort()).toEqual(live.sort())
  }, 120_000)
})
