// The reached-first report on what a real engine wrote (manual clock, the starter rules): a late
// parcel apologised for before the shopper complained (reached), then their "talk to a person"
// click and the agent's call about it (reached, by the same message); a complaint before the parcel
// was late, the rule firing only later (too late, and a needless message: nothing followed it); a
// helpdesk ticket about an order no rule watched (no rule); a money complaint, whose own task is an
// answer, not a rule that fired too late (no rule).
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { talkToPerson } from '../../src/care/talkToPerson.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const C0 = Date.UTC(2026, 10, 20, 9, 0)

describe('reached first on a real engine', () => {
  const clock = new ManualClock(C0)
  let engine: TestEngine
  const times: Record<string, number> = Object.create(null)

  const ts = () => new Date(clock.now()).toISOString()
  const identify = (userId: string) => ({ type: 'identify', messageId: randomUUID(), userId, traits: { email: `${userId}@example.com` }, timestamp: ts() })
  const track = (userId: string, event: string, properties: Record<string, unknown>) => ({ type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: ts() })

  async function at(ms: number, messages: () => unknown[] = () => []): Promise<void> {
    clock.set(C0 + ms)
    const batch = messages()
    if (batch.length > 0) expect((await engine.ingest(batch)).status).toBe(200)
    await engine.app.tick()
  }

  beforeAll(async () => {
    engine = await startEngine({ clock })
    await at(0, () => [
      identify('rf-a'),
      track('rf-a', 'Order Shipped', { order_id: 'RF-A', estimated_delivery_at: new Date(C0 - 2 * DAY).toISOString() }),
      identify('rf-b'),
      track('rf-b', 'Order Shipped', { order_id: 'RF-B', estimated_delivery_at: new Date(C0 + DAY).toISOString() }),
    ])
    await at(6 * MIN) // rf-a's wait was already due: it fires after the allowed lateness
    const [nudge] = await engine.app.ops.outbox.list({ customerId: 'rf-a' })
    expect(nudge?.status).toBe('sent')
    times['sent'] = clock.now()
    await at(HOUR + 6 * MIN, () => [track('rf-a', 'Complaint Filed', { order_id: 'RF-A', topic: 'delivery', text: 'still not here' })])
    times['complaintA'] = clock.now()
    await at(2 * HOUR + 6 * MIN)
    const talk = await talkToPerson({ ops: engine.app.ops, history: engine.app.history, clock, talk: { queue: 'care', priority: 'high', slaMs: 4 * HOUR } }, { outboxId: nudge!.id })
    expect(talk.status).toBe('created')
    times['talk'] = clock.now()
    await at(3 * HOUR + 6 * MIN)
    const taskId = talk.status === 'created' ? talk.task.id : ''
    expect((await engine.api('POST', `/api/tasks/${taskId}/claim`, undefined, KEYS.alice)).status).toBe(200)
    expect((await engine.api('POST', `/api/tasks/${taskId}/contacts`, { via: 'call', outcome: 'reached' }, KEYS.alice)).status).toBe(201)
    times['agent'] = clock.now()
    await at(4 * HOUR, () => [track('rf-b', 'Complaint Filed', { order_id: 'RF-B', text: 'when will it come?' })])
    await at(5 * HOUR, () => [identify('rf-c'), track('rf-c', 'Ticket Created', { order_id: 'RF-C', subject: 'wrong size' })])
    await at(6 * HOUR, () => [identify('rf-d'), track('rf-d', 'Complaint Filed', { order_id: 'RF-D', topic: 'billing', text: 'charged twice' })])
    await at(DAY + 12 * HOUR + 6 * MIN) // rf-b's parcel is now late: the apology goes out, after the complaint
    await at(DAY + 13 * HOUR)
    expect((await engine.app.ops.outbox.list({ customerId: 'rf-b' }))[0]?.status).toBe('sent')
  })
  afterAll(async () => {
    await engine?.app.stop()
  })

  it('reports each contact as the engine recorded it', async () => {
    const res = await engine.api('GET', '/api/analytics/reached-first?days=2', undefined, KEYS.ops)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const r = res.body
    const leads = [times['complaintA']! - times['sent']!, times['talk']! - times['sent']!, times['agent']! - times['sent']!]
    expect(r.totals).toEqual({ contacts: 6, reachedFirst: 3, share: 0.5, medianLeadMs: leads[1], misses: { sent_after: 0, held: 0, too_late: 1, no_rule: 2 }, sent: 2, needless: 1 })
    expect(r.rules.map(({ days: _days, ...rule }: { days: unknown }) => rule)).toEqual([
      { ruleId: 'delayed-shipment', tags: ['delivery'], contacts: 4, reachedFirst: 3, share: 0.75, medianLeadMs: leads[1], misses: { sent_after: 0, held: 0, too_late: 1, no_rule: 0 }, sent: 2, needless: 1, channels: [{ channel: 'email', reachedFirst: 3 }] },
    ])
    expect(r.kinds.map((k: { kind: string; contacts: number; reachedFirst: number }) => [k.kind, k.contacts, k.reachedFirst])).toEqual([
      ['Complaint Filed', 3, 1], ['Ticket Created', 1, 0], ['agent contact', 1, 1], ['talk to a person', 1, 1],
    ])
    expect(r.tags.map((t: { tag: string; contacts: number }) => [t.tag, t.contacts])).toEqual([['delivery', 4]])
    // By day (?days=2: the clock's UTC day and the one before): the first has the four contacts and rf-a's apology; the second rf-b's late one.
    const day = Date.UTC(2026, 10, 20)
    expect(r.rules[0].days.map((d: { t: number; contacts: number; reachedFirst: number; sent: number; needless: number }) => [d.t, d.contacts, d.reachedFirst, d.sent, d.needless])).toEqual([
      [day, 4, 3, 1, 0], [day + 86_400_000, 0, 0, 1, 1],
    ])
  })
})
