// What a written batch reports beyond its effects: metrics, and the history rows of tasks that
// closed and messages withdrawn because their reason went away.
import type { Metrics } from '../../lib/metrics.ts'
import type { DeliveryRow, TaskEventRow } from '../../store/history/HistoryStore.ts'
import type { OutboxRecord } from '../../store/operational/OutboxStore.ts'
import { RESOLVED_BY_EVENT, type TaskRecord } from '../../store/operational/TaskStore.ts'
import type { BatchWork } from './BatchWork.ts'

export function countBatch(m: Metrics, work: BatchWork, source: string): void {
  m.eventsProcessed.inc(work.eventCount)
  if (work.duplicates > 0) m.duplicates.inc(work.duplicates)
  if (work.suppressed > 0) m.suppressedEvents.inc(work.suppressed)
  if (work.repairedText > 0) m.textRepaired.inc({ source }, work.repairedText)
  for (const letter of work.deadLetters) m.deadLetters.inc({ source: letter.source })
  for (const s of work.effects.signals) m.signals.inc({ rule: s.rule_id })
  for (const d of work.effects.decisions) m.decisions.inc({ rule: d.rule_id, action: d.action, outcome: d.outcome })
}

export function closedTaskEvents(tasks: readonly TaskRecord[], now: number): TaskEventRow[] {
  return tasks.map((t) => ({
    id: `${t.id}:resolved`,
    task_id: t.id,
    customer_id: t.customerId,
    queue: t.queue,
    kind: 'resolved',
    actor: 'engine',
    outcome: RESOLVED_BY_EVENT,
    ts: t.resolvedAt ?? now,
    details: JSON.stringify({ note: t.note }),
  }))
}

/** A withdrawn message's delivery row: skipped, the reason as detail (as a send-time guard's skip). */
export function withdrawnDeliveries(messages: readonly OutboxRecord[], now: number): DeliveryRow[] {
  return messages.map((o) => ({
    id: `${o.id}:skipped:${o.attempts}`,
    outbox_id: o.id,
    customer_id: o.customerId,
    channel: o.channel,
    template: o.template,
    status: 'skipped',
    attempt: o.attempts,
    detail: o.lastError ?? 'withdrawn',
    ts: now,
  }))
}
