// The sandbox's history store, as decision lines: each decision's line is built as soon as its
// outcome is final — a rule guard's suppression and a task at once, a nudge when its message is
// sent, skipped or dead — and handed to the sorted output; only nudges still waiting are held. What
// a line needs later is kept only while it can be asked for: the rule of a message another one
// loses a conflict to, for as long as the send-time guards look back at contacts.
import { stableHash } from '../lib/hash.ts'
import type { DecisionRow, DeliveryRow, HistoryBatch, HistoryStore, TaskEventRow } from '../store/history/HistoryStore.ts'
import type { RecordingHistory } from './history.ts'
import { aboutSignal, lineOf, type DecisionLine, type SignalAbout } from './lines.ts'
import type { SortedLines } from './lineSort.ts'
import type { RecordedSend } from './senders.ts'

interface WaitingNudge {
  decision: DecisionRow
  about: SignalAbout
  /** Its 'deferred' deliveries (quiet-hours holds), the only non-final rows a line reads. */
  deferrals: DeliveryRow[]
  sent: RecordedSend | undefined
}

const FINAL = new Set(['sent', 'skipped', 'dead'])

interface RuleUse {
  outboxId: string
  rule: string
  at: number
}

export class LineTracker {
  /** Nudges whose message has not reached a final status, by outbox id. */
  private readonly waiting = new Map<string, WaitingNudge>()
  /** Outbox id → rule and when it was last of use. */
  private readonly ruleOf = new Map<string, RuleUse>()
  /**
   * The same uses in the order they were made (the clock only goes forward), from `head` on; a use
   * no longer in `ruleOf` was superseded or forgotten. Not the Map's own order: iterating a Map
   * from its start walks the holes its deletions left, which cost a tenth of a large replay.
   */
  private uses: RuleUse[] = []
  private head = 0

  constructor(
    private readonly out: SortedLines,
    private readonly now: () => number,
    /** The earliest contact the send-time guards still read at a time (contactHorizon). */
    private readonly horizon: (now: number) => number,
    /** Also keeps every row, for buildLines (tests compare the two). */
    readonly reference?: RecordingHistory,
  ) {}

  async append(batch: HistoryBatch): Promise<void> {
    await this.reference?.append(batch)
    const now = this.now()
    if (batch.decisions?.length) this.decided(batch.decisions, batch, now)
    for (const row of batch.deliveries ?? []) {
      const waiting = this.waiting.get(row.outbox_id)
      if (waiting === undefined) continue
      if (row.status === 'deferred') waiting.deferrals.push(row)
      else if (FINAL.has(row.status)) {
        this.waiting.delete(row.outbox_id)
        if (row.status === 'sent') this.remember(row.outbox_id, waiting.decision.rule_id, now)
        this.out.add(lineOf(waiting.decision, waiting.about, undefined, [...waiting.deferrals, row], waiting.sent, this.rule), waiting.decision.ts, true)
      }
    }
    // Most steps decide nothing and deliver nothing: nothing to forget either.
    if (batch.decisions?.length || batch.deliveries?.length) this.forget(now)
  }

  private decided(decisions: readonly DecisionRow[], batch: HistoryBatch, now: number): void {
    const signals = new Map((batch.signals ?? []).map((s) => [s.id, s]))
    const created = new Map<string, TaskEventRow>()
    for (const t of batch.taskEvents ?? []) if (t.kind === 'created') created.set(t.id, t)
    for (const d of decisions) {
      const outboxId = stableHash(d.id)
      this.remember(outboxId, d.rule_id, now)
      const about = aboutSignal(signals.get(d.signal_id))
      const waiting = this.waiting.get(outboxId)
      if (waiting !== undefined) Object.assign(waiting, { decision: d, about })
      else if (d.action === 'nudge' && d.outcome !== 'suppressed') this.waiting.set(outboxId, { decision: d, about, deferrals: [], sent: undefined })
      else this.out.add(lineOf(d, about, created.get(`${outboxId}:created`), [], undefined, this.rule), d.ts, true)
    }
  }

  /** A recording channel's send (the 'sent' delivery row follows). */
  set(outboxId: string, send: RecordedSend): void {
    this.reference?.sends.set(outboxId, send)
    const waiting = this.waiting.get(outboxId)
    if (waiting !== undefined) waiting.sent = send
  }

  /** Lines of the nudges still waiting, as they stand now ('pending'). */
  pendingLines(): Array<{ line: DecisionLine; ts: number }> {
    return [...this.waiting.values()].map((w) => ({ line: lineOf(w.decision, w.about, undefined, w.deferrals, w.sent, this.rule), ts: w.decision.ts }))
  }

  /** Nudges waiting for a final status now. */
  get waitingNudges(): number {
    return this.waiting.size
  }

  private readonly rule = (outboxId: string): string | undefined => this.ruleOf.get(outboxId)?.rule

  private remember(outboxId: string, rule: string, at: number): void {
    const use = { outboxId, rule, at }
    this.ruleOf.set(outboxId, use)
    this.uses.push(use)
  }

  /** Drops rules of messages no guard reads any more; a waiting one may still win a conflict. */
  private forget(now: number): void {
    const horizon = this.horizon(now)
    while (this.head < this.uses.length) {
      const use = this.uses[this.head] as RuleUse
      if (use.at >= horizon) break
      this.head++
      if (this.ruleOf.get(use.outboxId) !== use) continue
      if (this.waiting.has(use.outboxId)) this.remember(use.outboxId, use.rule, now)
      else this.ruleOf.delete(use.outboxId)
    }
    if (this.head > 1024 && this.head * 2 > this.uses.length) {
      this.uses = this.uses.slice(this.head)
      this.head = 0
    }
  }

  async migrate(): Promise<void> {}

  async ping(): Promise<boolean> {
    return true
  }

  async close(): Promise<void> {}

  /**
   * This tracker seen as a HistoryStore. The engine and the dispatcher only append; anything else
   * (a read a future change might add) fails loudly instead of silently returning nothing.
   */
  asHistoryStore(): HistoryStore {
    // Each method bound once (again only if replaced): binding on every read costs a function per step's append.
    const bound = new Map<PropertyKey, unknown>()
    return new Proxy(this, {
      get(target, prop, receiver) {
        if (prop in target) {
          const value: unknown = Reflect.get(target, prop, receiver)
          if (typeof value !== 'function') return value
          let method = bound.get(prop)
          if (method === undefined || (method as { of?: unknown }).of !== value) {
            method = Object.assign(value.bind(target), { of: value })
            bound.set(prop, method)
          }
          return method
        }
        if (prop === 'then') return undefined // not a thenable
        return () => Promise.reject(new Error(`the replay sandbox only records history; ${String(prop)}() is not available`))
      },
    }) as unknown as HistoryStore
  }
}
