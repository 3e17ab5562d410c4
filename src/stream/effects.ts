// Decisions → effect rows (outbox messages, agent tasks) and history rows. Pure mapping: the
// engine writes what this returns in one batch.
import type { MessageVars, Recipient } from '../channels/types.ts'
import { stableHash } from '../lib/hash.ts'
import type { CustomerState, OrderState } from '../model/customer.ts'
import type { ShopEvent } from '../model/event.ts'
import type { Decision, EvalContext } from '../rules/index.ts'
import type { DecisionRow, DeliveryRow, SignalRow, TaskEventRow } from '../store/history/HistoryStore.ts'
import type { OutboxInsert } from '../store/operational/OutboxStore.ts'
import type { TaskInsert } from '../store/operational/TaskStore.ts'
import { taskPriority } from './taskPriority.ts'

export interface ShopInfo {
  name: string
  url: string
}

/** What an outbox row carries so the channel can address and render it at send time. */
export interface OutboxPayload {
  locale: string
  to: Recipient
  vars: MessageVars
  /** Ask a satisfaction question with the message (the dispatcher adds the survey links). */
  survey?: boolean
}

export const PRIORITY_RANK: Record<string, number> = { low: 10, normal: 20, high: 30, urgent: 40 }

const CONTEXT_EVENTS = 30

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : typeof value === 'number' ? String(value) : undefined
}

function recipientOf(state: CustomerState): Recipient {
  return { email: str(state.traits.email), phone: str(state.traits.phone), name: str(state.traits.name), pushToken: str(state.traits.push_token) }
}

function linksFor(event: ShopEvent, shop: ShopInfo): Record<string, string> {
  const p = event.properties
  const base = shop.url.replace(/\/+$/, '')
  const enc = encodeURIComponent
  const links: Record<string, string> = { talkToPerson: `${base}/help?ref=${enc(event.messageId)}` }
  const productId = str(p.product_id)
  const orderId = str(p.order_id)
  const checkoutId = str(p.checkout_id)
  if (productId) links.product = str(p.url) ?? `${base}/products/${enc(productId)}`
  if (checkoutId) links.checkout = `${base}/checkout/${enc(checkoutId)}`
  if (orderId) {
    links.order = `${base}/orders/${enc(orderId)}`
    links.retryPayment = `${base}/orders/${enc(orderId)}/pay`
  } else if (checkoutId) links.retryPayment = `${base}/checkout/${enc(checkoutId)}/pay`
  return links
}

function deliveryDates(order: OrderState | undefined, at: number): MessageVars['delivery'] {
  if (order === undefined) return undefined
  const promisedAt = order.promised_delivery_at ?? order.first_estimated_delivery_at ?? order.estimated_delivery_at
  const estimate = order.estimated_delivery_at
  const newEstimateAt = estimate !== undefined && estimate > at && (promisedAt === undefined || estimate > promisedAt) ? estimate : undefined
  return { ...(promisedAt !== undefined ? { promisedAt } : {}), ...(newEstimateAt !== undefined ? { newEstimateAt } : {}) }
}

export function messageVars(ctx: EvalContext, shop: ShopInfo): MessageVars {
  const { state, event, order } = ctx
  const to = recipientOf(state)
  return {
    customer: {
      id: state.customerId,
      name: to.name,
      email: to.email,
      phone: to.phone,
      locale: state.locale ?? 'en',
      timezone: state.timezone,
      traits: state.traits,
    },
    order: order ? { ...order } : undefined,
    event: { name: event.name, ts: event.ts, properties: event.properties },
    links: linksFor(event, shop),
    shop,
    ...(order ? { delivery: deliveryDates(order, ctx.at) } : {}),
  }
}

export function nudgePayload(ctx: EvalContext, shop: ShopInfo): OutboxPayload {
  return { locale: ctx.state.locale ?? 'en', to: recipientOf(ctx.state), vars: messageVars(ctx, shop) }
}

/** Everything an agent needs so they never ask again what careloop already knows. */
export function taskContext(ctx: EvalContext): Record<string, unknown> {
  const { state, event, order } = ctx
  return {
    customer: { id: state.customerId, traits: state.traits, locale: state.locale, timezone: state.timezone },
    trigger: { name: event.name, messageId: event.messageId, ts: event.ts, properties: event.properties },
    order: order ?? null,
    openCheckouts: Object.values(state.checkouts),
    recentEvents: state.recent.slice(-CONTEXT_EVENTS),
  }
}

export interface DecisionEffects {
  outbox: OutboxInsert[]
  tasks: TaskInsert[]
  signals: SignalRow[]
  decisions: DecisionRow[]
  deliveries: DeliveryRow[]
  taskEvents: TaskEventRow[]
}

export function emptyEffects(): DecisionEffects {
  return { outbox: [], tasks: [], signals: [], decisions: [], deliveries: [], taskEvents: [] }
}

/** Appends the rows one decision produces. `now` is processing time; `moment.at` is event time. */
export function addDecisionEffects(out: DecisionEffects, decision: Decision, ctx: EvalContext, shop: ShopInfo, now: number): void {
  const { moment } = decision
  const { rule } = moment
  const customerId = moment.customerId
  out.signals.push({
    id: decision.signalId,
    customer_id: customerId,
    rule_id: rule.id,
    rule_version: rule.version,
    trigger_kind: moment.trigger.kind,
    trigger_id: moment.trigger.id,
    entity: moment.entity ?? '',
    ts: moment.at,
    details: JSON.stringify({ event: ctx.event.name, entity: moment.entity, outcome: decision.outcome, reason: decision.reason }),
  })
  const base = { signal_id: decision.signalId, customer_id: customerId, rule_id: rule.id, rule_version: rule.version, ts: moment.at }
  if (decision.outcome === 'suppressed' && decision.reason !== 'conditions') {
    for (const action of rule.actions) {
      out.decisions.push({
        ...base,
        id: `${decision.signalId}:a${action.index}`,
        action: action.kind,
        channel: action.kind === 'nudge' ? action.channel : '',
        template: action.kind === 'nudge' ? action.template : '',
        queue: action.kind === 'task' ? action.queue : '',
        priority: action.kind === 'task' ? action.priority : '',
        outcome: 'suppressed',
        reason: decision.reason ?? '',
      })
    }
    return
  }
  for (const skipped of decision.skipped) {
    const action = rule.actions[skipped.actionIndex]
    out.decisions.push({
      ...base,
      id: `${decision.signalId}:a${skipped.actionIndex}`,
      action: skipped.kind,
      channel: action?.kind === 'nudge' ? action.channel : '',
      template: action?.kind === 'nudge' ? action.template : '',
      queue: action?.kind === 'task' ? action.queue : '',
      priority: action?.kind === 'task' ? action.priority : '',
      outcome: 'suppressed',
      reason: 'conditions',
    })
  }
  for (const action of decision.planned) {
    const id = stableHash(action.key)
    if (action.kind === 'nudge') {
      const payload: OutboxPayload = { ...nudgePayload(ctx, shop), ...(action.survey ? { survey: true } : {}) }
      out.outbox.push({
        id,
        idempotencyKey: action.key,
        customerId,
        channel: action.channel,
        template: action.template,
        topic: action.topic,
        priority: rule.priority,
        urgent: action.urgent,
        ruleId: rule.id,
        ruleVersion: rule.version,
        payload,
        nextAttemptAt: now,
        createdAt: now,
      })
      out.decisions.push({ ...base, id: action.key, action: 'nudge', channel: action.channel, template: action.template, queue: '', priority: '', outcome: 'planned', reason: action.routing ?? '' })
      out.deliveries.push({ id: `${id}:queued:0`, outbox_id: id, customer_id: customerId, channel: action.channel, template: action.template, status: 'queued', attempt: 0, detail: '', ts: now })
    } else {
      const { priority, reasons } = taskPriority(action.priority, ctx)
      const availableAt = Math.max(now, action.availableAt ?? now)
      const fallback = rule.actions[action.actionIndex]
      out.tasks.push({
        id,
        idempotencyKey: action.key,
        customerId,
        queue: action.queue,
        priority,
        priorityRank: (Object.hasOwn(PRIORITY_RANK, priority) ? PRIORITY_RANK[priority] : undefined) ?? 20,
        title: action.title ?? rule.name,
        ruleId: rule.id,
        ruleVersion: rule.version,
        signal: {
          signalId: decision.signalId,
          ruleId: rule.id,
          ruleName: rule.name,
          trigger: moment.trigger,
          entity: moment.entity ?? null,
          at: moment.at,
          rulePriority: action.priority,
          priorityReasons: reasons,
          routing: action.routing ?? null,
        },
        context: taskContext(ctx),
        slaDueAt: availableAt + action.slaMs,
        createdAt: now,
        availableAt,
        skills: action.skills,
        language: ctx.state.locale ?? null,
        // An escalated task may fall back to the bot when its rule names a fallback nudge.
        fallback: fallback?.kind === 'task' && fallback.fallback ? { channel: fallback.fallback.channel, template: fallback.fallback.template, topic: fallback.fallback.topic, payload: nudgePayload(ctx, shop) } : null,
      })
      out.decisions.push({ ...base, id: action.key, action: 'task', channel: '', template: '', queue: action.queue, priority, outcome: 'planned', reason: action.routing ?? '' })
      out.taskEvents.push({ id: `${id}:created`, task_id: id, customer_id: customerId, queue: action.queue, kind: 'created', actor: 'engine', outcome: '', ts: now, details: JSON.stringify({ rule_id: rule.id, priority, reasons, available_at: availableAt, routing: action.routing }) })
    }
  }
}
