// Task histories for the SLA report per queue and per agent, a day clear of analyticsFixture's
// window: a reassigned task (counted for the agent who claimed it last), a breached one, a task
// careloop closed itself (no person: left out per agent, not a resolution), one resolved at once.
import type { HistoryBatch, SlaGroup, TaskEventRow } from '../../../src/store/history/HistoryStore.ts'
import { T0 } from './fixtures.ts'

const MIN = 60_000
const DAY = 86_400_000
export const SLA_WINDOW = { from: T0 + 20 * DAY, to: T0 + 21 * DAY }

const contact = (firstContactMinutes: number) => ({ via: 'call', firstContact: true, timeToFirstContactMs: firstContactMinutes * MIN })

/** The task histories, starting at `base` (default: the start of SLA_WINDOW). */
export function slaReportBatch(base = SLA_WINDOW.from): HistoryBatch {
  const m = (minutes: number): number => base + minutes * MIN
  const row = (task: string, kind: TaskEventRow['kind'], minutes: number, queue: string, actor: string, details: Record<string, unknown> = {}, outcome = ''): TaskEventRow =>
    ({ id: `${task}:${kind}:${minutes}`, task_id: task, customer_id: `c-${task}`, queue, kind, actor, outcome, ts: m(minutes), details: JSON.stringify(details) })
  return { taskEvents: [
    row('x1', 'created', 0, 'q1', 'careloop'),
    row('x1', 'claimed', 5, 'q1', 'ana'),
    row('x1', 'contact', 10, 'q1', 'ana', contact(10)),
    row('x1', 'resolved', 30, 'q1', 'ana', {}, 'resolved'),
    // Ready at minute 20; ana claims and hands it to bo, who resolves it.
    row('x2', 'created', 0, 'q1', 'careloop', { available_at: m(20) }),
    row('x2', 'claimed', 25, 'q1', 'ana'),
    row('x2', 'released', 40, 'q1', 'ana'),
    row('x2', 'claimed', 40, 'q1', 'bo'),
    row('x2', 'contact', 50, 'q1', 'bo', contact(30)),
    row('x2', 'resolved', 80, 'q1', 'bo', {}, 'resolved'),
    row('x3', 'created', 0, 'q2', 'careloop'),
    row('x3', 'escalated', 60, 'q2', 'careloop', { stage: 'breach' }, 'breach'),
    row('x3', 'claimed', 70, 'q2', 'bo'),
    row('x4', 'created', 0, 'q2', 'careloop'),
    row('x4', 'resolved', 10, 'q2', 'careloop', {}, 'resolved_by_event'),
    row('x5', 'created', 0, 'q1', 'careloop'),
    row('x5', 'claimed', 2, 'q1', 'ana'),
    row('x5', 'resolved', 3, 'q1', 'ana', {}, 'no_answer'),
  ] }
}

const none = { medianFirstContactMs: null, p90FirstContactMs: null, medianResolutionMs: null, p90ResolutionMs: null }

// quantileExact takes the element at floor(level × n) of the sorted values.
export const expectedByAgent: SlaGroup[] = [
  { key: 'ana', tasks: 2, breaches: 0, contacted: 1, resolved: 2, medianFirstContactMs: 10 * MIN, p90FirstContactMs: 10 * MIN, medianResolutionMs: 30 * MIN, p90ResolutionMs: 30 * MIN },
  { key: 'bo', tasks: 2, breaches: 1, contacted: 1, resolved: 1, medianFirstContactMs: 30 * MIN, p90FirstContactMs: 30 * MIN, medianResolutionMs: 60 * MIN, p90ResolutionMs: 60 * MIN },
]

export const expectedByQueue: SlaGroup[] = [
  { key: 'q1', tasks: 3, breaches: 0, contacted: 2, resolved: 3, medianFirstContactMs: 30 * MIN, p90FirstContactMs: 30 * MIN, medianResolutionMs: 30 * MIN, p90ResolutionMs: 60 * MIN },
  { key: 'q2', tasks: 2, breaches: 1, contacted: 0, resolved: 0, ...none },
]
