// Segment's page, screen, alias and group calls at the HTTP door: accepted as the spec defines
// them, stored in history, on the timeline; page views trigger rules, group traits are facts.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, useEngine, WRITE_KEY_AUTH } from '../support/careloop.ts'

const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))
const running = useEngine({ clock })

async function post(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(running().url + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: WRITE_KEY_AUTH }, body: JSON.stringify(body) })
  return { status: res.status, body: await res.json() }
}
const at = () => new Date(clock.now()).toISOString()

async function timeline(customerId: string): Promise<Array<{ kind: string; title: string; data: Record<string, any> }>> {
  const res = await running().api('GET', `/api/customers/${encodeURIComponent(customerId)}/timeline`)
  expect(res.status).toBe(200)
  return res.body.entries
}

describe('page, screen, alias, group', () => {
  it('each call type is accepted at /v1/<type> as Segment documents it, unknown fields included', async () => {
    const calls: Array<[string, Record<string, unknown>]> = [
      ['page', { userId: 'calls-1', name: 'Pricing', category: 'Docs', properties: { path: '/pricing', url: 'https://shop.test/pricing', title: 'Pricing', referrer: 'https://search.test' }, integrations: { All: true } }],
      ['screen', { userId: 'calls-1', name: 'Basket', properties: { variation: 'blue' }, context: { app: { version: '2.1' } } }],
      ['alias', { previousId: 'anon-browser-9', userId: 'calls-1', _metadata: { nodeVersion: '20' } }],
      ['group', { userId: 'calls-1', groupId: 'acme', traits: { name: 'Acme', plan: 'enterprise', employees: 420 } }],
    ]
    for (const [type, body] of calls) {
      const res = await post(`/v1/${type}`, { messageId: randomUUID(), timestamp: at(), ...body })
      expect(res, type).toMatchObject({ status: 200, body: { success: true, stored: 1 } })
    }
    await running().app.tick()
    const events = (await timeline('calls-1')).filter((e) => e.kind === 'event')
    expect(events.map((e) => e.title).sort()).toEqual(['Alias', 'Group', 'Page Viewed', 'Screen Viewed'])
    const page = events.find((e) => e.title === 'Page Viewed')!
    expect(page.data).toMatchObject({ type: 'page', properties: { name: 'Pricing', category: 'Docs', path: '/pricing', title: 'Pricing' } })
    expect(events.find((e) => e.title === 'Alias')!.data).toMatchObject({ type: 'alias', properties: { previousId: 'anon-browser-9' } })
    expect(events.find((e) => e.title === 'Group')!.data).toMatchObject({ type: 'group', properties: { groupId: 'acme', traits: { plan: 'enterprise' } } })
    const state = (await running().app.ops.engine.loadStates(['calls-1'])).get('calls-1')!
    expect(state.group).toEqual({ id: 'acme', traits: { name: 'Acme', plan: 'enterprise', employees: 420 } })
    expect(state.orders).toEqual({})
  })

  it('the same types in a batch; page path falls back to context.page; an anonymous page view', async () => {
    const res = await post('/v1/batch', {
      batch: [
        { type: 'page', messageId: randomUUID(), anonymousId: 'anon-7', timestamp: at(), context: { page: { path: '/sale', url: 'https://shop.test/sale', title: 'Sale' } } },
        { type: 'screen', messageId: randomUUID(), userId: 'calls-2', timestamp: at(), name: 'Home' },
        { type: 'alias', messageId: randomUUID(), previousId: 'anon-7', userId: 'calls-2', timestamp: at() },
        { type: 'group', messageId: randomUUID(), anonymousId: 'anon-7', groupId: 42, timestamp: at() },
      ],
    })
    expect(res.status).toBe(400)
    // A numeric groupId is not an id in Segment's spec: only that message is refused.
    expect(res.body).toMatchObject({ stored: 3, errors: [{ path: '/batch/3/groupId', message: 'must be string' }] })
    await running().app.tick()
    const page = (await timeline('anon:anon-7')).find((e) => e.title === 'Page Viewed')!
    expect(page.data.properties).toMatchObject({ path: '/sale', url: 'https://shop.test/sale', title: 'Sale' })
  })

  it('alias needs previousId and userId; group needs groupId; all reported at once', async () => {
    const alias = await post('/v1/alias', { messageId: randomUUID(), anonymousId: 'a' })
    expect(alias.status).toBe(400)
    expect(alias.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/previousId', '/userId'])
    const group = await post('/v1/group', { traits: { plan: 'x' } })
    expect(group.status).toBe(400)
    expect(group.body.errors).toEqual(
      expect.arrayContaining([
        { path: '/groupId', message: 'is required' },
        { path: '/userId', message: 'userId or anonymousId is required' },
      ]),
    )
  })

  it('a page view triggers a rule by name with a condition on its path; group traits are facts', async () => {
    const rule = {
      id: 'pricing-help',
      name: 'Enterprise shopper reads pricing',
      triggers: [{ event: 'Page Viewed', when: { fact: 'properties.path', matches: '^/pricing' } }],
      when: { fact: 'group.traits.plan', eq: 'enterprise' },
      actions: [{ task: { queue: 'sales', priority: 'normal', sla: '4h', title: 'Pricing question' } }],
    }
    expect((await running().api('POST', '/api/rules', rule, KEYS.ops)).status).toBe(201)
    const page = (userId: string, path: string) => ({ type: 'page', messageId: randomUUID(), userId, timestamp: at(), name: 'Pricing', properties: { path } })
    const group = (userId: string, plan: string) => ({ type: 'group', messageId: randomUUID(), userId, groupId: `g-${plan}`, timestamp: at(), traits: { plan } })
    clock.advance(60_000)
    expect((await post('/v1/batch', { batch: [group('buyer-1', 'enterprise'), group('buyer-2', 'starter'), page('buyer-1', '/pricing/teams'), page('buyer-1', '/blog'), page('buyer-2', '/pricing')] })).status).toBe(200)
    await running().app.tick()
    const tasks = (await running().api('GET', '/api/tasks?queue=sales')).body.tasks
    expect(tasks.map((t: { customerId: string }) => t.customerId)).toEqual(['buyer-1'])
  })

  it('a bad rule fact under group says which group facts exist', async () => {
    const res = await running().api('POST', '/api/rules/validate', { id: 'g', name: 'g', triggers: [{ event: 'Group' }], when: { fact: 'group.plan', eq: 1 }, actions: [{ task: { queue: 'q', priority: 'low', sla: '1h' } }] }, KEYS.ops)
    expect(JSON.stringify(res.body)).toContain('group facts are group.id and group.traits.<name>')
  })
})
