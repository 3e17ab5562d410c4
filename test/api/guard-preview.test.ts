// POST /api/guard-policy/preview against a real engine (PGlite + chDB): recorded deliveries in the
// history store, the rule that planned them in the rule store, the stored policy as "current".
// Bad drafts answer 400 naming the field, never 5xx; only ops and admins may ask.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import type { DeliveryRow } from '../../src/store/history/HistoryStore.ts'
import { nudgeDecision as decision, nudgeDelivery as delivery } from '../support/guardHistory.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'

const clock = new ManualClock(Date.parse('2026-03-25T12:00:00Z'))
let engine: TestEngine
const at = (iso: string) => Date.parse(iso)

beforeAll(async () => {
  engine = await startEngine({ clock, guards: { quietHours: { start: '21:00', end: '08:00' } } })
  const { app } = engine
  await app.ops.rules.create('late-parcel', { actions: [{ nudge: { channel: 'email', template: 'late' } }] }, false, 'test', clock.now())
  await app.ops.rules.create('promo', { actions: [{ nudge: { channel: 'sms', template: 'promo', topic: 'marketing' } }] }, false, 'test', clock.now())
  const day = '2026-03-20'
  const email = (n: number, hour: string, status: DeliveryRow['status'], detail = '') => {
    const id = `late-parcel:1:p-a:m-${n}:a0`
    const ts = at(`${day}T${hour}:00Z`)
    return { decision: decision('p-a', id, 'late-parcel', 'email', 'late', ts), rows: [delivery('p-a', id, 'email', 'late', 'queued', ts), delivery('p-a', id, 'email', 'late', status, ts, detail)] }
  }
  const mails = [email(1, '09', 'sent'), email(2, '10', 'sent'), email(3, '11', 'skipped', 'cap_channel: 2 email contact(s) today in UTC, cap 2')]
  const sms = 'promo:1:p-b:m-9:a0'
  await app.history.append({
    decisions: [...mails.map((m) => m.decision), decision('p-b', sms, 'promo', 'sms', 'promo', at(`${day}T22:00:00Z`))],
    deliveries: [
      ...mails.flatMap((m) => m.rows),
      delivery('p-b', sms, 'sms', 'promo', 'queued', at(`${day}T22:00:00Z`)),
      delivery('p-b', sms, 'sms', 'promo', 'deferred', at(`${day}T22:00:00Z`), 'quiet_hours 21:00-08:00 in UTC'),
      delivery('p-b', sms, 'sms', 'promo', 'sent', at('2026-03-21T08:00:00Z')),
      delivery('p-c', 'survey:p-c', 'push', 'survey', 'queued', at(`${day}T10:00:00Z`)),
      delivery('p-c', 'survey:p-c', 'push', 'survey', 'skipped', at(`${day}T10:00:00Z`), 'consent: opted out of push (care)'),
      // Older than 7 days: only in a 10-day preview.
      delivery('p-d', 'late-parcel:1:p-d:m-1:a0', 'email', 'late', 'queued', at('2026-03-16T10:00:00Z')),
      delivery('p-d', 'late-parcel:1:p-d:m-1:a0', 'email', 'late', 'sent', at('2026-03-16T10:00:00Z')),
    ],
  })
})
afterAll(async () => {
  await engine?.app.stop()
})

const preview = (body: unknown, key = KEYS.ops) => engine.api('POST', '/api/guard-policy/preview', body, key)

describe('guard policy preview', () => {
  it('counts per topic and channel what a draft would hold, delay or let through, against the stored policy', async () => {
    const res = await preview({ policy: { caps: { perDay: 3, perChannel: { email: 1, sms: 1 } }, quietHours: null } })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({
      days: 7,
      from: clock.now() - 7 * 86_400_000,
      to: clock.now(),
      messages: 4,
      truncated: false,
      agreement: { matched: 4, of: 4 },
      unchanged: [{ reason: 'consent', messages: 1 }],
      changes: { held: 1, released: 0, delayed: 0, undelayed: 1 },
      byTopicChannel: [
        { topic: 'care', channel: 'email', messages: 3, held: 1 },
        { topic: 'marketing', channel: 'sms', messages: 1, undelayed: 1 },
      ],
    })
    expect(res.body.examples).toEqual([
      { change: 'held', customerId: 'p-a', channel: 'email', topic: 'care', ruleId: 'late-parcel', queuedAt: at('2026-03-20T10:00:00Z') },
      { change: 'undelayed', customerId: 'p-b', channel: 'sms', topic: 'marketing', ruleId: 'promo', queuedAt: at('2026-03-20T22:00:00Z') },
    ])
    const looser = await preview({ policy: { caps: { perDay: 5, perChannel: { email: 3 } } }, days: 10 })
    expect(looser.body).toMatchObject({ days: 10, messages: 5, changes: { held: 0, released: 1, delayed: 0, undelayed: 0 } })
  })

  it('compares with the stored policy, not the default: after saving the draft it changes nothing', async () => {
    const draft = { caps: { perDay: 3, perChannel: { email: 1, sms: 1 } }, quietHours: null }
    expect((await engine.api('PUT', '/api/guard-policy', draft, KEYS.admin)).status).toBe(200)
    try {
      const res = await preview({ policy: draft }, KEYS.admin)
      expect(res.body.changes).toEqual({ held: 0, released: 0, delayed: 0, undelayed: 0 })
      // What really happened was under the default policy: the model of the stored one no longer matches it all.
      expect(res.body.agreement).toEqual({ matched: 2, of: 4 })
    } finally {
      await engine.api('PUT', '/api/guard-policy', { caps: { perDay: 3, perChannel: { email: 2, sms: 1, push: 2, voice: 1 } }, quietHours: { start: '21:00', end: '08:00' } }, KEYS.admin)
    }
  })

  it('agents may not preview', async () => {
    expect((await preview({ policy: {} }, KEYS.alice)).status).toBe(403)
  })

  it('bad drafts answer 400 with the field path (fuzzed)', async () => {
    const hostile = fc.oneof(fc.string(), fc.constantFrom('\u0000', '\ud800', '__proto__', '25:00', '-1m'), fc.integer({ min: -5, max: 1000 }), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }))
    const field = fc.constantFrom('interruptive', 'caps', 'quietHours', 'conflictWindow', 'defaultTimezone', 'digest', 'humanContactQuietsDay', 'consentDefaults')
    await fc.assert(
      fc.asyncProperty(field, hostile, fc.option(fc.oneof(fc.integer({ min: -3, max: 40 }), fc.string()), { nil: undefined }), async (name, value, days) => {
        const res = await preview({ policy: { [name]: value }, ...(days === undefined ? {} : { days }) })
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(500)
        if (res.status === 400) {
          const paths = (res.body.errors as Array<{ path: string }>).map((e) => e.path)
          expect(paths.some((p) => p.startsWith(`/policy/${name}`) || p.startsWith('/days')), JSON.stringify(paths)).toBe(true)
        }
      }),
      { seed: 20261204, numRuns: 60 },
    )
    const res = await preview({ policy: { quietHours: { start: '25:00', end: '08:00' } } })
    expect(res.status).toBe(400)
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('/policy/quietHours/start')
    expect((await preview({ policy: {}, days: 31 })).body.errors.map((e: { path: string }) => e.path)).toEqual(['/days'])
    expect((await preview({})).status).toBe(400)
  })
})
