// History rows for guard-policy preview tests: a nudge decision and its delivery rows, the outbox
// id derived from the decision id as the engine derives it (stableHash).
import { stableHash } from '../../src/lib/hash.ts'
import type { DecisionRow, DeliveryRow } from '../../src/store/history/HistoryStore.ts'

export function nudgeDelivery(customer: string, decisionId: string, channel: string, template: string, status: DeliveryRow['status'], ts: number, detail = ''): DeliveryRow {
  const outbox = stableHash(decisionId)
  return { id: `${outbox}:${status}:0`, outbox_id: outbox, customer_id: customer, channel, template, status, attempt: 0, detail, ts }
}

export function nudgeDecision(customer: string, id: string, ruleId: string, channel: string, template: string, ts: number): DecisionRow {
  return { id, signal_id: `s-${id}`, customer_id: customer, rule_id: ruleId, rule_version: 1, action: 'nudge', channel, template, queue: '', priority: 'normal', outcome: 'planned', reason: '', ts }
}
