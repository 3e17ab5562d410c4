// Send-time guards, pure: consent, quiet hours and caps in the shopper's own time zone (across
// DST changes), conflict priority, and the human-contact rule.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dayBounds, DEFAULT_GUARD_POLICY, evaluateGuards, quietUntil, type GuardInput, type GuardPolicy, type GuardedMessage } from '../../src/channels/guards/index.ts'
import type { Contact } from '../../src/store/operational/ContactStore.ts'

const H = 3_600_000
const at = (iso: string): number => Date.parse(iso)

function message(over: Partial<GuardedMessage> = {}): GuardedMessage {
  return { id: 'm1', idempotencyKey: 'r1:v1:c1:event:e1:a0', channel: 'sms', topic: 'care', ruleId: 'r1', priority: 50, urgent: false, createdAt: at('2026-03-08T16:30:00Z'), ...over }
}

function contact(over: Partial<Contact> & { at: number }): Contact {
  return { id: `k${over.at}`, customerId: 'c1', channel: 'sms', kind: 'automated', topic: 'care', sourceId: 'other:v1:c1:event:x:a0', actor: 'other', priority: 50, ...over }
}

function input(over: Partial<GuardInput> = {}): GuardInput {
  return { message: message(), timezone: 'UTC', now: at('2026-03-08T16:30:00Z'), consent: { allowed: true, basis: 'default' }, competitors: [], contacts: [], ...over }
}

const noQuiet: GuardPolicy = { ...DEFAULT_GUARD_POLICY, quietHours: null }

describe('calendar days in the shopper time zone', () => {
  it('the US spring-forward day in Los Angeles has 23 hours; Shanghai has no DST', () => {
    const la = dayBounds(at('2026-03-08T16:30:00Z'), 'America/Los_Angeles')
    expect(new Date(la.start).toISOString()).toBe('2026-03-08T08:00:00.000Z')
    expect(new Date(la.end).toISOString()).toBe('2026-03-09T07:00:00.000Z')
    const sh = dayBounds(at('2026-03-08T16:30:00Z'), 'Asia/Shanghai')
    expect(new Date(sh.start).toISOString()).toBe('2026-03-08T16:00:00.000Z')
    expect(sh.end - sh.start).toBe(24 * H)
  })

  it('the fall-back day has 25 hours', () => {
    const la = dayBounds(at('2026-11-01T20:00:00Z'), 'America/Los_Angeles')
    expect(la.end - la.start).toBe(25 * H)
  })

  it('any instant lies inside its own day, and days are 23, 24 or 25 hours long', () => {
    const zones = ['UTC', 'Asia/Shanghai', 'America/Los_Angeles', 'Europe/Berlin', 'Australia/Sydney', 'America/Sao_Paulo']
    fc.assert(
      fc.property(fc.integer({ min: at('2020-01-01T00:00:00Z'), max: at('2035-01-01T00:00:00Z') }), fc.constantFrom(...zones), (now, zone) => {
        const { start, end } = dayBounds(now, zone)
        expect(start).toBeLessThanOrEqual(now)
        expect(end).toBeGreaterThan(now)
        expect([23 * H, 24 * H, 25 * H]).toContain(end - start)
      }),
    )
  })
})

describe('quiet hours', () => {
  it('holds a 01:00 message in Los Angeles until 08:00 local, which is 7 hours later across the DST change', () => {
    const until = quietUntil(at('2026-03-08T09:00:00Z'), 'America/Los_Angeles', '21:00', '08:00')
    // 01:00 PST → 08:00 PDT: only 6 wall-clock hours of night, 6 real hours since clocks jump an hour.
    expect(new Date(until as number).toISOString()).toBe('2026-03-08T15:00:00.000Z')
  })

  it('holds a 22:00 message in Shanghai until 08:00 the next morning', () => {
    const until = quietUntil(at('2026-03-08T14:00:00Z'), 'Asia/Shanghai', '21:00', '08:00')
    expect(new Date(until as number).toISOString()).toBe('2026-03-09T00:00:00.000Z')
  })

  it('lets a 10:00 message through, and works for a range that does not cross midnight', () => {
    expect(quietUntil(at('2026-03-08T02:00:00Z'), 'Asia/Shanghai', '21:00', '08:00')).toBeUndefined()
    expect(quietUntil(at('2026-03-08T05:30:00Z'), 'Asia/Shanghai', '13:00', '14:00')).toBe(at('2026-03-08T06:00:00Z'))
  })

  it('the same instant is night in one zone and day in the other; urgent and in-app pass', () => {
    const now = at('2026-03-08T14:00:00Z') // 22:00 Shanghai, 07:00 Los Angeles (PDT)
    const shanghai = evaluateGuards(input({ now, timezone: 'Asia/Shanghai' }), DEFAULT_GUARD_POLICY)
    expect(shanghai).toMatchObject({ verdict: 'defer', guard: 'quiet_hours', until: at('2026-03-09T00:00:00Z') })
    const la = evaluateGuards(input({ now, timezone: 'America/Los_Angeles' }), DEFAULT_GUARD_POLICY)
    expect(la).toMatchObject({ verdict: 'defer', until: at('2026-03-08T15:00:00Z') })
    const laNoon = evaluateGuards(input({ now: at('2026-03-08T19:00:00Z'), timezone: 'America/Los_Angeles' }), DEFAULT_GUARD_POLICY)
    expect(laNoon).toEqual({ verdict: 'send' })
    expect(evaluateGuards(input({ now, timezone: 'Asia/Shanghai', message: message({ urgent: true }) }), DEFAULT_GUARD_POLICY)).toEqual({ verdict: 'send' })
    expect(evaluateGuards(input({ now, timezone: 'Asia/Shanghai', message: message({ channel: 'inapp' }) }), DEFAULT_GUARD_POLICY)).toEqual({ verdict: 'send' })
  })

  it('a missing or invalid time zone uses the policy default', () => {
    const now = at('2026-03-08T23:00:00Z')
    expect(evaluateGuards(input({ now, timezone: 'Mars/Olympus' }), DEFAULT_GUARD_POLICY)).toMatchObject({ verdict: 'defer', until: at('2026-03-09T08:00:00Z') })
  })
})

describe('frequency caps per calendar day in the shopper time zone', () => {
  const policy: GuardPolicy = { ...noQuiet, caps: { perDay: 2, perChannel: { sms: 1 } }, humanContactQuietsDay: false }

  it('counts an SMS from 23:30 local yesterday against nothing, and one from this morning against the cap', () => {
    const now = at('2026-03-08T16:30:00Z') // 09:30 PDT in Los Angeles, the 23-hour day
    const yesterday = contact({ at: at('2026-03-08T07:30:00Z') }) // 23:30 PST on 7 March
    const today = contact({ at: at('2026-03-08T08:30:00Z') }) // 00:30 PST on 8 March
    expect(evaluateGuards(input({ now, timezone: 'America/Los_Angeles', contacts: [yesterday] }), policy)).toEqual({ verdict: 'send' })
    expect(evaluateGuards(input({ now, timezone: 'America/Los_Angeles', contacts: [today] }), policy)).toMatchObject({ verdict: 'skip', guard: 'cap_channel' })
  })

  it('the same contacts are "yesterday" in Shanghai, where a new day began at 16:00 UTC', () => {
    const now = at('2026-03-08T16:30:00Z') // 00:30 on 9 March in Shanghai
    const contacts = [contact({ at: at('2026-03-08T08:30:00Z') }), contact({ at: at('2026-03-08T15:59:00Z'), channel: 'email' })]
    expect(evaluateGuards(input({ now, timezone: 'Asia/Shanghai', contacts }), policy)).toEqual({ verdict: 'send' })
    expect(evaluateGuards(input({ now, timezone: 'Europe/London', contacts }), policy)).toMatchObject({ verdict: 'skip', guard: 'cap_channel' })
  })

  it('the daily cap counts every interruptive channel and agents, not passive channels', () => {
    const now = at('2026-03-08T12:00:00Z')
    const contacts = [contact({ at: now - H, channel: 'email' }), contact({ at: now - 2 * H, channel: 'inapp' }), contact({ at: now - 3 * H, channel: 'voice', kind: 'human', actor: 'alice' })]
    const verdict = evaluateGuards(input({ now, contacts }), policy)
    expect(verdict).toMatchObject({ verdict: 'skip', guard: 'cap_day' })
    expect((verdict as { reason: string }).reason).toContain('2 contact(s) today')
  })
})

describe('one contact record: an agent touch keeps the bot quiet that day', () => {
  it('no automated SMS after an agent phoned today; an urgent one still goes; tomorrow is fine', () => {
    const now = at('2026-03-08T12:00:00Z')
    const call = contact({ id: 'task-1:contact:1', at: now - 2 * H, channel: 'voice', kind: 'human', actor: 'alice', sourceId: 'task-1' })
    expect(evaluateGuards(input({ now, contacts: [call] }), noQuiet)).toMatchObject({ verdict: 'skip', guard: 'human_contact', suppressedBy: 'task-1:contact:1' })
    expect(evaluateGuards(input({ now, contacts: [call], message: message({ urgent: true }) }), noQuiet)).toEqual({ verdict: 'send' })
    expect(evaluateGuards(input({ now: now + 24 * H, contacts: [call] }), noQuiet)).toEqual({ verdict: 'send' })
  })
})

describe('conflict priority', () => {
  const now = at('2026-03-08T12:00:00Z')
  const a = message({ id: 'a', idempotencyKey: 'low:v1:c1:event:e1:a0', ruleId: 'low', priority: 20, createdAt: now })
  const b = message({ id: 'b', idempotencyKey: 'mid:v1:c1:event:e1:a0', ruleId: 'mid', priority: 50, createdAt: now, channel: 'email' })
  const c = message({ id: 'c', idempotencyKey: 'top:v1:c1:event:e1:a0', ruleId: 'top', priority: 80, createdAt: now, channel: 'push' })

  it('of three rules firing together only the highest priority goes out; the others name it', () => {
    const all = [a, b, c]
    const verdicts = all.map((m) => evaluateGuards(input({ now, message: m, competitors: all.filter((x) => x !== m) }), noQuiet))
    expect(verdicts[2]).toEqual({ verdict: 'send' })
    expect(verdicts[0]).toMatchObject({ verdict: 'skip', guard: 'conflict', suppressedBy: 'c' })
    expect(verdicts[1]).toMatchObject({ verdict: 'skip', guard: 'conflict', suppressedBy: 'c' })
  })

  it('a message sent within the window suppresses an equal or lower one, not a higher one', () => {
    const sent = contact({ id: 'b', channel: 'email', actor: 'mid', priority: 50, at: now - 5 * 60_000, sourceId: b.idempotencyKey })
    expect(evaluateGuards(input({ now, message: a, contacts: [sent] }), noQuiet)).toMatchObject({ verdict: 'skip', guard: 'conflict', suppressedBy: 'b' })
    expect(evaluateGuards(input({ now, message: c, contacts: [sent] }), { ...noQuiet, caps: { perDay: null, perChannel: {} } })).toEqual({ verdict: 'send' })
    expect(evaluateGuards(input({ now: now + 11 * 60_000, message: a, contacts: [sent] }), { ...noQuiet, caps: { perDay: null, perChannel: {} } })).toEqual({ verdict: 'send' })
  })

  it('two nudges of one decision (email and SMS of the same rule) do not compete', () => {
    const email = message({ id: 'e', idempotencyKey: 'r:v1:c1:event:e1:a0', channel: 'email' })
    const sms = message({ id: 's', idempotencyKey: 'r:v1:c1:event:e1:a1', channel: 'sms' })
    expect(evaluateGuards(input({ now, message: sms, competitors: [email] }), noQuiet)).toEqual({ verdict: 'send' })
    expect(evaluateGuards(input({ now, message: email, competitors: [sms] }), noQuiet)).toEqual({ verdict: 'send' })
  })
})

it('consent is checked first and wins over everything, urgent included', () => {
  expect(evaluateGuards(input({ consent: { allowed: false, reason: 'opted-out' }, message: message({ urgent: true }) }), noQuiet)).toMatchObject({ verdict: 'skip', guard: 'consent' })
})
