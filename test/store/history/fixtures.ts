// Row builders and temp dirs for the history store tests.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type {
  DecisionRow,
  DeliveryRow,
  EventRow,
  SignalRow,
  TaskEventRow,
} from '../../../src/store/history/HistoryStore.ts'

export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `careloop-${prefix}-`))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

export const T0 = Date.UTC(2024, 2, 10, 12, 0, 0)

export function event(customer: string, id: string, ts: number, extra: Partial<EventRow> = {}): EventRow {
  return {
    message_id: id,
    customer_id: customer,
    name: 'Product Viewed',
    type: 'track',
    ts,
    received_at: ts + 50,
    properties: JSON.stringify({ product_id: 'p-1', dwell_ms: 95_000 }),
    context: JSON.stringify({ timezone: 'Europe/Berlin' }),
    user_id: customer.startsWith('anon:') ? '' : customer,
    anonymous_id: customer.startsWith('anon:') ? customer.slice(5) : '',
    ...extra,
  }
}

export function signal(customer: string, id: string, ts: number, extra: Partial<SignalRow> = {}): SignalRow {
  return {
    id,
    customer_id: customer,
    rule_id: 'hesitation',
    rule_version: 3,
    trigger_kind: 'event',
    trigger_id: 'm-1',
    entity: 'p-1',
    ts,
    details: JSON.stringify({ event: 'Product Viewed' }),
    ...extra,
  }
}

export function decision(customer: string, id: string, ts: number, extra: Partial<DecisionRow> = {}): DecisionRow {
  return {
    id,
    signal_id: 's-1',
    customer_id: customer,
    rule_id: 'hesitation',
    rule_version: 3,
    action: 'nudge',
    channel: 'email',
    template: 'help-choosing',
    queue: '',
    priority: 'normal',
    outcome: 'planned',
    reason: '',
    ts,
    ...extra,
  }
}

export function delivery(customer: string, id: string, ts: number, extra: Partial<DeliveryRow> = {}): DeliveryRow {
  return {
    id,
    outbox_id: 'o-1',
    customer_id: customer,
    channel: 'email',
    template: 'help-choosing',
    status: 'sent',
    attempt: 1,
    detail: '250 OK',
    ts,
    ...extra,
  }
}

export function taskEvent(customer: string, id: string, ts: number, extra: Partial<TaskEventRow> = {}): TaskEventRow {
  return {
    id,
    task_id: 't-1',
    customer_id: customer,
    queue: 'care',
    kind: 'created',
    actor: 'careloop',
    outcome: '',
    ts,
    details: JSON.stringify({ reason: 'late parcel' }),
    ...extra,
  }
}
