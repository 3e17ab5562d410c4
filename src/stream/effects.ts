// Decisions → effect rows (outbox messages, agent tasks) and history rows. Pure mapping: the
// engine writes what this returns in one batch.
import { stableHash } from '../lib/hash.ts'
import { nudgePayload, type FallbackNudge, type OutboxPayload, type ShopInfo } from '../model/outbox.ts'
import { priorityRank } from '../model/priority.ts'
import type { Decision, EvalContext } from '../rules/index.ts'
import type { DecisionRow, DeliveryRow, SignalRow, TaskEventRow } from '../store/history/HistoryStore.ts'
import type { OutboxInsert } from '../store/operational/OutboxStore.ts'
import type { TaskInsert } from '../store/operational/TaskStore.ts'
import { taskPriority } from './taskPriority.ts'

const CONTEXT_EVENTS = 30

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
        entity: moment.entity,
        payload,
        nextAttemptAt: now,
        createdAt: now,
      })
      out.decisions.push({ ...base, id: action.key, action: 'nudge', channel: action.channel, template: action.template, queue: '', priority: '', outcome: 'planned', reason: action.routing ?? '' })
      out.deliveries.push({ id: `${id}:queued:0`, outbox_id: id, customer_id: customerId, channel: action.channel, template: action.template, status: 'queued', attempt: 0, detail: '', ts: now })
    } else {
      const { priority, reasons } = taskPriority(action.priority, ctx)
      const availableAt = Math.max(now, action.availableAt ?? now)
      const declared = rule.actions[action.actionIndex]
      // An escalated task may fall back to the bot when its rule names a fallback nudge.
      const fallback: FallbackNudge | null =
        declared?.kind === 'task' && declared.fallback ? { channel: declared.fallback.channel, template: declared.fallback.template, topic: declared.fallback.topic, payload: nudgePayload(ctx, shop) } : null
      out.tasks.push({
        id,
        idempotencyKey: action.key,
        customerId,
        queue: action.queue,
        priority,
        priorityRank: priorityRank(priority),
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
        fallback,
      })
      out.decisions.push({ ...base, id: action.key, action: 'task', channel: '', template: '', queue: action.queue, priority, outcome: 'planned', reason: action.routing ?? '' })
      out.taskEvents.push({ id: `${id}:created`, task_id: id, customer_id: customerId, queue: action.queue, kind: 'created', actor: 'engine', outcome: '', ts: now, details: JSON.stringify({ rule_id: rule.id, priority, reasons, available_at: availableAt, routing: action.routing }) })
    }
  }
}
