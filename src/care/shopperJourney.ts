// One shopper on one page (the console's shopper journey): profile, open orders, messages with
// their delivery trail, tasks, consent, and each live rule's "why not" (whyNotRules.ts). The
// anonymous ids merged into the shopper count as theirs.
import type { OutboxMessageSummary } from '../store/operational/DeadMessageStore.ts'
import type { CustomerState, OrderState } from '../model/customer.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import { mergedIdsOf } from './linkedIds.ts'
import { checkRule, type RuleCheck } from './whyNotRules.ts'

export interface JourneyDeps {
  ops: Pick<OperationalStore, 'identity' | 'outbox' | 'tasks' | 'consent' | 'rules'>
  history: Pick<HistoryStore, 'timeline'>
  loadCustomer: (customerId: string) => Promise<CustomerState | undefined>
}

const CLOSED_ORDERS: ReadonlySet<OrderState['status']> = new Set(['delivered', 'cancelled', 'refunded'])
/** Rows read per id and kind: a page, not an export (exportCustomer has everything). */
const PAGE_ROWS = 200

export interface JourneyMessage extends OutboxMessageSummary {
  /** Delivery statuses from the history, oldest first. */
  deliveries: Array<{ status: string; detail: string; ts: number }>
}

export async function shopperJourney(deps: JourneyDeps, input: { customerId: string }) {
  const { customerId } = input
  const mergedIds = await mergedIdsOf(deps.ops, customerId)
  const ids = [customerId, ...mergedIds]
  const [state, live, perId] = await Promise.all([
    deps.loadCustomer(customerId),
    deps.ops.rules.live(),
    Promise.all(
      ids.map(async (id) => {
        const [timeline, messages, tasks, consent] = await Promise.all([
          deps.history.timeline(id, { limit: PAGE_ROWS }),
          deps.ops.outbox.list({ customerId: id, limit: PAGE_ROWS }),
          deps.ops.tasks.list({ customerId: id, limit: PAGE_ROWS }),
          deps.ops.consent.list(id),
        ])
        return { timeline, messages, tasks, consent }
      }),
    ),
  ])
  const deliveries = new Map<string, JourneyMessage['deliveries']>()
  for (const e of perId.flatMap((p) => p.timeline).sort((a, b) => a.ts - b.ts)) {
    if (e.kind !== 'delivery') continue
    const id = typeof e.data.outbox_id === 'string' ? e.data.outbox_id : ''
    deliveries.set(id, [...(deliveries.get(id) ?? []), { status: e.title, detail: typeof e.data.detail === 'string' ? e.data.detail : '', ts: e.ts }])
  }
  const messages: JourneyMessage[] = perId
    .flatMap((p) => p.messages)
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((m) => ({
      id: m.id,
      customerId: m.customerId,
      channel: m.channel,
      template: m.template,
      topic: m.topic,
      ruleId: m.ruleId,
      ruleVersion: m.ruleVersion,
      status: m.status,
      attempts: m.attempts,
      lastError: m.lastError,
      createdAt: m.createdAt,
      updatedAt: m.updatedAt,
      deliveries: deliveries.get(m.id) ?? [],
    }))
  const rules: RuleCheck[] = live.map((rule) => checkRule(rule, state))
  return {
    customerId,
    mergedIds,
    found: state !== undefined || messages.length > 0 || perId.some((p) => p.timeline.length > 0 || p.tasks.length > 0),
    profile: state === undefined ? null : { traits: state.traits, timezone: state.timezone ?? null, locale: state.locale ?? null, group: state.group ?? null, updatedAt: state.updatedAt, events: state.version },
    openOrders: state === undefined ? [] : Object.values(state.orders).filter((o) => !CLOSED_ORDERS.has(o.status)).sort((a, b) => b.updated_at - a.updated_at),
    messages,
    tasks: perId.flatMap((p) => p.tasks).sort((a, b) => b.createdAt - a.createdAt),
    consent: perId.flatMap((p) => p.consent),
    rules,
  }
}
