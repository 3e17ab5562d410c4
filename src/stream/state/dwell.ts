// Server-derived dwell, for shops without the dwell script: a `Product Viewed` without `dwell_ms`
// lasted until the same shopper's next page or track event, when that came within the session
// gap. Pure: reads the customer's recent events (which already hold the event being applied).
import type { CustomerState, RecentEvent } from '../../model/customer.ts'
import { fieldText, ShopEventNames, type ShopEvent } from '../../model/event.ts'

/** A gap longer than this between two events of a shopper ends the session: no dwell spans it. */
export const DWELL_SESSION_GAP_MS = 30 * 60_000

/** A product view's dwell, measured on the server from the next event in its session. */
export interface DerivedDwell {
  /** `dwell:<the view's messageId>`: the same view always yields the same moment. */
  messageId: string
  view: RecentEvent
  dwellMs: number
  /** When the shopper left the page: the next event's time. */
  endedAt: number
}

/** Calls that say who someone is (identify, alias, group) rather than that they moved on end no view. */
const ENDS_VIEWS: ReadonlySet<string> = new Set(['track', 'page', 'screen'])
const NOT_ACTIVITY: ReadonlySet<string> = new Set([ShopEventNames.identify, ShopEventNames.alias, ShopEventNames.group])
const isActivity = (e: RecentEvent): boolean => !NOT_ACTIVITY.has(e.name)

/** Any dwell_ms the sender gave, even one rules cannot use, is theirs: careloop never replaces it. */
function hasDwell(properties: Record<string, unknown>): boolean {
  return Object.hasOwn(properties, 'dwell_ms') && properties.dwell_ms !== null && properties.dwell_ms !== undefined
}

const productOf = (e: RecentEvent): string | undefined => fieldText(Object.hasOwn(e.properties, 'product_id') ? e.properties.product_id : undefined)

const isOpenView = (e: RecentEvent): boolean => e.name === ShopEventNames.productViewed && !hasDwell(e.properties)

/** The time of the first activity after the view, if any is known. */
function nextActivity(recent: readonly RecentEvent[], view: RecentEvent): number | undefined {
  let next: number | undefined
  for (const e of recent) {
    if (e.messageId === view.messageId || !isActivity(e) || e.ts <= view.ts) continue
    if (next === undefined || e.ts < next) next = e.ts
  }
  return next
}

/** A measured dwell (the script's, or the shop's own) for the same product covers the view: it wins. */
function measuredElsewhere(recent: readonly RecentEvent[], view: RecentEvent, endedAt: number): boolean {
  const product = productOf(view)
  return recent.some(
    (e) => e.name === ShopEventNames.productViewed && hasDwell(e.properties) && productOf(e) === product && e.ts >= view.ts && e.ts <= endedAt,
  )
}

/** The view's dwell from what the state holds now, when it has an end and nothing measured it. */
function settle(recent: readonly RecentEvent[], view: RecentEvent, gapMs: number): DerivedDwell | undefined {
  const endedAt = nextActivity(recent, view)
  if (endedAt === undefined || endedAt - view.ts > gapMs || measuredElsewhere(recent, view, endedAt)) return undefined
  return { messageId: `dwell:${view.messageId}`, view, dwellMs: endedAt - view.ts, endedAt }
}

/**
 * The dwells the just-applied `event` settles: the open views it is the first later activity
 * of, and the event itself when it is an open view that arrived after its next activity.
 */
export function dwellsSettledBy(state: CustomerState, event: ShopEvent, gapMs = DWELL_SESSION_GAP_MS): DerivedDwell[] {
  if (!ENDS_VIEWS.has(event.type)) return []
  const out: DerivedDwell[] = []
  for (const view of state.recent) {
    if (!isOpenView(view)) continue
    const dwell = settle(state.recent, view, gapMs)
    // Only the event that completes the pair settles it, so each view is settled once.
    if (dwell !== undefined && (view.messageId === event.messageId || dwell.endedAt === event.ts)) out.push(dwell)
  }
  return out
}

/** The dwell of one view (by messageId) as the state holds it now: what a settled view is decided on. */
export function dwellOfView(state: CustomerState, viewMessageId: string, gapMs = DWELL_SESSION_GAP_MS): DerivedDwell | undefined {
  const view = state.recent.find((e) => e.messageId === viewMessageId)
  return view !== undefined && isOpenView(view) ? settle(state.recent, view, gapMs) : undefined
}
