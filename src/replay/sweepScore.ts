// Reached-first figures of a sandbox run: the decision lines matched against the run's own inbound
// contacts and problem events, by the rules of docs/reached-first.md, then summed by the report's
// logic (src/analytics/reachedFirst.ts). What-if sweeps and the starter-pack comparison score with
// it, so a curve point and the live report count the same way.
import { lateAfter, lateParcels, type LateParcel } from '../analytics/lateParcels.ts'
import { reachedFirstReport, type ReachedFirstReport } from '../analytics/reachedFirst.ts'
import { DEFAULT_FOLLOW_MS, DEFAULT_INBOUND_EVENTS, DEFAULT_PROBLEM_EVENTS, LATE_PARCEL_PROBLEM } from '../model/contacts.ts'
import type { ProactiveMessageRow, ReachedContactRow } from '../store/history/HistoryStore.ts'
import type { DecisionLine } from './lines.ts'
import type { PreparedEvent } from './replay.ts'

/** A track event of the run, as the scoring needs it. */
export interface ScoredEvent {
  customerId: string
  name: string
  ts: number
  messageId: string
  properties: Record<string, unknown>
}

export interface ScoreOptions {
  inbound?: readonly string[]
  problems?: readonly string[]
  followMs?: number
  /** Each rule's tags, for the report's per-tag figures. */
  tags?: ReadonlyMap<string, readonly string[]>
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** The track events of prepared replay inputs (other calls carry no contact or problem). */
export function scoredEvents(events: readonly PreparedEvent[]): ScoredEvent[] {
  const out: ScoredEvent[] = []
  for (const e of events) {
    const body = e.body
    if (!isRecord(body) || (body.type !== undefined && body.type !== 'track') || typeof body.event !== 'string') continue
    out.push({ customerId: e.customerId, name: body.event, ts: e.ts, messageId: e.messageId, properties: isRecord(body.properties) ? body.properties : {} })
  }
  return out
}

/** The entity a contact or problem names: order, else checkout, else return ('' for none). */
function entityOf(properties: Record<string, unknown>): string {
  for (const key of ['order_id', 'checkout_id', 'return_id']) {
    const v = Object.hasOwn(properties, key) ? properties[key] : undefined
    if (typeof v === 'string' || typeof v === 'number') return String(v)
  }
  return ''
}

interface Nudge {
  line: DecisionLine
  decidedAt: number
  sentAt: number | undefined
}

const keyOf = (customer: string, entity: string): string => `${customer}\u0000${entity}`

/**
 * Contact and message rows, as the history store computes them for the live report, from a run's
 * lines: only nudges reach a shopper (tasks are a person's work, not a proactive message).
 */
export function reachedRows(lines: readonly DecisionLine[], events: readonly ScoredEvent[], options: ScoreOptions = {}): { contacts: ReachedContactRow[]; messages: ProactiveMessageRow[] } {
  const inbound = new Set(options.inbound ?? DEFAULT_INBOUND_EVENTS)
  const problems = new Set(options.problems ?? DEFAULT_PROBLEM_EVENTS)
  const follow = options.followMs ?? DEFAULT_FOLLOW_MS
  const nudges = new Map<string, Nudge[]>()
  for (const line of lines) {
    if (line.action !== 'nudge' || line.guard === 'conditions') continue
    const key = keyOf(line.customer, line.entity ?? '')
    const list = nudges.get(key) ?? []
    list.push({ line, decidedAt: Date.parse(line.decidedAt), sentAt: line.outcome === 'sent' && line.deliverAt !== null ? Date.parse(line.deliverAt) : undefined })
    nudges.set(key, list)
  }
  const contacts: ReachedContactRow[] = []
  const contactTimes = new Map<string, number[]>()
  const problemTimes = new Map<string, number[]>()
  const late = new Map<string, LateParcel[]>()
  // A late parcel (delivered after its due date, or not by the run's last event) is a problem of its order.
  if (problems.has(LATE_PARCEL_PROBLEM)) {
    const end = events.reduce((max, e) => Math.max(max, e.ts), -Infinity)
    for (const parcel of lateParcels(events, end)) {
      const key = keyOf(parcel.customerId, parcel.orderId)
      late.set(key, [...(late.get(key) ?? []), parcel])
    }
  }
  for (const e of events) {
    if (problems.has(e.name)) push(problemTimes, keyOf(e.customerId, entityOf(e.properties)), e.ts)
    if (!inbound.has(e.name)) continue
    push(contactTimes, e.customerId, e.ts)
    contacts.push(contactRow(e, nudges.get(keyOf(e.customerId, entityOf(e.properties))) ?? [], follow))
  }
  const messages: ProactiveMessageRow[] = []
  for (const list of nudges.values()) {
    for (const n of list) {
      if (n.sentAt === undefined) continue
      const sent = n.sentAt
      const within = (t: number) => t > sent && t <= sent + follow
      const entity = n.line.entity
      let followups = (contactTimes.get(n.line.customer) ?? []).filter(within).length
      const lateWithin = (parcels: readonly LateParcel[]) => parcels.filter((p) => lateAfter(p, sent, follow)).length
      if (entity === null) {
        for (const [key, times] of problemTimes) if (key.startsWith(`${n.line.customer}\u0000`)) followups += times.filter(within).length
        for (const [key, parcels] of late) if (key.startsWith(`${n.line.customer}\u0000`)) followups += lateWithin(parcels)
      } else followups += (problemTimes.get(keyOf(n.line.customer, entity)) ?? []).filter(within).length + lateWithin(late.get(keyOf(n.line.customer, entity)) ?? [])
      messages.push({ outboxId: n.line.id, ruleId: n.line.rule, channel: n.line.channel ?? '', ts: sent, followups })
    }
  }
  return { contacts, messages }
}

function contactRow(e: ScoredEvent, about: readonly Nudge[], follow: number): ReachedContactRow {
  const base = { contactId: e.messageId, kind: e.name, customerId: e.customerId, entity: entityOf(e.properties), ts: e.ts }
  const miss = (outcome: ReachedContactRow['outcome'], n: Nudge | undefined): ReachedContactRow => ({ ...base, reachedAt: null, reachedRule: null, reachedChannel: null, reachedDigest: null, outcome, missRule: n?.line.rule ?? null })
  const first = about.filter((n) => n.sentAt !== undefined && n.sentAt < e.ts).sort((a, b) => (a.sentAt as number) - (b.sentAt as number))[0]
  if (first) return { ...base, reachedAt: first.sentAt as number, reachedRule: first.line.rule, reachedChannel: first.line.channel ?? null, reachedDigest: first.line.digest ?? null, outcome: 'reached', missRule: null }
  const before = about.filter((n) => n.decidedAt < e.ts)
  const sentAfter = before.find((n) => n.sentAt !== undefined && n.sentAt <= e.ts + follow)
  if (sentAfter) return miss('sent_after', sentAfter)
  const held = before.find((n) => n.sentAt === undefined)
  if (held) return miss('held', held)
  // A decision at the contact's own moment answers it (e.g. a rule on Complaint Filed): not late.
  const late = about.find((n) => n.decidedAt > e.ts && n.decidedAt <= e.ts + follow)
  return late ? miss('too_late', late) : miss('no_rule', undefined)
}

/** The reached-first report of a run over [from, to). */
export function scoreLines(window: { from: number; to: number }, lines: readonly DecisionLine[], events: readonly ScoredEvent[], options: ScoreOptions = {}): ReachedFirstReport {
  const rows = reachedRows(lines, events, options)
  const inWindow = <T extends { ts: number }>(rows: T[]): T[] => rows.filter((r) => r.ts >= window.from && r.ts < window.to)
  return reachedFirstReport(window, { contacts: inWindow(rows.contacts), messages: inWindow(rows.messages) }, options.tags ?? new Map())
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
