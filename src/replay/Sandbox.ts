// A sandboxed engine: the real Engine, Dispatcher, send-time guards and routing, wired as
// Careloop.open wires them, over a throw-away in-memory store, a manual clock and recording
// channels. Nothing leaves it: channels only write down what they would have sent.
import { nextOccurrence } from '../rules/schedule.ts'
import { pino, type Logger } from 'pino'
import { Dispatcher } from '../channels/Dispatcher.ts'
import { contactHorizon } from '../channels/guards/evaluate.ts'
import { DEFAULT_GUARD_POLICY, GUARD_POLICY_SETTING, type GuardPolicy } from '../channels/guards/index.ts'
import { ManualClock } from '../lib/clock.ts'
import type { ShopEvent } from '../model/event.ts'
import type { HandoffRecord } from '../model/identity.ts'
import type { Queue } from '../model/queue.ts'
import { compileRule, RuleSet, starterRules, type CompiledRule, type FieldError } from '../rules/index.ts'
import type { ConsentRecord } from '../store/operational/ConsentStore.ts'
import type { Agent } from '../store/operational/QueueStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { ShopInfo } from '../model/outbox.ts'
import { Engine } from '../stream/Engine.ts'
import type { BatchWork } from '../stream/engine/BatchWork.ts'
import type { CommittedEffects } from '../stream/engine/commit.ts'
import type { StepGate } from '../stream/engine/events.ts'
import { RuleRegistry } from '../stream/RuleRegistry.ts'
import { EMBEDDED_PARTITION, EMBEDDED_SOURCE } from '../stream/source/EmbeddedLogSource.ts'
import type { SourceRecord } from '../stream/source/EventSource.ts'
import { RecordingHistory } from './history.ts'
import { buildLines, type DecisionLine } from './lines.ts'
import { SortedLines } from './lineSort.ts'
import { LineTracker } from './lineTracker.ts'
import { armsTimerBy, momentsMayShareSteps, reachesBeyondState } from './moments.ts'
import { recordingSenders } from './senders.ts'
import { MemoryOperationalStore } from './memory/MemoryOperationalStore.ts'
import { openScratchStore } from './store.ts'

/** A rule for the sandbox: its document and (to keep decision ids and lines faithful) its version. */
export interface SandboxRule {
  document: unknown
  version?: number
}

export interface SandboxOptions {
  /** Rules to run (default: the starter pack). */
  rules?: readonly SandboxRule[]
  /** Guard policy (default: the default policy); merged over the default like the stored setting. */
  policy?: Partial<GuardPolicy>
  /** Queues and agents to route with (default: none, so every queue counts as staffed). */
  queues?: readonly Queue[]
  agents?: readonly Agent[]
  /** Shoppers' consent choices (the consent guard reads them). */
  consent?: readonly ConsentRecord[]
  /** The clock's start, epoch ms. */
  start: number
  /**
   * Ask the store for the next timer and message at every step instead of trusting the bounds
   * the engine's writes report (the slower path; tests and the bench compare the two).
   */
  askEveryStep?: boolean
  /**
   * Where the sandbox keeps its operational state: in memory (default; docs/performance.md
   * "Replay and backtest"), or a throw-away PGlite database migrated like the live one — the
   * reference the in-memory stores are compared with.
   */
  store?: 'memory' | 'pglite'
  shop?: ShopInfo
  logger?: Logger
  /** Decision lines held in memory before a sorted run goes to a temp file (see lineSort.ts). */
  runLines?: number
  /** Also keep every history row and send, for referenceLines() (tests). */
  keepRows?: boolean
  /**
   * Customer states held in memory (in-memory store; default: all): beyond it the least recently
   * used wait in a temp file, so a large shop's month fits (docs/performance.md).
   */
  statesHeld?: number
  /**
   * One step per moment (event time), as a live engine's loop would take them; by default a step
   * may take events of later moments too where that cannot change a line (moments.ts).
   */
  oneMomentPerStep?: boolean
}

export interface RuleProblem {
  /** The rule's id (or its place in the list) and its index there. */
  rule: string
  index: number
  errors: FieldError[]
}

export class InvalidRulesError extends Error {
  constructor(readonly problems: RuleProblem[]) {
    super(`invalid rules: ${problems.map((p) => `${p.rule}: ${p.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`).join(' | ')}`)
  }
}

/** Compiles rules, or throws InvalidRulesError naming each rule and field path. */
export function compileSandboxRules(rules: readonly SandboxRule[]): CompiledRule[] {
  const problems: RuleProblem[] = []
  const compiled: CompiledRule[] = []
  const seen = new Set<string>()
  rules.forEach((r, index) => {
    const result = compileRule({ document: r.document, version: r.version ?? 1 })
    if (!result.ok) return void problems.push({ rule: ruleLabel(r.document, index), index, errors: result.errors })
    if (seen.has(result.rule.id)) problems.push({ rule: result.rule.id, index, errors: [{ path: '/id', message: `duplicate rule id ${result.rule.id}` }] })
    seen.add(result.rule.id)
    compiled.push(result.rule)
  })
  if (problems.length > 0) throw new InvalidRulesError(problems)
  return compiled
}

function ruleLabel(document: unknown, index: number): string {
  const id = (document as { id?: unknown } | null)?.id
  return typeof id === 'string' && id !== '' ? id : `rules[${index}]`
}

/** The registry the engine asks for its rule set, fixed to the sandbox's rules (no rule table). */
class FixedRules extends RuleRegistry {
  private fresh = true
  constructor(
    store: OperationalStore,
    private readonly fixed: RuleSet,
  ) {
    super(store.rules)
  }
  override get ruleSet(): RuleSet {
    return this.fixed
  }
  // True once, so the engine takes the rules' count windows into its retention.
  override async refresh(): Promise<boolean> {
    const first = this.fresh
    this.fresh = false
    return first
  }
}

/**
 * What the sandbox knows, without asking the store, of the earliest pending timer and outbox row.
 * A number is a lower bound: every write that arms a timer or queues a message reports it
 * (onCommitted), while cancelled timers and withdrawn messages only make the true time later.
 * undefined: none pending; null: unknown (after timers fired or messages were dispatched).
 */
class DueBounds {
  timer: number | undefined | null = null
  outbox: number | undefined | null = null

  constructor(readonly askEveryStep: boolean) {}

  /** Whether the bound proves nothing is due at or before `t`. */
  noneBy(bound: number | undefined | null, t: number): boolean {
    return !this.askEveryStep && (bound === undefined || (bound !== null && bound > t))
  }

  committed(effects: CommittedEffects): void {
    if (effects.newOutbox > 0) this.outbox = null
    const armed = effects.earliestTimerDue
    if (armed !== undefined && this.timer !== null) this.timer = this.timer === undefined ? armed : Math.min(this.timer, armed)
  }
}

/** The one partition a sandbox's engine reads (one array for every call). */
const PARTITIONS: readonly number[] = [EMBEDDED_PARTITION]

/** The earlier of `next` and a due time `t`, a time already past counting as a second from now. */
function earlierWake(next: number | undefined, t: number | undefined | null, now: number): number | undefined {
  if (t === undefined || t === null) return next
  const at = t > now ? t : now + 1_000
  return next === undefined || at < next ? at : next
}

export class Sandbox {
  private readonly zones = new Set<string>(['UTC'])
  private pending: SourceRecord[] = []
  private offset = 0
  /** Identity hand-offs of committed steps, for the next tick (the embedded log's role live). */
  private readonly handoffs: HandoffRecord[]
  /** Whether a step may take events of later moments (moments.ts). */
  readonly spansMoments: boolean

  private constructor(
    private readonly due: DueBounds,
    readonly clock: ManualClock,
    readonly ops: OperationalStore,
    /** Decision lines: built as they become final, kept sorted (in memory or in temp files). */
    readonly tracker: LineTracker,
    private readonly sorted: SortedLines,
    readonly engine: Engine,
    readonly dispatcher: Dispatcher,
    readonly rules: RuleSet,
    oneMomentPerStep: boolean,
    handoffs: HandoffRecord[],
  ) {
    this.handoffs = handoffs
    this.spansMoments = !oneMomentPerStep && !due.askEveryStep && momentsMayShareSteps(rules)
  }

  static async open(options: SandboxOptions): Promise<Sandbox> {
    const rules = new RuleSet(compileSandboxRules(options.rules ?? starterRules.map((document) => ({ document }))))
    const clock = new ManualClock(options.start)
    const logger = options.logger ?? pino({ level: 'silent' })
    const ops = options.store === 'pglite' ? await openScratchStore() : new MemoryOperationalStore(options.statesHeld).asOperationalStore()
    const sorted = new SortedLines(options.runLines)
    try {
      const policy = { ...DEFAULT_GUARD_POLICY, ...options.policy }
      await ops.settings.putIfAbsent(GUARD_POLICY_SETTING, policy)
      for (const queue of options.queues ?? []) await ops.queues.putQueue(queue, clock.now())
      for (const agent of options.agents ?? []) await ops.queues.putAgent(agent, clock.now())
      for (const c of options.consent ?? []) await ops.consent.set(c.customerId, c.channel, c.topic, c.status, c.updatedAt)
      const tracker = new LineTracker(sorted, () => clock.now(), (now) => contactHorizon(now, policy), options.keepRows ? new RecordingHistory() : undefined)
      const history = tracker.asHistoryStore()
      const shop = options.shop ?? { name: 'Sandbox Shop', url: 'https://shop.example.com' }
      const due = new DueBounds(options.askEveryStep ?? false)
      const onCommitted = (effects: CommittedEffects): void => due.committed(effects)
      const stateCacheSize = options.statesHeld
      // eventRows: the tracker only counts event rows; erasures: no id is ever erased in a sandbox's throw-away store.
      // Merges of an anonymous shopper into a known one are hand-offs between steps, as live.
      const handoffs: HandoffRecord[] = []
      const handOff = async (records: readonly HandoffRecord[]): Promise<void> => void handoffs.push(...records)
      const engine = new Engine({ ops, history, rules: new FixedRules(ops, rules), clock, logger, shop, sourceName: EMBEDDED_SOURCE, onCommitted, handOff, eventRows: false, erasures: false, ...(stateCacheSize === undefined ? {} : { stateCacheSize }) })
      const senders = new Map(recordingSenders(clock, tracker).map((s) => [s.channel as string, s]))
      const dispatcher = new Dispatcher({ ops, history, clock, logger, senders, addressWaitMs: null })
      return new Sandbox(due, clock, ops, tracker, sorted, engine, dispatcher, rules, options.oneMomentPerStep ?? false, handoffs)
    } catch (err) {
      sorted.close()
      await ops.close()
      throw err
    }
  }

  /**
   * Queues valid Segment messages; the next tick hands them to the engine as one batch. A message
   * with a time (`ts`) later than the clock is received then: the step reaches it only if it may
   * (see tick).
   */
  ingest(messages: ReadonlyArray<{ messageId: string; customerId: string; body: unknown; zone?: string | undefined; event?: ShopEvent; ts?: number }>): void {
    for (const m of messages) {
      if (m.zone) this.zones.add(m.zone)
      const receivedAt = Math.max(this.clock.now(), m.ts ?? 0)
      const record: SourceRecord = { partition: EMBEDDED_PARTITION, offset: ++this.offset, key: m.customerId, value: m.body, receivedAt }
      if (m.event !== undefined) record.decoded = m.event
      this.pending.push(record)
    }
  }

  /**
   * The latest time a step starting now may reach (exclusive): the earliest timer and message due,
   * as far as known after nextWake; the current time when steps take one moment.
   */
  momentLimit(): number {
    const now = this.clock.now()
    if (!this.spansMoments) return now
    const { timer, outbox } = this.due
    if (timer === null || outbox === null) return now
    return Math.min(timer ?? Infinity, outbox ?? Infinity)
  }

  /**
   * One pass, as Careloop.tick: events, due timers, schedules, due messages. Queued messages of
   * later moments (later than the clock) join the event step while moments.ts allows, the clock
   * moving to each; the pass goes on at the time of the last one taken. The timer and outbox
   * look-ups are skipped when the known bounds prove nothing is due: each is a store round trip,
   * and most steps have neither. Returns how many queued messages the step took: the others are
   * dropped (the caller queues them again).
   */
  async tick(): Promise<number> {
    if (this.handoffs.length > 0) await this.handOver()
    // Straight to the engine, as a source hands over a batch: the embedded log would only add a
    // write and two reads per step (duplicate messageIds are dropped before, as the log would).
    let taken = this.pending.length
    if (this.pending.length > 0) {
      const records = this.pending
      this.pending = []
      if (spansLaterMoments(records, this.clock.now())) taken = await this.engine.stepThrough({ partition: EMBEDDED_PARTITION, records }, this.gate)
      else await this.engine.handleBatch({ partition: EMBEDDED_PARTITION, records })
    }
    const now = this.clock.now()
    if (!this.due.noneBy(this.due.timer, now)) {
      while ((await this.engine.fireDueTimers(PARTITIONS)) > 0) {
        /* until none are due */
      }
      this.due.timer = null
    }
    // Without schedule rules the sweep has nothing to find; skipping it only saves its commit.
    if (this.rules.schedules.length > 0) await this.engine.fireSchedules(PARTITIONS)
    if (this.due.noneBy(this.due.outbox, now)) return taken
    const due = await this.ops.outbox.nextDue()
    this.due.outbox = due
    if (due !== undefined && due <= now) {
      while ((await this.dispatcher.dispatchDue()) > 0) {}
      this.due.outbox = null
    }
    return taken
  }

  /**
   * Applies the hand-offs earlier steps committed, and those they lead to (merge request → merge →
   * fold), each as a step of its own at the current time, as the embedded log delivers them live
   * after the step that appended them. The log's unique message id keeps one of each live; here
   * a copy is harmless: a merge already folded or sealed changes nothing.
   */
  private async handOver(): Promise<void> {
    while (this.handoffs.length > 0) {
      const unique = new Map(this.handoffs.splice(0).map((h) => [h.logId, h]))
      const receivedAt = this.clock.now()
      const records = [...unique.values()].map((h): SourceRecord => ({ partition: EMBEDDED_PARTITION, offset: ++this.offset, key: h.key, value: h.body, receivedAt }))
      await this.engine.handleBatch({ partition: EMBEDDED_PARTITION, records })
    }
  }

  /** Whether a queued message joins the running step (moments.ts), moving the clock to its time. */
  private readonly gate: StepGate = {
    admit: (record: SourceRecord, work: BatchWork): boolean => {
      const at = record.receivedAt
      if (at <= this.clock.now()) return true
      if (reachesBeyondState(work) || armsTimerBy(work, at)) return false
      this.clock.set(at)
      return true
    },
    moveTo: (record: SourceRecord): void => this.clock.set(record.receivedAt),
  }

  /**
   * The next moment something is due after the current time: a timer, a held or rate-limited
   * message, a scheduled-care cron time in a zone seen so far. Undefined: nothing pending.
   * With `before` (the next event's time) the answer only has to be exact when it is earlier:
   * a known bound at or after it is returned as it is, without asking the store.
   */
  async nextWake(before?: number): Promise<number | undefined> {
    const now = this.clock.now()
    if (this.handoffs.length > 0) return now
    const due = this.due
    if (!this.exact(due.timer, now, before)) due.timer = await this.engine.nextTimerDue(PARTITIONS)
    // Asking every step, the outbox's next due time read by the last tick is still good unless that tick sent something.
    if (!(due.askEveryStep && due.outbox !== null) && !this.exact(due.outbox, now, before)) due.outbox = await this.ops.outbox.nextDue()
    return earlierWake(earlierWake(earlierWake(undefined, due.timer, now), due.outbox, now), this.nextSchedule(now), now)
  }

  /** Whether a known bound is nextWake's answer as it is: nothing due by now, and none pending or none before `before`. */
  private exact(bound: number | undefined | null, now: number, before: number | undefined): boolean {
    return this.due.noneBy(bound, now) && bound !== null && (bound === undefined || (before !== undefined && bound >= before))
  }

  private nextSchedule(now: number): number | undefined {
    let next: number | undefined
    for (const { trigger } of this.rules.schedules) {
      for (const zone of trigger.timezone ? [trigger.timezone] : this.zones) {
        try {
          const at = nextOccurrence(trigger.cron, zone, now)
          if (next === undefined || at < next) next = at
        } catch {
          /* an unknown zone: its shoppers are swept at the next other wake-up */
        }
      }
    }
    return next
  }

  /** Every decision so far, as sorted lines (nudges still waiting as 'pending'). */
  lines(): DecisionLine[] {
    return [...this.sorted.entries(this.tracker.pendingLines())].map((e) => e.line ?? (JSON.parse(e.text as string) as DecisionLine))
  }

  /** The same lines as JSON text, read as they go (the ones in temp files are not parsed). */
  *lineTexts(): Generator<string> {
    for (const e of this.sorted.entries(this.tracker.pendingLines())) yield e.text ?? JSON.stringify(e.line)
  }

  /** The lines built at once from every recorded row (with keepRows; tests compare them with lines()). */
  referenceLines(): DecisionLine[] {
    const rows = this.tracker.reference
    if (rows === undefined) throw new Error('open the sandbox with keepRows to build reference lines')
    return buildLines(rows, rows.sends)
  }

  async close(): Promise<void> {
    this.sorted.close()
    await this.ops.close()
  }
}

/** Whether some record is received later than `now` (the step then spans moments). */
function spansLaterMoments(records: readonly SourceRecord[], now: number): boolean {
  for (const r of records) if (r.receivedAt > now) return true
  return false
}
