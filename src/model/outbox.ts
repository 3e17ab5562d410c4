// The outbox vocabulary: what a queued message carries so its channel can address and render it
// at send time (recipient, locale, template variables), and how those variables are built from
// the moment a decision is about.
import type { Channel, Topic } from './channel.ts'
import type { CustomerState, OrderState } from './customer.ts'
import { filledFieldText, type ShopEvent } from './event.ts'

export interface ShopInfo {
  name: string
  url: string
}

export interface Recipient {
  email?: string
  phone?: string
  name?: string
  /** Device registration token for push (FCM), from the profile trait push_token. */
  pushToken?: string
}

/** Template variables available to every message template. */
export interface MessageVars {
  customer: { id: string; name?: string; email?: string; phone?: string; locale: string; timezone?: string; traits: Record<string, unknown> }
  /** The order the moment is about, when there is one (snake_case fields as in the event contract; times in epoch ms). */
  order?: Record<string, unknown>
  /** The triggering event (for timers: the event that armed it). */
  event: { name: string; ts: number; properties: Record<string, unknown> }
  links: Record<string, string>
  shop: ShopInfo
  /**
   * Delivery dates kept apart so messages never call a missed date an estimate: the promise
   * (promised date, else the first estimate) and a carrier's new estimate, only when it is later
   * than the promise and still ahead.
   */
  delivery?: { promisedAt?: number; newEstimateAt?: number }
  /** A digest's items (src/model/digest.ts); only in the message a digest is rendered from. */
  digest?: DigestVars
}

/** One carried nudge as its template sees it: its own order, event, dates and links. */
export interface DigestItemVars {
  /** The template the nudge would have gone out with alone. */
  template: string
  /** `kind.<camelCase template>` is true, so a digest template can branch per kind without helpers. */
  kind: Record<string, boolean>
  order?: Record<string, unknown>
  delivery?: MessageVars['delivery']
  event: MessageVars['event']
  links: Record<string, string>
}

export interface DigestVars {
  id: string
  count: number
  items: DigestItemVars[]
}

/** What an outbox row carries so the channel can address and render it at send time. */
export interface OutboxPayload {
  locale: string
  to: Recipient
  vars: MessageVars
  /** Ask a satisfaction question with the message (the dispatcher adds the survey links). */
  survey?: boolean
}

/** The nudge an escalated task may send instead of a person (from the rule's task fallback). */
export interface FallbackNudge {
  channel: Channel
  template: string
  topic: Topic
  payload: OutboxPayload
}

/** The moment a message is about: the shopper after the event, the event, its order, its time. */
export interface MessageMoment {
  state: CustomerState
  event: ShopEvent
  order: OrderState | undefined
  at: number
}

export function recipientOf(state: CustomerState): Recipient {
  const { traits } = state
  return { email: filledFieldText(traits.email), phone: filledFieldText(traits.phone), name: filledFieldText(traits.name), pushToken: filledFieldText(traits.push_token) }
}

function linksFor(event: ShopEvent, shop: ShopInfo): Record<string, string> {
  const p = event.properties
  const base = shop.url.replace(/\/+$/, '')
  const enc = encodeURIComponent
  const links: Record<string, string> = { talkToPerson: `${base}/help?ref=${enc(event.messageId)}` }
  const productId = filledFieldText(p.product_id)
  const orderId = filledFieldText(p.order_id)
  const checkoutId = filledFieldText(p.checkout_id)
  if (productId) links.product = filledFieldText(p.url) ?? `${base}/products/${enc(productId)}`
  if (checkoutId) links.checkout = `${base}/checkout/${enc(checkoutId)}`
  if (orderId) {
    links.order = `${base}/orders/${enc(orderId)}`
    links.retryPayment = `${base}/orders/${enc(orderId)}/pay`
  } else if (checkoutId) links.retryPayment = `${base}/checkout/${enc(checkoutId)}/pay`
  return links
}

function deliveryDates(order: OrderState | undefined, at: number): MessageVars['delivery'] {
  if (order === undefined) return undefined
  const promisedAt = order.promised_delivery_at ?? order.first_estimated_delivery_at ?? order.estimated_delivery_at
  const estimate = order.estimated_delivery_at
  const newEstimateAt = estimate !== undefined && estimate > at && (promisedAt === undefined || estimate > promisedAt) ? estimate : undefined
  return { ...(promisedAt !== undefined ? { promisedAt } : {}), ...(newEstimateAt !== undefined ? { newEstimateAt } : {}) }
}

export function messageVars(moment: MessageMoment, shop: ShopInfo): MessageVars {
  const { state, event, order } = moment
  const to = recipientOf(state)
  return {
    customer: {
      id: state.customerId,
      name: to.name,
      email: to.email,
      phone: to.phone,
      locale: state.locale ?? 'en',
      timezone: state.timezone,
      traits: state.traits,
    },
    order: order ? { ...order } : undefined,
    event: { name: event.name, ts: event.ts, properties: event.properties },
    links: linksFor(event, shop),
    shop,
    ...(order ? { delivery: deliveryDates(order, moment.at) } : {}),
  }
}

/** The payload of a nudge about this moment: addressed from the shopper's traits, in their locale. */
export function nudgePayload(moment: MessageMoment, shop: ShopInfo): OutboxPayload {
  return { locale: moment.state.locale ?? 'en', to: recipientOf(moment.state), vars: messageVars(moment, shop) }
}

/** The field of the recipient a channel sends to; channels without one (in-app, webhook) need none. */
const ADDRESS_FIELD: Partial<Record<Channel, keyof Recipient>> = { email: 'email', sms: 'phone', voice: 'phone', push: 'pushToken' }

/** Whether the payload can be delivered on this channel as addressed. */
/** Reasons recorded for messages waiting for (or skipped without) an address start with this. */
export const ADDRESS_GUARD = 'address'

export function hasAddress(channel: Channel, to: Recipient): boolean {
  const field = ADDRESS_FIELD[channel]
  return field === undefined || filledFieldText(to[field]) !== undefined
}

/** The payload addressed to the shopper as they are known now (after an identify or a merge). */
export function readdressed(payload: OutboxPayload, state: CustomerState): OutboxPayload {
  const to = recipientOf(state)
  const customer = { ...payload.vars.customer, id: state.customerId, name: to.name, email: to.email, phone: to.phone, traits: state.traits, timezone: payload.vars.customer.timezone ?? state.timezone }
  return { ...payload, locale: state.locale ?? payload.locale, to, vars: { ...payload.vars, customer } }
}
