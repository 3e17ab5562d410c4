// Segment's own client sends every call type: each answered {"success":true}, none a dead letter,
// all in the shopper's history.
import { Analytics } from '@segment/analytics-node'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { useEngine } from '../support/careloop.ts'

describe('the real @segment/analytics-node client', () => {
  const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))
  const running = useEngine({ clock })

  it('sends page, screen, alias, group, identify and track; every one is stored, none dead-lettered', async () => {
    const engine = running()
    // Every reply the client receives, as it receives it.
    const replies: Array<{ status: number; body: string }> = []
    const httpClient = async (url: string, init: RequestInit) => {
      const res = await fetch(url, init)
      replies.push({ status: res.status, body: await res.clone().text() })
      return res
    }
    const analytics = new Analytics({ writeKey: 'test-write-key', host: engine.url, flushAt: 3, flushInterval: 50, maxRetries: 0, httpClient })
    const errors: unknown[] = []
    analytics.on('error', (err) => errors.push(err))
    const before = await engine.app.ops.log.head(0)
    const timestamp = new Date(clock.now())
    analytics.page({ anonymousId: 'browser-1', name: 'Running shoes', category: 'Catalog', properties: { path: '/c/running', url: 'https://shop.test/c/running', title: 'Running shoes', referrer: '' }, timestamp })
    analytics.screen({ anonymousId: 'browser-1', name: 'Basket', properties: { items: 2 }, timestamp })
    analytics.identify({ userId: 'seg-user', anonymousId: 'browser-1', traits: { email: 'seg@example.com' }, timestamp })
    analytics.alias({ previousId: 'browser-1', userId: 'seg-user', timestamp })
    analytics.group({ userId: 'seg-user', groupId: 'acme', traits: { name: 'Acme', plan: 'enterprise' }, timestamp })
    analytics.track({ userId: 'seg-user', event: 'Order Completed', properties: { order_id: 'SEG-1', total: 80, currency: 'EUR' }, timestamp })
    // Without a messageId of our own: the client makes one; resending one of ours is a duplicate.
    analytics.track({ userId: 'seg-user', event: 'Product Viewed', properties: { product_id: 'p1' }, messageId: 'seg-fixed-1', timestamp })
    analytics.track({ userId: 'seg-user', event: 'Product Viewed', properties: { product_id: 'p1' }, messageId: 'seg-fixed-1', timestamp })
    await analytics.closeAndFlush({ timeout: 10_000 })
    expect(errors).toEqual([])
    expect(replies.length).toBeGreaterThan(0)
    for (const reply of replies) {
      expect(reply.status).toBe(200)
      expect(JSON.parse(reply.body)).toMatchObject({ success: true })
    }
    expect((await engine.app.ops.log.head(0)) - before).toBe(7)
    expect(await engine.app.ops.deadLetters.list()).toEqual([])
    await engine.app.tick()
    const titles = async (id: string) =>
      ((await engine.api('GET', `/api/customers/${encodeURIComponent(id)}/timeline`)).body.entries as Array<{ kind: string; title: string }>).filter((e) => e.kind === 'event').map((e) => e.title).sort()
    expect(await titles('anon:browser-1')).toEqual(['Page Viewed', 'Screen Viewed'])
    // The identify carrying both ids merged browser-1 into seg-user: its timeline shows the anonymous views too.
    expect(await titles('seg-user')).toEqual(['Alias', 'Group', 'Identify', 'Order Completed', 'Page Viewed', 'Product Viewed', 'Screen Viewed'])
  })
})
