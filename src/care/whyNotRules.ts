// "Why didn't this rule fire for this shopper?" for every live rule: the latest of the shopper's
// recent events that a rule's trigger names, and each top-level condition of the trigger and of the
// rule checked against it (the value the condition read beside it). A rule whose conditions fail
// leaves no signal in the history, so the explain API cannot say this. Checked against the
// shopper's state as it stands now (orders and traits may have moved on since the event); money
// conditions compare same-currency amounts only.
import type { CustomerState, RecentEvent } from '../model/customer.ts'
import type { ShopEvent } from '../model/event.ts'
import { compileRule, type EvalContext } from '../rules/index.ts'
import { compileCondition, countGetter, type ConditionInfo, type FieldError } from '../rules/conditions.ts'
import { compileFact } from '../rules/facts.ts'
import { parseDuration } from '../lib/duration.ts'

export interface ConditionCheck {
  /** Field path in the rule document: /triggers/0/when/all/1, /when … */
  path: string
  /** The condition as written. */
  condition: unknown
  held: boolean
  /** What a `fact` or `count` condition read (scalars only; other values as short JSON text). */
  value?: string | number | boolean | null
}

export interface RuleCheck {
  ruleId: string
  version: number
  name: string
  /**
   * held: every condition held at the latest triggering event; failed: `failed` names the first
   * that did not; no_event: none of the shopper's recent events is one the rule starts on;
   * waiting: a wait (absence trigger) is armed, due at `dueAt`; awaited: what the wait awaited came
   * (`awaited`), so there was nothing to do; scheduled: a scheduled rule (no triggering event);
   * broken: the stored rule does not compile.
   */
  verdict: 'held' | 'failed' | 'no_event' | 'waiting' | 'awaited' | 'scheduled' | 'broken'
  /** The event names the rule starts on. */
  events: string[]
  /** The event checked. */
  event?: { name: string; ts: number; messageId: string }
  failed?: string
  dueAt?: number
  awaited?: { name: string; ts: number }
  checks: ConditionCheck[]
}

interface Part {
  path: string
  node: unknown
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** A condition's top-level parts: the items of a top-level `all`, else the condition itself. */
function topLevelParts(node: unknown, path: string): Part[] {
  if (node === undefined) return []
  if (isObject(node) && Object.keys(node).length === 1 && Array.isArray(node.all)) return node.all.map((item, i) => ({ path: `${path}/all/${i}`, node: item }))
  return [{ path, node }]
}

/** What a leaf condition reads, for display; undefined for all/any/not. */
function leafValue(node: unknown, ctx: EvalContext): ConditionCheck['value'] | undefined {
  if (!isObject(node)) return undefined
  let value: unknown
  if (typeof node.fact === 'string') {
    const get = compileFact(node.fact)
    if ('error' in get) return undefined
    value = get(ctx)
  } else if (isObject(node.count) && typeof node.count.event === 'string' && typeof node.count.within === 'string') {
    const window = parseDuration(node.count.within)
    if (window === undefined || window <= 0) return undefined
    value = countGetter(node.count.event, window)(ctx)
  } else return undefined
  if (value === undefined || value === null) return null
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value)
  const text = JSON.stringify(value) ?? ''
  return text.length > 200 ? `${text.slice(0, 199)}…` : text
}

function checkParts(parts: readonly Part[], ctx: EvalContext): ConditionCheck[] {
  const info: ConditionInfo = { countWindows: new Map() }
  return parts.map(({ path, node }) => {
    const errors: FieldError[] = []
    const held = compileCondition(node, path, errors, info)(ctx)
    const value = leafValue(node, ctx)
    return { path, condition: node, held, ...(value === undefined ? {} : { value }) }
  })
}

const asShopEvent = (e: RecentEvent, customerId: string): ShopEvent => ({ type: 'track', messageId: e.messageId, customerId, name: e.name, ts: e.ts, properties: e.properties, context: {} })

function contextAt(event: RecentEvent, state: CustomerState): EvalContext {
  const orderId = event.properties.order_id
  const order = typeof orderId === 'string' || typeof orderId === 'number' ? (Object.hasOwn(state.orders, String(orderId)) ? state.orders[String(orderId)] : undefined) : undefined
  return { event: asShopEvent(event, state.customerId), state, order, at: event.ts }
}

/** One live rule checked against the shopper's recent events. */
export function checkRule(rule: { id: string; version: number; document: unknown }, state: CustomerState | undefined): RuleCheck {
  const compiled = compileRule({ document: rule.document, version: rule.version })
  const base = { ruleId: rule.id, version: rule.version, checks: [] as ConditionCheck[] }
  if (!compiled.ok) return { ...base, name: rule.id, verdict: 'broken', events: [] }
  const doc = compiled.rule.document as { triggers: Array<{ when?: unknown }>; when?: unknown }
  const starts = compiled.rule.triggers.flatMap((t) => (t.kind === 'event' ? [{ index: t.index, names: [t.event], awaited: [] as string[], entity: '' }] : t.kind === 'absence' ? [{ index: t.index, names: [...t.start], awaited: [...t.awaited], entity: t.entity }] : []))
  const named = { ...base, name: compiled.rule.name, events: [...new Set(starts.flatMap((s) => s.names))] }
  if (starts.length === 0) return { ...named, verdict: 'scheduled' }
  const recent = state?.recent ?? []
  const tried: Array<{ event: RecentEvent; checks: ConditionCheck[]; awaited: string[]; entity: string }> = []
  for (const start of starts) {
    const event = [...recent].reverse().find((e) => start.names.includes(e.name))
    if (event === undefined || state === undefined) continue
    const ctx = contextAt(event, state)
    const parts = [...topLevelParts(doc.triggers[start.index]?.when, `/triggers/${start.index}/when`), ...topLevelParts(doc.when, '/when')]
    tried.push({ event, checks: checkParts(parts, ctx), awaited: start.awaited, entity: start.entity })
  }
  if (tried.length === 0) return { ...named, verdict: 'no_event' }
  const chosen = tried.find((t) => t.checks.every((c) => c.held)) ?? tried.reduce((a, b) => (b.event.ts > a.event.ts ? b : a))
  const failed = chosen.checks.find((c) => !c.held)?.path
  const checked = { ...named, event: { name: chosen.event.name, ts: chosen.event.ts, messageId: chosen.event.messageId }, checks: chosen.checks }
  if (failed !== undefined) return { ...checked, verdict: 'failed', failed }
  return { ...checked, ...waitOutcome(rule.id, chosen, state as CustomerState) }
}

/** For a wait whose conditions held at its start: armed still, or ended by what it awaited. */
function waitOutcome(ruleId: string, chosen: { event: RecentEvent; awaited: string[]; entity: string }, state: CustomerState): Pick<RuleCheck, 'verdict' | 'dueAt' | 'awaited'> {
  if (chosen.awaited.length === 0) return { verdict: 'held' }
  const due = Object.values(state.timers).filter((timer) => timer.ruleId === ruleId).map((timer) => timer.dueAt)
  if (due.length > 0) return { verdict: 'waiting', dueAt: Math.min(...due) }
  const entityOf = (e: RecentEvent) => (Object.hasOwn(e.properties, chosen.entity) ? String(e.properties[chosen.entity]) : undefined)
  const entity = entityOf(chosen.event)
  // As the engine ends waits: an awaited event for the same entity, or one without the entity property.
  const came = state.recent.find((e) => e.ts >= chosen.event.ts && chosen.awaited.includes(e.name) && (entityOf(e) === undefined || entityOf(e) === entity))
  return came === undefined ? { verdict: 'held' } : { verdict: 'awaited', awaited: { name: came.name, ts: came.ts } }
}
