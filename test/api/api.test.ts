// The API's contract: clear 4xx errors with field paths, keys and roles, the work list.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, WRITE_KEY, type TestEngine } from '../support/careloop.ts'

let engine: TestEngine
const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))

beforeAll(async () => {
  engine = await startEngine({ clock })
})
afterAll(async () => {
  await engine?.app.stop()
})

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`
const post = (path: string, body: unknown, auth?: string) =>
  fetch(engine.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) })
const track = (over: Record<string, unknown> = {}) => ({ type: 'track', messageId: randomUUID(), userId: 'u1', event: 'Product Viewed', properties: { product_id: 'p1' }, timestamp: new Date(clock.now()).toISOString(), ...over })

describe('ingest errors', () => {
  it('accepts a valid track call with the Segment reply', async () => {
    const res = await post('/v1/track', track(), basic(WRITE_KEY))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ success: true, stored: 1 })
  })

  it('401 without a write key and with a wrong one', async () => {
    expect((await post('/v1/batch', { batch: [track()] })).status).toBe(401)
    const wrong = await post('/v1/batch', { batch: [track()] }, basic('nope'))
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toMatchObject({ error: 'unauthorized' })
  })

  it('400 with the field path for invalid messages; valid ones in the batch are kept; the invalid are dead-lettered', async () => {
    const good = track()
    const res = await post('/v1/batch', { batch: [good, track({ event: 42 }), track({ userId: undefined }), track({ timestamp: '2026-13-45T99:00:00Z' })] }, basic(WRITE_KEY))
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(body.stored).toBe(1)
    const paths = body.errors.map((e: { path: string }) => e.path)
    expect(paths).toEqual(['/batch/1/event', '/batch/2/userId', '/batch/3/timestamp'])
    const letters = await engine.app.ops.deadLetters.list()
    expect(letters.filter((l) => l.source === 'http').length).toBeGreaterThanOrEqual(3)
    expect(letters.some((l) => l.reason.includes('/batch/2/userId'))).toBe(true)
  })

  it('400 for a body that is not a batch, and for broken JSON', async () => {
    const notBatch = await post('/v1/batch', { messages: [] }, basic(WRITE_KEY))
    expect(notBatch.status).toBe(400)
    expect((await notBatch.json()).errors[0].path).toBe('/batch')
    const broken = await post('/v1/batch', '{"batch": [', basic(WRITE_KEY))
    expect(broken.status).toBe(400)
  })

  it('400 for an unknown message type, with its path', async () => {
    const res = await post('/v1/batch', { batch: [{ ...track(), type: 'pageview' }] }, basic(WRITE_KEY))
    expect(res.status).toBe(400)
    expect((await res.json()).errors[0]).toEqual({ path: '/batch/0/type', message: 'must be one of "track", "identify", "page", "screen", "alias", "group"' })
  })

  it('accepts unknown fields as the Segment client sends them', async () => {
    const res = await post('/v1/batch', { batch: [{ ...track(), integrations: {}, _metadata: { nodeVersion: '20' }, context: { library: { name: 'analytics-node-next', version: '3.1.0' } } }], sentAt: new Date().toISOString() }, basic(WRITE_KEY))
    expect(res.status).toBe(200)
  })

  it('keeps the engine running after bad input', async () => {
    await engine.app.tick()
    expect((await fetch(`${engine.url}/healthz`)).status).toBe(200)
    expect((await fetch(`${engine.url}/readyz`)).status).toBe(200)
  })
})

describe('API keys and roles', () => {
  it('401 without a key, with a malformed header and with an unknown key', async () => {
    expect((await engine.api('GET', '/api/rules', undefined, '')).status).toBe(401)
    expect((await fetch(`${engine.url}/api/rules`, { headers: { authorization: 'Token x' } })).status).toBe(401)
    expect((await engine.api('GET', '/api/rules', undefined, 'wrong')).status).toBe(401)
  })

  it('403 when an agent edits a rule; ops may', async () => {
    const doc = { id: 'agent-try', name: 'x', triggers: [{ event: 'A' }], actions: [{ task: { queue: 'q', priority: 'low', sla: '1h' } }] }
    const denied = await engine.api('POST', '/api/rules', doc, KEYS.alice)
    expect(denied.status).toBe(403)
    expect(denied.body.error).toBe('forbidden')
    expect((await engine.api('POST', '/api/rules', doc, KEYS.ops)).status).toBe(201)
  })

  it('exposes Prometheus metrics that count what happened', async () => {
    await engine.app.tick()
    const text = await (await fetch(`${engine.url}/metrics`, { headers: { authorization: `Bearer ${KEYS.ops}` } })).text()
    const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text)?.[1])
    expect(value('careloop_events_in_total')).toBeGreaterThan(0)
    expect(value('careloop_events_processed_total')).toBeGreaterThan(0)
    expect(text).toMatch(/careloop_dead_letters_total\{source="http"\} [1-9]/)
    expect(text).toMatch(/careloop_consumer_lag\{partition="0"\} 0/)
    expect(text).toContain('careloop_timer_backlog')
    // Embedded: history appends waiting for chDB (NaN when the gauge is missing).
    expect(value('careloop_history_spool_appends')).toBeGreaterThanOrEqual(0)
  })

  it('serves the OpenAPI document at /docs', async () => {
    const res = await fetch(`${engine.url}/docs/json`)
    expect(res.status).toBe(200)
    const spec = await res.json()
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/batch', '/api/rules', '/api/tasks/{id}/claim', '/api/customers/{id}/timeline']))
  })
})

describe('rules API', () => {
  it('lists the starter pack, enabled', async () => {
    const res = await engine.api('GET', '/api/rules', undefined, KEYS.ops)
    const ids = res.body.rules.map((r: { id: string }) => r.id)
    expect(ids).toEqual(expect.arrayContaining(['delayed-shipment', 'repeat-returns', 'long-dwell', 'payment-failed', 'payment-failed-repeat', 'abandoned-checkout', 'money-complaint']))
    expect(res.body.rules.every((r: { enabled: boolean }) => r.enabled)).toBe(true)
  })

  it('rejects an invalid rule with field paths, then creates it from YAML once fixed', async () => {
    const bad = 'id: big-basket\nname: Big basket\ntriggers:\n  - event: Checkout Started\nwhen: { fact: properties.value, gte: lots }\nactions:\n  - task: { queue: sales, priority: hgh, sla: 2h }\n'
    const rejected = await engine.api('POST', '/api/rules', bad, KEYS.ops)
    expect(rejected.status).toBe(400)
    const paths = rejected.body.errors.map((e: { path: string }) => e.path)
    expect(paths).toContain('/actions/0/task/priority')
    const fixedPriority = bad.replace('hgh', 'high')
    const stillBad = await engine.api('POST', '/api/rules', fixedPriority, KEYS.ops)
    expect(stillBad.body.errors).toEqual([{ path: '/when/gte', message: 'must be a number, an ISO date or { fact: path }' }])
    const created = await engine.api('POST', '/api/rules', fixedPriority.replace('lots', '300'), KEYS.ops)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ id: 'big-basket', version: 1, enabled: true, updatedBy: 'olivia' })
  })

  it('fires a newly created rule, versions updates, and stops firing when disabled', async () => {
    await engine.ingest([{ type: 'track', messageId: randomUUID(), userId: 'bb1', event: 'Checkout Started', properties: { checkout_id: 'k', value: 400 }, timestamp: new Date(clock.now()).toISOString() }])
    await engine.app.tick()
    expect((await engine.api('GET', '/api/tasks?queue=sales')).body.tasks).toHaveLength(1)

    const current = await engine.api('GET', '/api/rules/big-basket', undefined, KEYS.ops)
    const updated = await engine.api('PUT', '/api/rules/big-basket?version=1', { ...current.body.document, name: 'Big basket (v2)' }, KEYS.ops)
    expect(updated.body.version).toBe(2)
    expect((await engine.api('PUT', '/api/rules/big-basket?version=1', current.body.document, KEYS.ops)).status).toBe(409)
    expect((await engine.api('GET', '/api/rules/big-basket/versions', undefined, KEYS.ops)).body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1])

    expect((await engine.api('POST', '/api/rules/big-basket/disable', undefined, KEYS.ops)).body.enabled).toBe(false)
    await engine.ingest([{ type: 'track', messageId: randomUUID(), userId: 'bb2', event: 'Checkout Started', properties: { checkout_id: 'k2', value: 900 }, timestamp: new Date(clock.now()).toISOString() }])
    await engine.app.tick()
    expect((await engine.api('GET', '/api/tasks?queue=sales')).body.tasks).toHaveLength(1)
  })

  it('refuses nudges naming a template their channel does not have, every one at its field path', async () => {
    const rule = {
      id: 'thanks',
      name: 'Thank you',
      triggers: [{ event: 'Order Completed' }],
      actions: [
        { nudge: { channel: 'email', template: 'thank-you', topic: 'care' } },
        { nudge: { channel: 'sms', template: 'birthday', topic: 'care' } },
        { nudge: { channel: 'webhook', template: 'anything-goes', topic: 'care' } },
        { task: { queue: 'care', priority: 'normal', sla: '4h', fallback: { nudge: { channel: 'voice', template: 'long-dwell' } } } },
      ],
    }
    const refused = await engine.api('POST', '/api/rules', rule, KEYS.ops)
    expect(refused.status).toBe(400)
    expect(refused.body.errors.map((e: { path: string }) => e.path)).toEqual(['/actions/0/nudge/template', '/actions/1/nudge/template', '/actions/3/task/fallback/nudge/template'])
    expect(refused.body.errors[0].message).toMatch(/^no email template "thank-you"; the email templates are .*delayed-shipment/)
    const checked = await engine.api('POST', '/api/rules/validate', rule, KEYS.ops)
    expect(checked.body.valid).toBe(false)
    expect(checked.body.errors).toHaveLength(3)
    const fixed = { ...rule, actions: [{ nudge: { channel: 'email', template: 'delayed-shipment', topic: 'care' } }, rule.actions[2]] }
    expect((await engine.api('POST', '/api/rules', fixed, KEYS.ops)).status).toBe(201)
    expect((await engine.api('PUT', '/api/rules/thanks', { ...fixed, actions: [rule.actions[0]] }, KEYS.ops)).status).toBe(400)
  })

  it('validates without saving, 404s an unknown rule and 409s a duplicate id', async () => {
    const v = await engine.api('POST', '/api/rules/validate', { id: 'x', name: 'x', triggers: [], actions: [] }, KEYS.ops)
    expect(v.body.valid).toBe(false)
    expect(v.body.errors[0].path).toBe('/triggers')
    expect((await engine.api('GET', '/api/rules/nope', undefined, KEYS.ops)).status).toBe(404)
    const starter = await engine.api('GET', '/api/rules/long-dwell', undefined, KEYS.ops)
    expect((await engine.api('POST', '/api/rules', starter.body.document, KEYS.ops)).status).toBe(409)
  })
})

describe('work list', () => {
  it('claims once, resolves with an outcome, and records both on the timeline', async () => {
    await engine.ingest([{ type: 'track', messageId: randomUUID(), userId: 'w1', event: 'Complaint Filed', properties: { topic: 'payment_security', text: 'fraud' }, timestamp: new Date(clock.now()).toISOString() }])
    await engine.app.tick()
    const list = await engine.api('GET', '/api/tasks?queue=priority-care&status=open', undefined, KEYS.alice)
    const task = list.body.tasks.find((t: { customerId: string }) => t.customerId === 'w1')
    expect(task).toBeTruthy()
    const claims = await Promise.all([engine.api('POST', `/api/tasks/${task.id}/claim`, undefined, KEYS.alice), engine.api('POST', `/api/tasks/${task.id}/claim`, undefined, KEYS.bob)])
    expect(claims.map((c) => c.status).sort()).toEqual([200, 409])
    const winner = claims.find((c) => c.status === 200)!.body.claimedBy
    const loserKey = winner === 'alice' ? KEYS.bob : KEYS.alice
    const winnerKey = winner === 'alice' ? KEYS.alice : KEYS.bob
    expect((await engine.api('POST', `/api/tasks/${task.id}/resolve`, { outcome: 'resolved' }, loserKey)).status).toBe(409)
    expect((await engine.api('POST', `/api/tasks/${task.id}/resolve`, { outcome: 'sorted' }, winnerKey)).status).toBe(400)
    const resolved = await engine.api('POST', `/api/tasks/${task.id}/resolve`, { outcome: 'compensated', note: 'refunded the double charge' }, winnerKey)
    expect(resolved.body).toMatchObject({ status: 'resolved', outcome: 'compensated', resolvedBy: winner })
    expect((await engine.api('POST', `/api/tasks/${task.id}/claim`, undefined, winnerKey)).status).toBe(409)
    expect((await engine.api('POST', '/api/tasks/nope/claim', undefined, winnerKey)).status).toBe(404)
    const timeline = await engine.api('GET', '/api/customers/w1/timeline', undefined, KEYS.alice)
    const kinds = timeline.body.entries.map((e: { kind: string; title: string }) => `${e.kind}:${e.title}`)
    expect(kinds).toEqual(expect.arrayContaining(['event:Complaint Filed', 'signal:money-complaint', 'task:created', 'task:claimed', 'task:resolved']))
  })

  it('rejects bad query values with the parameter path', async () => {
    const res = await engine.api('GET', '/api/tasks?status=maybe', undefined, KEYS.alice)
    expect(res.status).toBe(400)
    expect(res.body.errors[0].path).toBe('/status')
  })
})
