// A care digest: several nudges for one shopper that went out as one message (docs/digest.md).
// Its id is derived from the outbox ids it carries, so the same set gives the same id (and the
// same Message-ID) on a retry. Each carried message's "sent" delivery names the digest in its
// detail; the explain API, replay lines and the reached-first report read it back from there.
import { stableHash } from '../lib/hash.ts'

/** The email template a digest is rendered with. */
export const DIGEST_TEMPLATE = 'care-digest'

export const digestIdFor = (outboxIds: readonly string[]): string => stableHash(`digest:${[...outboxIds].sort().join(',')}`, 16)

/** "delayed-shipment" → "delayedShipment". */
export const templateKind = (template: string): string => template.replace(/[-_.]+([a-z0-9])/g, (_, c: string) => c.toUpperCase())

/** The detail of a carried message's "sent" delivery: `digest <id> of <n>[ · <provider message id>]`. */
export function digestDetail(digestId: string, count: number, providerMessageId: string | undefined): string {
  return `digest ${digestId} of ${count}${providerMessageId ? ` · ${providerMessageId}` : ''}`
}

const DETAIL = /^digest ([0-9a-f]+) of (\d+)/

/** The digest a "sent" delivery detail names, if any. */
export function digestOfDetail(detail: string): { id: string; count: number } | undefined {
  const m = DETAIL.exec(detail)
  return m ? { id: m[1] as string, count: Number(m[2]) } : undefined
}
