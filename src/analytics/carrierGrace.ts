// Grace learned per carrier: how long after its own estimate a carrier's parcels still arrive, as a
// percentile of (delivered at − shipping estimate) over recent deliveries (the history store's
// carrierLateness). A carrier with too little history gets none, so the rule's fixed grace applies.
// From the same rows: how many of each carrier's parcels were scanned out for delivery.
import type { CarrierLatenessRow } from '../store/history/HistoryStore.ts'

export interface CarrierGracePolicy {
  /** The percentile of lateness taken as the grace, in (0, 1). */
  quantile: number
  /** Fewer delivered parcels than this: no learned grace (the rule's own applies). */
  minParcels: number
  /** Bounds of a learned grace, ms: never before the estimate, never absurdly late. */
  minMs: number
  maxMs: number
  /** How far back deliveries count, ms. */
  windowMs: number
}

const HOUR = 3_600_000

export const DEFAULT_CARRIER_GRACE: CarrierGracePolicy = { quantile: 0.8, minParcels: 20, minMs: 0, maxMs: 48 * HOUR, windowMs: 90 * 24 * HOUR }

/**
 * Carrier name → share of its delivered parcels scanned out for delivery before they came, for the
 * carriers with enough history (the same minimum as the grace). A carrier that does not send such
 * scans has a share near 0: "no out-for-delivery scan by noon" says nothing about its parcels.
 */
export function learnedOutForDelivery(rows: readonly CarrierLatenessRow[], policy: CarrierGracePolicy = DEFAULT_CARRIER_GRACE): Map<string, number> {
  const share = new Map<string, number>()
  for (const row of rows) {
    if (row.carrier === '' || row.parcels < policy.minParcels || row.outForDelivery === undefined) continue
    share.set(row.carrier, Math.min(1, row.outForDelivery / row.parcels))
  }
  return share
}

/** Carrier name → learned grace (ms), for the carriers with enough history. */
export function learnedGrace(rows: readonly CarrierLatenessRow[], policy: CarrierGracePolicy = DEFAULT_CARRIER_GRACE): Map<string, number> {
  const grace = new Map<string, number>()
  for (const row of rows) {
    if (row.carrier === '' || row.parcels < policy.minParcels || !Number.isFinite(row.latenessMs)) continue
    grace.set(row.carrier, Math.min(policy.maxMs, Math.max(policy.minMs, Math.round(row.latenessMs))))
  }
  return grace
}
