// Why a backtested rule never fired: for each of its event triggers, how many events of the period
// had the trigger's name, and how many of those met each top-level condition of the trigger and of
// the rule; the first of these that no event met is named by its field path. Conditions see each
// event with its shopper's state after it, as the engine evaluates them (identity merges aside).
// Absence triggers are counted on their start events; scheduled triggers are left out (no event).
import { createMoney } from '../lib/money.ts'
import { emptyCustomerState, getOwn, type CustomerState } from '../model/customer.ts'
import type { ShopEvent } from '../model/event.ts'
import { compileCondition, type ConditionInfo, type FieldError, type Predicate } from '../rules/conditions.ts'
import type { EvalContext } from '../rules/index.ts'
import { decodeMessage } from '../stream/decode.ts'
import { applyEvent, defaultRetention, type RetentionPolicy } from '../stream/state/reducer.ts'
import type { PreparedEvent } from './replay.ts'

export interface ConditionCount {
  /** Field path in the rule document: /triggers/0/event, /triggers/0/when/all/1, /when … */
  path: string
  /** Events that met it, of the events it was asked about. */
  held: number
  of: number
}

export interface ConditionCounts {
  /** The first condition (in document order) no event met; null when each met some. */
  neverHeld: string | null
  counts: ConditionCount[]
}

interface Part {
  path: string
  test: Predicate
}

/** A condition's top-level parts: the items of a top-level `all`, else the condition itself. */
function partsOf(node: unknown, path: string, info: ConditionInfo): Part[] {
  if (node === undefined) return []
  const errors: FieldError[] = []
  const items = node !== null && typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length === 1 && Array.isArray((node as { all?: unknown }).all) ? ((node as { all: unknown[] }).all) : undefined
  const parts = items === undefined ? [{ path, node }] : items.map((item, i) => ({ path: `${path}/all/${i}`, node: item }))
  return parts.map((p) => ({ path: p.path, test: compileCondition(p.node, p.path, errors, info) }))
}

interface TriggerCheck {
  /** Field path of what names the events (/triggers/0/event or /triggers/0/absence/start). */
  namePath: string
  names: ReadonlySet<string>
  parts: Part[]
  /** The trigger's whole condition: an event that meets it goes on to the rule's conditions. */
  whole: Predicate
}

function triggerChecks(document: unknown, info: ConditionInfo): { triggers: TriggerCheck[]; ruleParts: Part[] } {
  const doc = document as { triggers?: unknown; when?: unknown }
  const triggers: TriggerCheck[] = []
  const list = Array.isArray(doc.triggers) ? doc.triggers : []
  list.forEach((trigger: unknown, i) => {
    const t = trigger as { event?: unknown; absence?: { start?: unknown }; when?: unknown }
    const names = typeof t.event === 'string' ? [t.event] : Array.isArray(t.absence?.start) ? t.absence.start.filter((n): n is string => typeof n === 'string') : undefined
    if (names === undefined) return // scheduled care: no events to count
    const path = `/triggers/${i}`
    const errors: FieldError[] = []
    const whole = t.when === undefined ? () => true : compileCondition(t.when, `${path}/when`, errors, info)
    triggers.push({ namePath: typeof t.event === 'string' ? `${path}/event` : `${path}/absence/start`, names: new Set(names), parts: partsOf(t.when, `${path}/when`, info), whole })
  })
  return { triggers, ruleParts: partsOf(doc.when, '/when', info) }
}

/** Counts, over the events in time order, how often each top-level condition of a (valid) rule held. */
export function conditionCounts(document: unknown, events: Iterable<PreparedEvent>, policy: RetentionPolicy = defaultRetention): ConditionCounts {
  const info: ConditionInfo = { countWindows: new Map() }
  const { triggers, ruleParts } = triggerChecks(document, info)
  const retention: RetentionPolicy = { ...policy, countWindows: new Map([...(policy.countWindows ?? []), ...info.countWindows]) }
  const money = createMoney('USD')
  const states = new Map<string, CustomerState>()
  const named = triggers.map(() => 0)
  const held = triggers.map((t) => t.parts.map(() => 0))
  const ruleHeld = ruleParts.map(() => 0)
  let total = 0
  let reachedRule = 0
  for (const prepared of events) {
    const decoded = decodeMessage(prepared.body, prepared.ts)
    if (!decoded.ok) continue
    const event: ShopEvent = decoded.event
    total++
    let state = states.get(event.customerId)
    if (state === undefined) states.set(event.customerId, (state = emptyCustomerState(event.customerId)))
    applyEvent(state, event, retention)
    const orderId = event.properties?.order_id
    const ctx: EvalContext = { event, state, order: typeof orderId === 'string' || typeof orderId === 'number' ? getOwn(state.orders, String(orderId)) : undefined, at: event.ts, money }
    let matched = false
    triggers.forEach((t, i) => {
      if (!t.names.has(event.name)) return
      named[i] = (named[i] as number) + 1
      t.parts.forEach((p, j) => {
        if (p.test(ctx)) (held[i] as number[])[j] = ((held[i] as number[])[j] as number) + 1
      })
      if (t.whole(ctx)) matched = true
    })
    if (!matched) continue
    reachedRule++
    ruleParts.forEach((p, j) => {
      if (p.test(ctx)) ruleHeld[j] = (ruleHeld[j] as number) + 1
    })
  }
  const counts: ConditionCount[] = []
  triggers.forEach((t, i) => {
    counts.push({ path: t.namePath, held: named[i] as number, of: total })
    t.parts.forEach((p, j) => counts.push({ path: p.path, held: (held[i] as number[])[j] as number, of: named[i] as number }))
  })
  ruleParts.forEach((p, j) => counts.push({ path: p.path, held: ruleHeld[j] as number, of: reachedRule }))
  return { neverHeld: counts.find((c) => c.held === 0)?.path ?? null, counts }
}
