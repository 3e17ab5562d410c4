// Decision lines: one per action the engine decided in a sandbox, with what became of it — sent
// (and when, and in which digest), skipped by a send-time guard (which, why, in favour of which rule), a task (for which
// queue, available when), or suppressed by the rule's own guards. Built from the sandbox's history
// rows and recording senders; sorted so that two runs give byte-identical output.
import { stableHash } from '../lib/hash.ts'
import { digestOfDetail } from '../model/digest.ts'
import type { DecisionRow, DeliveryRow, SignalRow, TaskEventRow } from '../store/history/HistoryStore.ts'
import type { RecordingHistory } from './history.ts'
import type { RecordedSend } from './senders.ts'

export type LineOutcome = 'sent' | 'skipped' | 'dead' | 'pending' | 'task' | 'suppressed'

export interface DecisionLine {
  /** Simulated time of the decision (event time, or a timer's due time), ISO-8601. */
  decidedAt: string
  rule: string
  version: number
  customer: string
  action: 'nudge' | 'task'
  channel?: string
  template?: string
  queue?: string
  priority?: string
  /** The trigger's entity (order, checkout, product …) when the rule has one. */
  entity: string | null
  trigger: string
  outcome: LineOutcome
  /** When the message would reach the shopper, or the task the queue; null when it never would. */
  deliverAt: string | null
  /** A quiet-hours hold: the message waited until then. */
  deferredUntil?: string
  /** The digest that carried a sent nudge in one message with the shopper's others (docs/digest.md). */
  digest?: string
  /** How many decisions that digest carried. */
  digestItems?: number
  /** For skipped, dead and suppressed lines: the guard (consent, quiet_hours, conflict, cap_day … or cooldown, once, holdout, conditions). */
  guard?: string
  reason?: string
  /** The rule whose message won the conflict. */
  suppressedBy?: string
  /** Capacity-aware routing (a fallback nudge instead of a person, and why). */
  routing?: string
  /** The decision's idempotency key. */
  id: string
}

const RULE_GUARD_REASONS: Record<string, string> = {
  cooldown: 'the rule already fired for this shopper (or entity) within its cooldown',
  once: 'the rule fires once per shopper (or entity) and already did',
  holdout: "the shopper is in the rule's holdout group",
  conditions: "the action's own conditions did not hold",
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** "guard: reason [by outboxId]", as the dispatcher records a skip. */
function parseSkip(detail: string): { guard: string; reason: string; by: string | undefined } {
  const m = /^([a-z_]+): ([\s\S]*?)(?: \[by ([^\]]+)\])?$/.exec(detail)
  return m ? { guard: m[1] as string, reason: m[2] as string, by: m[3] } : { guard: 'unknown', reason: detail, by: undefined }
}

function nudgeOutcome(deliveries: DeliveryRow[], sent: RecordedSend | undefined, ruleOfOutbox: (outboxId: string) => string | undefined): Partial<DecisionLine> {
  const deferrals = deliveries.filter((d) => d.status === 'deferred').map((d) => Number(d.id.slice(d.id.lastIndexOf(':') + 1)))
  const deferredUntil = deferrals.length > 0 ? { deferredUntil: iso(Math.max(...deferrals)) } : {}
  const final = deliveries.find((d) => d.status === 'skipped' || d.status === 'dead' || d.status === 'sent')
  const carried = final?.status === 'sent' ? digestOfDetail(final.detail) : undefined
  const digest = carried ? { digest: carried.id, digestItems: carried.count } : {}
  if (sent) return { outcome: 'sent', deliverAt: iso(sent.at), ...deferredUntil, ...digest }
  if (final?.status === 'sent') return { outcome: 'sent', deliverAt: iso(final.ts), ...deferredUntil, ...digest }
  if (final?.status === 'skipped') {
    const { guard, reason, by } = parseSkip(final.detail)
    return { outcome: 'skipped', deliverAt: null, ...deferredUntil, guard, reason, ...(by ? { suppressedBy: ruleOfOutbox(by) ?? by } : {}) }
  }
  if (final?.status === 'dead') return { outcome: 'dead', deliverAt: null, ...deferredUntil, guard: 'delivery', reason: final.detail }
  return { outcome: 'pending', deliverAt: null, ...deferredUntil }
}

/** What a decision's signal says of it. */
export interface SignalAbout {
  entity: string | null
  trigger: string
}

export const aboutSignal = (signal: SignalRow | undefined): SignalAbout => ({ entity: signal?.entity ? signal.entity : null, trigger: signal?.trigger_kind ?? 'event' })

/** A nudge's deliveries in the order they happened. */
export const deliveryOrder = (a: DeliveryRow, b: DeliveryRow): number => a.ts - b.ts || (a.id < b.id ? -1 : 1)

/**
 * One decision's line. `created`: its task's created event (tasks); `deliveries` (in delivery
 * order) and `sent`: its message's (nudges); `ruleOfOutbox` names the rule of a winning message.
 */
export function lineOf(d: DecisionRow, about: SignalAbout, created: TaskEventRow | undefined, deliveries: DeliveryRow[], sent: RecordedSend | undefined, ruleOfOutbox: (outboxId: string) => string | undefined): DecisionLine {
  const head = { decidedAt: iso(d.ts), rule: d.rule_id, version: d.rule_version, customer: d.customer_id, action: d.action }
  const target = d.action === 'nudge' ? { channel: d.channel, template: d.template } : { queue: d.queue, priority: d.priority }
  const routing = d.outcome === 'planned' && d.reason ? { routing: d.reason } : {}
  let result: Partial<DecisionLine>
  if (d.outcome === 'suppressed') {
    result = { outcome: 'suppressed', deliverAt: null, guard: d.reason, reason: RULE_GUARD_REASONS[d.reason] ?? d.reason }
  } else if (d.action === 'task') {
    const details = created ? (JSON.parse(created.details) as { available_at?: number }) : {}
    result = { outcome: 'task', deliverAt: iso(details.available_at ?? created?.ts ?? d.ts) }
  } else {
    result = nudgeOutcome(deliveries, sent, ruleOfOutbox)
  }
  // Fixed key order: JSON.stringify keeps insertion order, so equal runs give equal bytes.
  return {
    ...head,
    ...target,
    ...about,
    outcome: result.outcome as LineOutcome,
    deliverAt: result.deliverAt ?? null,
    ...(result.deferredUntil ? { deferredUntil: result.deferredUntil } : {}),
    ...(result.digest ? { digest: result.digest, digestItems: result.digestItems ?? 0 } : {}),
    ...(result.guard ? { guard: result.guard, reason: result.reason ?? '' } : {}),
    ...(result.suppressedBy ? { suppressedBy: result.suppressedBy } : {}),
    ...routing,
    id: d.id,
  }
}

/**
 * The sandbox's decisions as lines, in a total order: time, customer, rule, decision id — built at
 * once from every recorded row (the reference the streamed lines of lineTracker.ts are checked with).
 */
export function buildLines(history: RecordingHistory, sends: ReadonlyMap<string, RecordedSend>): DecisionLine[] {
  const decisions = [...history.decisions.values()]
  const ruleOfOutbox = new Map(decisions.map((d) => [stableHash(d.id), d.rule_id]))
  const byOutbox = new Map<string, DeliveryRow[]>()
  for (const d of history.deliveries.values()) byOutbox.set(d.outbox_id, [...(byOutbox.get(d.outbox_id) ?? []), d])
  for (const rows of byOutbox.values()) rows.sort(deliveryOrder)
  const order = (a: DecisionRow, b: DecisionRow): number =>
    a.ts - b.ts || cmp(a.customer_id, b.customer_id) || cmp(a.rule_id, b.rule_id) || cmp(a.id, b.id)
  return decisions.sort(order).map((d) => {
    const outboxId = stableHash(d.id)
    return lineOf(d, aboutSignal(history.signals.get(d.signal_id)), history.taskEvents.get(`${outboxId}:created`), byOutbox.get(outboxId) ?? [], sends.get(outboxId), (id) => ruleOfOutbox.get(id))
  })
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
