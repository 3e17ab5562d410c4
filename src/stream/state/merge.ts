// Folds a sealed anonymous profile into the known shopper's state. Commutative in what it keeps
// (union of facts, the later of two copies), so the result does not depend on whether the known
// shopper's own events came before or after the merge.
import { dict, getOwn, setOwn, type CustomerState, type OrderState } from '../../model/customer.ts'
import { completedCheckouts, defaultRetention, recordOccurrence, rememberSeen, type RetentionPolicy } from './reducer.ts'

function laterOrder(a: OrderState, b: OrderState): OrderState {
  return b.updated_at > a.updated_at ? b : a
}

/** Folds `from` (the anonymous profile) into `into` (the known one), in place. */
export function foldProfile(into: CustomerState, from: CustomerState, anonymousId: string, policy: RetentionPolicy = defaultRetention): void {
  // The known profile's own traits win; the anonymous one only fills gaps.
  for (const [key, value] of Object.entries(from.traits)) if (getOwn(into.traits, key) === undefined) setOwn(into.traits, key, value)
  into.timezone ??= from.timezone
  into.locale ??= from.locale
  for (const [id, order] of Object.entries(from.orders)) {
    const mine = getOwn(into.orders, id)
    setOwn(into.orders, id, mine === undefined ? order : laterOrder(mine, order))
  }
  for (const [name, times] of Object.entries(from.counts)) for (const ts of times) recordOccurrence(into, name, ts, policy)
  const known = new Set(into.recent.map((r) => r.messageId))
  const recent = [...into.recent, ...from.recent.filter((r) => !known.has(r.messageId))]
  recent.sort((a, b) => a.ts - b.ts || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0))
  into.recent = recent.slice(-policy.recentEvents)
  for (const [id, checkout] of Object.entries(from.checkouts)) if (getOwn(into.checkouts, id) === undefined) setOwn(into.checkouts, id, checkout)
  for (const id of completedCheckouts(into)) delete into.checkouts[id]
  for (const [key, at] of Object.entries(from.firings)) setOwn(into.firings, key, Math.max(at, getOwn(into.firings, key) ?? at))
  for (const [key, date] of Object.entries(from.scheduled ?? {})) {
    const mine = getOwn(into.scheduled, key)
    if (mine === undefined || date > mine) setOwn((into.scheduled ??= dict()), key, date)
  }
  rememberSeen(into, from.seen, policy)
  into.mergedFrom = [...new Set([...(into.mergedFrom ?? []), anonymousId, ...(from.mergedFrom ?? [])])]
  into.version += from.version
  into.updatedAt = Math.max(into.updatedAt, from.updatedAt)
}
