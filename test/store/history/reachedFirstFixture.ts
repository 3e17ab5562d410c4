// A generated shop history for the reached-first report, and its expected rows computed here from
// the generated cases (not from history rows), by the report's definitions:
// reached = a rule's message about the entity sent before the contact; otherwise sent_after
// (decided before, sent after), held (a nudge decided before, never sent in time), too_late (decided
// after, not triggered by the contact itself), no_rule. A message is needed when a contact or
// problem about its entity followed within the follow window, or its order's parcel was late at
// some moment within it (due by then, delivered after the send or never).
import fc from 'fast-check'
import { stableHash } from '../../../src/lib/hash.ts'
import { LATE_PARCEL_PROBLEM } from '../../../src/model/contacts.ts'
import { digestDetail } from '../../../src/model/digest.ts'
import type { HistoryBatch, ProactiveMessageRow, ReachedContactRow } from '../../../src/store/history/HistoryStore.ts'
import { decision, delivery, event, signal, taskEvent } from './fixtures.ts'

const MIN = 60_000
export const HOUR = 60 * MIN
export const FOLLOW_MS = 72 * HOUR
export const INBOUND = ['Complaint Filed', 'Ticket Created'] as const
export const PROBLEMS = ['Return Requested', LATE_PARCEL_PROBLEM] as const
export const RULE_TAGS: ReadonlyMap<string, readonly string[]> = new Map([
  ['late-parcel', ['delivery']],
  ['cart', ['checkout', 'payments']],
])

export interface DecisionCase {
  rule: 'late-parcel' | 'cart'
  channel: 'email' | 'sms'
  /** planned, suppressed by a guard before any send (cooldown), or an action its conditions left out. */
  outcome: 'planned' | 'cooldown' | 'conditions'
  /** Minutes from the window start. */
  at: number
  /** Minutes from the decision to the first send; null: skipped, never sent. */
  sendAfter: number | null
  /** The decision was triggered by the case's contact event itself (at the contact's time). */
  byContact: boolean
}

export interface ShopCase {
  numericId: boolean
  decisions: DecisionCase[]
  /** At `at` minutes from the window start, or `nearDecision` minutes from the case's first decision when it has one. */
  contact: { name: 'Complaint Filed' | 'Ticket Created' | 'Page Viewed'; at: number; withEntity: boolean; nearDecision: number } | null
  /** A talk-to-person request this many minutes after the first planned send, and an agent's contact an hour later. */
  talk: { after: number; agent: boolean } | null
  /** A Return Requested this many minutes after the window start. */
  problem: number | null
  /**
   * The case's order: its promise (Order Completed), the carrier's first estimate (Order Shipped;
   * a later scan's estimate does not count) and its delivery, in minutes from the window start;
   * estimates as ISO text or epoch-ms numbers.
   */
  parcel: { promised: number | null; estimate: number | null; laterEstimate: number; delivered: number | null; isoEstimate: boolean } | null
}

const minutes = (lo: number, hi: number) => fc.integer({ min: lo, max: hi })
const WINDOW_MIN = 240 * 60

export const caseArb: fc.Arbitrary<ShopCase> = fc.record({
  numericId: fc.boolean(),
  decisions: fc.array(
    fc.record({
      rule: fc.constantFrom('late-parcel' as const, 'cart' as const),
      channel: fc.constantFrom('email' as const, 'sms' as const),
      outcome: fc.constantFrom('planned' as const, 'planned' as const, 'cooldown' as const, 'conditions' as const),
      at: minutes(-50 * 60, WINDOW_MIN / 2 + 10 * 60),
      sendAfter: fc.option(minutes(0, 30 * 60), { nil: null }),
      byContact: fc.boolean(),
    }),
    { maxLength: 2 },
  ),
  contact: fc.option(
    fc.record({
      name: fc.constantFrom('Complaint Filed' as const, 'Ticket Created' as const, 'Page Viewed' as const),
      at: minutes(-20 * 60, WINDOW_MIN + 20 * 60),
      withEntity: fc.constantFrom(true, true, true, false),
      nearDecision: minutes(-20 * 60, 40 * 60),
    }),
    { nil: null },
  ),
  talk: fc.option(fc.record({ after: minutes(1, 30 * 60), agent: fc.boolean() }), { nil: null }),
  problem: fc.option(minutes(-10 * 60, WINDOW_MIN + 60 * 60), { nil: null }),
  parcel: fc.option(
    fc.record({
      promised: fc.option(minutes(-40 * 60, WINDOW_MIN + 40 * 60), { nil: null }),
      estimate: fc.option(minutes(-40 * 60, WINDOW_MIN + 40 * 60), { nil: null }),
      laterEstimate: minutes(0, WINDOW_MIN),
      delivered: fc.option(minutes(-30 * 60, WINDOW_MIN + 60 * 60), { nil: null }),
      isoEstimate: fc.boolean(),
    }),
    { nil: null },
  ),
})

interface Contact { id: string; kind: string; customer: string; entity: string; ts: number }
interface Late { customer: string; entity: string; due: number; delivered: number | null }
interface Decided { id: string; customer: string; entity: string; rule: string; channel: string; ts: number; nudge: boolean; planned: boolean; sentAt: number | null; trigger: string; digest: string | null }

export interface Generated {
  batch: HistoryBatch
  from: number
  to: number
  contacts: ReachedContactRow[]
  messages: ProactiveMessageRow[]
}

/** `base`: the start of the cases' 240 h; every id carries `prefix`; the report's window defaults to those 240 h. */
export function generate(cases: readonly ShopCase[], base: number, prefix: string, window?: { from: number; to: number }): Generated {
  const from = window?.from ?? base
  const to = window?.to ?? base + WINDOW_MIN * MIN
  const batch: Required<HistoryBatch> = { events: [], signals: [], decisions: [], deliveries: [], taskEvents: [] }
  const contacts: Contact[] = []
  const problems: Contact[] = []
  const decided: Decided[] = []
  const parcels: Array<{ customer: string; entity: string; due: number | null; delivered: number | null }> = []
  cases.forEach((c, i) => {
    const customer = `${prefix}c${i % 7}`
    const entityValue: string | number = c.numericId ? 9000 + i : `${prefix}o${i}`
    const entity = String(entityValue)
    const contactId = `${prefix}m${i}`
    const anchor = c.decisions[0]
    const contactTs = c.contact ? base + (anchor ? 2 * anchor.at + c.contact.nearDecision : c.contact.at) * MIN : null
    if (c.contact && contactTs !== null) {
      const properties = c.contact.withEntity ? { order_id: entityValue, text: 'where is it?' } : { text: 'hello' }
      batch.events.push(event(customer, contactId, contactTs, { name: c.contact.name, properties: JSON.stringify(properties) }))
      if (c.contact.name !== 'Page Viewed') contacts.push({ id: contactId, kind: c.contact.name, customer, entity: c.contact.withEntity ? entity : '', ts: contactTs })
    }
    if (c.problem !== null) {
      const ts = base + c.problem * MIN
      batch.events.push(event(customer, `${prefix}p${i}`, ts, { name: 'Return Requested', properties: JSON.stringify({ order_id: entityValue }) }))
      problems.push({ id: `${prefix}p${i}`, kind: 'Return Requested', customer, entity, ts })
    }
    if (c.parcel) {
      const p = c.parcel
      const at = (m: number | null) => (m === null ? null : base + m * MIN)
      const iso = (ms: number) => new Date(ms).toISOString()
      const promised = at(p.promised)
      const estimate = at(p.estimate)
      batch.events.push(event(customer, `${prefix}oc${i}`, base - 50 * HOUR, { name: 'Order Completed', properties: JSON.stringify({ order_id: entityValue, ...(promised === null ? {} : { promised_delivery_at: iso(promised) }) }) }))
      if (estimate !== null) {
        batch.events.push(event(customer, `${prefix}os${i}`, base - 45 * HOUR, { name: 'Order Shipped', properties: JSON.stringify({ order_id: entityValue, estimated_delivery_at: p.isoEstimate ? iso(estimate) : estimate }) }))
        batch.events.push(event(customer, `${prefix}su${i}`, base - 44 * HOUR, { name: 'Shipment Updated', properties: JSON.stringify({ order_id: entityValue, estimated_delivery_at: iso(estimate + p.laterEstimate * MIN) }) }))
      }
      const delivered = at(p.delivered)
      if (delivered !== null) batch.events.push(event(customer, `${prefix}od${i}`, delivered, { name: 'Order Delivered', properties: JSON.stringify({ order_id: entityValue }) }))
      parcels.push({ customer, entity, due: promised ?? estimate, delivered })
    }
    let firstSend: { outbox: string; ts: number } | null = null
    c.decisions.forEach((d, j) => {
      // Parity by j and even send delays: no two decisions of a case tie on a time (argMin ties are arbitrary).
      const byContact = d.byContact && j === 0 && contactTs !== null
      const ts = byContact ? (contactTs as number) : base + (2 * d.at + j) * MIN
      const id = `${prefix}d${i}.${j}`
      const signalId = `${prefix}s${i}.${j}`
      const trigger = byContact ? contactId : `${prefix}t${i}.${j}`
      batch.signals.push(signal(customer, signalId, ts, { rule_id: d.rule, entity, trigger_id: trigger }))
      const planned = d.outcome === 'planned'
      batch.decisions.push(decision(customer, id, ts, { signal_id: signalId, rule_id: d.rule, channel: d.channel, outcome: planned ? 'planned' : 'suppressed', reason: planned ? '' : d.outcome }))
      const outbox = stableHash(id)
      let sentAt: number | null = null
      let digest: string | null = null
      if (planned) {
        batch.deliveries.push(delivery(customer, `${outbox}:queued:0`, ts, { outbox_id: outbox, channel: d.channel, status: 'queued', attempt: 0 }))
        if (d.sendAfter === null) batch.deliveries.push(delivery(customer, `${outbox}:skipped:1`, ts + MIN, { outbox_id: outbox, channel: d.channel, status: 'skipped', detail: 'quiet_hours: night' }))
        else {
          sentAt = ts + 2 * d.sendAfter * MIN
          // Odd delays: the message went out in a digest with another nudge of the shopper.
          if (d.sendAfter % 2 === 1) digest = stableHash(`digest:${id}`, 16)
          batch.deliveries.push(delivery(customer, `${outbox}:sent:1`, sentAt, { outbox_id: outbox, channel: d.channel, ...(digest ? { detail: digestDetail(digest, 2, 'smtp-1') } : {}) }))
          batch.deliveries.push(delivery(customer, `${outbox}:delivered:1`, sentAt + MIN, { outbox_id: outbox, channel: d.channel, status: 'delivered' }))
          if (firstSend === null || sentAt < firstSend.ts) firstSend = { outbox, ts: sentAt }
        }
      }
      if (d.outcome !== 'conditions') decided.push({ id, customer, entity, rule: d.rule, channel: d.channel, ts, nudge: true, planned, sentAt, trigger, digest })
    })
    const send = firstSend as { outbox: string; ts: number } | null
    if (c.talk && send) {
      const taskId = stableHash(`talk:${send.outbox}`)
      const ts = send.ts + c.talk.after * MIN
      batch.taskEvents.push(taskEvent(customer, `${taskId}:created`, ts, { task_id: taskId, kind: 'created', actor: 'shopper', details: JSON.stringify({ via: 'talk-to-person', outboxId: send.outbox }) }))
      contacts.push({ id: `${taskId}:created`, kind: 'talk to a person', customer, entity, ts })
      if (c.talk.agent) {
        const id = `${taskId}:contact:${ts + HOUR}`
        batch.taskEvents.push(taskEvent(customer, id, ts + HOUR, { task_id: taskId, kind: 'contact', actor: 'ana', details: JSON.stringify({ via: 'call', channel: 'voice' }) }))
        contacts.push({ id, kind: 'agent contact', customer, entity, ts: ts + HOUR })
      }
    }
  })
  // Late: delivered after the due date, or not delivered and due before the history's last event.
  const end = Math.max(...batch.events.map((e) => e.ts))
  const late = parcels.flatMap((p): Late[] => (p.due !== null && (p.delivered === null ? p.due < end : p.delivered > p.due) ? [{ ...p, due: p.due }] : []))
  return { batch, from, to, contacts: expectedContacts(contacts, decided, from, to), messages: expectedMessages(decided, [...contacts, ...problems], late, from, to) }
}

function expectedContacts(contacts: readonly Contact[], decided: readonly Decided[], from: number, to: number): ReachedContactRow[] {
  const rows = contacts
    .filter((c) => c.ts >= from && c.ts < to)
    .map((c): ReachedContactRow => {
      const mine = decided.filter((d) => d.customer === c.customer && d.entity === c.entity && d.trigger !== c.id)
      const first = (list: Decided[], key: (d: Decided) => number) => list.reduce<Decided | null>((best, d) => (best === null || key(d) < key(best) ? d : best), null)
      const reach = first(mine.filter((d) => d.sentAt !== null && d.sentAt < c.ts), (d) => d.sentAt as number)
      const sentAfter = first(mine.filter((d) => d.ts < c.ts && d.sentAt !== null && d.sentAt >= c.ts && d.sentAt < c.ts + FOLLOW_MS), (d) => d.sentAt as number)
      const held = first(mine.filter((d) => d.nudge && d.ts < c.ts && !(d.sentAt !== null && d.sentAt < c.ts + FOLLOW_MS)), (d) => d.ts)
      const late = first(mine.filter((d) => d.ts >= c.ts && d.ts < c.ts + FOLLOW_MS), (d) => d.ts)
      const base = { contactId: c.id, kind: c.kind, customerId: c.customer, entity: c.entity, ts: c.ts }
      if (reach) return { ...base, reachedAt: reach.sentAt, reachedRule: reach.rule, reachedChannel: reach.channel, reachedDigest: reach.digest, outcome: 'reached', missRule: null }
      const miss = { ...base, reachedAt: null, reachedRule: null, reachedChannel: null, reachedDigest: null }
      if (sentAfter) return { ...miss, outcome: 'sent_after', missRule: sentAfter.rule }
      if (held) return { ...miss, outcome: 'held', missRule: held.rule }
      if (late) return { ...miss, outcome: 'too_late', missRule: late.rule }
      return { ...miss, outcome: 'no_rule', missRule: null }
    })
  return rows.sort((a, b) => a.ts - b.ts || (a.contactId < b.contactId ? -1 : 1))
}

function expectedMessages(decided: readonly Decided[], followups: readonly Contact[], late: readonly Late[], from: number, to: number): ProactiveMessageRow[] {
  return decided
    .filter((d) => d.planned && d.sentAt !== null && d.sentAt >= from && d.sentAt < to)
    .map((d) => {
      const sentAt = d.sentAt as number
      const lateAfter = late.filter((p) => p.customer === d.customer && p.entity === d.entity && p.due <= sentAt + FOLLOW_MS && (p.delivered === null || p.delivered > sentAt)).length
      const n = followups.filter((f) => f.customer === d.customer && f.entity === d.entity && f.ts > sentAt && f.ts <= sentAt + FOLLOW_MS).length + lateAfter
      return { outboxId: stableHash(d.id), ruleId: d.rule, channel: d.channel, ts: sentAt, followups: n }
    })
    .sort((a, b) => a.ts - b.ts || (a.outboxId < b.outboxId ? -1 : 1))
}
