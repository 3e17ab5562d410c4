// Consent as the send-time guard and the preference centre read it: the recorded choices of a
// shopper (per channel and topic, '*' wildcards), and the defaults for what nobody recorded.
// Lawful default: care about the shopper's own order may go out; marketing needs a recorded
// opt-in (GDPR art. 6/7, PIPL art. 13-14, ePrivacy art. 13 for email and SMS).
import type { Channel, Topic } from './channel.ts'

export interface ConsentChoice {
  channel: string
  topic: string
  status: 'opted_in' | 'opted_out'
  /** Where the choice came from (one-click, preferences, api, provider …). */
  source: string
  updatedAt: number
}

/** Per topic, the channels a shopper with no recorded choice may be sent; a channel left out needs an opt-in. */
export type ConsentDefaults = Record<Topic, Partial<Record<Channel, boolean>>>

export const LAWFUL_CONSENT_DEFAULTS: ConsentDefaults = {
  care: { email: true, sms: true, push: true, webhook: true, inapp: true, voice: true },
  marketing: {},
}

export type ConsentAnswer =
  | { allowed: true; basis: 'default' | 'opt-in'; choice?: ConsentChoice }
  | { allowed: false; reason: 'opted-out' | 'no-opt-in'; choice?: ConsentChoice }

const covers = (c: ConsentChoice, channel: string, topic: string): boolean =>
  (c.channel === channel || c.channel === '*') && (c.topic === topic || c.topic === '*')
/** ('*', '*') opted_in only lifts a stop-everything; it is not an opt-in to marketing. */
const isGlobal = (c: ConsentChoice): boolean => c.channel === '*' && c.topic === '*'

const defaultAllows = (defaults: ConsentDefaults, channel: string, topic: string): boolean => {
  const perChannel: Partial<Record<string, boolean>> | undefined = Object.hasOwn(defaults, topic) ? defaults[topic as Topic] : undefined
  return perChannel !== undefined && Object.hasOwn(perChannel, channel) && perChannel[channel] === true
}

/**
 * May a message on this channel about this topic go out? Any covering opt-out says no; otherwise
 * the topic's default for the channel, or else a covering recorded opt-in (the newest is named).
 */
export function consentAnswer(choices: readonly ConsentChoice[], channel: string, topic: string, defaults: ConsentDefaults): ConsentAnswer {
  const covering = choices.filter((c) => covers(c, channel, topic)).sort((a, b) => b.updatedAt - a.updatedAt)
  const out = covering.find((c) => c.status === 'opted_out')
  if (out) return { allowed: false, reason: 'opted-out', choice: out }
  const optIn = covering.find((c) => c.status === 'opted_in' && !isGlobal(c))
  if (optIn) return { allowed: true, basis: 'opt-in', choice: optIn }
  if (defaultAllows(defaults, channel, topic)) return { allowed: true, basis: 'default' }
  return { allowed: false, reason: 'no-opt-in' }
}
