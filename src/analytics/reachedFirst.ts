// The "reached first" report, pure: inbound contacts (each already matched in the history store
// with the first proactive message about its entity, or the reason there was none) and proactive
// messages (with how many contacts or problems followed), summed per rule, tag, contact kind and day.
import type { ProactiveMessageRow, ReachedContactRow } from '../store/history/HistoryStore.ts'

export type MissReason = 'sent_after' | 'held' | 'too_late' | 'no_rule'
export const MISS_REASONS: readonly MissReason[] = ['sent_after', 'held', 'too_late', 'no_rule']

export interface ReachedFigures {
  contacts: number
  reachedFirst: number
  /** reachedFirst / contacts; null without contacts. */
  share: number | null
  /** Median time from the first proactive send to the contact, of the contacts reached first. */
  medianLeadMs: number | null
  misses: Record<MissReason, number>
}

export interface MessageFigures {
  /** Proactive messages first sent in the window. */
  sent: number
  /** Of them, those no contact or problem about their entity followed within the window. */
  needless: number
}

export interface ReachedFirstReport {
  from: number
  to: number
  totals: ReachedFigures & MessageFigures
  /** Per rule: the contacts it reached first or missed (no_rule contacts have no rule), and its messages. */
  rules: Array<ReachedFigures & MessageFigures & { ruleId: string; tags: string[]; channels: Array<{ channel: string; reachedFirst: number }>; days: DayFigures[] }>
  /** Per rule tag (the signal's kind), the same sums over the tag's rules. */
  tags: Array<ReachedFigures & MessageFigures & { tag: string; days: DayFigures[] }>
  /** Per kind of contact (event name, 'talk to a person', 'agent contact'). */
  kinds: Array<ReachedFigures & { kind: string }>
  /** Per UTC day of the contact (of the send, for messages), every day of the window. */
  days: DayFigures[]
}

export type DayFigures = ReachedFigures & MessageFigures & { t: number }

const DAY = 86_400_000

/** The middle value, or the mean of the two middle values; null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

class Tally {
  contacts = 0
  reached = 0
  leads: number[] = []
  misses: Record<MissReason, number> = { sent_after: 0, held: 0, too_late: 0, no_rule: 0 }
  sent = 0
  needless = 0
  channels = new Map<string, number>()

  addContact(c: ReachedContactRow): void {
    this.contacts++
    if (c.outcome === 'reached') {
      this.reached++
      this.leads.push(c.ts - (c.reachedAt ?? c.ts))
      if (c.reachedChannel !== null) this.channels.set(c.reachedChannel, (this.channels.get(c.reachedChannel) ?? 0) + 1)
    } else this.misses[c.outcome]++
  }

  addMessage(m: ProactiveMessageRow): void {
    this.sent++
    if (m.followups === 0) this.needless++
  }

  figures(): ReachedFigures {
    return { contacts: this.contacts, reachedFirst: this.reached, share: this.contacts === 0 ? null : this.reached / this.contacts, medianLeadMs: median(this.leads), misses: { ...this.misses } }
  }

  messageFigures(): MessageFigures {
    return { sent: this.sent, needless: this.needless }
  }
}

function tallyOf<K>(map: Map<K, Tally>, key: K): Tally {
  let tally = map.get(key)
  if (!tally) map.set(key, (tally = new Tally()))
  return tally
}

const byKey = <T>(entries: Iterable<[string, T]>): Array<[string, T]> => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

/** `tags`: each rule's tags (rules no longer stored have none). */
export function reachedFirstReport(
  window: { from: number; to: number },
  rows: { contacts: readonly ReachedContactRow[]; messages: readonly ProactiveMessageRow[] },
  tags: ReadonlyMap<string, readonly string[]>,
): ReachedFirstReport {
  const totals = new Tally()
  const rules = new Map<string, Tally>()
  const tagTallies = new Map<string, Tally>()
  const kinds = new Map<string, Tally>()
  const days = new Map<number, Tally>()
  // Per rule and per tag, by day: keyed `day|name` in one Map.
  const groupDays = new Map<string, Tally>()
  const dayKeys: number[] = []
  for (let t = Math.floor(window.from / DAY) * DAY; t < window.to; t += DAY) dayKeys.push(t)
  const dayStart = (ts: number): number => Math.floor(ts / DAY) * DAY
  const groups = (ruleId: string, ts: number): Tally[] => {
    const names = [`rule|${ruleId}`, ...(tags.get(ruleId) ?? []).map((tag) => `tag|${tag}`)]
    return [tallyOf(rules, ruleId), ...(tags.get(ruleId) ?? []).map((tag) => tallyOf(tagTallies, tag)), ...names.map((n) => tallyOf(groupDays, `${dayStart(ts)}|${n}`))]
  }

  for (const c of rows.contacts) {
    const rule = c.outcome === 'reached' ? c.reachedRule : c.missRule
    for (const tally of [totals, tallyOf(kinds, c.kind), tallyOf(days, dayStart(c.ts)), ...(rule === null ? [] : groups(rule, c.ts))]) tally.addContact(c)
  }
  for (const m of rows.messages) {
    for (const tally of [totals, tallyOf(days, dayStart(m.ts)), ...groups(m.ruleId, m.ts)]) tally.addMessage(m)
  }
  const daysOf = (tally: (t: number) => Tally | undefined): DayFigures[] =>
    dayKeys.map((t) => {
      const day = tally(t) ?? new Tally()
      return { t, ...day.figures(), ...day.messageFigures() }
    })
  return {
    from: window.from,
    to: window.to,
    totals: { ...totals.figures(), ...totals.messageFigures() },
    rules: byKey(rules).map(([ruleId, t]) => ({ ruleId, tags: [...(tags.get(ruleId) ?? [])], ...t.figures(), ...t.messageFigures(), channels: byKey(t.channels).map(([channel, n]) => ({ channel, reachedFirst: n })), days: daysOf((day) => groupDays.get(`${day}|rule|${ruleId}`)) })),
    tags: byKey(tagTallies).map(([tag, t]) => ({ tag, ...t.figures(), ...t.messageFigures(), days: daysOf((day) => groupDays.get(`${day}|tag|${tag}`)) })),
    kinds: byKey(kinds).map(([kind, t]) => ({ kind, ...t.figures() })),
    days: daysOf((day) => days.get(day)),
  }
}
