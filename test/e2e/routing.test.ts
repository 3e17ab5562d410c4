// Person or bot, by severity and by the queues' live hours and capacity; SLA escalation; and the
// hand-off an agent reads. Real engine and stores, a manual clock, shoppers in Asia/Shanghai.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const at = (iso: string): number => Date.parse(iso)
// 03:00 in Shanghai on Wednesday 10 June 2026.
const NIGHT = at('2026-06-09T19:00:00Z')
const clock = new ManualClock(NIGHT)
const OFFICE = { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] }

let mail: MailSink
let engine: TestEngine

beforeAll(async () => {
  mail = await startMailSink()
  engine = await startEngine({ clock, smtpUrl: mail.url })
  for (const [id, queue] of Object.entries({
    'priority-care': { name: 'Priority care', timezone: 'Asia/Shanghai', hours: OFFICE, capacityPerAgent: 5, skills: [], escalateTo: 'supervisor' },
    'sales-help': { name: 'Sales help', timezone: 'Asia/Shanghai', hours: OFFICE, capacityPerAgent: 1, skills: [], escalateTo: null },
  })) {
    const res = await engine.api('PUT', `/api/queues/${id}`, queue, KEYS.ops)
    expect(res.status, JSON.stringify(res.body)).toBe(201)
  }
  expect((await engine.api('PUT', '/api/agents/alice', { displayName: 'Alice', queues: ['priority-care', 'sales-help'], skills: [], onShift: false, capacity: 2 }, KEYS.ops)).status).toBe(201)
  // A VIP hesitating on a product: a person if one can take it within 30 minutes, else the bot
  // now and a person at the next shift.
  const vipDwell = {
    id: 'vip-dwell',
    name: 'VIP hesitating',
    priority: 60,
    triggers: [{ event: 'Product Viewed', entity: 'product_id' }],
    when: { all: [{ fact: 'properties.dwell_ms', gte: 120000 }, { fact: 'traits.vip', eq: true }] },
    actions: [{ task: { queue: 'sales-help', priority: 'normal', sla: '30m', fallback: { nudge: { channel: 'email', template: 'long-dwell' } } } }],
  }
  expect((await engine.api('POST', '/api/rules', vipDwell, KEYS.ops)).status).toBe(201)
  expect((await engine.api('POST', '/api/rules/long-dwell/disable', undefined, KEYS.ops)).status).toBe(200)
})
afterAll(async () => {
  await engine?.app.stop()
  await mail?.close()
})

function shopper(traits: Record<string, unknown> = {}) {
  const id = `rt-${randomUUID().slice(0, 8)}`
  return {
    id,
    identify: () => ({ type: 'identify', messageId: randomUUID(), userId: id, traits: { email: `${id}@example.com`, name: 'Li Wei', locale: 'en', timezone: 'Asia/Shanghai', ...traits }, timestamp: new Date(clock.now()).toISOString() }),
    track: (event: string, properties: Record<string, unknown> = {}) => ({ type: 'track', messageId: randomUUID(), userId: id, event, properties, timestamp: new Date(clock.now()).toISOString() }),
  }
}

async function feed(...messages: unknown[]): Promise<void> {
  const res = await engine.ingest(messages)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  await engine.app.tick()
}

const mailTo = (id: string) => mail.messages.filter((m) => m.to && 'text' in m.to && m.to.text.includes(id))

describe('severity and capacity decide between a person and the bot', () => {
  it('a money complaint at 03:00 shopper time goes to priority-care as urgent, closed or not', async () => {
    clock.set(NIGHT)
    const s = shopper()
    await feed(s.identify(), s.track('Complaint Filed', { order_id: 'M1', topic: 'other', text: 'I was charged twice' }))
    const tasks = await engine.app.ops.tasks.list({ customerId: s.id })
    expect(tasks.map((t) => `${t.queue}/${t.priority}`)).toEqual(['priority-care/urgent'])
    expect(mailTo(s.id)).toHaveLength(0) // never only a bot
  })

  it('a VIP dwelling at 03:00 with the queue closed gets the nudge now, a person at 09:00, and it is recorded', async () => {
    clock.set(NIGHT)
    const s = shopper({ vip: true })
    await feed(s.identify(), s.track('Product Viewed', { product_id: 'SOFA-1', dwell_ms: 180_000 }))
    expect(mailTo(s.id)).toHaveLength(1)
    // The task waits for the shift: not on the work list at 03:00…
    const listed = async () => (await engine.api('GET', `/api/tasks?customer=${s.id}`, undefined, KEYS.ops)).body.tasks as Array<{ queue: string; slaDueAt: number }>
    expect(await listed()).toHaveLength(0)
    // …and the decision says why.
    const explained = (await engine.api('GET', `/api/customers/${s.id}/explain`, undefined, KEYS.ops)).body.moments as Array<{ ruleId: string; actions: Array<{ action: string; status: string; decisionReason?: string }> }>
    const moment = explained.find((m) => m.ruleId === 'vip-dwell')
    expect(moment?.actions.map((a) => `${a.action}:${a.status}`).sort()).toEqual(['nudge:sent', 'task:created'])
    const decisions = (await engine.app.history.timeline(s.id)).filter((e) => e.kind === 'decision')
    expect(decisions.map((d) => String(d.data.reason))).toEqual(expect.arrayContaining([expect.stringMatching(/^fallback: sales-help is closed until Wed 09:00/)]))
    clock.set(at('2026-06-10T01:00:00Z')) // 09:00 in Shanghai
    const open = await listed()
    expect(open).toHaveLength(1)
    expect(open[0]?.slaDueAt).toBe(at('2026-06-10T01:30:00Z'))
  })

  it('in office hours with an agent free, the same signal goes straight to a person', async () => {
    clock.set(at('2026-06-10T02:00:00Z')) // 10:00 in Shanghai
    expect((await engine.api('POST', '/api/agents/alice/shift', { onShift: true }, KEYS.alice)).status).toBe(200)
    const s = shopper({ vip: true })
    await feed(s.identify(), s.track('Product Viewed', { product_id: 'SOFA-2', dwell_ms: 180_000 }))
    expect(mailTo(s.id)).toHaveLength(0)
    expect((await engine.app.ops.tasks.list({ customerId: s.id })).map((t) => t.queue)).toEqual(['sales-help'])
  })

  it('with the queue at capacity, the bot steps in again', async () => {
    // sales-help: one agent on shift who takes 2, and it already holds the 09:00 task and SOFA-2.
    const s = shopper({ vip: true })
    await feed(s.identify(), s.track('Product Viewed', { product_id: 'SOFA-3', dwell_ms: 180_000 }))
    expect(mailTo(s.id)).toHaveLength(1)
    const [task] = await engine.app.ops.tasks.list({ customerId: s.id })
    expect((task?.signal as { routing: string }).routing).toMatch(/sales-help is at capacity/)
  })
})

describe('SLA escalation and the hand-off', () => {
  it('an unclaimed urgent task past its SLA is escalated to the supervisor queue once, with the breach recorded', async () => {
    clock.set(at('2026-06-10T03:00:00Z'))
    const s = shopper()
    await feed(s.identify(), s.track('Complaint Filed', { order_id: 'M2', topic: 'refund', text: 'refund missing' }))
    const [task] = await engine.app.ops.tasks.list({ customerId: s.id })
    clock.advance(61 * 60_000)
    expect((await engine.app.sla.run()).escalated).toBeGreaterThanOrEqual(1)
    expect((await engine.app.sla.run()).escalated).toBe(0)
    const after = await engine.app.ops.tasks.get(task!.id)
    expect(after).toMatchObject({ queue: 'supervisor', priority: 'urgent', status: 'open' })
    const breaches = (await engine.app.history.timeline(s.id)).filter((e) => e.kind === 'task' && e.title === 'escalated' && JSON.stringify(e.data.details).includes('breach'))
    expect(breaches).toHaveLength(1)
  })

  it('the hand-off holds this shopper’s real events and nudges, nothing of another shopper', async () => {
    clock.set(at('2026-06-10T04:00:00Z'))
    const a = shopper()
    const b = shopper()
    await feed(
      a.identify(),
      b.identify(),
      a.track('Order Completed', { order_id: 'A-1', total: 80 }),
      b.track('Order Completed', { order_id: 'B-1', total: 90 }),
      a.track('Payment Failed', { order_id: 'A-1', reason: 'card expired' }),
      b.track('Payment Failed', { order_id: 'B-1' }),
    )
    clock.advance(10 * 60_000)
    await feed(a.track('Payment Failed', { order_id: 'A-1', reason: 'card expired' }), b.track('Payment Failed', { order_id: 'B-1' }))
    const [task] = await engine.app.ops.tasks.list({ customerId: a.id })
    expect(task?.queue).toBe('payments')
    const res = await engine.api('GET', `/api/tasks/${task!.id}/context`, undefined, KEYS.alice)
    expect(res.status).toBe(200)
    const ctx = res.body
    expect(ctx.customer.id).toBe(a.id)
    expect(ctx.timeline.map((e: { name: string }) => e.name).sort()).toEqual(['Identify', 'Order Completed', 'Payment Failed', 'Payment Failed'])
    expect(ctx.timeline[0].properties).toMatchObject({ order_id: 'A-1', reason: 'card expired' })
    expect(JSON.stringify(ctx.timeline)).toContain('A-1')
    expect(JSON.stringify(ctx)).not.toContain(b.id)
    expect(JSON.stringify(ctx)).not.toContain('B-1')
    expect(ctx.nudges.map((n: { template: string; status: string }) => `${n.template}:${n.status}`)).toEqual(['payment-failed:sent'])
    expect(ctx.suggestedOpening.text).toMatch(/^Hi Li Wei, this is alice/)
    expect(ctx.suggestedOpening.text).toContain('A-1')
    expect(ctx.suggestedOpening.text).toContain('emailed you')
  })
})
