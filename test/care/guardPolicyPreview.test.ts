// The preview's model of the guards: quiet hours move a message to the end of the quiet time in the
// shopper's zone, caps count per shopper and local day in the order messages would have gone out,
// urgent messages pass both, channels that do not interrupt pass both.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_GUARD_POLICY, type GuardPolicy } from '../../src/channels/guards/policy.ts'
import { previewGuardPolicy, simulate, type Candidate } from '../../src/care/guardPolicyPreview.ts'
import type { GuardedMessageRow } from '../../src/store/history/HistoryStore.ts'

const at = (iso: string) => Date.parse(iso)
let seq = 0
function message(customerId: string, channel: string, queuedAt: number, extra: Partial<Candidate> = {}): Candidate {
  const row: GuardedMessageRow = { outboxId: `o-${++seq}`, customerId, channel, template: 't', queuedAt, sent: true, deferred: false, skippedBy: '', ruleId: '', ruleVersion: 0 }
  return { row, topic: 'care', urgent: false, zone: undefined, actual: 'sent', ...extra }
}
const policy = (patch: Partial<GuardPolicy>): GuardPolicy => ({ ...DEFAULT_GUARD_POLICY, ...patch })

describe('simulate', () => {
  it('caps per channel and per day count per local day of the shopper, in send order', () => {
    const p = policy({ quietHours: null, caps: { perDay: 2, perChannel: { email: 1 } } })
    const out = simulate(
      [
        message('a', 'email', at('2026-03-20T09:00Z')),
        message('a', 'email', at('2026-03-20T10:00Z')),
        message('a', 'sms', at('2026-03-20T11:00Z')),
        message('a', 'push', at('2026-03-20T12:00Z')),
        message('a', 'inapp', at('2026-03-20T13:00Z')),
        message('b', 'push', at('2026-03-20T12:00Z')),
        message('a', 'email', at('2026-03-20T23:30Z')),
        // 09:00 UTC is 17:00 on the 20th in Shanghai, 17:00 UTC already 01:00 on the 21st: two days there.
        message('c', 'email', at('2026-03-20T09:00Z'), { zone: 'Asia/Shanghai' }),
        message('c', 'email', at('2026-03-20T17:00Z'), { zone: 'Asia/Shanghai' }),
      ],
      p,
    )
    expect(out).toEqual(['sent', 'held', 'sent', 'held', 'sent', 'sent', 'held', 'sent', 'sent'])
  })

  it('quiet hours delay non-urgent interruptive messages to their end, where they count toward that day', () => {
    const p = policy({ quietHours: { start: '21:00', end: '08:00' }, caps: { perDay: null, perChannel: { sms: 1 } } })
    const out = simulate(
      [
        message('a', 'sms', at('2026-03-20T22:00Z')),
        message('a', 'sms', at('2026-03-21T08:30Z')),
        message('a', 'sms', at('2026-03-20T23:00Z'), { urgent: true }),
        message('a', 'inapp', at('2026-03-20T23:00Z')),
        // 06:00 UTC is 07:00 in Berlin (winter time): still quiet there.
        message('b', 'email', at('2026-03-20T06:00Z'), { zone: 'Europe/Berlin' }),
      ],
      p,
    )
    expect(out).toEqual(['delayed', 'held', 'sent', 'sent', 'delayed'])
  })

  it('with no caps and no quiet hours everything goes; urgent and non-interruptive messages pass any policy (fuzzed)', () => {
    const candidates = fc.array(
      fc.record({
        customer: fc.constantFrom('a', 'b', 'c'),
        channel: fc.constantFrom('email', 'sms', 'push', 'inapp'),
        minute: fc.integer({ min: 0, max: 3 * 24 * 60 }),
        urgent: fc.boolean(),
        zone: fc.constantFrom(undefined, 'Europe/Berlin', 'Asia/Shanghai', 'America/New_York', 'Not/AZone'),
      }),
      { maxLength: 40 },
    )
    fc.assert(
      fc.property(candidates, fc.integer({ min: 0, max: 4 }), (list, cap) => {
        const msgs = list.map((m) => message(m.customer, m.channel, at('2026-03-28T00:00Z') + m.minute * 60_000, { urgent: m.urgent, zone: m.zone }))
        const strict = simulate(msgs, policy({ caps: { perDay: cap, perChannel: { email: cap } } }))
        const loose = simulate(msgs, policy({ quietHours: null, caps: { perDay: null, perChannel: {} } }))
        expect(loose.every((o) => o === 'sent')).toBe(true)
        // Urgent and non-interruptive messages are never held or delayed.
        msgs.forEach((m, i) => {
          if (m.urgent || m.row.channel === 'inapp') expect(strict[i]).toBe('sent')
        })
      }),
      { seed: 20261204, numRuns: 200 },
    )
  })
})

describe('previewGuardPolicy', () => {
  const rows: GuardedMessageRow[] = [
    { outboxId: 'o-1', customerId: 'a', channel: 'email', template: 'late', queuedAt: at('2026-03-20T09:00Z'), sent: true, deferred: false, skippedBy: '', ruleId: 'late', ruleVersion: 2, },
    { outboxId: 'o-2', customerId: 'a', channel: 'email', template: 'late', queuedAt: at('2026-03-20T10:00Z'), sent: true, deferred: false, skippedBy: '', ruleId: 'late', ruleVersion: 2 },
    { outboxId: 'o-3', customerId: 'a', channel: 'email', template: 'late', queuedAt: at('2026-03-20T11:00Z'), sent: false, deferred: false, skippedBy: 'cap_channel', ruleId: 'late', ruleVersion: 2 },
    { outboxId: 'o-4', customerId: 'b', channel: 'sms', template: 'promo', queuedAt: at('2026-03-20T22:00Z'), sent: true, deferred: true, skippedBy: '', ruleId: 'promo', ruleVersion: 1 },
    { outboxId: 'o-5', customerId: 'c', channel: 'push', template: 'late', queuedAt: at('2026-03-20T10:00Z'), sent: false, deferred: false, skippedBy: 'consent', ruleId: 'late', ruleVersion: 2 },
  ]
  const documents = new Map<string, unknown>([
    ['late:2', { actions: [{ nudge: { channel: 'email', template: 'late' } }] }],
    ['promo:1', { actions: [{ task: { queue: 'care', fallback: { nudge: { channel: 'email', template: 'x' } } } }, { nudge: { channel: 'sms', template: 'promo', topic: 'marketing' } }] }],
  ])
  const deps = {
    history: { guardedMessages: async (_from: number, _to: number, limit: number) => rows.slice(0, limit) },
    ops: {
      rules: { version: async (id: string, version: number) => (documents.has(`${id}:${version}`) ? ({ document: documents.get(`${id}:${version}`) } as never) : undefined) },
      engine: { loadStates: async () => new Map() },
    },
  }
  const input = (draft: Partial<GuardPolicy>, limit = 100) => ({ current: DEFAULT_GUARD_POLICY, draft: policy(draft), from: 0, to: at('2026-03-25T00:00Z'), limit })

  it('counts what the draft holds and lets through that the current policy did not, per topic and channel, with examples', async () => {
    const preview = await previewGuardPolicy(deps, input({ caps: { perDay: 3, perChannel: { email: 1, sms: 1 } }, quietHours: null }))
    expect(preview).toMatchObject({ messages: 4, truncated: false, agreement: { matched: 4, of: 4 }, unchanged: [{ reason: 'consent', messages: 1 }] })
    expect(preview.changes).toEqual({ held: 1, released: 0, delayed: 0, undelayed: 1 })
    expect(preview.byTopicChannel).toEqual([
      { topic: 'care', channel: 'email', messages: 3, held: 1, released: 0, delayed: 0, undelayed: 0 },
      { topic: 'marketing', channel: 'sms', messages: 1, held: 0, released: 0, delayed: 0, undelayed: 1 },
    ])
    expect(preview.examples).toEqual([
      { change: 'held', customerId: 'a', channel: 'email', topic: 'care', ruleId: 'late', queuedAt: at('2026-03-20T10:00Z') },
      { change: 'undelayed', customerId: 'b', channel: 'sms', topic: 'marketing', ruleId: 'promo', queuedAt: at('2026-03-20T22:00Z') },
    ])
    const looser = await previewGuardPolicy(deps, input({ caps: { perDay: 3, perChannel: { email: 3 } }, quietHours: { start: '08:30', end: '09:30' } }))
    expect(looser.changes).toEqual({ held: 0, released: 1, delayed: 1, undelayed: 1 })
    expect((await previewGuardPolicy(deps, input({}))).changes).toEqual({ held: 0, released: 0, delayed: 0, undelayed: 0 })
  })

  it('on a history the current policy made, agrees on every message; the draft\'s changes are exactly the differing outcomes (fuzzed)', async () => {
    const spec = fc.array(fc.record({ customer: fc.constantFrom('a', 'b'), channel: fc.constantFrom('email', 'sms', 'inapp'), minute: fc.integer({ min: 0, max: 2 * 24 * 60 }) }), { maxLength: 30 })
    const caps = fc.record({ perDay: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }), email: fc.integer({ min: 0, max: 3 }) })
    await fc.assert(
      fc.asyncProperty(spec, caps, caps, fc.boolean(), async (list, now, next, quiet) => {
        const current = policy({ caps: { perDay: now.perDay, perChannel: { email: now.email } } })
        const draft = policy({ caps: { perDay: next.perDay, perChannel: { email: next.email } }, quietHours: quiet ? null : DEFAULT_GUARD_POLICY.quietHours })
        const msgs = list.map((m) => message(m.customer, m.channel, at('2026-03-28T00:00Z') + m.minute * 60_000))
        const made = simulate(msgs, current)
        const rows = msgs.map((m, i) => ({ ...m.row, sent: made[i] !== 'held', deferred: made[i] === 'delayed', skippedBy: made[i] === 'held' ? 'cap_day' : '' }))
        const history = { guardedMessages: async () => rows }
        const same = await previewGuardPolicy({ ...deps, history }, { current, draft: current, from: 0, to: 1, limit: 100 })
        expect(same.agreement).toEqual({ matched: rows.length, of: rows.length })
        expect(Object.values(same.changes).every((n) => n === 0)).toBe(true)
        const after = simulate(msgs, draft)
        const changed = await previewGuardPolicy({ ...deps, history }, { current, draft, from: 0, to: 1, limit: 100 })
        const total = Object.values(changed.changes).reduce((a, b) => a + b, 0)
        expect(total).toBe(made.filter((o, i) => o !== after[i]).length)
        expect(changed.byTopicChannel.reduce((n, g) => n + g.messages, 0)).toBe(rows.length)
      }),
      { seed: 20261204, numRuns: 150 },
    )
  })

  it('says when history held more messages than it read', async () => {
    const preview = await previewGuardPolicy(deps, input({}, 2))
    expect(preview).toMatchObject({ truncated: true, messages: 2 })
  })
})
