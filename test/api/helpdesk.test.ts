// The helpdesk bridges against fake Chatwoot and Zendesk servers speaking their documented wire
// formats, through a real engine: a task becomes a conversation / ticket carrying the hand-off
// (why, the suggested opening, the shopper's recent activity), later transitions become internal
// notes, and a conversation resolved or ticket solved there resolves the task here with the
// outcome. Unsigned or wrongly signed news is refused; hostile input at the new doors is a 4xx
// with the field path, never a 5xx.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import type { TaskInsert } from '../../src/store/operational/TaskStore.ts'
import { KEYS, useEngine } from '../support/careloop.ts'
import { startFakeChatwoot, type FakeChatwoot } from '../support/providers/chatwoot.ts'
import { startFakeZendesk, type FakeZendesk } from '../support/providers/zendesk.ts'

const T0 = Date.UTC(2026, 6, 1, 10)
const clock = new ManualClock(T0)
const engine = useEngine({ clock })
const WEBHOOK_TOKEN = 'chatwoot-hook-token-0123456789'
let chatwoot: FakeChatwoot
let zendesk: FakeZendesk
let n = 0

async function newTask(customerId: string, traits: Record<string, unknown>): Promise<string> {
  const id = `hd-task-${++n}`
  const task: TaskInsert = {
    id, idempotencyKey: `hd-${id}`, customerId, queue: 'care', priority: 'high', priorityRank: 30, title: 'Late parcel', ruleId: 'late-parcel', ruleVersion: 1,
    signal: {}, context: { customer: { id: customerId, locale: 'en', traits }, trigger: { name: 'Shipment Updated', ts: clock.now() - 60_000, properties: { status: 'delayed' } }, order: { order_id: 'o-77' } },
    slaDueAt: clock.now() + 3_600_000, createdAt: clock.now(),
  }
  expect((await engine().app.ops.tasks.insert([task])).has(id)).toBe(true)
  return id
}

async function shopperActivity(customerId: string): Promise<void> {
  const at = new Date(clock.now() - 3_600_000).toISOString()
  expect((await engine().ingest([{ type: 'track', messageId: `hd-ev-${customerId}`, userId: customerId, event: 'Order Shipped', timestamp: at, properties: { order_id: 'o-77', carrier: 'DHL' } }])).status).toBe(200)
  await engine().app.tick()
}

beforeAll(async () => {
  chatwoot = await startFakeChatwoot()
  zendesk = await startFakeZendesk()
})
afterAll(async () => {
  await chatwoot?.close()
  await zendesk?.close()
})

describe('Chatwoot bridge', () => {
  it('mirrors a task as a conversation with the hand-off, notes its transitions, and a resolve there resolves it here with the outcome', async () => {
    const put = await engine().api('PUT', '/api/webhooks/chatwoot', { kind: 'chatwoot', url: chatwoot.url, secret: chatwoot.token, settings: { accountId: chatwoot.accountId, inboxId: chatwoot.inboxId, webhookToken: WEBHOOK_TOKEN } })
    expect(put.status, JSON.stringify(put.body)).toBe(201)
    expect(JSON.stringify(put.body)).not.toContain(chatwoot.token)
    expect(put.body.settings.webhookToken).toBe('(set)')
    chatwoot.webhookUrl = `${engine().url}/hooks/helpdesk/chatwoot?token=${WEBHOOK_TOKEN}`

    await shopperActivity('cw-ann')
    const id = await newTask('cw-ann', { name: 'Ann Lee', email: 'ann@example.com' })
    await engine().app.tick()
    expect(chatwoot.contacts).toMatchObject([{ identifier: 'cw-ann', name: 'Ann Lee', email: 'ann@example.com' }])
    const [conversation] = chatwoot.conversations
    expect(conversation).toMatchObject({ status: 'open', custom_attributes: { careloop_task_id: id } })
    const handoff = conversation?.messages[0]
    expect(handoff?.private).toBe(true)
    expect(handoff?.content).toContain('Why: rule late-parcel v1, after "Shipment Updated"')
    expect(handoff?.content).toContain('Suggested opening: ')
    expect(handoff?.content).toMatch(/Recent activity:\n.*Order Shipped/)

    expect((await engine().api('POST', `/api/tasks/${id}/claim`, undefined, KEYS.alice)).status).toBe(200)
    await engine().app.tick()
    expect(conversation?.messages.map((m) => m.content).at(-1)).toBe('careloop: claimed by alice')

    const answer = await chatwoot.resolveInUi(conversation?.id ?? 0, { outcome: 'compensated', assignee: 'Mia' })
    expect(answer).toEqual({ status: 200, body: { taskId: id, resolved: true } })
    const task = await engine().app.ops.tasks.get(id)
    expect(task).toMatchObject({ status: 'resolved', outcome: 'compensated', resolvedBy: 'helpdesk:chatwoot' })
    expect(task?.note).toBe(`Resolved in chatwoot by Mia (conversation ${conversation?.id})`)
    // The resolve does not echo back to the conversation it came from.
    await engine().app.tick()
    expect(chatwoot.requests.filter((r) => r.path.endsWith('/toggle_status'))).toEqual([])
    expect((await engine().app.ops.webhooks.deliveries('chatwoot')).map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered'])
    // Said twice, it is acknowledged without a second resolve.
    expect((await chatwoot.resolveInUi(conversation?.id ?? 0)).body).toEqual({ ignored: 'already resolved' })
  })

  it('finds a known shopper by identifier for their next task, and a resolve here resolves the conversation there', async () => {
    const id = await newTask('cw-ann', { name: 'Ann Lee', email: 'ann@example.com' })
    await engine().app.tick()
    expect(chatwoot.contacts).toHaveLength(1)
    const conversation = chatwoot.conversations.find((c) => c.custom_attributes.careloop_task_id === id)
    expect(conversation?.contact_id).toBe(chatwoot.contacts[0]?.id)
    expect((await engine().api('POST', `/api/tasks/${id}/claim`, undefined, KEYS.alice)).status).toBe(200)
    expect((await engine().api('POST', `/api/tasks/${id}/resolve`, { outcome: 'no_answer' }, KEYS.alice)).status).toBe(200)
    await engine().app.tick()
    expect(conversation?.status).toBe('resolved')
    expect(conversation?.messages.at(-1)?.content).toBe('careloop: resolved by alice — no_answer')
  })

  it('refuses news without the token, and acknowledges other events without acting', async () => {
    const post = (query: string, body: unknown) => fetch(`${engine().url}/hooks/helpdesk/chatwoot${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const resolved = { event: 'conversation_status_changed', id: chatwoot.conversations[0]?.id, status: 'resolved' }
    expect((await post('', resolved)).status).toBe(401)
    expect((await post('?token=wrong-token-0123456789abcdef', resolved)).status).toBe(401)
    const other = await post(`?token=${WEBHOOK_TOKEN}`, { event: 'message_created', id: 5, content: 'hi' })
    expect(other.status).toBe(200)
    expect(await other.json()).toEqual({ ignored: 'not a status change' })
    expect((await post(`?token=${WEBHOOK_TOKEN}`, { event: 'conversation_status_changed', id: 999_999, status: 'resolved' }).then((r) => r.json()))).toEqual({ ignored: 'no careloop task for chatwoot 999999' })
  })
})

describe('editing a bridge as the console shows it', () => {
  it('keeps a secret setting given back masked, and the bridge still takes its helpdesk’s news', async () => {
    const [shown] = (await engine().api('GET', '/api/webhooks')).body.endpoints.filter((e: { id: string }) => e.id === 'chatwoot')
    expect(shown.settings.webhookToken).toBe('(set)')
    const { kind, url, events, settings } = shown
    for (const enabled of [false, true]) {
      const put = await engine().api('PUT', '/api/webhooks/chatwoot', { kind, url, events, enabled, settings })
      expect(put.status, JSON.stringify(put.body)).toBe(200)
      expect(put.body.enabled).toBe(enabled)
    }
    const news = await fetch(`${engine().url}/hooks/helpdesk/chatwoot?token=${WEBHOOK_TOKEN}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event: 'message_created', id: 6, content: 'hi' }),
    })
    expect(news.status).toBe(200)
    // A masked value is no value for a setting that was never stored.
    const fresh = await engine().api('PUT', '/api/webhooks/chatwoot-2', { kind, url, secret: 'x'.repeat(20), settings })
    expect(fresh.status).toBe(400)
    expect(fresh.body.errors).toEqual([{ path: '/settings/webhookToken', message: expect.any(String) }])
  })
})

describe('Zendesk bridge', () => {
  it('mirrors a task as a ticket with the hand-off, notes transitions, and a solved ticket resolves the task with its outcome tag', async () => {
    const put = await engine().api('PUT', '/api/webhooks/zendesk', { kind: 'zendesk', url: zendesk.url, secret: zendesk.token, events: ['task.created', 'task.claimed', 'task.resolved'], settings: { email: zendesk.email, webhookSecret: zendesk.signingSecret } })
    expect(put.status).toBe(201)
    zendesk.webhookUrl = `${engine().url}/hooks/helpdesk/zendesk`

    await shopperActivity('zd-bo')
    const id = await newTask('zd-bo', { name: 'Bo Chen', email: 'bo@example.com' })
    await engine().app.tick()
    const [ticket] = zendesk.tickets.filter((t) => t.external_id === id)
    expect(ticket).toMatchObject({ subject: 'Late parcel', priority: 'high', requester: { name: 'Bo Chen', email: 'bo@example.com' }, tags: ['careloop'] })
    expect(ticket?.comments[0]?.public).toBe(false)
    expect(ticket?.comments[0]?.body).toMatch(/Suggested opening: [\s\S]*Recent activity:\n.*Order Shipped/)

    expect((await engine().api('POST', `/api/tasks/${id}/claim`, undefined, KEYS.bob)).status).toBe(200)
    await engine().app.tick()
    expect(ticket?.comments.at(-1)).toEqual({ body: 'careloop: claimed by bob', public: false })

    // Signed with another secret: refused, the task stays as it is.
    expect((await zendesk.solveInUi(ticket?.id ?? 0, { signWith: 'not-the-signing-secret' })).status).toBe(401)
    expect((await engine().app.ops.tasks.get(id))?.status).toBe('claimed')

    const answer = await zendesk.solveInUi(ticket?.id ?? 0, { tags: ['careloop_outcome_not_needed'] })
    expect(answer).toEqual({ status: 200, body: { taskId: id, resolved: true } })
    expect(await engine().app.ops.tasks.get(id)).toMatchObject({ status: 'resolved', outcome: 'not_needed', resolvedBy: 'helpdesk:zendesk' })
    const puts = zendesk.requests.filter((r) => r.method === 'PUT').length
    await engine().app.tick()
    expect(zendesk.requests.filter((r) => r.method === 'PUT').length).toBe(puts)
  })

  it('a retry after a lost answer finds the ticket it made by external_id instead of opening a second', async () => {
    const id = await newTask('zd-cy', { name: 'Cy' })
    const ticketCount = zendesk.tickets.length
    // The ticket exists there but careloop never stored the link (the answer was lost).
    zendesk.tickets.push({ id: 99_001, subject: 'Late parcel', status: 'new', priority: 'high', external_id: id, tags: ['careloop'], requester: null, comments: [{ body: 'hand-off', public: false }] })
    await engine().app.tick()
    expect(zendesk.tickets.length).toBe(ticketCount + 1)
    expect(await engine().app.ops.webhooks.link('zendesk', id)).toMatchObject({ externalId: '99001' })
  })
})

describe('hostile input at the new doors', () => {
  it('/api/webhooks: any body is stored or refused with 400 and field paths, never a 5xx', async () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.string(), { maxKeys: 3 }))
    const body = fc.oneof(
      fc.dictionary(fc.constantFrom('kind', 'url', 'secret', 'events', 'enabled', 'settings', '__proto__', 'constructor', 'x'), value, { maxKeys: 6 }),
      fc.record({ url: fc.constantFrom('http://127.0.0.1:9/x', 'ftp://x', 'not a url'), kind: fc.constantFrom('standard', 'chatwoot', 'zendesk'), settings: fc.dictionary(fc.constantFrom('accountId', 'inboxId', 'webhookToken', 'email', 'webhookSecret', '__proto__'), value) }, { requiredKeys: ['url'] }),
    )
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,10}$/), body, async (id, b) => {
        const res = await engine().api('PUT', `/api/webhooks/fuzz-${id}`, b)
        expect([200, 201, 400]).toContain(res.status)
        if (res.status === 400) expect(res.body.errors.length).toBeGreaterThan(0)
        if (res.status === 400) for (const e of res.body.errors) expect(e.path).toMatch(/^\//)
      }),
      { numRuns: 60 },
    )
    const bad = await engine().api('PUT', '/api/webhooks/bad', { kind: 'chatwoot', url: 'gopher://x', secret: 't', settings: { accountId: -1, extra: 1 } })
    expect(bad.status).toBe(400)
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['/url', '/settings/accountId', '/settings/inboxId', '/settings/webhookToken', '/settings/extra'])
    expect((await engine().api('PUT', '/api/webhooks/Bad Id', { url: 'http://x' })).status).toBe(400)
    expect((await engine().api('GET', '/api/webhooks', undefined, KEYS.ops)).status).toBe(403)
  })

  it('/hooks/helpdesk: any body, query and headers get a 4xx or an acknowledgement, never a 5xx, and resolve nothing unsigned', async () => {
    const json = fc.jsonValue({ maxDepth: 3 })
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('chatwoot', 'zendesk', 'nope', 'standard-x'),
        fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        fc.oneof(json, fc.record({ event: fc.constant('conversation_status_changed'), id: fc.oneof(fc.integer(), fc.string()), status: fc.constant('resolved') })),
        fc.option(fc.string({ maxLength: 60 }), { nil: undefined }),
        async (endpoint, token, body, signature) => {
          const res = await fetch(`${engine().url}/hooks/helpdesk/${endpoint}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { 'x-zendesk-webhook-signature': signature.replace(/[^\x20-\x7e]/g, ''), 'x-zendesk-webhook-signature-timestamp': '2026-07-01T10:00:00Z' }) },
            body: JSON.stringify(body),
          })
          expect(res.status).toBeLessThan(500)
          if (res.status >= 400) expect(res.status).toBeOneOf([400, 401])
          await res.text()
        },
      ),
      { numRuns: 80 },
    )
  })
})
