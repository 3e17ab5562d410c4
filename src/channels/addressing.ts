// A nudge needs an address for its channel. One decided while the shopper could not be reached
// yet (browsing anonymously, or known without an email) waits for one: at send time it is
// addressed to the shopper as known now — through the identity map when the anonymous shopper
// has logged in since — and goes out with every guard checked then. After the wait it is skipped
// with the reason (docs/identity.md).
import { formatDuration } from '../lib/duration.ts'
import { anonymousIdOf } from '../model/identity.ts'
import { ADDRESS_GUARD, hasAddress, readdressed } from '../model/outbox.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import type { OutboxRecord } from '../store/operational/OutboxStore.ts'

export const DEFAULT_ADDRESS_WAIT_MS = 24 * 3_600_000
/** How often a waiting message looks again for an address. */
export const ADDRESS_RECHECK_MS = 5 * 60_000
export { ADDRESS_GUARD }

export type Addressing =
  /** `message` is addressed (and, after a merge, belongs to the known shopper); `aliases` are its other ids. */
  | { verdict: 'send'; message: OutboxRecord; aliases: string[] }
  | { verdict: 'wait'; until: number; reason: string }
  | { verdict: 'skip'; reason: string }

export async function addressMessage(ops: OperationalStore, message: OutboxRecord, now: number, waitMs: number = DEFAULT_ADDRESS_WAIT_MS): Promise<Addressing> {
  const anonymousId = anonymousIdOf(message.customerId)
  const knownId = anonymousId === undefined ? undefined : await ops.identity.knownIdOf(anonymousId)
  // After a merge every message decided for the anonymous id belongs to the known shopper (their
  // inbox, contact record and caps); a no given under the anonymous id still counts.
  const aliases = knownId === undefined ? [] : [message.customerId]
  const customerId = knownId ?? message.customerId
  if (hasAddress(message.channel, message.payload.to)) return { verdict: 'send', message: { ...message, customerId }, aliases }
  const state = (await ops.engine.loadStates([customerId])).get(customerId)
  if (state !== undefined) {
    const payload = readdressed(message.payload, state)
    if (hasAddress(message.channel, payload.to)) return { verdict: 'send', message: { ...message, customerId, payload }, aliases }
  }
  const missing = `no ${message.channel} address for this shopper`
  const deadline = message.createdAt + waitMs
  if (now >= deadline) return { verdict: 'skip', reason: `${missing} after waiting ${formatDuration(waitMs)}` }
  return { verdict: 'wait', until: Math.min(deadline, now + ADDRESS_RECHECK_MS), reason: `${missing} yet` }
}

/**
 * Who each message is for now: the known id for a merged anonymous id, else its own. The dispatcher
 * runs one person's messages in turn under this id, so caps and conflicts see them all.
 */
export async function currentCustomerIds(ops: Pick<OperationalStore, 'identity'>, customerIds: Iterable<string>): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const id of new Set(customerIds)) {
    const anonymousId = anonymousIdOf(id)
    out.set(id, (anonymousId === undefined ? undefined : await ops.identity.knownIdOf(anonymousId)) ?? id)
  }
  return out
}
