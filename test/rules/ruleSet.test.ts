import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { emptyCustomerState } from '../../src/model/customer.ts'
import { compileRule, decide, RuleSet, type CompiledRule, type EvalContext } from '../../src/rules/index.ts'
import { DAY, T0, track } from '../support/events.ts'

const NAMES = ['Product Viewed', 'Order Completed', 'Wishlist Added']
const PROPS = ['category', 'status', 'campaign']
const VALUES = ['a', 'b', 'c', 'd']

const conditionArb = fc.oneof(
  fc.record({ fact: fc.constantFrom(...PROPS.map((p) => `properties.${p}`)), eq: fc.constantFrom(...VALUES) }),
  // Duplicates in an `in` list must not make a rule match twice.
  fc.record({ fact: fc.constantFrom(...PROPS.map((p) => `properties.${p}`)), in: fc.array(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 5 }) }),
  fc.record({ fact: fc.constant('properties.price'), gte: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ fact: fc.constant('properties.price'), gt: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ fact: fc.constant('properties.price'), lt: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ fact: fc.constant('properties.price'), lte: fc.integer({ min: 0, max: 100 }) }),
)

const ruleArb = fc.record({
  name: fc.constantFrom(...NAMES),
  when: fc.option(fc.array(conditionArb, { minLength: 1, maxLength: 3 }).map((all) => ({ all })), { nil: undefined }),
  triggerWhen: fc.option(conditionArb, { nil: undefined }),
  priority: fc.integer({ min: 0, max: 100 }),
})

const eventArb = fc.record({
  name: fc.constantFrom(...NAMES),
  category: fc.option(fc.constantFrom(...VALUES), { nil: undefined }),
  status: fc.option(fc.constantFrom(...VALUES), { nil: undefined }),
  campaign: fc.option(fc.constantFrom(...VALUES), { nil: undefined }),
  // Numbers, numeric strings and missing values: the threshold index must read them as conditions do.
  price: fc.option(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }).map(String)), { nil: undefined }),
})

function build(specs: Array<{ name: string; when?: unknown; triggerWhen?: unknown; priority: number }>): CompiledRule[] {
  return specs.map((spec, i) => {
    const result = compileRule({
      document: {
        id: `r${i}`,
        name: `rule ${i}`,
        priority: spec.priority,
        triggers: [{ event: spec.name, ...(spec.triggerWhen ? { when: spec.triggerWhen } : {}) }],
        ...(spec.when ? { when: spec.when } : {}),
        actions: [{ task: { queue: 'q', priority: 'normal', sla: '1h' } }],
      },
    })
    if (!result.ok) throw new Error(JSON.stringify(result.errors))
    return result.rule
  })
}

describe('rule index', () => {
  it('matches exactly the rules a full scan would match', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 40 }), fc.array(eventArb, { minLength: 1, maxLength: 20 }), (specs, events) => {
        const rules = build(specs)
        const set = new RuleSet(rules)
        for (const e of events) {
          const { name, ...props } = e
          const properties = Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined))
          const ctx: EvalContext = { event: track(name, properties), state: emptyCustomerState('c1'), order: undefined, at: T0 }
          const indexed = set.matchEvent(ctx).map((m) => m.rule.id).sort()
          expect(new Set(indexed).size).toBe(indexed.length)
          const scanned = rules
            .filter((r) => r.triggers.some((t) => t.kind === 'event' && t.event === name && t.when(ctx)) && r.when(ctx))
            .map((r) => r.id)
            .sort()
          expect(indexed).toEqual(scanned)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('orders matches by priority, highest first', () => {
    const rules = build([
      { name: 'Product Viewed', priority: 10 },
      { name: 'Product Viewed', priority: 90 },
      { name: 'Product Viewed', priority: 50 },
    ])
    const ctx: EvalContext = { event: track('Product Viewed'), state: emptyCustomerState('c1'), order: undefined, at: T0 }
    expect(new RuleSet(rules).matchEvent(ctx).map((m) => m.rule.priority)).toEqual([90, 50, 10])
  })
})

describe('guards', () => {
  const result = compileRule({
    document: {
      id: 'dwell',
      name: 'dwell',
      triggers: [{ event: 'Product Viewed', entity: 'product_id' }],
      actions: [{ nudge: { channel: 'email', template: 'long-dwell' } }],
      guards: { cooldown: '7d', per: 'entity' },
    },
    version: 3,
  })
  if (!result.ok) throw new Error('invalid')
  const rule = result.rule
  const ctx = (at: number): EvalContext => ({ event: track('Product Viewed', { product_id: 'p1' }, { ts: at }), state: emptyCustomerState('c1'), order: undefined, at })

  it('plans, then suppresses within the cooldown for the same entity, and plans again after it', () => {
    const firings: Record<string, number> = {}
    const moment = (at: number, entity: string, id: string) => ({ rule, customerId: 'c1', trigger: { kind: 'event' as const, id }, entity, at })
    const first = decide(moment(T0, 'p1', 'm1'), ctx(T0), firings)
    expect(first.outcome).toBe('planned')
    expect(first.planned[0]?.key).toBe('dwell:v3:c1:event:m1:a0')
    firings[first.firing!.key] = first.firing!.at
    expect(decide(moment(T0 + DAY, 'p1', 'm2'), ctx(T0 + DAY), firings)).toMatchObject({ outcome: 'suppressed', reason: 'cooldown' })
    expect(decide(moment(T0 + DAY, 'p2', 'm3'), ctx(T0 + DAY), firings).outcome).toBe('planned')
    expect(decide(moment(T0 + 7 * DAY, 'p1', 'm4'), ctx(T0 + 7 * DAY), firings).outcome).toBe('planned')
  })

  it('gives the same idempotency key for the same trigger', () => {
    const m = { rule, customerId: 'c1', trigger: { kind: 'timer' as const, id: 't1' }, entity: 'p1', at: T0 }
    expect(decide(m, ctx(T0), {}).planned[0]?.key).toBe(decide(m, ctx(T0 + 5), {}).planned[0]?.key)
  })
})
