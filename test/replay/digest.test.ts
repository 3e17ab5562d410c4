// The digest in the replay sandbox, which wires the real Dispatcher: decision lines name the digest
// that carried a nudge, and for random sets of nudges (times, topics, channels, consent, digest
// settings) every decision is accounted for exactly once — sent alone, sent in exactly one
// digest, or skipped with its guard and reason.
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { GuardPolicy } from '../../src/channels/guards/index.ts'
import { replayTrace } from '../../src/replay/replay.ts'
import type { DecisionLine } from '../../src/replay/lines.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const T = Date.UTC(2026, 5, 20, 0, 0, 0)

const msg = (userId: string, event: string, properties: Record<string, unknown>, at: number) => ({ type: 'track', messageId: randomUUID(), userId, event, properties, timestamp: new Date(at).toISOString() })
const identify = (userId: string, timezone: string, at: number) => ({ type: 'identify', messageId: randomUUID(), userId, traits: { email: `${userId}@example.com`, phone: '+14155550100', timezone }, timestamp: new Date(at).toISOString() })

describe('digest in replay lines', () => {
  it('two parcels late at the same moment: both lines sent at once in one digest, which they name', async () => {
    const trace = [
      identify('dl-1', 'UTC', T - DAY),
      msg('dl-1', 'Order Shipped', { order_id: 'L1', estimated_delivery_at: new Date(T + DAY).toISOString() }, T),
      msg('dl-1', 'Order Shipped', { order_id: 'L2', estimated_delivery_at: new Date(T + DAY).toISOString() }, T),
    ]
    const { lines } = await replayTrace(trace, { horizonMs: 3 * DAY })
    // The first late-parcel moment of each order is sent (no out-for-delivery scan by local noon on
    // the estimated day); the rule's later moments for the same order are suppressed (once).
    const late = lines.filter((l) => l.rule === 'delayed-shipment' && l.action === 'nudge' && l.outcome === 'sent')
    expect(late.map((l) => l.entity).sort()).toEqual(['L1', 'L2'])
    expect(late[0]?.deliverAt).toBe(late[1]?.deliverAt)
    expect(Date.parse(late[0]?.deliverAt as string)).toBeLessThanOrEqual(T + DAY + 12 * HOUR + 5 * 60_000)
    for (const l of late) expect(l).toMatchObject({ outcome: 'sent', digestItems: 2 })
    expect(late[0]?.digest).toMatch(/^[0-9a-f]{16}$/)
    expect(late[1]?.digest).toBe(late[0]?.digest)
    // The existing fields keep their order; the digest's come after the delivery time.
    expect(Object.keys(late[0] as DecisionLine)).toEqual(['decidedAt', 'rule', 'version', 'customer', 'action', 'channel', 'template', 'entity', 'trigger', 'outcome', 'deliverAt', 'digest', 'digestItems', 'id'])
  }, 120_000)
})

// Rules fired by a "Nudge" event naming them; each has its own channel, topic, priority, urgency.
const RULES = [
  { id: 'care-a', channel: 'email', template: 'delayed-shipment', topic: 'care', priority: 70, urgent: false },
  { id: 'care-b', channel: 'email', template: 'payment-failed', topic: 'care', priority: 50, urgent: false },
  { id: 'care-urgent', channel: 'email', template: 'payment-failed', topic: 'care', priority: 90, urgent: true },
  { id: 'promo', channel: 'email', template: 'long-dwell', topic: 'marketing', priority: 20, urgent: false },
  { id: 'care-sms', channel: 'sms', template: 'payment-failed', topic: 'care', priority: 60, urgent: false },
] as const
const ruleDocs = RULES.map((r) => ({
  document: {
    id: r.id,
    name: r.id,
    priority: r.priority,
    triggers: [{ event: 'Nudge', when: { fact: 'properties.rule', eq: r.id } }],
    actions: [{ nudge: { channel: r.channel, template: r.template, topic: r.topic, ...(r.urgent ? { urgent: true } : {}) } }],
  },
}))

const nudgeArb = fc.record({ shopper: fc.integer({ min: 0, max: 2 }), rule: fc.integer({ min: 0, max: RULES.length - 1 }), minute: fc.oneof(fc.integer({ min: 0, max: 12 }).map((k) => k * 180), fc.integer({ min: 0, max: 36 * 60 })) })
const settingArb = fc.record({ window: fc.constantFrom('local-day', '30m', '3h'), maxItems: fc.integer({ min: 2, max: 4 }) })
const caseArb = fc.record({
  nudges: fc.array(nudgeArb, { minLength: 1, maxLength: 12 }),
  zones: fc.tuple(fc.constantFrom('UTC', 'Asia/Shanghai', 'America/Los_Angeles'), fc.constantFrom('Europe/Berlin', 'Pacific/Kiritimati'), fc.constant('UTC')),
  optedOut: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  marketingOptIn: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  care: fc.option(settingArb, { nil: undefined }),
  marketing: fc.option(settingArb, { nil: undefined }),
  quiet: fc.boolean(),
})

describe('every decision is in exactly one sent message or one skip', () => {
  it('holds for random nudges, consent and digest settings', async () => {
    let carried = 0
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const ids = c.zones.map((_, i) => `p${i}-${randomUUID().slice(0, 6)}`)
        const trace = [
          ...ids.map((id, i) => identify(id, c.zones[i] as string, T - DAY)),
          ...c.nudges.map((n) => msg(ids[n.shopper] as string, 'Nudge', { rule: RULES[n.rule]?.id }, T + n.minute * 60_000)),
        ]
        const consent = ids.flatMap((customerId, i) => [
          ...(c.optedOut[i] ? [{ customerId, channel: 'email', topic: 'care', status: 'opted_out' as const, source: 'api', updatedAt: T - DAY }] : []),
          ...(c.marketingOptIn[i] ? [{ customerId, channel: 'email', topic: 'marketing', status: 'opted_in' as const, source: 'api', updatedAt: T - DAY }] : []),
        ])
        const policy: Partial<GuardPolicy> = {
          quietHours: c.quiet ? { start: '21:00', end: '08:00' } : null,
          caps: { perDay: null, perChannel: {} },
          digest: { ...(c.care ? { care: { email: c.care } } : {}), ...(c.marketing ? { marketing: { email: c.marketing } } : {}) },
        }
        const { lines } = await replayTrace(trace, { rules: ruleDocs, policy, consent, horizonMs: 2 * DAY })
        const nudges = lines.filter((l) => l.action === 'nudge' && l.outcome !== 'suppressed')
        expect(nudges).toHaveLength(c.nudges.length)
        const digests = new Map<string, DecisionLine[]>()
        for (const l of nudges) {
          // Nothing lost: sent, or skipped naming its guard and reason.
          expect(['sent', 'skipped']).toContain(l.outcome)
          if (l.outcome === 'skipped') expect(l.guard && l.reason).toBeTruthy()
          if (l.digest) digests.set(l.digest, [...(digests.get(l.digest) ?? []), l])
        }
        carried += digests.size
        for (const [, items] of digests) {
          const [first] = items as [DecisionLine]
          // One message: every item it carried names it, all for one shopper, channel and time.
          expect(items).toHaveLength(first.digestItems as number)
          expect(items.length).toBeGreaterThan(1)
          for (const l of items) expect([l.outcome, l.customer, l.channel, l.deliverAt]).toEqual(['sent', first.customer, first.channel, first.deliverAt])
          const maxItems = (items.some((l) => l.rule === 'promo') ? c.marketing : c.care)?.maxItems
          expect(maxItems).toBeDefined()
          expect(items.length).toBeLessThanOrEqual(maxItems as number)
        }
        // Without a digest for its topic, a nudge goes alone.
        for (const l of nudges) if (l.digest) expect(l.rule === 'promo' ? c.marketing : l.channel === 'email' ? c.care : undefined).toBeDefined()
      }),
      { numRuns: 12, seed: 1717 },
    )
    // The runs did exercise digests, not only single messages and skips.
    expect(carried).toBeGreaterThan(0)
  }, 600_000)
})
