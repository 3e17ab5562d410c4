// The history store: append-only record of what happened and what careloop did about it.
// ClickHouse SQL; embedded = chDB in-process, scale-out = a ClickHouse server.
// Rows carry deterministic ids: a replayed batch writes the same ids again and reads dedupe them.

/** A shop event as received (raw), written once per messageId. */
export interface EventRow {
  message_id: string
  customer_id: string
  name: string
  /** The Segment call: track, identify, page, screen, alias, group. */
  type: string
  /** Event time, epoch ms. */
  ts: number
  received_at: number
  /** JSON text of the properties / traits; group: `{ groupId, traits }`. */
  properties: string
  /** JSON text of the context. */
  context: string
  /** The userId and anonymousId as sent ('' when the message had none). */
  user_id: string
  anonymous_id: string
}

/** A moment a rule noticed (its triggers and conditions matched), before guards. */
export interface SignalRow {
  id: string
  customer_id: string
  rule_id: string
  rule_version: number
  trigger_kind: 'event' | 'timer' | 'schedule'
  /** messageId or timer id. */
  trigger_id: string
  entity: string
  ts: number
  /** JSON text: the facts that mattered (event name, entity, order id …). */
  details: string
}

/** What careloop decided for one action of a signal: planned, or suppressed with a reason. */
export interface DecisionRow {
  /** The action's idempotency key. */
  id: string
  signal_id: string
  customer_id: string
  rule_id: string
  rule_version: number
  action: 'nudge' | 'task'
  channel: string
  template: string
  queue: string
  priority: string
  outcome: 'planned' | 'suppressed'
  reason: string
  ts: number
}

/**
 * queued → (deferred: a guard said "later") → sent → delivered / bounced → opened → clicked;
 * failed = a transient failure that will be retried; skipped = a send-time guard said no (the
 * detail names the guard); dead = given up (the detail says why).
 */
export type DeliveryStatus = 'queued' | 'deferred' | 'sent' | 'delivered' | 'failed' | 'skipped' | 'bounced' | 'opened' | 'clicked' | 'dead'

/** A delivery outcome of an outbox message, recorded like any other event. */
export interface DeliveryRow {
  /** outbox id + status + attempt: one row per status change. */
  id: string
  outbox_id: string
  customer_id: string
  channel: string
  template: string
  status: DeliveryStatus
  attempt: number
  detail: string
  ts: number
}

/** A change in a follow-up task's life: created, claimed, resolved … */
export interface TaskEventRow {
  id: string
  task_id: string
  customer_id: string
  queue: string
  kind: 'created' | 'claimed' | 'released' | 'resolved' | 'escalated' | 'note' | 'contact'
  actor: string
  outcome: string
  ts: number
  /** JSON text. */
  details: string
}

export interface HistoryBatch {
  events?: EventRow[]
  signals?: SignalRow[]
  decisions?: DecisionRow[]
  deliveries?: DeliveryRow[]
  taskEvents?: TaskEventRow[]
}

export type TimelineKind = 'event' | 'signal' | 'decision' | 'delivery' | 'task'

export interface TimelineEntry {
  kind: TimelineKind
  id: string
  ts: number
  /** Event name, rule id, delivery status or task event kind. */
  title: string
  /** The row's other fields, JSON columns parsed. */
  data: Record<string, unknown>
}

export interface RuleActivity {
  rule_id: string
  signals: number
  planned: number
  suppressed: number
}

export interface LiftRows {
  cohort: Array<{ customerId: string; firstTs: number; heldOut: boolean }>
  outcomes: Array<{ customerId: string; ts: number }>
}

// ---- analytics (SQL in analytics.ts; windows are half-open [from, to) in epoch ms) ----

/** Activity counts by when it happened: distinct rows, replays folded. */
export interface OverviewCounts {
  /** Moments rules noticed. */
  signals: number
  /** Decisions (one per action) planned / suppressed before the guards. */
  planned: number
  suppressed: number
  /** Delivery rows by status: sent, skipped by a send-time guard, failed attempts, dead. */
  sent: number
  skipped: number
  failed: number
  dead: number
  tasksCreated: number
  tasksResolved: number
  /** Tasks escalated past their SLA (stage 'breach', not the earlier warning). */
  slaBreaches: number
}

export interface OverviewBucket extends OverviewCounts {
  /** Bucket start, epoch ms. */
  t: number
}

export interface AnalyticsOverview {
  /** Every bucket of the window, oldest first, zeros included. */
  buckets: OverviewBucket[]
  totals: OverviewCounts & {
    /** Median time to first contact of the first contacts made in the window; null without any. */
    medianFirstContactMs: number | null
  }
}

/** One rule's moments of the window, followed through to messages and tasks. */
export interface RuleFunnel {
  ruleId: string
  signals: number
  planned: number
  suppressed: number
  /** Distinct messages (its nudges and its tasks' SLA fallback nudges) that reached each status. */
  sent: number
  delivered: number
  opened: number
  clicked: number
  tasksCreated: number
  tasksResolved: number
  /** Resolved tasks by outcome code. */
  outcomes: Record<string, number>
}

export interface SuppressionCounts {
  /** Skipped messages by send-time guard (the detail's prefix); every known guard present. */
  guards: Record<string, number>
  /** Suppressed decisions by reason: cooldown, once, conditions, holdout (always present). */
  reasons: Record<string, number>
}

export interface SuppressionStats extends SuppressionCounts {
  /** Per rule; ruleId null collects skipped messages that no rule's decision planned (surveys …). */
  rules: Array<SuppressionCounts & { ruleId: string | null }>
}

/**
 * Which time an overview counts by. 'activity': each row at its own time (signals and decisions
 * at the noticed moment, messages when sent, task changes when made). 'moment': everything at the
 * moment a rule noticed, messages and tasks following the decision that planned them.
 */
export type OverviewBasis = 'activity' | 'moment'
export const OVERVIEW_BASES: readonly OverviewBasis[] = ['activity', 'moment']

/** Messages of one rule (null: no rule's decision) not sent for one reason. */
export interface MessageProblem {
  ruleId: string | null
  status: 'skipped' | 'failed' | 'dead'
  /** A skip's guard (consent, quiet_hours, …) or a failure's reason: the detail up to its first colon. */
  reason: string
  messages: number
  /** One of their details, whole. */
  example: string
}

/** One queue's tasks created in the window. Times in ms from when the task reached the work list. */
export interface QueueSla {
  queue: string
  tasks: number
  breaches: number
  claimed: number
  contacted: number
  medianFirstContactMs: number | null
  p90FirstContactMs: number | null
  medianFirstClaimMs: number | null
  p90FirstClaimMs: number | null
}

export const SLA_GROUPINGS = ['queue', 'agent'] as const
export type SlaGrouping = (typeof SLA_GROUPINGS)[number]

/** One queue's or agent's figures; `key` is the queue, or the agent who last claimed the tasks. */
export interface SlaGroup {
  key: string
  tasks: number
  breaches: number
  contacted: number
  /** Resolved by a person (not closed by careloop because the reason went away). */
  resolved: number
  medianFirstContactMs: number | null
  p90FirstContactMs: number | null
  medianResolutionMs: number | null
  p90ResolutionMs: number | null
}

/** What counts as a contact and as a problem, for the reached-first report. */
export interface ReachedFirstOptions {
  /** Event names that are inbound contacts (besides talk-to-person requests and agents' contacts); at least one. */
  inbound: readonly string[]
  /** Event names that are a problem with an entity after a message (they make the message needed). */
  problems: readonly string[]
  /** How long after a contact a late decision or send explains its miss; after a message, how long a contact or problem makes it needed. */
  followMs: number
}

/** One inbound contact and whether a rule's message about its entity reached the shopper before it. */
export interface ReachedContactRow {
  contactId: string
  /** The event name, or 'talk to a person' / 'agent contact'. */
  kind: string
  customerId: string
  /** Order, checkout or return id ('' when the contact names none). */
  entity: string
  ts: number
  /** First proactive send about the entity before the contact; null when none. */
  reachedAt: number | null
  reachedRule: string | null
  reachedChannel: string | null
  /** The digest that carried that message with the shopper's other nudges (docs/digest.md); null when it went alone. */
  reachedDigest: string | null
  outcome: 'reached' | 'sent_after' | 'held' | 'too_late' | 'no_rule'
  /** The rule that fired too late, was held or sent after the contact; null otherwise. */
  missRule: string | null
}

/** A rule's proactive message first sent in the window and the contacts or problems that followed. */
export interface ProactiveMessageRow {
  outboxId: string
  ruleId: string
  channel: string
  ts: number
  followups: number
}

export interface ReachedFirstRows {
  contacts: ReachedContactRow[]
  messages: ProactiveMessageRow[]
}

/** A carrier's lateness against its shipping estimates over a window (learned grace). */
export interface CarrierLatenessRow {
  carrier: string
  /** Parcels delivered in the window with a readable estimate. */
  parcels: number
  /** The chosen percentile of (delivered at − estimate), ms (negative: early). */
  latenessMs: number
  /** Of those parcels, the ones scanned `out_for_delivery` (Shipment Updated) before their delivery. */
  outForDelivery?: number
}

export interface HistoryStore {
  /** Applies pending migrations (versioned, recorded in a migrations table). */
  migrate(): Promise<void>
  /** Appends rows of several kinds; durable when the promise resolves. Idempotent by id. */
  append(batch: HistoryBatch): Promise<void>
  /** A customer's history, newest first, duplicates removed. */
  timeline(customerId: string, options?: { limit?: number; before?: number }): Promise<TimelineEntry[]>
  /** Signals and decisions per rule since a time. */
  ruleActivity(sinceMs: number): Promise<RuleActivity[]>
  /** Stored events with from <= ts < to, oldest first, each messageId once, at most `limit` (replays and backtests). */
  eventsBetween(from: number, to: number, limit: number): Promise<EventRow[]>
  /**
   * Holdout lift inputs: the shoppers a rule decided for in [from, to) (first decision, held out or
   * not) and their outcome events (by name) in [from, until).
   */
  liftRows(ruleId: string, from: number, to: number, until: number, outcomeNames: readonly string[]): Promise<LiftRows>
  /**
   * Activity per bucket of [from, to) (buckets start at `from`), with totals; `basis` says which
   * time counts (OverviewBasis), 'activity' by default.
   */
  overview(from: number, to: number, bucketMs: number, basis?: OverviewBasis): Promise<AnalyticsOverview>
  /** Messages of the moments of [from, to) that were skipped, failed or went dead, per rule and reason. */
  momentProblems(from: number, to: number): Promise<MessageProblem[]>
  /** Per rule: signals of [from, to) → decisions → messages → tasks and their outcomes. */
  funnel(from: number, to: number): Promise<RuleFunnel[]>
  /** Suppressed decisions by reason and skipped messages by guard, per rule, in [from, to). */
  suppressionReasons(from: number, to: number): Promise<SuppressionStats>
  /** Per queue: tasks created in [from, to), SLA breaches, time to first claim and contact. */
  agentSla(from: number, to: number): Promise<QueueSla[]>
  /** Per queue of creation or per agent (who last claimed): tasks created in [from, to), breaches, first contact and resolution. */
  slaReport(from: number, to: number, by: SlaGrouping): Promise<SlaGroup[]>
  /** Starts deleting every row of these ids (mutations; see pendingErasures for completion). */
  eraseCustomers(customerIds: readonly string[], anonymousIds: readonly string[]): Promise<void>
  /** History deletions still running; 0 when every started erasure is complete. */
  pendingErasures(): Promise<number>
  /** Liveness probe for /readyz. */
  ping(): Promise<boolean>
  close(): Promise<void>
  /** Inbound contacts of [from, to), each with who reached the shopper first; the proactive messages first sent in [from, to). */
  reachedFirstRows(from: number, to: number, options: ReachedFirstOptions): Promise<ReachedFirstRows>
  /** Per carrier: parcels delivered in [from, to) and the `quantile` of their lateness against the shipping estimate. */
  carrierLateness(from: number, to: number, quantile: number): Promise<CarrierLatenessRow[]>

  /** Messages first queued in [from, to), earliest first, at most `limit`, with what the send-time guards made of them. */
  guardedMessages(from: number, to: number, limit: number): Promise<GuardedMessageRow[]>

  /** Event names seen since a time, most frequent first, at most `limit` (hints for rule authors). */
  seenEvents(sinceMs: number, limit: number): Promise<SeenEvent[]>
  /** Property names of the latest `sample` events of one name since a time. */
  seenProperties(name: string, sinceMs: number, sample: number): Promise<string[]>

  /** Retention: removes the rows of these tables older than the cutoff (ts_ms < cutoffMs) and waits until they are gone. */
  purgeBefore(tables: readonly HistoryTable[], cutoffMs: number): Promise<PurgeResult>
}

/** One outbox message as its delivery rows tell it (the guard-policy preview's input). */
export interface GuardedMessageRow {
  outboxId: string
  customerId: string
  channel: string
  template: string
  /** When it was first queued (its first attempt), epoch ms. */
  queuedAt: number
  sent: boolean
  /** Quiet hours (or a missing address) made it wait at least once. */
  deferred: boolean
  /** The guard that skipped it ('' when none did). */
  skippedBy: string
  /** The rule whose decision planned it; '' when none did (surveys, SLA fallbacks). */
  ruleId: string
  ruleVersion: number
}

export interface SeenEvent {
  name: string
  count: number
}

export type HistoryTable = 'events' | 'signals' | 'decisions' | 'deliveries' | 'task_events'

export interface PurgeResult {
  /** Whole monthly partitions dropped. */
  partitionsDropped: number
  /** Rows removed by DELETE mutations (counted before the mutation). */
  rowsDeleted: number
  /** A mutation was still running when the purge stopped waiting. */
  pending?: boolean
}
