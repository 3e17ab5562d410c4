// A small shop history for the analytics queries, with every number they should give. Three hour
// buckets from T0; two rules (a nudge rule and a task rule), a talk-to-a-person task no rule
// planned, messages no rule planned, rows just outside the window, and decisions before it whose
// messages are skipped inside it. Ids follow the engine: outbox / task id = stableHash(decision id).
import { stableHash } from '../../../src/lib/hash.ts'
import type {
  AnalyticsOverview,
  DecisionRow,
  DeliveryRow,
  DeliveryStatus,
  HistoryBatch,
  MessageProblem,
  QueueSla,
  RuleFunnel,
  SignalRow,
  SuppressionStats,
  TaskEventRow,
} from '../../../src/store/history/HistoryStore.ts'
import { T0 } from './fixtures.ts'

export const MIN = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000
export const WINDOW = { from: T0, to: T0 + 3 * HOUR, bucketMs: HOUR }

const at = (minutes: number): number => T0 + minutes * MIN

function signal(id: string, rule: string, ts: number): SignalRow {
  return { id, customer_id: `c-${id}`, rule_id: rule, rule_version: 1, trigger_kind: 'event', trigger_id: `m-${id}`, entity: '', ts, details: '{}' }
}

function decision(id: string, rule: string, ts: number, extra: Partial<DecisionRow> = {}): DecisionRow {
  return {
    id, signal_id: id.split(':')[0] as string, customer_id: 'c', rule_id: rule, rule_version: 1, action: 'nudge', channel: 'email',
    template: 't', queue: '', priority: '', outcome: 'planned', reason: '', ts, ...extra,
  }
}

function delivery(outbox: string, status: DeliveryStatus, ts: number, detail = '', discriminator: string | number = 1): DeliveryRow {
  return { id: `${outbox}:${status}:${discriminator}`, outbox_id: outbox, customer_id: 'c', channel: 'email', template: 't', status, attempt: 1, detail, ts }
}

function taskEvent(task: string, kind: TaskEventRow['kind'], ts: number, queue: string, details: Record<string, unknown> = {}, outcome = ''): TaskEventRow {
  return { id: `${task}:${kind}:${ts}`, task_id: task, customer_id: 'c', queue, kind, actor: 'a', outcome, ts, details: JSON.stringify(details) }
}

// Messages and tasks of the decisions, named as the engine names them.
export const o1 = stableHash('s1:a0')
export const o2 = stableHash('s2:a0')
export const oOld = stableHash('old:a0')
export const oAncient = stableHash('ancient:a0')
export const k4 = stableHash('s4:a0')
export const k5 = stableHash('s5:a0')
export const fallback4 = stableHash(`escalation:${k4}`)
export const k6 = 'talk-task'

export function analyticsBatch(): HistoryBatch {
  return {
    signals: [
      signal('s1', 'r-nudge', at(10)),
      signal('s2', 'r-nudge', at(70)),
      signal('s3', 'r-nudge', at(75)),
      signal('s4', 'r-task', at(20)),
      signal('s5', 'r-task', at(130)),
      signal('s-before', 'r-nudge', T0 - 1),
      signal('s-at-end', 'r-nudge', WINDOW.to),
    ],
    decisions: [
      decision('s1:a0', 'r-nudge', at(10)),
      decision('s2:a0', 'r-nudge', at(70)),
      decision('s3:a0', 'r-nudge', at(75), { outcome: 'suppressed', reason: 'cooldown' }),
      decision('h1:a0', 'r-nudge', at(80), { outcome: 'suppressed', reason: 'holdout' }),
      decision('s4:a0', 'r-task', at(20), { action: 'task', channel: '', template: '', queue: 'care', priority: 'normal' }),
      decision('s4:a1', 'r-task', at(20), { outcome: 'suppressed', reason: 'conditions' }),
      decision('s5:a0', 'r-task', at(130), { action: 'task', channel: '', template: '', queue: 'care', priority: 'normal' }),
      // Before the window: the first within the attribution lookback, the second beyond it.
      decision('old:a0', 'r-nudge', T0 - DAY),
      decision('ancient:a0', 'r-nudge', T0 - 40 * DAY),
    ],
    deliveries: [
      delivery(o1, 'queued', at(10), '', 0),
      delivery(o1, 'sent', at(11), '<id@mail>'),
      delivery(o1, 'delivered', at(12)),
      delivery(o1, 'opened', at(30), 'pixel', 'pixel'),
      delivery(o1, 'clicked', at(40), 'https://shop.test/a', 'a'),
      delivery(o1, 'clicked', at(41), 'https://shop.test/b', 'b'),
      delivery(o2, 'queued', at(70), '', 0),
      delivery(o2, 'failed', at(71), 'timeout', 1),
      delivery(o2, 'skipped', at(90), 'human_contact: alice contacted the shopper by voice today', 2),
      delivery(oOld, 'skipped', at(15), 'consent: opted out of email (care)'),
      delivery('survey-1', 'skipped', at(100), 'cap_day: 3 contact(s) today in UTC, cap 3'),
      delivery(oAncient, 'skipped', at(110), 'cap_channel: 1 email contact(s) today in UTC, cap 1'),
      delivery(fallback4, 'queued', at(80), 'sla fallback', 0),
      delivery(fallback4, 'sent', at(150), '<fb@mail>'),
      delivery('other-1', 'dead', at(160), 'no sender configured for channel push'),
    ],
    taskEvents: [
      taskEvent(k4, 'created', at(20), 'care', { rule_id: 'r-task', available_at: at(20) }),
      taskEvent(k4, 'escalated', at(60), 'care', { stage: 'warning' }, 'warning'),
      taskEvent(k4, 'escalated', at(80), 'care', { stage: 'breach', from_queue: 'care', to_queue: 'supervisor' }, 'breach'),
      taskEvent(k4, 'claimed', at(90), 'supervisor'),
      taskEvent(k4, 'contact', at(95), 'supervisor', { via: 'call', firstContact: true, timeToFirstContactMs: 75 * MIN }),
      taskEvent(k4, 'resolved', at(100), 'supervisor', {}, 'resolved'),
      // Available later than created (it waited for a shift): times count from availability.
      taskEvent(k5, 'created', at(130), 'care', { rule_id: 'r-task', available_at: at(140) }),
      taskEvent(k5, 'claimed', at(150), 'care'),
      taskEvent(k5, 'contact', at(155), 'care', { via: 'sms', note: 'x","timeToFirstContactMs":1', firstContact: true, timeToFirstContactMs: 15 * MIN }),
      taskEvent(k5, 'contact', at(160), 'care', { via: 'call' }),
      taskEvent(k6, 'created', at(30), 'talk', { via: 'talk-to-person' }),
      taskEvent(k6, 'claimed', at(40), 'talk'),
      taskEvent(k6, 'contact', at(40), 'talk', { via: 'chat', firstContact: true, timeToFirstContactMs: 10 * MIN }),
      taskEvent(k6, 'resolved', at(50), 'talk', {}, 'compensated'),
    ],
  }
}

const counts = (signals: number, planned: number, suppressed: number, sent: number, skipped: number, failed: number, dead: number, tasksCreated: number, tasksResolved: number, slaBreaches: number) =>
  ({ signals, planned, suppressed, sent, skipped, failed, dead, tasksCreated, tasksResolved, slaBreaches })

export const expectedOverview: AnalyticsOverview = {
  buckets: [
    { t: T0, ...counts(2, 2, 1, 1, 1, 0, 0, 2, 1, 0) },
    { t: T0 + HOUR, ...counts(2, 1, 2, 0, 3, 1, 0, 0, 1, 1) },
    { t: T0 + 2 * HOUR, ...counts(1, 1, 0, 1, 0, 0, 1, 1, 0, 0) },
  ],
  // First contacts 10, 15 and 75 minutes: the median is 15 minutes.
  totals: { ...counts(5, 4, 3, 2, 4, 1, 1, 3, 2, 1), medianFirstContactMs: 15 * MIN },
}

/**
 * The same window on the moment basis: o2's failure and skip follow s2 into the second hour, the
 * SLA fallback's send and k4's resolution and breach follow s4 into the first; oOld's skip belongs
 * to its decision a day earlier and is not in the window; the survey, the message whose decision
 * lies beyond the lookback, the dead message and the talk-to-a-person task have no noticed moment
 * and count at their first row.
 */
export const expectedMomentOverview: AnalyticsOverview = {
  buckets: [
    { t: T0, ...counts(2, 2, 1, 2, 0, 0, 0, 2, 2, 1) },
    { t: T0 + HOUR, ...counts(2, 1, 2, 0, 3, 1, 0, 0, 0, 0) },
    { t: T0 + 2 * HOUR, ...counts(1, 1, 0, 0, 0, 0, 1, 1, 0, 0) },
  ],
  totals: { ...counts(5, 4, 3, 2, 3, 1, 1, 3, 2, 1), medianFirstContactMs: 15 * MIN },
}

export const expectedMomentProblems: MessageProblem[] = [
  { ruleId: 'r-nudge', status: 'failed', reason: 'timeout', messages: 1, example: 'timeout' },
  { ruleId: 'r-nudge', status: 'skipped', reason: 'human_contact', messages: 1, example: 'human_contact: alice contacted the shopper by voice today' },
  { ruleId: null, status: 'dead', reason: 'no sender configured for channel push', messages: 1, example: 'no sender configured for channel push' },
  { ruleId: null, status: 'skipped', reason: 'cap_channel', messages: 1, example: 'cap_channel: 1 email contact(s) today in UTC, cap 1' },
  { ruleId: null, status: 'skipped', reason: 'cap_day', messages: 1, example: 'cap_day: 3 contact(s) today in UTC, cap 3' },
]

export const expectedFunnel: RuleFunnel[] = [
  { ruleId: 'r-nudge', signals: 3, planned: 2, suppressed: 2, sent: 1, delivered: 1, opened: 1, clicked: 1, tasksCreated: 0, tasksResolved: 0, outcomes: {} },
  // Its one send is the SLA fallback nudge of its escalated task.
  { ruleId: 'r-task', signals: 2, planned: 2, suppressed: 1, sent: 1, delivered: 0, opened: 0, clicked: 0, tasksCreated: 2, tasksResolved: 1, outcomes: { resolved: 1 } },
]

const guards = (g: Record<string, number> = {}) => ({ consent: 0, quiet_hours: 0, conflict: 0, human_contact: 0, cap_day: 0, cap_channel: 0, ...g })
const reasons = (r: Record<string, number> = {}) => ({ cooldown: 0, once: 0, conditions: 0, holdout: 0, stale: 0, ...r })

export const expectedSuppressions: SuppressionStats = {
  guards: guards({ consent: 1, human_contact: 1, cap_day: 1, cap_channel: 1 }),
  reasons: reasons({ cooldown: 1, conditions: 1, holdout: 1 }),
  rules: [
    { ruleId: 'r-nudge', guards: guards({ consent: 1, human_contact: 1 }), reasons: reasons({ cooldown: 1, holdout: 1 }) },
    { ruleId: 'r-task', guards: guards(), reasons: reasons({ conditions: 1 }) },
    // A survey (no rule's decision) and a message whose decision lies beyond the lookback.
    { ruleId: null, guards: guards({ cap_day: 1, cap_channel: 1 }), reasons: reasons() },
  ],
}

export const expectedSla: QueueSla[] = [
  {
    // Upper middle of two: first contacts 15 and 75 minutes; first claims 10 and 70 minutes.
    queue: 'care', tasks: 2, breaches: 1, claimed: 2, contacted: 2,
    medianFirstContactMs: 75 * MIN, p90FirstContactMs: 75 * MIN, medianFirstClaimMs: 70 * MIN, p90FirstClaimMs: 70 * MIN,
  },
  {
    queue: 'talk', tasks: 1, breaches: 0, claimed: 1, contacted: 1,
    medianFirstContactMs: 10 * MIN, p90FirstContactMs: 10 * MIN, medianFirstClaimMs: 10 * MIN, p90FirstClaimMs: 10 * MIN,
  },
]
