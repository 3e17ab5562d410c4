// The rule index must never change a result: for random rules (every operator, facts of every
// root, counts, nested all / any / not, several triggers) and random events and shopper states,
// RuleSet.matchEvent returns exactly what evaluating every rule's conditions would, in the same order.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { emptyCustomerState } from '../../src/model/customer.ts'
import { compileRule, RuleSet, type CompiledRule, type EvalContext } from '../../src/rules/index.ts'
import { HOUR, T0, track } from '../support/events.ts'

const NAMES = ['Viewed', 'Added', 'Paid']
const PROPS = ['category', 'price', 'vip', 'at', 'constructor']
const SCALARS = ['a', 'b', 'c', 0, 1, 5, 10, '5', '10', true, false, '2026-06-01', '2026-05-01T00:00:00Z']
const WINDOWS = ['1h', '24h', '7d']

const factArb = fc.oneof(
  fc.constantFrom(...PROPS.map((p) => `properties.${p}`)),
  fc.constantFrom('traits.tier', 'traits.score', 'order.total', 'customer.locale', 'event.name', 'context.locale'),
)
const scalarArb = fc.constantFrom(...SCALARS)
const boundArb = fc.oneof(fc.integer({ min: -1, max: 12 }), fc.constantFrom('5', '2026-05-15'))
const subjectArb = fc.oneof(
  factArb.map((fact) => ({ fact })),
  fc.record({ count: fc.record({ event: fc.constantFrom(...NAMES), within: fc.constantFrom(...WINDOWS) }) }),
)

const leafArb = fc.oneof(
  fc.tuple(subjectArb, fc.constantFrom('eq', 'ne'), scalarArb).map(([s, op, v]) => ({ ...s, [op]: v })),
  fc.tuple(subjectArb, fc.constantFrom('in', 'nin'), fc.array(scalarArb, { minLength: 1, maxLength: 4 })).map(([s, op, v]) => ({ ...s, [op]: v })),
  fc.tuple(subjectArb, fc.constantFrom('gt', 'gte', 'lt', 'lte'), boundArb).map(([s, op, v]) => ({ ...s, [op]: v })),
  fc.tuple(factArb, fc.boolean()).map(([fact, exists]) => ({ fact, exists })),
  fc.tuple(factArb, fc.constantFrom('a', '1')).map(([fact, contains]) => ({ fact, contains })),
  fc.tuple(fc.constantFrom('properties.price', 'order.total'), fc.integer({ min: 0, max: 12 })).map(([fact, gte]) => ({ fact, gte, currency: 'shop' })),
  fc.constant({ fact: 'properties.category', eq: null }),
)

const conditionArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, tie('all'), tie('any'), tie('not')),
  all: fc.array(tie('node'), { minLength: 1, maxLength: 4 }).map((all) => ({ all })),
  any: fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
  not: tie('node').map((not) => ({ not })),
})).node

const ruleArb = fc.record({
  triggers: fc.array(fc.record({ event: fc.constantFrom(...NAMES), when: fc.option(conditionArb, { nil: undefined }) }), { minLength: 1, maxLength: 2 }),
  when: fc.option(conditionArb, { nil: undefined }),
  priority: fc.integer({ min: 0, max: 3 }),
})

const valueArb = fc.option(fc.oneof(scalarArb, fc.constant(null), fc.constant(['a', 'b']), fc.constant({ a: 1 })), { nil: undefined })

const momentArb = fc.record({
  name: fc.constantFrom(...NAMES),
  properties: fc.dictionary(fc.constantFrom(...PROPS), valueArb, { maxKeys: 5 }),
  tier: valueArb,
  score: valueArb,
  total: valueArb,
  locale: fc.option(fc.constantFrom('en', 'de'), { nil: undefined }),
  counts: fc.dictionary(fc.constantFrom(...NAMES), fc.array(fc.integer({ min: 0, max: 9 * 24 }), { maxLength: 12 }), { maxKeys: 3 }),
})

function compile(specs: ReadonlyArray<{ triggers: Array<{ event: string; when?: unknown }>; when?: unknown; priority: number }>): CompiledRule[] {
  return specs.map((spec, i) => {
    const result = compileRule({
      document: {
        id: `r${String(i).padStart(2, '0')}`,
        name: `rule ${i}`,
        priority: spec.priority,
        triggers: spec.triggers.map((t) => (t.when === undefined ? { event: t.event } : t)),
        ...(spec.when === undefined ? {} : { when: spec.when }),
        actions: [{ task: { queue: 'q', priority: 'normal', sla: '1h' } }],
      },
    })
    if (!result.ok) throw new Error(JSON.stringify(result.errors))
    return result.rule
  })
}

type Moment = typeof momentArb extends fc.Arbitrary<infer T> ? T : never

function contextOf(m: Moment): EvalContext {
  const state = emptyCustomerState('c1')
  const put = (target: Record<string, unknown>, key: string, value: unknown): void => {
    if (value !== undefined) Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  }
  put(state.traits, 'tier', m.tier)
  put(state.traits, 'score', m.score)
  if (m.locale !== undefined) state.locale = m.locale
  for (const [name, hoursAgo] of Object.entries(m.counts) as Array<[string, number[]]>) put(state.counts, name, hoursAgo.map((h) => T0 - h * HOUR).sort((a, b) => a - b))
  const properties: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(m.properties)) put(properties, key, value)
  const order = m.total === undefined ? undefined : ({ total: m.total } as unknown as EvalContext['order'])
  return { event: track(m.name, properties), state, order, at: T0 }
}

/** Every event trigger of every rule, evaluated in full, in match order. */
function naive(rules: readonly CompiledRule[], ctx: EvalContext): string[] {
  return [...rules]
    .sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : 1))
    .flatMap((rule) => rule.triggers.filter((t) => t.kind === 'event' && t.event === ctx.event.name && t.when(ctx) && rule.when(ctx)).map((t) => `${rule.id}#${t.index}`))
}

describe('rule index (property)', () => {
  it('indexed matching equals naive evaluation of every rule, in the same order', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 30 }), fc.array(momentArb, { minLength: 1, maxLength: 15 }), (specs, moments) => {
        const rules = compile(specs)
        const set = new RuleSet(rules)
        for (const m of moments) {
          const ctx = contextOf(m)
          expect(set.matchEvent(ctx).map((x) => `${x.rule.id}#${x.trigger.index}`)).toEqual(naive(rules, ctx))
        }
      }),
      { numRuns: 400 },
    )
  })

  it('never runs more predicates than the rules triggered by the event name', () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 30 }), momentArb, (specs, m) => {
        const rules = compile(specs)
        const ctx = contextOf(m)
        const triggered = rules.flatMap((r) => r.triggers.filter((t) => t.kind === 'event' && t.event === m.name)).length
        expect(new RuleSet(rules).predicateRunsFor(ctx)).toBeLessThanOrEqual(triggered)
      }),
      { numRuns: 200 },
    )
  })
})

describe('rule index (what it skips)', () => {
  const rules = compile([
    { triggers: [{ event: 'Paid', when: { fact: 'properties.price', gte: 100 } }], when: { count: { event: 'Paid', within: '7d' }, gte: 3 }, priority: 1 },
    { triggers: [{ event: 'Paid' }], when: { all: [{ fact: 'traits.tier', in: ['gold', 'silver'] }, { fact: 'properties.category', matches: 'tea|cups' }] }, priority: 1 },
  ])
  const set = new RuleSet(rules)
  const ctx = (properties: Record<string, unknown>, tier: string | undefined, paidHoursAgo: number[]): EvalContext =>
    contextOf({ name: 'Paid', properties: properties as Moment['properties'], tier, score: undefined, total: undefined, locale: undefined, counts: { Paid: paidHoursAgo } })

  it('runs no predicate when an indexed bound, count or trait rules every rule out', () => {
    expect(set.predicateRunsFor(ctx({ price: 150, category: 'tea' }, 'bronze', [1, 2]))).toBe(0)
    expect(set.predicateRunsFor(ctx({ price: 150, category: 'tea' }, 'bronze', [1, 2, 200]))).toBe(0)
    expect(set.predicateRunsFor(ctx({ price: 150 }, undefined, [1, 2]))).toBe(0)
    expect(set.predicateRunsFor(ctx({ price: 50 }, undefined, [1, 2, 3]))).toBe(0)
  })

  it('runs the residual predicate only for rules whose indexed conditions hold', () => {
    expect(set.predicateRunsFor(ctx({ price: 150 }, 'gold', [1, 2, 3]))).toBe(2)
    expect(set.matchEvent(ctx({ price: 150, category: 'teapot' }, 'gold', [1, 2, 3])).map((m) => m.rule.id)).toEqual(['r00', 'r01'])
    expect(set.matchEvent(ctx({ price: 150, category: 'mugs' }, 'gold', [1, 2, 3])).map((m) => m.rule.id)).toEqual(['r00'])
  })
})
