// Standard Webhooks signing (https://www.standardwebhooks.com): HMAC-SHA256 with the shared
// secret over "<webhook-id>.<webhook-timestamp>.<body>", sent as "v1,<base64>".
import { createHmac } from 'node:crypto'

const PREFIX = 'whsec_'
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** The key bytes of a `whsec_<base64>` secret; a clear Error for anything else (checked at startup). */
export function parseWebhookSecret(secret: string): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(PREFIX)) throw new Error('webhook: secret must look like whsec_<base64 key> (Standard Webhooks format)')
  const encoded = secret.slice(PREFIX.length)
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) throw new Error('webhook: the part of the secret after whsec_ is not valid base64')
  const key = Buffer.from(encoded, 'base64')
  // The spec asks for 24 to 64 random bytes; shorter keys are too easy to guess.
  if (key.length < 24 || key.length > 64) throw new Error(`webhook: the secret key must be 24 to 64 bytes, got ${key.length}`)
  return key
}

export function signWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`
}
