// Dead letters API against a real engine (PGlite, chDB, the embedded log): browse both kinds with
// filters and keyset pages, read a letter's reason and original bytes, resend after a fix. An
// unchanged bad payload goes dead again with the reason; an event that failed for a transient
// reason (a rule bug, fixed) is applied once however often it is resent; messages that went dead
// for a missing template are sent once the template exists. Who resent what is audited.
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { failRulesOn } from '../support/faults.ts'

const START = Date.UTC(2026, 5, 1, 10, 0, 0)
const clock = new ManualClock(START)
let engine: TestEngine

beforeAll(async () => {
  engine = await startEngine({ clock })
})
afterAll(async () => {
  await engine?.app.stop()
})

const at = () => new Date(clock.now()).toISOString()
const track = (userId: string, event: string, properties: Record<string, unknown> = {}) => ({ type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: at() })
const api = (method: string, path: string, body?: unknown, key = KEYS.ops) => engine.api(method, path, body, key)
const list = async (query: string) => {
  const res = await api('GET', `/api/dead-letters?${query}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body as { letters: Array<Record<string, any>>; next?: string }
}

describe('input letters', () => {
  it('an unchanged bad payload resent goes dead again with the reason; the old letter is marked, the new one linked', async () => {
    const bad = { type: 'track', messageId: `bad-${randomUUID()}`, userId: 'u-bad', event: 'Order Completed', properties: { total: 'lots' }, timestamp: at(), note: 'a\u0000b' }
    const res = await engine.ingest([bad, track('u-good', 'Product Viewed', { product_id: 'p1' })])
    expect(res.status).toBe(400)
    const { letters } = await list(`kind=input&source=http&reason=${encodeURIComponent('/BATCH/0/PROPERTIES')}`)
    const letter = letters.find((l) => l.reason.includes('/batch/0/properties'))
    expect(letter).toMatchObject({ kind: 'input', source: 'http', status: 'open', resentAt: null })

    const detail = (await api('GET', `/api/dead-letters/${encodeURIComponent(letter!.id)}`)).body
    expect(detail.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/^\/batch\/0\/properties/) })]))
    // The bytes as stored: NUL (which PostgreSQL text cannot hold) became U+FFFD, nothing else changed.
    expect(JSON.parse(detail.payload)).toEqual({ ...bad, note: 'a\ufffdb' })

    clock.advance(60_000)
    const resent = await api('POST', '/api/dead-letters/resend', { ids: [letter!.id] })
    expect(resent.status, JSON.stringify(resent.body)).toBe(200)
    const [result] = resent.body.results
    expect(result).toMatchObject({ id: letter!.id, outcome: 'dead-again', newId: expect.stringMatching(/^input:\d+$/) })
    expect(result.reason).toMatch(/^\/properties/)

    const again = (await api('GET', `/api/dead-letters/${encodeURIComponent(result.newId)}`)).body
    expect(again).toMatchObject({ status: 'open', source: 'http', resentFrom: letter!.id, at: clock.now() })
    expect(JSON.parse(again.payload)).toEqual(JSON.parse(detail.payload))
    const old = (await api('GET', `/api/dead-letters/${encodeURIComponent(letter!.id)}`)).body
    expect(old).toMatchObject({ status: 'resent', resentBy: 'olivia', resendOutcome: 'dead-again', resentAt: clock.now(), resentInto: [expect.objectContaining({ id: result.newId })] })

    const open = (await list('kind=input&state=open')).letters.map((l) => l.id)
    expect(open).toContain(result.newId)
    expect(open).not.toContain(letter!.id)
    expect((await list('kind=input&state=resent')).letters.map((l) => l.id)).toContain(letter!.id)

    const audit = (await api('GET', '/api/audit?action=deadLetter.resend', undefined, KEYS.ops)).body.entries
    expect(audit[0]).toMatchObject({ actor: 'olivia', role: 'ops', entityId: letter!.id, details: { outcomes: { 'dead-again': 1 } } })
  })

  it('an event that failed for a transient reason is applied after the fix, once however often it is resent', async () => {
    const user = `t-${randomUUID().slice(0, 8)}`
    const flaky = track(user, 'Flaky Thing', { n: 1 })
    const restore = failRulesOn(engine.app, 'Flaky Thing', 'a rule bug, fixed later')
    try {
      expect((await engine.ingest([flaky])).status).toBe(200)
      await engine.app.tick()
    } finally {
      restore()
    }
    const letter = (await list('kind=input&source=embedded&reason=rule%20bug')).letters[0]
    expect(letter).toBeDefined()
    expect(JSON.parse((await api('GET', `/api/dead-letters/${encodeURIComponent(letter!.id)}`)).body.payload).messageId).toBe(flaky.messageId)
    expect((await engine.app.ops.engine.loadStates([user])).get(user)?.seen ?? []).not.toContain(flaky.messageId)

    for (let i = 0; i < 2; i++) {
      const resent = await api('POST', '/api/dead-letters/resend', { ids: [letter!.id] })
      expect(resent.body.results).toEqual([{ id: letter!.id, outcome: 'accepted' }])
      await engine.app.tick()
    }
    // Also the same event sent again by the shop: the engine knows its messageId.
    await engine.ingest([flaky])
    await engine.app.tick()
    const state = (await engine.app.ops.engine.loadStates([user])).get(user)
    expect(state?.seen).toContain(flaky.messageId)
    expect(state?.counts['Flaky Thing']).toHaveLength(1)
    expect((await list('kind=input&reason=rule%20bug&state=open')).letters).toEqual([])
  })

  it('timer and schedule letters are not shop messages: refused per letter, the others in the call still resent', async () => {
    await engine.app.ops.deadLetters.add([{ source: 'timer', receivedAt: clock.now(), reason: 'timer failed', errors: [], payload: '{"id":"t1"}' }])
    const timer = (await list('kind=input&source=timer')).letters[0]
    const res = await api('POST', '/api/dead-letters/resend', { ids: [timer!.id, 'input:999999999', 'message:nope'] })
    expect(res.body.results).toEqual([
      expect.objectContaining({ id: timer!.id, outcome: 'not-resendable' }),
      { id: 'input:999999999', outcome: 'not-found' },
      { id: 'message:nope', outcome: 'not-found' },
    ])
  })

  it('history rows the history store refused stay a letter: not resendable, kept for inspection', async () => {
    await engine.app.ops.deadLetters.add([{ source: 'history', receivedAt: clock.now(), reason: 'the history store refused these rows: bad escape', errors: [], payload: '{"events":[]}' }])
    const letter = (await list('kind=input&source=history')).letters[0]
    const res = await api('POST', '/api/dead-letters/resend', { ids: [letter!.id] })
    expect(res.body.results).toEqual([{ id: letter!.id, outcome: 'not-resendable', reason: expect.stringMatching(/history store refused/) }])
  })

  it('pages letters of one time in id order across id lengths (9 → 10, 99 → 100): every letter once', async () => {
    const source = `same-time-${randomUUID().slice(0, 8)}`
    const ids = await engine.app.ops.deadLetters.add(Array.from({ length: 120 }, (_, i) => ({ source, receivedAt: clock.now(), reason: `r${i}`, errors: [], payload: '{}' })))
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 13 }), async (limit) => {
        const seen: string[] = []
        let page = await list(`source=${source}&limit=${limit}&state=all`)
        seen.push(...page.letters.map((l) => l.id))
        while (page.next) {
          page = await list(`source=${source}&limit=${limit}&state=all&cursor=${page.next}`)
          seen.push(...page.letters.map((l) => l.id))
        }
        expect(seen).toEqual([...ids].sort((a, b) => b - a).map((id) => `input:${id}`))
      }),
      { numRuns: 6, examples: [[1], [7]] },
    )
  })

  it('pages newest first by keyset: every letter once, none skipped when more arrive between pages', async () => {
    const source = `http`
    const marker = `page-${randomUUID().slice(0, 8)}`
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        clock.advance(i % 2) // some letters share a time
        await engine.ingest([{ type: 'track', userId: marker, event: marker, properties: 'not an object', timestamp: at() }])
      }
    }
    await send(5)
    const seen: string[] = []
    let page = await list(`source=${source}&limit=2&state=all`)
    const query = (cursor?: string) => `source=${source}&limit=2&state=all${cursor ? `&cursor=${cursor}` : ''}`
    const mine = (p: typeof page) => p.letters.filter((l) => l.reason.includes('/properties')).map((l) => l.id)
    seen.push(...mine(page))
    await send(2) // newer than the first page: not in later pages
    while (page.next) {
      page = await list(query(page.next))
      seen.push(...mine(page))
    }
    expect(new Set(seen).size).toBe(seen.length)
    const all = (await list(`source=${source}&limit=200&state=all`)).letters
    const ats = all.map((l) => l.at)
    expect(ats).toEqual([...ats].sort((a, b) => b - a))
    expect(seen.length).toBe(all.filter((l) => l.reason.includes('/properties')).length - 2)
  })
})

describe('dead messages', () => {
  it('messages dead for a missing template are resent by filter once it exists, and sent; a second resend finds them not dead', async () => {
    // A rule saved before rules were checked against the templates (the API now refuses it).
    const rule = { id: 'thanks-missing', name: 'Thanks', triggers: [{ event: 'Order Delivered' }], actions: [{ nudge: { channel: 'email', template: 'thanks-missing', topic: 'care' } }] }
    expect(await engine.app.ops.rules.create(rule.id, rule, true, 'upgrade', clock.now())).toBeDefined()
    await engine.app.rules.refresh(true)
    const users = [`m-${randomUUID().slice(0, 8)}`, `m-${randomUUID().slice(0, 8)}`]
    for (const u of users) {
      await engine.ingest([
        { type: 'identify', messageId: randomUUID(), userId: u, traits: { email: `${u}@example.com`, locale: 'en', timezone: 'UTC' }, timestamp: at() },
        track(u, 'Order Delivered', { order_id: `o-${u}` }),
      ])
    }
    await engine.app.tick()
    const dead = (await list(`kind=message&rule=${rule.id}`)).letters
    expect(dead).toHaveLength(2)
    expect(dead[0]).toMatchObject({ kind: 'message', source: 'email', status: 'dead', template: 'thanks-missing', ruleId: rule.id })
    expect(dead[0]!.reason).toMatch(/thanks-missing/)
    const detail = (await api('GET', `/api/dead-letters/${encodeURIComponent(dead[0]!.id)}`)).body
    expect(JSON.parse(detail.payload)).toHaveProperty('vars')

    // Resending before the fix just goes dead again, with the reason.
    expect((await api('POST', '/api/dead-letters/resend', { ids: [dead[0]!.id] })).body.results).toEqual([{ id: dead[0]!.id, outcome: 'requeued' }])
    await engine.app.tick()
    expect((await list(`kind=message&rule=${rule.id}&state=resent`)).letters).toEqual([expect.objectContaining({ id: dead[0]!.id, status: 'dead' })])

    const skeleton: string = (await api('GET', '/api/templates')).body.skeletons.email
    const source = skeleton.replaceAll('Write your message here.', 'Thank you!')
    const saved = await api('PUT', '/api/templates/email/thanks-missing/en', { source })
    expect(saved.status, JSON.stringify(saved.body)).toBe(200)
    const resent = await api('POST', '/api/dead-letters/resend', { filter: { kind: 'message', rule: rule.id } })
    expect(resent.body).toMatchObject({ more: false })
    expect(resent.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['requeued', 'requeued'])
    await engine.app.tick()
    for (const u of users) expect((await engine.app.ops.outbox.list({ customerId: u })).map((m) => m.status)).toEqual(['sent'])
    expect((await list(`kind=message&rule=${rule.id}`)).letters).toEqual([])
    expect((await list(`kind=message&rule=${rule.id}&state=resent`)).letters.map((l) => l.status)).toEqual(['sent', 'sent'])
    const twice = await api('POST', '/api/dead-letters/resend', { ids: dead.map((l) => l.id) })
    expect(twice.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['not-dead', 'not-dead'])
  })
})

describe('the doors', () => {
  it('ops and admin only', async () => {
    expect((await api('GET', '/api/dead-letters', undefined, KEYS.alice)).status).toBe(403)
    expect((await api('POST', '/api/dead-letters/resend', { ids: ['input:1'] }, KEYS.alice)).status).toBe(403)
    expect((await api('GET', '/api/dead-letters', undefined, KEYS.admin)).status).toBe(200)
  })

  it('bad requests are 400 with the field path', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['GET', '/api/dead-letters?cursor=abc', undefined, '/cursor'],
      ['GET', '/api/dead-letters?from=10&to=5', undefined, '/to'],
      ['GET', '/api/dead-letters?kind=letters', undefined, '/kind'],
      ['GET', '/api/dead-letters/letter-1', undefined, '/id'],
      ['POST', '/api/dead-letters/resend', {}, '/ids'],
      ['POST', '/api/dead-letters/resend', { ids: ['input:1'], filter: {} }, '/ids'],
      ['POST', '/api/dead-letters/resend', { ids: ['input:0'] }, '/ids/0'],
      ['POST', '/api/dead-letters/resend', { filter: { from: 9, to: 1 } }, '/filter/to'],
      ['POST', '/api/dead-letters/resend', { filter: { __proto__: 1, state: 'x' } }, '/filter/state'],
    ]
    for (const [method, path, body, field] of cases) {
      const res = await api(method, path, body)
      expect(res.status, `${method} ${path} ${JSON.stringify(res.body)}`).toBe(400)
      expect(res.body.errors.map((e: { path: string }) => e.path), path).toContain(field)
    }
    expect((await api('GET', '/api/dead-letters/input:424242')).status).toBe(404)
  })
})
