// The public link routes with real stores: RFC 8058 one-click unsubscribe without any login (and
// no effect from a GET), the preference centre, "talk to a person" creating exactly one task,
// click and open tracking into history, and forged or misused tokens refused.
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerErrorHandler } from '../../src/api/errors.ts'
import { authPlugin, parseApiKeys } from '../../src/api/plugins/auth.ts'
import { linkRoutes } from '../../src/api/routes/links.ts'
import { decorateLinks, type LinkSettings } from '../../src/channels/links.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { stableHash } from '../../src/lib/hash.ts'
import { signToken } from '../../src/lib/signedToken.ts'
import type { HistoryStore } from '../../src/store/history/HistoryStore.ts'
import { openHistoryStore } from '../../src/store/history/openHistoryStore.ts'
import { openOperationalStore, type OperationalStore } from '../../src/store/operational/OperationalStore.ts'
import type { Channel, Topic } from '../../src/model/channel.ts'
import type { OutboxPayload } from '../../src/model/outbox.ts'
import { freshDataDir } from '../support/stores.ts'

const SECRET = 'link-secret-for-tests'
const T0 = Date.UTC(2026, 6, 1, 10)
const clock = new ManualClock(T0)
const settings: LinkSettings = { publicUrl: () => 'https://care.test/', secret: SECRET }
const SHOP = { name: 'Tea & <Cakes> "Shop"', url: 'https://shop.test' }
let ops: OperationalStore
let history: HistoryStore
let app: FastifyInstance
let consentChanges = 0

const payload: OutboxPayload = {
  locale: 'en',
  to: { email: 'ann@example.com', name: 'Ann' },
  vars: {
    customer: { id: 'ann', name: 'Ann', email: 'ann@example.com', locale: 'en', traits: { tier: 'gold' } },
    order: { order_id: 'o-1', total: 42 },
    event: { name: 'Order Shipped', ts: T0 - 86_400_000, properties: { order_id: 'o-1' } },
    links: { order: 'https://shop.test/orders/o-1' },
    shop: SHOP,
  },
}

async function sentMessage(id: string, customerId: string, channel: Channel = 'email', topic: Topic = 'care'): Promise<Record<string, string>> {
  await ops.outbox.insert([{ id, idempotencyKey: `key-${id}`, customerId, channel, template: 'delayed-shipment', topic, priority: 0, urgent: false, ruleId: 'late-parcel', ruleVersion: 3, payload, nextAttemptAt: T0 - 10_000, createdAt: T0 - 10_000 }])
  await ops.outbox.lease(T0 - 5000, 60_000, 100)
  await ops.outbox.markSent(id, T0 - 4000, 'provider-1')
  const links = decorateLinks(settings, { outboxId: id, customerId, channel, topic }, payload.vars.links)
  return Object.fromEntries(Object.entries(links).map(([name, url]) => [name, new URL(url).pathname]))
}

/** The same token with one character of its signature changed. */
function forge(path: string): string {
  const i = path.length - 4
  return path.slice(0, i) + (path[i] === 'A' ? 'B' : 'A') + path.slice(i + 1)
}

beforeAll(async () => {
  const dir = freshDataDir()
  ops = await openOperationalStore({ dataDir: join(dir, 'ops') })
  history = await openHistoryStore({ dataDir: dir })
  app = Fastify({ ajv: { customOptions: { allErrors: true } } })
  registerErrorHandler(app)
  await app.register(authPlugin, { configured: parseApiKeys('admin-key:admin:admin'), settings: ops.settings })
  await app.register(linkRoutes, {
    links: settings,
    ops,
    history,
    clock,
    shop: SHOP,
    talk: { queue: 'care', priority: 'high', slaMs: 4 * 3600_000 },
    onConsentChanged: () => consentChanges++,
  })
  await app.ready()
})
afterAll(async () => {
  await app?.close()
  await history?.close()
  await ops?.close()
})

const form = (fields: Record<string, string>) => ({ payload: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } })

describe('one-click unsubscribe (RFC 8058)', () => {
  it('GET shows a button and changes nothing; the POST opts out without any login', async () => {
    const links = await sentMessage('ob-u1', 'ann')
    const page = await app.inject({ method: 'GET', url: links.unsubscribe! })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/text\/html/)
    expect(page.headers['referrer-policy']).toBe('no-referrer')
    expect(page.body).toMatch(/<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">/)
    expect(page.body).toContain('href="../p/')
    expect(await ops.consent.isOptedOut('ann', 'email', 'care')).toBe(false)

    const before = consentChanges
    const res = await app.inject({ method: 'POST', url: links.unsubscribe!, ...form({ 'List-Unsubscribe': 'One-Click' }) })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('You are unsubscribed')
    expect(await ops.consent.isOptedOut('ann', 'email', 'care')).toBe(true)
    expect(await ops.consent.isOptedOut('ann', 'sms', 'care')).toBe(false)
    expect((await ops.consent.list('ann'))[0]).toMatchObject({ channel: 'email', topic: 'care', status: 'opted_out', source: 'one-click' })
    expect(consentChanges).toBe(before + 1)
    expect((await app.inject({ method: 'POST', url: links.unsubscribe!, ...form({ 'List-Unsubscribe': 'One-Click' }) })).statusCode).toBe(200)
  })

  it('accepts a multipart body and an empty body as well', async () => {
    const multi = await sentMessage('ob-u2', 'bea', 'email', 'marketing')
    const boundary = 'xyz'
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`
    const res = await app.inject({ method: 'POST', url: multi.unsubscribe!, payload: body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } })
    expect(res.statusCode).toBe(200)
    expect(await ops.consent.isOptedOut('bea', 'email', 'marketing')).toBe(true)

    const empty = await sentMessage('ob-u3', 'cal', 'sms', 'care')
    expect((await app.inject({ method: 'POST', url: empty.unsubscribe! })).statusCode).toBe(200)
    expect(await ops.consent.isOptedOut('cal', 'sms', 'care')).toBe(true)
  })
})

describe('preference centre', () => {
  it('JSON round trip; unknown channels and topics are 400 with field paths', async () => {
    const links = await sentMessage('ob-p1', 'dee')
    const json = `${links.preferences}/json`
    expect((await app.inject({ method: 'GET', url: json })).json()).toMatchObject({ all: true, channels: { sms: { care: true, marketing: false } }, choices: [] })
    const put = await app.inject({ method: 'PUT', url: json, payload: { channels: { sms: { marketing: true } } } })
    expect(put.statusCode).toBe(200)
    expect(put.json().channels.sms).toEqual({ care: true, marketing: true })
    const got = (await app.inject({ method: 'GET', url: json })).json()
    expect(got.channels.sms).toEqual({ care: true, marketing: true })
    expect(got.choices).toEqual([{ channel: 'sms', topic: 'marketing', status: 'opted_in', source: 'preferences', updatedAt: clock.now() }])
    expect((await ops.consent.list('dee'))[0]).toMatchObject({ source: 'preferences' })
    const bad = await app.inject({ method: 'PUT', url: json, payload: { channels: { fax: { care: false }, email: { spam: true } } } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(['/channels/email/spam', '/channels/fax'])
    expect((await app.inject({ method: 'GET', url: `${forge(links.preferences!)}/json` })).statusCode).toBe(404)
  })

  it('the HTML form shows the choices escaped and saves a POST of the form', async () => {
    const links = await sentMessage('ob-p2', 'eve')
    const page = await app.inject({ method: 'GET', url: links.preferences! })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Tea &amp; &lt;Cakes&gt; &quot;Shop&quot;')
    expect(page.body).not.toContain('<Cakes>')
    expect(page.body).toMatch(/name="email\.care"[^>]* checked/)
    expect(page.body).not.toMatch(/name="email\.marketing"[^>]* checked/)
    expect(page.body).toMatch(/<input type="checkbox" name="stop">/)

    // Everything ticked except email marketing and SMS altogether.
    const fields: Record<string, string> = { form: 'preferences' }
    for (const c of ['email', 'push', 'webhook', 'inapp', 'voice']) for (const t of ['care', 'marketing']) if (!(c === 'email' && t === 'marketing')) fields[`${c}.${t}`] = 'on'
    const saved = await app.inject({ method: 'POST', url: links.preferences!, ...form(fields) })
    expect(saved.statusCode).toBe(200)
    expect(saved.body).toContain('Saved.')
    expect(saved.body).not.toMatch(/name="email\.marketing"[^>]* checked/)
    expect((await ops.consent.preferences('eve')).channels.email.marketing).toBe(false)
    expect(saved.body).toMatch(/name="push\.marketing"[^>]* checked/)
    expect(await ops.consent.list('eve')).toContainEqual(expect.objectContaining({ channel: 'push', topic: 'marketing', status: 'opted_in', source: 'preferences' }))
    expect(await ops.consent.isOptedOut('eve', 'sms', 'care')).toBe(true)
    expect(await ops.consent.isOptedOut('eve', 'email', 'care')).toBe(false)

    const stop = await app.inject({ method: 'POST', url: links.preferences!, ...form({ ...fields, stop: 'on' }) })
    expect(stop.body).toMatch(/name="stop" checked/)
    expect(await ops.consent.isOptedOut('eve', 'push', 'care')).toBe(true)
    // An empty POST (not our form) changes nothing.
    await app.inject({ method: 'POST', url: links.preferences! })
    expect((await ops.consent.preferences('eve')).channels.push.care).toBe(true)
  })
})

describe('talk to a person', () => {
  it('GET only asks; two POSTs create exactly one task with the nudge’s context', async () => {
    const links = await sentMessage('ob-t1', 'fay')
    const page = await app.inject({ method: 'GET', url: links.talkToPerson! })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Would you like someone from Tea &amp; &lt;Cakes&gt;')
    expect(await ops.tasks.list({ customerId: 'fay' })).toHaveLength(0)

    clock.set(T0 + 1000)
    const first = await app.inject({ method: 'POST', url: links.talkToPerson!, ...form({ message: '  Where is my <parcel>?  ' }) })
    expect(first.statusCode).toBe(200)
    expect(first.body).toContain('Thank you')
    clock.set(T0 + 5000)
    const second = await app.inject({ method: 'POST', url: links.talkToPerson!, ...form({ message: 'again' }) })
    expect(second.statusCode).toBe(200)
    expect(second.body).toContain('We already have your request')

    const tasks = await ops.tasks.list({ customerId: 'fay' })
    expect(tasks).toHaveLength(1)
    expect(tasks[0]).toMatchObject({
      id: stableHash('talk:ob-t1'),
      queue: 'care',
      priority: 'high',
      priorityRank: 30,
      status: 'open',
      title: 'Shopper asked to talk to a person',
      ruleId: 'late-parcel',
      ruleVersion: 3,
      slaDueAt: T0 + 1000 + 4 * 3600_000,
      signal: { kind: 'talk-to-person', outboxId: 'ob-t1', channel: 'email', template: 'delayed-shipment', ruleId: 'late-parcel' },
      context: {
        customer: payload.vars.customer,
        order: payload.vars.order,
        event: payload.vars.event,
        links: payload.vars.links,
        nudge: { outboxId: 'ob-t1', channel: 'email', template: 'delayed-shipment', status: 'sent', sentAt: T0 - 4000 },
        message: 'Where is my <parcel>?',
      },
    })

    const timeline = await history.timeline('fay')
    expect(timeline.filter((e) => e.kind === 'task')).toEqual([expect.objectContaining({ title: 'created', ts: T0 + 1000, data: expect.objectContaining({ actor: 'shopper', task_id: tasks[0]!.id }) })])
    expect(timeline.filter((e) => e.kind === 'delivery' && e.title === 'clicked')).toEqual([expect.objectContaining({ id: 'ob-t1:clicked:talkToPerson' })])
  })

  it('404 for an unknown message', async () => {
    const url = `/l/t/${signToken(SECRET, 'talk', { outboxId: 'never-sent' })}`
    expect((await app.inject({ method: 'GET', url })).statusCode).toBe(404)
    expect((await app.inject({ method: 'POST', url })).statusCode).toBe(404)
  })
})

describe('click and open tracking', () => {
  it('a click redirects to the signed target and lands in history as "clicked"', async () => {
    const links = await sentMessage('ob-c1', 'gus')
    clock.set(T0 + 9000)
    // A HEAD (link checkers) is answered but is no click.
    expect((await app.inject({ method: 'HEAD', url: links.order! })).statusCode).toBe(302)
    expect((await history.timeline('gus')).filter((e) => e.kind === 'delivery')).toEqual([])
    const res = await app.inject({ method: 'GET', url: links.order! })
    expect(res.statusCode).toBe(302)
    expect(res.headers.location).toBe('https://shop.test/orders/o-1')
    const clicked = (await history.timeline('gus')).filter((e) => e.kind === 'delivery')
    expect(clicked).toEqual([expect.objectContaining({ id: 'ob-c1:clicked:order', title: 'clicked', ts: T0 + 9000, data: expect.objectContaining({ outbox_id: 'ob-c1', channel: 'email', attempt: 1 }) })])
  })

  it('only web targets are followed', async () => {
    const url = `/l/c/${signToken(SECRET, 'click', { outboxId: 'ob-c1', name: 'x', target: 'javascript:alert(1)' })}`
    expect((await app.inject({ method: 'GET', url })).statusCode).toBe(404)
  })

  it('the open pixel is a no-cache GIF; a bad token gets the same GIF and records nothing', async () => {
    const links = await sentMessage('ob-o1', 'hal')
    const res = await app.inject({ method: 'GET', url: links.openPixel! })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('image/gif')
    expect(res.headers['cache-control']).toMatch(/no-store/)
    expect(res.rawPayload.subarray(0, 6).toString('latin1')).toBe('GIF89a')
    const bad = await app.inject({ method: 'GET', url: forge(links.openPixel!) })
    expect(bad.statusCode).toBe(200)
    expect(bad.rawPayload.equals(res.rawPayload)).toBe(true)
    const rows = (await history.timeline('hal')).filter((e) => e.kind === 'delivery')
    expect(rows.map((r) => r.id)).toEqual(['ob-o1:opened:pixel'])
  })
})

describe('forged and misused tokens', () => {
  it('a changed character or a token minted for another purpose is a 404', async () => {
    const links = await sentMessage('ob-f1', 'ivy')
    for (const name of ['unsubscribe', 'preferences', 'talkToPerson', 'order']) {
      const res = await app.inject({ method: 'GET', url: forge(links[name]!) })
      expect(res.statusCode, name).toBe(404)
      expect(res.headers['content-type']).toMatch(/text\/html/)
    }
    expect((await app.inject({ method: 'POST', url: forge(links.unsubscribe!) })).statusCode).toBe(404)
    expect((await app.inject({ method: 'POST', url: forge(links.talkToPerson!) })).statusCode).toBe(404)
    expect(await ops.consent.list('ivy')).toEqual([])

    const token = (path: string) => path.split('/').pop()!
    const misuse = [
      `/l/u/${token(links.preferences!)}`, // a preferences token cannot unsubscribe
      `/l/p/${token(links.unsubscribe!)}`,
      `/l/t/${token(links.openPixel!)}`, // same payload shape, other purpose
      `/l/c/${token(links.talkToPerson!)}`,
    ]
    for (const url of misuse) expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(404)
    expect((await app.inject({ method: 'POST', url: `/l/u/${token(links.preferences!)}` })).statusCode).toBe(404)
    expect((await app.inject({ method: 'POST', url: `/l/t/${token(links.openPixel!)}` })).statusCode).toBe(404)
    expect(await ops.tasks.list({ customerId: 'ivy' })).toHaveLength(0)
    expect(await ops.consent.list('ivy')).toEqual([])
  })
})
