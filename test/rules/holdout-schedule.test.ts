// Holdout membership and decisions; scheduled-care calendar helpers. Pure.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { emptyCustomerState } from '../../src/model/customer.ts'
import { compileRule, decide, holdoutPosition, inHoldout, type CompiledRule } from '../../src/rules/index.ts'
import { isAnniversary, latestOccurrence } from '../../src/rules/schedule.ts'

function compiled(doc: Record<string, unknown>): CompiledRule {
  const result = compileRule({ document: { id: 'r', name: 'r', triggers: [{ event: 'E' }], actions: [{ nudge: { channel: 'email', template: 't' } }], ...doc } })
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  return result.rule
}

function decideFor(rule: CompiledRule, customerId: string) {
  const state = emptyCustomerState(customerId)
  const event = { type: 'track' as const, messageId: `m-${customerId}`, customerId, name: 'E', ts: 0, properties: {}, context: {} }
  return decide({ rule, customerId, trigger: { kind: 'event', id: event.messageId }, entity: undefined, at: 0 }, { event, state, order: undefined, at: 0 }, {})
}

describe('holdout', () => {
  it('holds out about the configured share of shoppers, the same ones every time', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `c${i}`)
    const held = ids.filter((id) => inHoldout('welcome', id, 0.1))
    expect(held.length / ids.length).toBeGreaterThan(0.09)
    expect(held.length / ids.length).toBeLessThan(0.11)
    expect(ids.filter((id) => inHoldout('welcome', id, 0.1))).toEqual(held)
    // Another rule holds out other shoppers (independent draws).
    const overlap = held.filter((id) => inHoldout('other-rule', id, 0.1)).length / held.length
    expect(overlap).toBeLessThan(0.15)
  })

  it('positions are in [0, 1)', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (rule, customer) => {
      const p = holdoutPosition(rule, customer)
      expect(p).toBeGreaterThanOrEqual(0)
      expect(p).toBeLessThan(1)
    }))
  })

  it('a held-out shopper is decided for, not contacted, and counts for the cooldown', () => {
    const rule = compiled({ holdout: 0.5, guards: { cooldown: '1d' } })
    const ids = Array.from({ length: 50 }, (_, i) => `s${i}`)
    const held = ids.find((id) => inHoldout('r', id, 0.5)) as string
    const treated = ids.find((id) => !inHoldout('r', id, 0.5)) as string
    expect(decideFor(rule, held)).toMatchObject({ outcome: 'suppressed', reason: 'holdout', planned: [], firing: { key: 'r' } })
    expect(decideFor(rule, treated)).toMatchObject({ outcome: 'planned' })
    expect(decideFor(compiled({}), held)).toMatchObject({ outcome: 'planned' })
  })

  it('refuses a holdout over half', () => {
    expect(compileRule({ document: { id: 'r', name: 'r', holdout: 0.9, triggers: [{ event: 'E' }], actions: [{ nudge: { channel: 'email', template: 't' } }] } }).ok).toBe(false)
  })
})

describe('schedule calendar', () => {
  const at = (iso: string) => Date.parse(iso)
  it('finds the latest 09:00 in a zone within a window, or none', () => {
    expect(latestOccurrence('0 9 * * *', 'Asia/Shanghai', at('2026-03-08T00:59:00Z'), at('2026-03-08T03:00:00Z'))).toBe(at('2026-03-08T01:00:00Z'))
    expect(latestOccurrence('0 9 * * *', 'Asia/Shanghai', at('2026-03-08T01:00:00Z'), at('2026-03-08T03:00:00Z'))).toBeUndefined()
    // Two days down: one catch-up, the latest.
    expect(latestOccurrence('0 9 * * *', 'Asia/Shanghai', at('2026-03-06T00:00:00Z'), at('2026-03-08T03:00:00Z'))).toBe(at('2026-03-08T01:00:00Z'))
    expect(latestOccurrence('0 9 * * *', 'America/Los_Angeles', at('2026-03-08T15:00:00Z'), at('2026-03-08T16:00:00Z'))).toBe(at('2026-03-08T16:00:00Z'))
  })

  it('matches anniversaries in the zone for full dates, month-days and leap days', () => {
    expect(isAnniversary('1990-03-08', at('2026-03-08T01:00:00Z'), 'Asia/Shanghai')).toBe(true)
    expect(isAnniversary('03-08', at('2026-03-08T01:00:00Z'), 'America/Los_Angeles')).toBe(false) // still 7 March there
    expect(isAnniversary('1990-03-08T00:00:00Z', at('2026-03-08T16:00:00Z'), 'America/Los_Angeles')).toBe(true)
    expect(isAnniversary('not a date', at('2026-03-08T01:00:00Z'), 'UTC')).toBe(false)
    expect(isAnniversary(undefined, at('2026-03-08T01:00:00Z'), 'UTC')).toBe(false)
  })
})
