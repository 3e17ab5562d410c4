// A messageId for a message that came without one (Segment's API makes it optional): a digest of
// the message's content, so a client resending the same message is recognised as a duplicate.
import { stableHash } from '../lib/hash.ts'

/**
 * Fields left out of the digest: they change when the same message is sent again (`sentAt` is
 * stamped at each flush, `receivedAt` by a relay, `_metadata` is the library's bookkeeping) or
 * are the id itself.
 */
export const DERIVED_ID_EXCLUDED = ['messageId', 'sentAt', 'receivedAt', '_metadata'] as const

const excluded = new Set<string>(DERIVED_ID_EXCLUDED)

/** JSON with object keys in sorted order at every level: equal content, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.keys(value)
    .sort()
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
  return `{${entries.join(',')}}`
}

/** `derived-` + 32 hex digits of SHA-256 over the canonical JSON of the message without the excluded fields. */
export function deriveMessageId(message: Readonly<Record<string, unknown>>): string {
  const content: Record<string, unknown> = Object.create(null)
  for (const key of Object.keys(message)) if (!excluded.has(key)) content[key] = message[key]
  return `derived-${stableHash(canonicalJson(content))}`
}
