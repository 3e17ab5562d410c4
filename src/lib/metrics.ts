// Prometheus metrics (prom-client), one registry per engine so tests and processes stay apart.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export interface MetricsProbes {
  /** Pending durable timers. */
  timerBacklog?: () => Promise<number>
  /** Per partition: events stored but not yet processed. */
  lag?: () => Promise<Map<number, number>>
  /** Outbox messages waiting to be sent. */
  outboxBacklog?: () => Promise<number>
  /** Embedded: history appends waiting in the spool for chDB, and the oldest one's age in ms. */
  historySpool?: () => Promise<{ appends: number; ageMs: number }>
  /** The stall watchdog's latest verdict (computed by its own job, not at scrape time). */
  pipeline?: () => { ready: boolean; waitingMs: number } | undefined
}

export class Metrics {
  readonly registry = new Registry()
  readonly eventsIn: Counter<'source'>
  readonly eventsProcessed: Counter
  readonly duplicates: Counter
  readonly suppressedEvents: Counter
  readonly deadLetters: Counter<'source'>
  readonly poison: Counter
  readonly textRepaired: Counter<'source'>
  readonly signals: Counter<'rule'>
  readonly decisions: Counter<'rule' | 'action' | 'outcome'>
  readonly sends: Counter<'channel' | 'status'>
  readonly timersFired: Counter
  readonly scheduleStatesRead: Counter<'pass'>
  readonly partitionConflicts: Counter
  readonly slaWarnings: Counter<'queue'>
  readonly slaBreaches: Counter<'queue'>
  readonly timeToFirstClaim: Histogram<'queue'>

  constructor(probes: MetricsProbes = {}, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry]
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'careloop_' })
    this.eventsIn = new Counter({ name: 'careloop_events_in_total', help: 'Events accepted by ingest', labelNames: ['source'], registers })
    this.eventsProcessed = new Counter({ name: 'careloop_events_processed_total', help: 'Events applied to customer state', registers })
    this.duplicates = new Counter({ name: 'careloop_events_duplicate_total', help: 'Redelivered events recognised and skipped', registers })
    this.suppressedEvents = new Counter({ name: 'careloop_suppressed_events_total', help: 'Events for erased (suppressed) shoppers, dropped before they touched state', registers })
    this.deadLetters = new Counter({ name: 'careloop_dead_letters_total', help: 'Input that could not be processed, parked with a reason', labelNames: ['source'], registers })
    this.poison = new Counter({ name: 'careloop_poison_inputs_total', help: 'Events, timers or scheduled moments that threw while being processed; parked as dead letters, the rest went on', registers })
    this.textRepaired = new Counter({ name: 'careloop_text_repaired_total', help: 'NUL and lone-surrogate characters in input replaced by U+FFFD', labelNames: ['source'], registers })
    this.signals = new Counter({ name: 'careloop_signals_total', help: 'Moments noticed by rules', labelNames: ['rule'], registers })
    this.decisions = new Counter({ name: 'careloop_decisions_total', help: 'Actions planned or suppressed', labelNames: ['rule', 'action', 'outcome'], registers })
    this.sends = new Counter({ name: 'careloop_sends_total', help: 'Outbox delivery outcomes', labelNames: ['channel', 'status'], registers })
    this.timersFired = new Counter({ name: 'careloop_timers_fired_total', help: 'Absence timers fired', registers })
    this.scheduleStatesRead = new Counter({
      name: 'careloop_schedule_states_read_total',
      help: 'Customer states the scheduled-care sweep read: pass "due" only those whose time came round, "whole" every state of a partition (once per process and schedule change)',
      labelNames: ['pass'],
      registers,
    })
    this.partitionConflicts = new Counter({
      name: 'careloop_partition_conflicts_total',
      help: 'Events of a customer seen on another partition than before: the producer does not partition by customer id with murmur2',
      registers,
    })
    this.slaWarnings = new Counter({ name: 'careloop_sla_warnings_total', help: 'Open tasks near their SLA: priority raised one level', labelNames: ['queue'], registers })
    this.slaBreaches = new Counter({ name: 'careloop_sla_breaches_total', help: 'Tasks nobody picked up within their SLA, escalated (by the queue they breached in)', labelNames: ['queue'], registers })
    this.timeToFirstClaim = new Histogram({
      name: 'careloop_task_time_to_first_claim_seconds',
      help: 'From a task becoming available to its claim',
      labelNames: ['queue'],
      buckets: [60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400],
      registers,
    })
    const { timerBacklog, lag, outboxBacklog, pipeline, historySpool } = probes
    if (pipeline) {
      new Gauge({ name: 'careloop_pipeline_stalled', help: '1 while work waits with no progress for longer than CARELOOP_STALL_MS, or the backlog only grows', registers, collect() { this.set(pipeline()?.ready === false ? 1 : 0) } })
      new Gauge({ name: 'careloop_pipeline_waiting_seconds', help: 'How long pending events have waited without progress', registers, collect() { this.set((pipeline()?.waitingMs ?? 0) / 1000) } })
    }
    if (timerBacklog) {
      new Gauge({ name: 'careloop_timer_backlog', help: 'Pending durable timers', registers, async collect() { this.set(await timerBacklog()) } })
    }
    if (historySpool) {
      new Gauge({ name: 'careloop_history_spool_appends', help: 'History appends waiting in the operational store for chDB (embedded)', registers, async collect() { this.set((await historySpool()).appends) } })
      new Gauge({ name: 'careloop_history_spool_age_seconds', help: 'How long the oldest history append has waited for chDB (embedded)', registers, async collect() { this.set((await historySpool()).ageMs / 1000) } })
    }
    if (outboxBacklog) {
      new Gauge({ name: 'careloop_outbox_backlog', help: 'Messages waiting to be sent', registers, async collect() { this.set(await outboxBacklog()) } })
    }
    if (lag) {
      new Gauge({
        name: 'careloop_consumer_lag',
        help: 'Events stored but not yet processed, per partition',
        labelNames: ['partition'],
        registers,
        async collect() {
          this.reset()
          for (const [partition, n] of await lag()) this.set({ partition: String(partition) }, n)
        },
      })
    }
  }
}
