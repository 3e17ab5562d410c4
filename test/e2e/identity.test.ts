// Anonymous browsing becomes a known shopper (docs/identity.md): real engine, embedded stores, real
// SMTP, a manual clock. Each scenario uses fresh ids so they never see each other's state.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { useMailEngine } from '../support/mailEngine.ts'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const START = Date.UTC(2026, 5, 1, 8, 0, 0)

const clock = new ManualClock(START)
const suite = useMailEngine({ clock })

function people() {
  const tag = randomUUID().slice(0, 8)
  const anonymousId = `a-${tag}`
  const userId = `u-${tag}`
  const email = `${userId}@example.com`
  const at = (ts: number) => new Date(ts).toISOString()
  return {
    anonymousId,
    userId,
    email,
    anon: (event: string, properties: Record<string, unknown>, ts = clock.now()) => ({ type: 'track', messageId: randomUUID(), anonymousId, event, properties, timestamp: at(ts) }),
    known: (event: string, properties: Record<string, unknown>, ts = clock.now()) => ({ type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: at(ts) }),
    login: (ts = clock.now()) => ({ type: 'identify', messageId: randomUUID(), userId, anonymousId, traits: { email, locale: 'en' }, timestamp: at(ts) }),
  }
}

async function feed(...messages: unknown[]): Promise<void> {
  const res = await suite.engine.ingest(messages)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  await suite.engine.app.tick()
}

const mailsTo = (address: string) => suite.mail.messages.filter((m) => m.to && JSON.stringify(m.to).includes(address))

describe('anonymous becomes known (embedded)', () => {
  it('a checkout started anonymously, then a login without an order: the reminder reaches the known address once', async () => {
    const p = people()
    const t = clock.now()
    const before = suite.mail.messages.length
    await feed(p.anon('Checkout Started', { checkout_id: `c-${p.anonymousId}`, value: 40, currency: 'USD' }, t))
    clock.set(t + 10 * MIN)
    await feed(p.login())
    expect(await suite.engine.app.ops.identity.knownIdOf(p.anonymousId)).toBe(p.userId)
    clock.set(t + 2 * HOUR)
    await suite.engine.app.tick()
    await suite.mail.waitFor(before + 1)
    clock.set(t + DAY)
    await suite.engine.app.tick()
    const outbox = await suite.engine.app.ops.outbox.list({ customerId: p.userId })
    expect(outbox.map((o) => `${o.template}:${o.status}`)).toEqual(['abandoned-checkout:sent'])
    expect(await suite.engine.app.ops.outbox.list({ customerId: `anon:${p.anonymousId}` })).toEqual([])
    expect(mailsTo(p.email)).toHaveLength(1)
    // The known shopper's timeline shows what they did while anonymous.
    const timeline = await suite.engine.api('GET', `/api/customers/${p.userId}/timeline`)
    expect(timeline.status).toBe(200)
    expect(timeline.body.mergedIds).toEqual([`anon:${p.anonymousId}`])
    const events = timeline.body.entries.filter((e: { kind: string }) => e.kind === 'event').map((e: { title: string }) => e.title)
    expect(events).toEqual(['Identify', 'Checkout Started'])
  })

  it('an order after the login ends the anonymous wait: no reminder', async () => {
    const p = people()
    const t = clock.now()
    const checkout = `c-${p.anonymousId}`
    await feed(p.anon('Checkout Started', { checkout_id: checkout, value: 40 }, t))
    await feed(p.login(t + 5 * MIN), p.known('Order Completed', { order_id: `o-${p.userId}`, checkout_id: checkout, total: 40 }, t + 6 * MIN))
    clock.set(t + 3 * HOUR)
    await suite.engine.app.tick()
    expect(await suite.engine.app.ops.outbox.list({ customerId: p.userId })).toEqual([])
    expect(await suite.engine.app.ops.outbox.list({ customerId: `anon:${p.anonymousId}` })).toEqual([])
    const state = (await suite.engine.app.ops.engine.loadStates([p.userId])).get(p.userId)
    expect(state?.orders[`o-${p.userId}`]?.status).toBe('placed')
    expect(Object.keys(state?.checkouts ?? {})).toEqual([])
  })

  it('a return recorded anonymously counts toward the known shopper\'s third return in 90 days; a repeated link changes nothing', async () => {
    const p = people()
    const t = clock.now()
    await feed(p.anon('Return Requested', { order_id: 'r1', product_id: 'p1' }, t))
    const link = { type: 'identify', messageId: randomUUID(), userId: p.userId, anonymousId: p.anonymousId, traits: {}, timestamp: new Date(t + MIN).toISOString() }
    await feed(link, { ...link, messageId: randomUUID() })
    await feed(p.known('Return Requested', { order_id: 'r2', product_id: 'p2' }, t + 2 * MIN))
    expect(await suite.engine.app.ops.tasks.list({ customerId: p.userId })).toEqual([])
    await feed(p.anon('Return Requested', { order_id: 'r3', product_id: 'p3' }, t + 3 * MIN))
    const tasks = await suite.engine.app.ops.tasks.list({ customerId: p.userId })
    expect(tasks.map((task) => task.queue)).toEqual(['returns-care'])
    const state = (await suite.engine.app.ops.engine.loadStates([p.userId])).get(p.userId)
    expect(state?.counts['Return Requested']).toHaveLength(3)
    expect(state?.mergedFrom).toEqual([p.anonymousId])
  })

  it('with an alias call (previousId → userId), a return recorded anonymously counts toward the known shopper\'s third return', async () => {
    const p = people()
    const t = clock.now()
    await feed(p.anon('Return Requested', { order_id: 'a1', product_id: 'p1' }, t), p.known('Return Requested', { order_id: 'a2', product_id: 'p2' }, t + MIN))
    await feed({ type: 'alias', messageId: randomUUID(), previousId: p.anonymousId, userId: p.userId, timestamp: new Date(t + 2 * MIN).toISOString() })
    expect(await suite.engine.app.ops.tasks.list({ customerId: p.userId })).toEqual([])
    await feed(p.known('Return Requested', { order_id: 'a3', product_id: 'p3' }, t + 3 * MIN))
    expect((await suite.engine.app.ops.tasks.list({ customerId: p.userId })).map((task) => task.queue)).toEqual(['returns-care'])
    expect((await suite.engine.app.ops.engine.loadStates([p.userId])).get(p.userId)?.mergedFrom).toEqual([p.anonymousId])
  })

  it('an anonymous long dwell, then a login minutes later: the help email waits for the address and reaches it once', async () => {
    const p = people()
    const t = clock.now()
    const before = suite.mail.messages.length
    await feed(p.anon('Product Viewed', { product_id: 'sofa-1', name: 'Sofa', dwell_ms: 180_000 }, t))
    const [waiting] = await suite.engine.app.ops.outbox.list({ customerId: `anon:${p.anonymousId}` })
    expect(waiting?.template).toBe('long-dwell')
    expect(waiting?.status).toBe('pending')
    expect(waiting?.lastError).toMatch(/^address: no email address/)
    clock.set(t + 3 * MIN)
    await feed(p.login())
    // The login ends the wait at once, not at the next five-minute look.
    await suite.mail.waitFor(before + 1)
    clock.set(t + 10 * MIN)
    await suite.engine.app.tick()
    clock.set(t + 2 * DAY)
    await suite.engine.app.tick()
    const [sent] = await suite.engine.app.ops.outbox.list({ customerId: `anon:${p.anonymousId}` })
    expect(sent?.status).toBe('sent')
    expect(mailsTo(p.email)).toHaveLength(1)
    // Caps count both ids: the contact is on the known shopper's record.
    expect((await suite.engine.app.ops.contacts.since(p.userId, 0)).map((c) => c.id)).toEqual([sent?.id])
    // The known shopper's explanation and hand-off include the moment decided while anonymous.
    const explain = await suite.engine.api('GET', `/api/customers/${p.userId}/explain`)
    expect(explain.body.mergedIds).toEqual([`anon:${p.anonymousId}`])
    const dwell = explain.body.moments.find((m: { ruleId: string }) => m.ruleId.includes('dwell'))
    expect(dwell?.actions.map((a: { template: string; status: string }) => `${a.template}:${a.status}`)).toEqual(['long-dwell:sent'])
  })

  it('a shopper who never identifies: the nudge is skipped after the wait, with the reason', async () => {
    const p = people()
    const t = clock.now()
    await feed(p.anon('Product Viewed', { product_id: 'lamp-1', dwell_ms: 200_000 }, t))
    clock.set(t + 25 * HOUR)
    await suite.engine.app.tick()
    const [skipped] = await suite.engine.app.ops.outbox.list({ customerId: `anon:${p.anonymousId}` })
    expect(skipped?.status).toBe('skipped')
    expect(skipped?.lastError).toBe('address: no email address for this shopper after waiting 1d')
    expect(mailsTo(p.email)).toHaveLength(0)
  })

  it('a second known id claiming the same anonymous id is kept as a conflict and not applied', async () => {
    const p = people()
    const other = `u2-${p.anonymousId}`
    const t = clock.now()
    await feed(p.anon('Return Requested', { order_id: 'x1' }, t), p.login(t + MIN))
    await feed({ type: 'identify', messageId: randomUUID(), userId: other, anonymousId: p.anonymousId, traits: { email: `${other}@example.com` }, timestamp: new Date(t + 2 * MIN).toISOString() })
    expect(await suite.engine.app.ops.identity.knownIdOf(p.anonymousId)).toBe(p.userId)
    expect((await suite.engine.app.ops.identity.conflicts()).filter((c) => c.anonymousId === p.anonymousId).map((c) => c.userId)).toEqual([other])
    const conflicts = await suite.engine.api('GET', '/api/identity/conflicts')
    expect(conflicts.body.conflicts.filter((c: { anonymousId: string }) => c.anonymousId === p.anonymousId)).toEqual([{ anonymousId: p.anonymousId, userId: other, linkedTo: p.userId, at: t + 2 * MIN }])
    expect((await suite.engine.api('GET', `/api/customers/anon:${p.anonymousId}/identity`)).body).toEqual({ customerId: `anon:${p.anonymousId}`, mergedIds: [], mergedInto: p.userId })
    expect((await suite.engine.api('GET', `/api/customers/${p.userId}/identity`)).body.mergedIds).toEqual([`anon:${p.anonymousId}`])
    const states = await suite.engine.app.ops.engine.loadStates([p.userId, other])
    expect(states.get(p.userId)?.counts['Return Requested']).toHaveLength(1)
    expect(states.get(other)?.counts['Return Requested']).toBeUndefined()
  })

  it('an opt-out given while anonymous still holds after the merge', async () => {
    const p = people()
    const t = clock.now()
    await suite.engine.app.ops.consent.set(`anon:${p.anonymousId}`, 'email', 'care', 'opted_out', t)
    await feed(p.anon('Product Viewed', { product_id: 'chair-1', dwell_ms: 150_000 }, t), p.login(t + MIN))
    clock.set(t + 10 * MIN)
    await suite.engine.app.tick()
    const [row] = await suite.engine.app.ops.outbox.list({ customerId: `anon:${p.anonymousId}` })
    expect(row?.status).toBe('skipped')
    expect(row?.lastError).toMatch(/^consent:/)
    expect(mailsTo(p.email)).toHaveLength(0)
  })
})
