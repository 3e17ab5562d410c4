// Send-time guards as one pure function: given a message, the shopper's contact record and
// competing messages, and the policy, say send / skip (with the guard and reason) / defer. The
// dispatcher gathers the inputs and applies the verdict; nothing here does IO.
import { parseDuration } from '../../lib/duration.ts'
import type { Channel } from '../../model/channel.ts'
import type { ConsentAnswer } from '../../model/consent.ts'
import type { Contact } from '../../store/operational/ContactStore.ts'
import { dayBounds, localTime, quietUntil, usableZone } from './calendar.ts'
import { digestSetting, type GuardPolicy } from './policy.ts'

export type GuardName = 'consent' | 'quiet_hours' | 'conflict' | 'human_contact' | 'cap_day' | 'cap_channel'

/** What the guards need to know about a message (an outbox row). */
export interface GuardedMessage {
  id: string
  idempotencyKey: string
  channel: Channel
  topic: string
  ruleId: string
  priority: number
  urgent: boolean
  createdAt: number
}

export interface GuardInput {
  message: GuardedMessage
  /** The shopper's time zone from the profile (may be missing or invalid). */
  timezone: string | undefined
  now: number
  /** The shopper's consent to this channel and topic (src/model/consent.ts). */
  consent: ConsentAnswer
  /** The shopper's other messages still pending or being sent. */
  competitors: readonly GuardedMessage[]
  /** The shopper's contacts since at least the start of yesterday (UTC-14), oldest first. */
  contacts: readonly Contact[]
}

export type GuardVerdict =
  | { verdict: 'send' }
  | { verdict: 'skip'; guard: GuardName; reason: string; suppressedBy?: string }
  | { verdict: 'defer'; guard: 'quiet_hours'; until: number; reason: string }

/** The decision a nudge belongs to: its idempotency key without the action suffix. */
export const signalOfKey = (idempotencyKey: string): string => idempotencyKey.replace(/:a\d+(?::fallback)?$/, '')

/** Urgent first, then rule priority, then the earlier decision, then the id (total order). */
export function outranks(a: GuardedMessage, b: GuardedMessage): boolean {
  if (a.urgent !== b.urgent) return a.urgent
  if (a.priority !== b.priority) return a.priority > b.priority
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt
  return a.id < b.id
}

/** How far back the dispatcher must load contacts: enough for any time zone's "today" and the conflict window. */
export function contactHorizon(now: number, policy: GuardPolicy): number {
  return now - Math.max(2 * 86_400_000, conflictWindowMs(policy))
}

/** The schema's pattern guarantees a parseable duration; 0 if a hand-edited setting is not. */
export const conflictWindowMs = (policy: GuardPolicy): number => parseDuration(policy.conflictWindow) ?? 0

export function evaluateGuards(input: GuardInput, policy: GuardPolicy): GuardVerdict {
  const { message, now } = input
  if (!input.consent.allowed) {
    const reason = input.consent.reason === 'opted-out' ? `opted out of ${message.channel} (${message.topic})` : `no recorded opt-in to ${message.channel} (${message.topic})`
    return { verdict: 'skip', guard: 'consent', reason }
  }
  const interruptive = (channel: string): boolean => (policy.interruptive as string[]).includes(channel)
  if (!interruptive(message.channel)) return { verdict: 'send' }
  const zone = usableZone(input.timezone, policy.defaultTimezone)

  if (policy.quietHours && !message.urgent) {
    const until = quietUntil(now, zone, policy.quietHours.start, policy.quietHours.end)
    if (until !== undefined) {
      return { verdict: 'defer', guard: 'quiet_hours', until, reason: `quiet hours ${policy.quietHours.start}-${policy.quietHours.end} in ${zone}; waits until ${localTime(until, zone)}` }
    }
  }

  const windowMs = conflictWindowMs(policy)
  const signal = signalOfKey(message.idempotencyKey)
  const rival = (other: { idempotencyKey?: string; sourceId?: string }): boolean => signalOfKey(other.idempotencyKey ?? other.sourceId ?? '') !== signal
  // A waiting message that shares a digest with this one does not compete with it: due together
  // they go as one message. One already sent still does (the conflict window keeps it alone).
  const digested = digestSetting(policy, message.topic, message.channel) !== undefined
  const companion = (other: GuardedMessage): boolean => digested && other.channel === message.channel && other.topic === message.topic
  // Named after the top-ranked rival: that is the message that goes out.
  let winner: GuardedMessage | undefined
  for (const other of input.competitors) {
    if (other.id === message.id || !interruptive(other.channel) || !rival(other) || companion(other)) continue
    if (Math.abs(other.createdAt - message.createdAt) > windowMs) continue
    if (outranks(other, winner ?? message)) winner = other
  }
  if (winner) {
    return { verdict: 'skip', guard: 'conflict', suppressedBy: winner.id, reason: `suppressed by ${winner.channel} message of rule ${winner.ruleId} (priority ${winner.priority}${winner.urgent ? ', urgent' : ''})` }
  }
  if (!message.urgent) {
    for (const sent of input.contacts) {
      if (sent.kind !== 'automated' || sent.id === message.id || !interruptive(sent.channel) || !rival(sent)) continue
      if (sent.at < now - windowMs || sent.priority < message.priority) continue
      return { verdict: 'skip', guard: 'conflict', suppressedBy: sent.id, reason: `suppressed by ${sent.channel} message of rule ${sent.actor} sent ${Math.round((now - sent.at) / 1000)}s ago` }
    }
  }

  const day = dayBounds(now, zone)
  const today = input.contacts.filter((c) => c.id !== message.id && c.at >= day.start && c.at < day.end && (c.kind === 'human' || interruptive(c.channel)))
  if (message.urgent) return { verdict: 'send' }
  const human = today.find((c) => c.kind === 'human')
  if (policy.humanContactQuietsDay && human) {
    return { verdict: 'skip', guard: 'human_contact', suppressedBy: human.id, reason: `${human.actor} contacted the shopper by ${human.channel} today (${localTime(human.at, zone)})` }
  }
  const perChannel = policy.caps.perChannel[message.channel]
  const onChannel = today.filter((c) => c.channel === message.channel).length
  if (perChannel !== undefined && onChannel >= perChannel) {
    return { verdict: 'skip', guard: 'cap_channel', reason: `${onChannel} ${message.channel} contact(s) today in ${zone}, cap ${perChannel}` }
  }
  if (policy.caps.perDay !== null && today.length >= policy.caps.perDay) {
    return { verdict: 'skip', guard: 'cap_day', reason: `${today.length} contact(s) today in ${zone}, cap ${policy.caps.perDay}` }
  }
  return { verdict: 'send' }
}
