// Which due nudges ride along in a digest, pure: same channel and topic, within the window (the
// lead's local day or a duration), each passing its own guards, highest-ranked first, bounded.
import { describe, expect, it } from 'vitest'
import { companionsOf, inWindow } from '../../src/channels/digest/gather.ts'
import { DEFAULT_GUARD_POLICY, evaluateGuards, type GuardedMessage } from '../../src/channels/guards/index.ts'

const at = (iso: string): number => Date.parse(iso)
let n = 0
function nudge(over: Partial<GuardedMessage> = {}): GuardedMessage {
  n++
  return { id: `m${n}`, idempotencyKey: `r${n}:v1:c1:event:e${n}:a0`, channel: 'email', topic: 'care', ruleId: `r${n}`, priority: 50, urgent: false, createdAt: at('2026-05-12T10:00:00Z'), ...over }
}
const base = { timezone: 'Europe/Berlin', now: at('2026-05-12T10:00:00Z'), consent: { allowed: true as const, basis: 'default' as const }, contacts: [] }
const setting = { window: 'local-day' as const, maxItems: 5 }

describe('digest companions', () => {
  it('takes the same channel and topic only, highest-ranked first', () => {
    const lead = nudge({ priority: 70 })
    const low = nudge({ priority: 20 })
    const high = nudge({ priority: 60 })
    const sms = nudge({ channel: 'sms' })
    const promo = nudge({ topic: 'marketing' })
    expect(companionsOf({ ...base, lead, candidates: [low, sms, promo, high], setting }, DEFAULT_GUARD_POLICY).map((m) => m.id)).toEqual([high.id, low.id])
  })

  it('bounds a digest at maxItems (the lead counts)', () => {
    const lead = nudge()
    const others = [nudge(), nudge(), nudge()]
    expect(companionsOf({ ...base, lead, candidates: others, setting: { ...setting, maxItems: 3 } }, DEFAULT_GUARD_POLICY)).toHaveLength(2)
  })

  it('local-day takes whatever is due now (held over night included); a duration, what was decided within it of the lead', () => {
    const lead = at('2026-05-12T21:30:00Z')
    expect(inWindow(setting, lead, lead - 20 * 3_600_000)).toBe(true)
    expect(inWindow({ window: '30m', maxItems: 2 }, lead, lead - 30 * 60_000)).toBe(true)
    expect(inWindow({ window: '30m', maxItems: 2 }, lead, lead + 31 * 60_000)).toBe(false)
  })

  it('an urgent lead in quiet hours does not carry a non-urgent item; an urgent one it does', () => {
    const night = { ...base, now: at('2026-05-12T21:00:00Z') } // 23:00 in Berlin
    const lead = nudge({ urgent: true, createdAt: night.now })
    const calm = nudge({ createdAt: night.now })
    const urgent = nudge({ urgent: true, createdAt: night.now })
    expect(evaluateGuards({ ...night, message: lead, competitors: [calm] }, DEFAULT_GUARD_POLICY).verdict).toBe('send')
    expect(companionsOf({ ...night, lead, candidates: [calm, urgent], setting }, DEFAULT_GUARD_POLICY).map((m) => m.id)).toEqual([urgent.id])
  })

  it('the lead’s own contact does not count against its companions’ caps', () => {
    const lead = nudge()
    const other = nudge()
    const leadContact = { id: lead.id, customerId: 'c1', channel: 'email', kind: 'automated' as const, topic: 'care', sourceId: lead.idempotencyKey, actor: lead.ruleId, priority: 50, at: base.now }
    const policy = { ...DEFAULT_GUARD_POLICY, caps: { perDay: 1, perChannel: {} } }
    expect(companionsOf({ ...base, lead, candidates: [other], setting, contacts: [leadContact] }, policy)).toEqual([other])
  })

  it('a waiting nudge sharing a digest does not silence another; one already sent does, as without a digest', () => {
    const winner = nudge({ priority: 90 })
    const loser = nudge({ priority: 10 })
    expect(evaluateGuards({ ...base, message: loser, competitors: [winner] }, DEFAULT_GUARD_POLICY).verdict).toBe('send')
    expect(evaluateGuards({ ...base, message: loser, competitors: [winner] }, { ...DEFAULT_GUARD_POLICY, digest: {} })).toMatchObject({ verdict: 'skip', guard: 'conflict' })
    const sent = { id: winner.id, customerId: 'c1', channel: 'email', kind: 'automated' as const, topic: 'care', sourceId: winner.idempotencyKey, actor: winner.ruleId, priority: 90, at: base.now - 60_000 }
    expect(evaluateGuards({ ...base, message: loser, competitors: [], contacts: [sent] }, DEFAULT_GUARD_POLICY)).toMatchObject({ verdict: 'skip', guard: 'conflict' })
  })
})
