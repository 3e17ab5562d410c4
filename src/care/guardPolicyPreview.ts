// What a draft guard policy would change, before it is saved: the messages queued over the last
// days are run through the quiet hours and caps of the current policy and of the draft, in the
// order they would have gone out, and the outcomes compared per message.
//
// Not an exact re-run: consent, conflicts and agents' contacts are taken as they were (a message
// those guards skipped stays skipped, agents' calls do not count toward the caps), and the
// current policy's outcome is modelled the same way so that only the policy differs. `agreement`
// says how often that model matches what really happened.
import { dayBounds, quietUntil, usableZone } from '../channels/guards/calendar.ts'
import type { GuardPolicy } from '../channels/guards/policy.ts'
import type { GuardedMessageRow, HistoryStore } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'

export interface GuardPreviewDeps {
  history: Pick<HistoryStore, 'guardedMessages'>
  ops: { rules: Pick<OperationalStore['rules'], 'version'>; engine: Pick<OperationalStore['engine'], 'loadStates'> }
}

export interface GuardPreviewInput {
  current: GuardPolicy
  draft: GuardPolicy
  from: number
  to: number
  /** Most messages read from history; the preview says when it stopped there. */
  limit: number
}

/** held: the draft holds what the current policy let through; released: the reverse; delayed / undelayed: quiet hours likewise. */
export const PREVIEW_CHANGES = ['held', 'released', 'delayed', 'undelayed'] as const
export type PreviewChange = (typeof PREVIEW_CHANGES)[number]
type Outcome = 'sent' | 'delayed' | 'held'
type Counts = Record<PreviewChange, number>

export interface GuardPreview {
  from: number
  to: number
  /** Messages the comparison covers, and those left as they were (by the guard that skipped them, or 'not_sent'). */
  messages: number
  unchanged: Array<{ reason: string; messages: number }>
  /** History held more messages than `limit`: only the earliest were read. */
  truncated: boolean
  /** Messages whose modelled outcome under the current policy is what really happened. */
  agreement: { matched: number; of: number }
  changes: Counts
  byTopicChannel: Array<{ topic: string; channel: string; messages: number } & Counts>
  /** A few messages of each change, for ops to look up the shoppers. */
  examples: Array<{ change: PreviewChange; customerId: string; channel: string; topic: string; ruleId: string; queuedAt: number }>
}

export interface Candidate {
  row: GuardedMessageRow
  topic: string
  urgent: boolean
  zone: string | undefined
  /** What really happened. */
  actual: Outcome
}

const CAP_GUARDS = new Set(['cap_day', 'cap_channel'])
const EXAMPLES_PER_CHANGE = 3
const STATE_CHUNK = 1000

/** Each candidate's outcome under one policy: quiet hours move it, then caps count per local day in send order. */
export function simulate(candidates: readonly Candidate[], policy: GuardPolicy): Outcome[] {
  const interruptive = new Set<string>(policy.interruptive)
  const timed = candidates.map((c, i) => {
    const zone = usableZone(c.zone, policy.defaultTimezone)
    const quiet = interruptive.has(c.row.channel) && !c.urgent && policy.quietHours ? quietUntil(c.row.queuedAt, zone, policy.quietHours.start, policy.quietHours.end) : undefined
    return { i, zone, at: quiet ?? c.row.queuedAt, delayed: quiet !== undefined }
  })
  timed.sort((a, b) => a.at - b.at || a.i - b.i)
  const outcomes: Outcome[] = new Array<Outcome>(candidates.length)
  // Contacts so far per shopper and local day: all interruptive channels, and per channel.
  const days = new Map<string, { total: number; channels: Map<string, number> }>()
  for (const t of timed) {
    const c = candidates[t.i] as Candidate
    const { channel } = c.row
    if (!interruptive.has(channel)) {
      outcomes[t.i] = 'sent'
      continue
    }
    const key = `${c.row.customerId}\u0000${dayBounds(t.at, t.zone).start}`
    let day = days.get(key)
    if (day === undefined) days.set(key, (day = { total: 0, channels: new Map() }))
    const onChannel = day.channels.get(channel) ?? 0
    const perChannel = Object.hasOwn(policy.caps.perChannel, channel) ? policy.caps.perChannel[channel as keyof typeof policy.caps.perChannel] : undefined
    const capped = !c.urgent && ((perChannel !== undefined && onChannel >= perChannel) || (policy.caps.perDay !== null && day.total >= policy.caps.perDay))
    if (capped) {
      outcomes[t.i] = 'held'
      continue
    }
    day.total++
    day.channels.set(channel, onChannel + 1)
    outcomes[t.i] = t.delayed ? 'delayed' : 'sent'
  }
  return outcomes
}

function changeOf(before: Outcome, after: Outcome): PreviewChange | undefined {
  if (before === after) return undefined
  if (after === 'held') return 'held'
  if (before === 'held') return 'released'
  return after === 'delayed' ? 'delayed' : 'undelayed'
}

/** The topic and urgency of the nudge a rule version sends on this channel with this template (documents are read defensively). */
function nudgeOf(document: unknown, channel: string, template: string): { topic: string; urgent: boolean } {
  const actions = typeof document === 'object' && document !== null ? (document as { actions?: unknown }).actions : undefined
  for (const action of Array.isArray(actions) ? actions : []) {
    const a = action as { nudge?: Record<string, unknown>; task?: { fallback?: { nudge?: Record<string, unknown> } } } | null
    for (const n of [a?.nudge, a?.task?.fallback?.nudge]) {
      if (n && n['channel'] === channel && n['template'] === template) return { topic: n['topic'] === 'marketing' ? 'marketing' : 'care', urgent: n['urgent'] === true }
    }
  }
  return { topic: 'care', urgent: false }
}

async function timeZones(deps: GuardPreviewDeps, customerIds: readonly string[]): Promise<Map<string, string | undefined>> {
  const zones = new Map<string, string | undefined>()
  for (let i = 0; i < customerIds.length; i += STATE_CHUNK) {
    const states = await deps.ops.engine.loadStates(customerIds.slice(i, i + STATE_CHUNK))
    for (const [id, state] of states) zones.set(id, state.timezone)
  }
  return zones
}

const zeros = (): Counts => ({ held: 0, released: 0, delayed: 0, undelayed: 0 })

export async function previewGuardPolicy(deps: GuardPreviewDeps, input: GuardPreviewInput): Promise<GuardPreview> {
  const rows = await deps.history.guardedMessages(input.from, input.to, input.limit + 1)
  const truncated = rows.length > input.limit
  if (truncated) rows.length = input.limit
  const unchanged = new Map<string, number>()
  const kept: GuardedMessageRow[] = []
  for (const row of rows) {
    const capped = CAP_GUARDS.has(row.skippedBy)
    if (row.sent || capped || (row.deferred && row.skippedBy === '')) kept.push(row)
    else unchanged.set(row.skippedBy || 'not_sent', (unchanged.get(row.skippedBy || 'not_sent') ?? 0) + 1)
  }
  const zones = await timeZones(deps, [...new Set(kept.map((r) => r.customerId))])
  const nudges = new Map<string, { topic: string; urgent: boolean }>()
  const candidates: Candidate[] = []
  for (const row of kept) {
    const key = `${row.ruleId}\u0000${row.ruleVersion}\u0000${row.channel}\u0000${row.template}`
    let nudge = nudges.get(key)
    if (nudge === undefined) {
      const version = row.ruleId === '' ? undefined : await deps.ops.rules.version(row.ruleId, row.ruleVersion)
      nudges.set(key, (nudge = nudgeOf(version?.document, row.channel, row.template)))
    }
    const actual: Outcome = CAP_GUARDS.has(row.skippedBy) ? 'held' : row.deferred ? 'delayed' : 'sent'
    candidates.push({ row, ...nudge, zone: zones.get(row.customerId), actual })
  }
  const before = simulate(candidates, input.current)
  const after = simulate(candidates, input.draft)
  const changes = zeros()
  const groups = new Map<string, { topic: string; channel: string; messages: number } & Counts>()
  const examples: GuardPreview['examples'] = []
  let matched = 0
  candidates.forEach((c, i) => {
    const was = before[i] as Outcome
    if (was === c.actual) matched++
    const key = `${c.topic}\u0000${c.row.channel}`
    let group = groups.get(key)
    if (group === undefined) groups.set(key, (group = { topic: c.topic, channel: c.row.channel, messages: 0, ...zeros() }))
    group.messages++
    const change = changeOf(was, after[i] as Outcome)
    if (change === undefined) return
    changes[change]++
    group[change]++
    if (examples.filter((e) => e.change === change).length < EXAMPLES_PER_CHANGE) {
      examples.push({ change, customerId: c.row.customerId, channel: c.row.channel, topic: c.topic, ruleId: c.row.ruleId, queuedAt: c.row.queuedAt })
    }
  })
  return {
    from: input.from,
    to: input.to,
    messages: candidates.length,
    unchanged: [...unchanged].map(([reason, messages]) => ({ reason, messages })).sort((a, b) => b.messages - a.messages || (a.reason < b.reason ? -1 : 1)),
    truncated,
    agreement: { matched, of: candidates.length },
    changes,
    byTopicChannel: [...groups.values()].sort((a, b) => (a.topic === b.topic ? (a.channel < b.channel ? -1 : 1) : a.topic < b.topic ? -1 : 1)),
    examples,
  }
}
