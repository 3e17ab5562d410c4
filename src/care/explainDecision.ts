// "Why did / didn't we contact this shopper?" assembled from the history trail (signals,
// decisions, deliveries, task events) and the outbox's current state, with the shopper's consent
// and recent contacts beside it.
import type { Clock } from '../lib/clock.ts'
import { stableHash } from '../lib/hash.ts'
import { asObject } from '../lib/json.ts'
import { digestOfDetail } from '../model/digest.ts'
import type { HistoryStore, TimelineEntry } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { OutboxRecord } from '../store/operational/OutboxStore.ts'
import { customerTimeline } from './customerTimeline.ts'

export interface ExplainedAction {
  /** The decision's idempotency key. */
  id: string
  action: 'nudge' | 'task'
  channel?: string
  template?: string
  queue?: string
  priority?: string
  decision: 'planned' | 'suppressed'
  /** Why the decision suppressed it (cooldown, once, conditions, holdout, stale). */
  decisionReason?: string
  /** Where it stands now: sent, delivered, skipped, deferred, pending, dead … or open/claimed/resolved for tasks. */
  status: string
  /** The send-time guard that stopped or delayed it. */
  guard?: string
  detail?: string
  /** The digest that carried it: one message with the shopper's other nudges (docs/digest.md). */
  digestId?: string
  /** How many decisions that digest carried. */
  digestItems?: number
  trail: Array<{ status: string; detail: string; ts: number }>
}

export interface ExplainedMoment {
  signalId: string
  ruleId: string
  ruleVersion: number
  trigger: { kind: string; id: string; event?: string }
  entity: string
  at: number
  outcome: 'planned' | 'suppressed'
  reason?: string
  actions: ExplainedAction[]
  /** One line a person can read. */
  summary: string
}

const GUARD = /^(consent|quiet_hours|conflict|human_contact|cap_day|cap_channel): /

/** A timeline value as display text: missing is empty. */
const asText = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v))

function actionLine(a: ExplainedAction): string {
  const what = a.action === 'nudge' ? `${a.channel} "${a.template}"` : `task in ${a.queue} (${a.priority})`
  if (a.decision === 'suppressed') return `${what} not planned: ${a.decisionReason}`
  if (a.guard) return `${what} ${a.status === 'deferred' ? 'held back' : 'not sent'}: ${a.detail?.replace(GUARD, `${a.guard} — `)}`
  if (a.digestId) return `${what}: ${a.status} in digest ${a.digestId} (${a.digestItems} items in one message)`
  return `${what}: ${a.status}`
}

export function explainCustomer(entries: readonly TimelineEntry[], outbox: readonly OutboxRecord[]): ExplainedMoment[] {
  const chronological = [...entries].sort((a, b) => a.ts - b.ts)
  const outboxById = new Map(outbox.map((o) => [o.id, o]))
  const trails = new Map<string, ExplainedAction['trail']>()
  const taskStatus = new Map<string, string>()
  for (const e of chronological) {
    if (e.kind === 'delivery') {
      const id = asText(e.data.outbox_id)
      trails.set(id, [...(trails.get(id) ?? []), { status: e.title, detail: asText(e.data.detail), ts: e.ts }])
    } else if (e.kind === 'task') {
      const id = asText(e.data.task_id)
      trails.set(id, [...(trails.get(id) ?? []), { status: e.title, detail: asText(e.data.outcome) || asText(e.data.actor), ts: e.ts }])
      if (e.title !== 'contact' && e.title !== 'note') taskStatus.set(id, e.title)
    }
  }
  const moments = new Map<string, ExplainedMoment>()
  for (const e of chronological) {
    if (e.kind !== 'signal') continue
    const details = asObject(e.data.details)
    moments.set(e.id, {
      signalId: e.id,
      ruleId: asText(e.data.rule_id),
      ruleVersion: Number(e.data.rule_version ?? 0),
      trigger: { kind: asText(e.data.trigger_kind), id: asText(e.data.trigger_id), ...(details.event ? { event: asText(details.event) } : {}) },
      entity: asText(e.data.entity),
      at: e.ts,
      outcome: details.outcome === 'suppressed' ? 'suppressed' : 'planned',
      ...(details.reason ? { reason: asText(details.reason) } : {}),
      actions: [],
      summary: '',
    })
  }
  for (const e of chronological) {
    if (e.kind !== 'decision') continue
    const moment = moments.get(asText(e.data.signal_id))
    if (!moment || moment.actions.some((a) => a.id === e.id)) continue
    const action = e.data.action === 'task' ? 'task' : 'nudge'
    const effectId = stableHash(e.id)
    const trail = trails.get(effectId) ?? []
    const planned = e.data.outcome === 'planned'
    const out = outboxById.get(effectId)
    const last = trail.at(-1)
    let status = planned ? 'planned' : 'suppressed'
    if (action === 'nudge' && planned) status = out ? (out.status === 'pending' && out.lastError && GUARD.test(out.lastError) ? 'deferred' : out.status) : (last?.status ?? 'queued')
    if (action === 'task' && planned) status = taskStatus.get(effectId) ?? 'created'
    const explained: ExplainedAction = {
      id: e.id,
      action,
      decision: planned ? 'planned' : 'suppressed',
      status,
      trail,
      ...(action === 'nudge' ? { channel: asText(e.data.channel), template: asText(e.data.template) } : { queue: asText(e.data.queue), priority: asText(e.data.priority) }),
      ...(planned ? {} : { decisionReason: asText(e.data.reason) }),
    }
    const guarded = [...trail].reverse().find((t) => (t.status === 'skipped' || t.status === 'deferred') && GUARD.test(t.detail))
    if (guarded && (status === 'skipped' || status === 'deferred')) {
      explained.guard = guarded.detail.split(':')[0]
      explained.detail = guarded.detail
    } else if (status === 'dead' || status === 'failed') explained.detail = last?.detail
    const digest = trail.map((t) => (t.status === 'sent' ? digestOfDetail(t.detail) : undefined)).find((d) => d !== undefined)
    if (digest) Object.assign(explained, { digestId: digest.id, digestItems: digest.count })
    moment.actions.push(explained)
  }
  for (const m of moments.values()) {
    const head = `${m.ruleId} v${m.ruleVersion} on ${m.trigger.event ?? m.trigger.kind}${m.entity ? ` (${m.entity})` : ''}`
    m.summary = m.outcome === 'suppressed' && m.actions.every((a) => a.decision === 'suppressed')
      ? `${head}: nothing planned (${m.reason === 'stale' ? "stale — the moment is older than the rule's maximum age" : (m.reason ?? 'suppressed')})`
      : `${head}: ${m.actions.map(actionLine).join('; ')}`
  }
  return [...moments.values()].sort((a, b) => b.at - a.at)
}

export interface ExplainDeps {
  ops: Pick<OperationalStore, 'outbox' | 'consent' | 'contacts' | 'identity'>
  history: Pick<HistoryStore, 'timeline'>
  clock: Clock
}

/** Contacts of the last week, shown beside the explanation (caps and the human-contact rule count them). */
const RECENT_CONTACTS_MS = 7 * 86_400_000

/** Every moment careloop noticed for the shopper, newest first, with what came of it and why. */
export async function explainDecisions(deps: ExplainDeps, input: { customerId: string; limit: number }) {
  const { customerId } = input
  const [{ entries, mergedIds }, consent, contacts] = await Promise.all([
    customerTimeline(deps, { customerId, limit: input.limit }),
    deps.ops.consent.list(customerId),
    deps.ops.contacts.since(customerId, deps.clock.now() - RECENT_CONTACTS_MS),
  ])
  // Moments decided while the shopper was anonymous are explained with their own.
  const outbox = (await Promise.all([customerId, ...mergedIds].map((id) => deps.ops.outbox.list({ customerId: id, limit: 1000 })))).flat()
  return { customerId, mergedIds, moments: explainCustomer(entries, outbox), consent, recentContacts: contacts }
}
