// Typed e-commerce properties: for the events careloop understands, the properties its state and
// starter rules rely on must be usable, or the message is refused with the field path. A date
// careloop cannot read would otherwise arm no timer and a text amount would compare as nothing,
// and the shop would never learn why no care happened.
import { ShopEventNames as E } from '../model/event.ts'
import type { FieldError } from '../rules/conditions.ts'

type Check = (value: unknown) => string | undefined

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i
const DECIMAL = /^-?\d+(?:\.\d+)?$/

/** Text of a value for an error message, shortened. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/** An ISO-8601 date or date-time that Date can read. */
export function isIsoDateTime(text: string): boolean {
  return ISO_DATE_TIME.test(text) && !Number.isNaN(Date.parse(text))
}

/** 9999-12-31T23:59:59.999Z, the last instant a four-digit year names. */
const LATEST_MS = 253_402_300_799_999

/** Whether epoch milliseconds can be kept: history, timers and signals store times as milliseconds since 1970. */
export const storableTime = (ms: number): boolean => ms >= 0 && ms <= LATEST_MS

const date: Check = (v) => {
  const ms = typeof v === 'string' && isIsoDateTime(v) ? Date.parse(v) : typeof v === 'number' && Number.isFinite(v) ? v : undefined
  if (ms === undefined) return `must be an ISO-8601 date-time (e.g. 2026-07-01T18:00:00Z) or epoch milliseconds, got ${shown(v)}`
  return storableTime(ms) ? undefined : `must lie between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z, got ${shown(v)}`
}

const amount: Check = (v) =>
  (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && DECIMAL.test(v))
    ? undefined
    : `must be a number such as 1200.00 (no thousands separators or currency signs), got ${shown(v)}`

const count: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : `must be a number of 0 or more, got ${shown(v)}`)

const id: Check = (v) =>
  (typeof v === 'string' && v.length > 0 && v.length <= 200) || (typeof v === 'number' && Number.isFinite(v))
    ? undefined
    : `must be a non-empty text (at most 200 characters) or a number, got ${shown(v)}`

const currency: Check = (v) => (typeof v === 'string' && /^[A-Za-z]{3}$/.test(v) ? undefined : `must be a three-letter ISO 4217 code such as EUR, got ${shown(v)}`)

/** Properties checked whenever present on a known e-commerce event. */
const TYPED = new Map<string, Check>([
  ['order_id', id],
  ['checkout_id', id],
  ['cart_id', id],
  ['product_id', id],
  ['total', amount],
  ['revenue', amount],
  ['value', amount],
  ['price', amount],
  ['amount', amount],
  ['subtotal', amount],
  ['shipping', amount],
  ['tax', amount],
  ['discount', amount],
  ['quantity', count],
  ['dwell_ms', count],
  ['currency', currency],
  ['estimated_delivery_at', date],
  ['promised_delivery_at', date],
])

/** Properties that must be there: the entity the starter rules and the state key on. */
const REQUIRED = new Map<string, readonly string[]>([
  [E.orderCompleted, ['order_id']],
  [E.orderShipped, ['order_id']],
  [E.shipmentUpdated, ['order_id']],
  [E.orderDelivered, ['order_id']],
  [E.orderRefunded, ['order_id']],
  [E.orderCancelled, ['order_id']],
  [E.returnRequested, ['order_id']],
])

/** Either of these must be there. */
const ONE_OF = new Map<string, readonly string[]>([
  [E.checkoutStarted, ['checkout_id', 'cart_id']],
  [E.paymentFailed, ['order_id', 'checkout_id']],
])

const COMMERCE = new Set<string>(Object.values(E).filter((n) => n !== E.identify && n !== E.pageViewed && n !== E.screenViewed && n !== E.alias && n !== E.group))

/** Names of the track events whose properties are typed. */
export const TYPED_EVENTS: ReadonlySet<string> = COMMERCE

/** Every problem with the properties of a known e-commerce track event; none for other events. */
export function commerceErrors(event: string, properties: unknown, path: string): FieldError[] {
  if (!COMMERCE.has(event)) return []
  const p = properties !== null && typeof properties === 'object' && !Array.isArray(properties) ? (properties as Record<string, unknown>) : {}
  const has = (key: string) => Object.hasOwn(p, key) && p[key] !== null && p[key] !== undefined
  const errors: FieldError[] = []
  for (const key of REQUIRED.get(event) ?? []) {
    if (!has(key)) errors.push({ path: `${path}/${key}`, message: `is required for "${event}"` })
  }
  const either = ONE_OF.get(event)
  if (either && !either.some(has)) errors.push({ path: `${path}/${either[0]}`, message: `"${event}" needs ${either.join(' or ')}` })
  for (const key of Object.keys(p)) {
    const check = TYPED.get(key)
    if (check === undefined || !has(key)) continue
    const problem = check(p[key])
    if (problem !== undefined) errors.push({ path: `${path}/${key}`, message: problem })
  }
  return errors
}
