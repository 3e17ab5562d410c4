// The hand-off an agent reads before contacting a shopper: the trigger and rule, the shopper's
// recent timeline, every earlier nudge and its outcome, earlier tasks and notes, and a suggested
// opening line. Assembled from one shopper's records only (every query is by that customer id).
import { asObject } from '../lib/json.ts'
import { loadGuardPolicy } from '../channels/SendGuard.ts'
import type { OpenerRenderer } from '../channels/templates/openers.ts'
import type { Clock } from '../lib/clock.ts'
import type { HistoryStore, TimelineEntry } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { TaskRecord } from '../store/operational/TaskStore.ts'
import { customerTimeline } from './customerTimeline.ts'

const TIMELINE_LIMIT = 300
const SHOWN_EVENTS = 50

interface ContextCustomer {
  id?: string
  traits?: Record<string, unknown>
  locale?: string
  timezone?: string
}


/** "emailed 2 hours ago" — for the opener's "we wrote to you about it" line. */
function nudgeVerb(channel: string): string {
  return ({ email: 'emailed', sms: 'texted', voice: 'called', push: 'notified', inapp: 'messaged' } as Record<string, string>)[channel] ?? 'contacted'
}

function ago(ms: number): string {
  const minutes = Math.round(ms / 60_000)
  if (minutes < 60) return `${Math.max(1, minutes)} minutes ago`
  const hours = Math.round(minutes / 60)
  return hours < 48 ? `${hours} hours ago` : `${Math.round(hours / 24)} days ago`
}

export interface HandoffDeps {
  ops: Pick<OperationalStore, 'tasks' | 'outbox' | 'notes' | 'contacts' | 'consent' | 'identity' | 'settings'>
  history: Pick<HistoryStore, 'timeline'>
  clock: Clock
  openers: OpenerRenderer
  shop: { name: string; url: string }
}

/** The hand-off of one task for `agent`; undefined when there is no such task. */
export async function buildHandoff(deps: HandoffDeps, input: { taskId: string; agent: { name: string } }) {
  const task = await deps.ops.tasks.get(input.taskId)
  if (!task) return undefined
  return handoffOf(deps, task, input.agent, deps.clock.now())
}

async function handoffOf(deps: HandoffDeps, task: TaskRecord, agent: { name: string }, now: number) {
  const { ops } = deps
  const customerId = task.customerId
  const [{ entries, mergedIds }, tasks, notes, contacts, consent] = await Promise.all([
    customerTimeline(deps, { customerId, limit: TIMELINE_LIMIT }),
    ops.tasks.list({ customerId, limit: 100 }),
    ops.notes.forCustomer(customerId),
    ops.contacts.since(customerId, now - 90 * 86_400_000),
    loadGuardPolicy(ops.settings).then((policy) => ops.consent.preferences(customerId, policy.consentDefaults)),
  ])
  // Nudges decided while the shopper was anonymous are theirs too.
  const outbox = (await Promise.all([customerId, ...mergedIds].map((id) => ops.outbox.list({ customerId: id, limit: 200 })))).flat()
  const trails = new Map<string, Array<{ status: string; detail: string; ts: number }>>()
  for (const e of [...entries].sort((a, b) => a.ts - b.ts)) {
    if (e.kind !== 'delivery') continue
    const id = String(e.data.outbox_id)
    trails.set(id, [...(trails.get(id) ?? []), { status: e.title, detail: String(e.data.detail ?? ''), ts: e.ts }])
  }
  const events = entries
    .filter((e: TimelineEntry) => e.kind === 'event')
    .slice(0, SHOWN_EVENTS)
    .map((e) => ({ name: e.title, ts: e.ts, type: e.data.type, properties: asObject(e.data.properties) }))
  const nudges = outbox
    .map((o) => ({ id: o.id, ruleId: o.ruleId, channel: o.channel, template: o.template, status: o.status, decidedAt: o.createdAt, updatedAt: o.updatedAt, detail: o.lastError, trail: trails.get(o.id) ?? [] }))
    .sort((a, b) => b.decidedAt - a.decidedAt)
  const earlierTasks = tasks
    .filter((t) => t.id !== task.id)
    .map((t) => ({ id: t.id, queue: t.queue, title: t.title, status: t.status, priority: t.priority, outcome: t.outcome, resolvedBy: t.resolvedBy, createdAt: t.createdAt, resolvedAt: t.resolvedAt, note: t.note }))
  const stored = (task.context ?? {}) as { customer?: ContextCustomer; order?: Record<string, unknown> | null; trigger?: Record<string, unknown> }
  const customer = stored.customer ?? {}
  // Only a message that really went out, and about this task's moment or its order (else its
  // rule's), may be mentioned as "we wrote to you about it".
  const signalId = typeof (task.signal as { signalId?: unknown } | null)?.signalId === 'string' ? (task.signal as { signalId: string }).signalId : undefined
  const orderId = stored.order?.order_id
  const orderOf = (o: (typeof outbox)[number]) => o.payload?.vars?.order?.order_id
  const sentFor = (match: (o: (typeof outbox)[number]) => boolean) => outbox.filter((o) => o.status === 'sent' && match(o)).sort((a, b) => b.updatedAt - a.updatedAt)[0]
  const lastSent =
    (signalId ? sentFor((o) => o.idempotencyKey.startsWith(`${signalId}:`)) : undefined) ??
    (orderId !== undefined ? sentFor((o) => orderOf(o) === orderId) : sentFor((o) => o.ruleId === task.ruleId))
  const locale = customer.locale ?? 'en'
  const opener = deps.openers.render(task.ruleId, locale, {
    customer: { ...customer, name: customer.traits?.name },
    order: stored.order ?? undefined,
    event: stored.trigger,
    task: { title: task.title, queue: task.queue },
    agent,
    shop: deps.shop,
    lastNudge: lastSent ? { channel: lastSent.channel, template: lastSent.template, verb: nudgeVerb(lastSent.channel), when: ago(now - lastSent.updatedAt) } : undefined,
  })
  return {
    task,
    trigger: { signal: task.signal, event: stored.trigger ?? null, order: stored.order ?? null },
    customer: { id: customerId, traits: customer.traits ?? {}, locale: customer.locale ?? null, timezone: customer.timezone ?? null, preferences: consent },
    timeline: events,
    nudges,
    earlierTasks,
    notes,
    contacts,
    suggestedOpening: opener,
  }
}
