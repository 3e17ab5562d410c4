// The links careloop adds to every message, signed so they work without a login and cannot be
// forged: one-click unsubscribe (RFC 8058), preferences, "talk to a person", click and open
// tracking, and provider status callbacks. The public routes that answer them live in
// src/api/routes/links.ts and verify with the same secret.
import { signToken, verifyToken } from '../lib/signedToken.ts'

export interface LinkSettings {
  /** careloop's public base URL (e.g. https://care.shop.example); read at send time. */
  publicUrl: () => string
  /** HMAC secret for link tokens. */
  secret: string
}

export const LINK_ROUTES = {
  unsubscribe: '/l/u/',
  preferences: '/l/p/',
  talk: '/l/t/',
  talkByPhone: '/l/tp/',
  click: '/l/c/',
  open: '/l/o/',
  callback: '/l/cb/',
  survey: '/l/s/',
} as const

/** Link names the dispatcher adds itself (never click-tracked or overwritten). */
export const SYSTEM_LINKS = ['unsubscribe', 'preferences', 'talkToPerson', 'talkByPhone', 'openPixel'] as const

const base = (s: LinkSettings): string => s.publicUrl().replace(/\/+$/, '')

export interface UnsubscribeToken extends Record<string, string> {
  customerId: string
  channel: string
  topic: string
}

export const unsubscribeUrl = (s: LinkSettings, t: UnsubscribeToken): string =>
  `${base(s)}${LINK_ROUTES.unsubscribe}${signToken(s.secret, 'unsubscribe', t)}`
export const preferencesUrl = (s: LinkSettings, customerId: string): string =>
  `${base(s)}${LINK_ROUTES.preferences}${signToken(s.secret, 'preferences', { customerId })}`
export const talkUrl = (s: LinkSettings, outboxId: string): string => `${base(s)}${LINK_ROUTES.talk}${signToken(s.secret, 'talk', { outboxId })}`
/** Where the phone robot's "press 1 to be called back" goes (Twilio posts the key pressed). */
export const talkByPhoneUrl = (s: LinkSettings, outboxId: string): string => `${base(s)}${LINK_ROUTES.talkByPhone}${signToken(s.secret, 'talk', { outboxId })}`
export const clickUrl = (s: LinkSettings, outboxId: string, name: string, target: string): string =>
  `${base(s)}${LINK_ROUTES.click}${signToken(s.secret, 'click', { outboxId, name, target })}`
export const openPixelUrl = (s: LinkSettings, outboxId: string): string => `${base(s)}${LINK_ROUTES.open}${signToken(s.secret, 'open', { outboxId })}`
/** Where a provider (SMS, voice) posts status updates for one message. */
export const callbackUrl = (s: LinkSettings, provider: string, outboxId: string): string =>
  `${base(s)}${LINK_ROUTES.callback}${provider}/${signToken(s.secret, 'callback', { outboxId, provider })}`

/** A satisfaction-survey link; with a score (1–5) it is a one-click answer. */
export const surveyUrl = (s: LinkSettings, surveyId: string, score?: number): string =>
  `${base(s)}${LINK_ROUTES.survey}${signToken(s.secret, 'survey', score === undefined ? { surveyId } : { surveyId, score: String(score) })}`

export const readUnsubscribe = (secret: string, token: string) => verifyToken<UnsubscribeToken>(secret, 'unsubscribe', token)
export const readPreferences = (secret: string, token: string) => verifyToken<{ customerId: string }>(secret, 'preferences', token)
export const readTalk = (secret: string, token: string) => verifyToken<{ outboxId: string }>(secret, 'talk', token)
export const readClick = (secret: string, token: string) => verifyToken<{ outboxId: string; name: string; target: string }>(secret, 'click', token)
export const readOpen = (secret: string, token: string) => verifyToken<{ outboxId: string }>(secret, 'open', token)
export const readCallback = (secret: string, token: string) => verifyToken<{ outboxId: string; provider: string }>(secret, 'callback', token)
export const readSurvey = (secret: string, token: string) => verifyToken<{ surveyId: string; score?: string }>(secret, 'survey', token)

export interface MessageIdentity {
  outboxId: string
  customerId: string
  channel: string
  topic: string
}

/**
 * The message's links as sent: every link the decision put in (product, order, checkout …) made
 * click-tracked, plus unsubscribe, preferences, "talk to a person" and the open pixel.
 */
export function decorateLinks(s: LinkSettings, message: MessageIdentity, links: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, target] of Object.entries(links)) {
    if ((SYSTEM_LINKS as readonly string[]).includes(name)) continue
    out[name] = /^https?:\/\//i.test(target) ? clickUrl(s, message.outboxId, name, target) : target
  }
  out.unsubscribe = unsubscribeUrl(s, { customerId: message.customerId, channel: message.channel, topic: message.topic })
  out.preferences = preferencesUrl(s, message.customerId)
  out.talkToPerson = talkUrl(s, message.outboxId)
  if (message.channel === 'voice') out.talkByPhone = talkByPhoneUrl(s, message.outboxId)
  out.openPixel = openPixelUrl(s, message.outboxId)
  return out
}
