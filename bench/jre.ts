// The same rules for json-rules-engine, evaluated the way its users do: one Engine holding every
// rule, `await engine.run(facts)` per event. Facts: the event name, its properties, the shopper's
// traits and customer fields, the order, and a dynamic `count` fact reading windowed counts.
import { Engine, type NestedCondition, type RuleProperties, type TopLevelCondition } from 'json-rules-engine'
import { parseDuration } from '../src/lib/duration.ts'
import type { Condition, RuleDocument } from '../src/rules/index.ts'
import { OPERATORS, type EvalContext } from '../src/rules/index.ts'

const OPERATOR_NAMES: Record<(typeof OPERATORS)[number], string> = {
  eq: 'equal',
  ne: 'notEqual',
  gt: 'greaterThan',
  gte: 'greaterThanInclusive',
  lt: 'lessThan',
  lte: 'lessThanInclusive',
  in: 'in',
  nin: 'notIn',
  exists: 'exists',
  contains: 'textContains',
  matches: 'matches',
}

function factRef(path: string): { fact: string; path?: string } {
  const [root, ...rest] = path.split('.')
  return rest.length === 0 ? { fact: root as string } : { fact: root as string, path: `$.${rest.join('.')}` }
}

function translate(node: Condition): NestedCondition {
  if ('all' in node) return { all: node.all.map(translate) }
  if ('any' in node) return { any: node.any.map(translate) }
  if ('not' in node) return { not: translate(node.not) }
  const op = OPERATORS.find((o) => o in node) as (typeof OPERATORS)[number]
  const value = (node as unknown as Record<string, unknown>)[op]
  const subject =
    'fact' in node
      ? factRef(node.fact)
      : { fact: 'count', params: { event: node.count.event, within: parseDuration(node.count.within) as number } }
  // A bound read from another fact ({ fact: path }) is a fact reference json-rules-engine resolves
  // itself; the two sides are dates as ISO text or epoch ms, so they compare through custom
  // operators that read both as numbers (its built-in ones compare text with numbers as NaN).
  if (value !== null && typeof value === 'object' && 'fact' in value) {
    return { ...subject, operator: `${op}Fact`, value: factRef((value as { fact: string }).fact) }
  }
  return { ...subject, operator: OPERATOR_NAMES[op], value }
}

const asNumber = (v: unknown): number | undefined => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
  if (typeof v !== 'string' || v === '') return undefined
  const n = Number(v)
  if (Number.isFinite(n)) return n
  const t = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : Number.NaN
  return Number.isNaN(t) ? undefined : t
}
const FACT_BOUNDS: Record<string, (a: number, b: number) => boolean> = {
  gtFact: (a, b) => a > b,
  gteFact: (a, b) => a >= b,
  ltFact: (a, b) => a < b,
  lteFact: (a, b) => a <= b,
}

const conditionsOf = (...nodes: Array<unknown>): NestedCondition[] =>
  nodes.filter((n) => n !== undefined).map((n) => translate(n as Condition))

/**
 * One json-rules-engine rule per careloop trigger. Event triggers: event name + trigger and rule
 * conditions. Absence triggers: an "arm" rule on the start events (entity present, and a due time
 * available when it is read from facts) and a "cancel" rule on the awaited events; the timer
 * itself (due time, firing) is not modelled on either side of the comparison.
 */
export function toJreRules(documents: readonly RuleDocument[]): RuleProperties[] {
  const out: RuleProperties[] = []
  for (const doc of documents) {
    doc.triggers.forEach((trigger, index) => {
      const key = `${doc.id}#${index}`
      if ('schedule' in trigger) return // not event-driven: nothing to compare
      if (!('absence' in trigger)) {
        out.push({
          name: `m:${key}`,
          conditions: { all: [{ fact: 'eventName', operator: 'equal', value: trigger.event }, ...conditionsOf(trigger.when, doc.when)] },
          event: { type: `m:${key}` },
        })
        return
      }
      const a = trigger.absence
      const at = a.at === undefined ? [] : Array.isArray(a.at) ? a.at : [a.at]
      const arm: NestedCondition[] = [
        { fact: 'eventName', operator: 'in', value: a.start },
        { fact: 'properties', path: `$.${a.entity}`, operator: 'exists', value: true },
      ]
      if (at.length > 0) arm.push({ any: at.map((p) => ({ ...factRef(p), operator: 'exists', value: true })) })
      out.push({ name: `arm:${key}`, conditions: { all: arm }, event: { type: `arm:${key}` } })
      out.push({ name: `cancel:${key}`, conditions: { all: [{ fact: 'eventName', operator: 'in', value: a.awaited }] }, event: { type: `cancel:${key}` } })
    })
  }
  return out
}

/** A "tuned" variant: the event-name test gets a higher priority so json-rules-engine short-circuits on it. */
export function tuned(rules: readonly RuleProperties[]): RuleProperties[] {
  return rules.map((rule) => {
    const top = rule.conditions as { all: NestedCondition[] }
    const [first, ...rest] = top.all
    return { ...rule, conditions: { all: [{ ...(first as object), priority: 10 } as NestedCondition, ...rest] } as TopLevelCondition }
  })
}

function countWithin(times: number[] | undefined, at: number, window: number): number {
  if (times === undefined) return 0
  let n = 0
  for (const t of times) if (t > at - window && t <= at) n++
  return n
}

export function createJreEngine(rules: readonly RuleProperties[]): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true })
  for (const rule of rules) engine.addRule(rule)
  const regexes = new Map<string, RegExp>()
  engine.addOperator('exists', (a: unknown, b: boolean) => (a !== undefined && a !== null) === b)
  engine.addOperator('textContains', (a: unknown, b: unknown) => {
    const needle = String(b).toLowerCase()
    if (Array.isArray(a)) return a.some((x) => String(x).toLowerCase() === needle)
    return typeof a === 'string' && a.toLowerCase().includes(needle)
  })
  engine.addOperator('matches', (a: unknown, b: string) => {
    let re = regexes.get(b)
    if (re === undefined) regexes.set(b, (re = new RegExp(b, 'iu')))
    return typeof a === 'string' && re.test(a)
  })
  for (const [name, holds] of Object.entries(FACT_BOUNDS)) {
    engine.addOperator(name, (a: unknown, b: unknown) => {
      const x = asNumber(a)
      const y = asNumber(b)
      return x !== undefined && y !== undefined && holds(x, y)
    })
  }
  engine.addFact('count', async (params, almanac) => {
    const counts = await almanac.factValue<Record<string, number[]>>('counts')
    const at = await almanac.factValue<number>('at')
    return countWithin(counts[params.event as string], at, params.within as number)
  })
  return engine
}

/** The facts json-rules-engine gets for one event: the same context careloop evaluates. */
export function jreFacts(ctx: EvalContext): Record<string, unknown> {
  const { event, state } = ctx
  return {
    eventName: event.name,
    event: { name: event.name, type: event.type, timestamp: event.ts, message_id: event.messageId },
    properties: event.properties,
    context: event.context,
    traits: state.traits,
    customer: { id: state.customerId, locale: state.locale, timezone: state.timezone },
    order: ctx.order ?? {},
    counts: state.counts,
    at: ctx.at,
  }
}

/** Fired rule keys for one event (for the agreement check). */
export async function jreKeys(engine: Engine, ctx: EvalContext): Promise<string[]> {
  const result = await engine.run(jreFacts(ctx))
  return result.events.map((e) => e.type).sort()
}
