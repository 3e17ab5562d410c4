// The reached-first report's sums on hand-made rows, figures worked out by hand: shares, medians
// (odd and even counts), misses by cause, per rule / tag / kind / day, needless messages, and
// hostile rule ids and tags (a '__proto__' rule is a rule like any other).
import { describe, expect, it } from 'vitest'
import { median, reachedFirstReport } from '../../src/analytics/reachedFirst.ts'
import type { ProactiveMessageRow, ReachedContactRow } from '../../src/store/history/HistoryStore.ts'

const H = 3_600_000
const D = 24 * H
const T = Date.UTC(2026, 10, 1)

const contact = (id: string, kind: string, ts: number, extra: Partial<ReachedContactRow>): ReachedContactRow => ({
  contactId: id, kind, customerId: 'c', entity: 'o', ts, reachedAt: null, reachedRule: null, reachedChannel: null, reachedDigest: null, outcome: 'no_rule', missRule: null, ...extra,
})
const reached = (id: string, kind: string, ts: number, rule: string, channel: string, leadH: number) =>
  contact(id, kind, ts, { outcome: 'reached', reachedAt: ts - leadH * H, reachedRule: rule, reachedChannel: channel })
const message = (id: string, ruleId: string, ts: number, followups: number): ProactiveMessageRow => ({ outboxId: id, ruleId, channel: 'email', ts, followups })

describe('the reached-first report', () => {
  const contacts = [
    reached('a', 'Complaint Filed', T + 2 * H, 'late', 'email', 4),
    reached('b', 'Complaint Filed', T + 3 * H, 'late', 'sms', 2),
    reached('c', 'talk to a person', T + D + H, 'cart', 'email', 1),
    contact('d', 'Ticket Created', T + D + 2 * H, { outcome: 'too_late', missRule: 'late' }),
    contact('e', 'Ticket Created', T + D + 3 * H, { outcome: 'held', missRule: '__proto__' }),
    contact('f', 'Complaint Filed', T + 2 * D, { outcome: 'no_rule' }),
    contact('g', 'agent contact', T + 2 * D + H, { outcome: 'sent_after', missRule: 'cart' }),
  ]
  const messages = [message('m1', 'late', T, 0), message('m2', 'late', T + H, 2), message('m3', 'cart', T + D, 0), message('m4', 'gone', T + 2 * D, 1)]
  const tags = new Map([['late', ['delivery']], ['cart', ['checkout', 'payments']], ['__proto__', ['constructor']]])
  const report = reachedFirstReport({ from: T, to: T + 3 * D }, { contacts, messages }, tags)

  it('totals: 3 of 7 reached first, median lead of 1, 2 and 4 h, misses by cause, 2 of 4 messages needless', () => {
    expect(report.totals).toEqual({
      contacts: 7, reachedFirst: 3, share: 3 / 7, medianLeadMs: 2 * H,
      misses: { sent_after: 1, held: 1, too_late: 1, no_rule: 1 }, sent: 4, needless: 2,
    })
  })

  it('per rule: the contacts it reached or missed, its channels and messages; no_rule contacts under no rule', () => {
    expect(report.rules.map(({ days: _days, ...rule }) => rule)).toEqual([
      { ruleId: '__proto__', tags: ['constructor'], contacts: 1, reachedFirst: 0, share: 0, medianLeadMs: null, misses: { sent_after: 0, held: 1, too_late: 0, no_rule: 0 }, sent: 0, needless: 0, channels: [] },
      { ruleId: 'cart', tags: ['checkout', 'payments'], contacts: 2, reachedFirst: 1, share: 0.5, medianLeadMs: H, misses: { sent_after: 1, held: 0, too_late: 0, no_rule: 0 }, sent: 1, needless: 1, channels: [{ channel: 'email', reachedFirst: 1 }] },
      { ruleId: 'gone', tags: [], contacts: 0, reachedFirst: 0, share: null, medianLeadMs: null, misses: { sent_after: 0, held: 0, too_late: 0, no_rule: 0 }, sent: 1, needless: 0, channels: [] },
      { ruleId: 'late', tags: ['delivery'], contacts: 3, reachedFirst: 2, share: 2 / 3, medianLeadMs: 3 * H, misses: { sent_after: 0, held: 0, too_late: 1, no_rule: 0 }, sent: 2, needless: 1, channels: [{ channel: 'email', reachedFirst: 1 }, { channel: 'sms', reachedFirst: 1 }] },
    ])
  })

  it('per tag, per kind and per day (every day of the window)', () => {
    expect(report.tags.map((t) => [t.tag, t.contacts, t.reachedFirst, t.sent, t.needless])).toEqual([
      ['checkout', 2, 1, 1, 1], ['constructor', 1, 0, 0, 0], ['delivery', 3, 2, 2, 1], ['payments', 2, 1, 1, 1],
    ])
    expect(report.kinds.map((k) => [k.kind, k.contacts, k.reachedFirst, k.medianLeadMs])).toEqual([
      ['Complaint Filed', 3, 2, 3 * H], ['Ticket Created', 2, 0, null], ['agent contact', 1, 0, null], ['talk to a person', 1, 1, H],
    ])
    expect(report.days.map((d) => [d.t, d.contacts, d.reachedFirst, d.sent, d.needless])).toEqual([
      [T, 2, 2, 2, 1], [T + D, 3, 1, 1, 1], [T + 2 * D, 2, 0, 1, 0],
    ])
    expect(Object.getPrototypeOf(report.rules[0]?.misses)).toBe(Object.prototype)
    // Per rule and per tag by day, every day of the window present.
    const late = report.rules.find((r) => r.ruleId === 'late')
    expect(late?.days.map((d) => [d.t, d.contacts, d.reachedFirst, d.misses.too_late, d.sent, d.needless])).toEqual([
      [T, 2, 2, 0, 2, 1], [T + D, 1, 0, 1, 0, 0], [T + 2 * D, 0, 0, 0, 0, 0],
    ])
    expect(late?.days[0]?.medianLeadMs).toBe(3 * H)
    const payments = report.tags.find((t) => t.tag === 'payments')
    expect(payments?.days.map((d) => [d.contacts, d.reachedFirst, d.misses.sent_after, d.sent])).toEqual([[0, 0, 0, 0], [1, 1, 0, 1], [1, 0, 1, 0]])
  })

  it('an empty window has every day and no shares', () => {
    const empty = reachedFirstReport({ from: T + H, to: T + 2 * D }, { contacts: [], messages: [] }, new Map())
    expect(empty.totals).toMatchObject({ contacts: 0, share: null, medianLeadMs: null, sent: 0, needless: 0 })
    expect(empty.days.map((d) => d.t)).toEqual([T, T + D])
  })

  it('median: middle value, or the mean of the two middle values', () => {
    expect(median([])).toBeNull()
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 10])).toBe(3.5)
  })
})
