// Compact signed tokens for links careloop puts in messages (unsubscribe, preferences, talk to a
// person, click and open tracking, provider callbacks). HMAC-SHA256 over purpose + payload, so a
// token minted for one purpose is worthless for another; no expiry because a shopper must be able
// to unsubscribe from an old message.
import { createHmac, timingSafeEqual } from 'node:crypto'

export type TokenPurpose = 'unsubscribe' | 'preferences' | 'talk' | 'click' | 'open' | 'callback' | 'survey'

function mac(secret: string, purpose: TokenPurpose, body: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}.${body}`).digest().subarray(0, 18)
}

/** `<base64url(JSON payload)>.<base64url(mac)>`: URL-safe, no padding. */
export function signToken(secret: string, purpose: TokenPurpose, payload: Record<string, string>): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
  return `${body}.${mac(secret, purpose, body).toString('base64url')}`
}

/** The payload, or undefined when the token is malformed or not signed by this secret for this purpose. */
export function verifyToken<T extends Record<string, string>>(secret: string, purpose: TokenPurpose, token: string): T | undefined {
  const dot = token.indexOf('.')
  if (dot <= 0 || token.length > 4096) return undefined
  const body = token.slice(0, dot)
  const given = Buffer.from(token.slice(dot + 1), 'base64url')
  const expected = mac(secret, purpose, body)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
  try {
    const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined
    for (const value of Object.values(payload)) if (typeof value !== 'string') return undefined
    return payload as T
  } catch {
    return undefined
  }
}
