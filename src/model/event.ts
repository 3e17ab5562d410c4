// The input contract (ARCHITECTURE.md §4): Segment Track / Identify messages.
// Unknown fields are accepted and ignored, so Segment and RudderStack clients work unchanged.
import Type, { type Static } from 'typebox'

const IsoTimestamp = Type.String({
  minLength: 1,
  maxLength: 64,
  // Loose shape check; the decoder rejects strings Date cannot parse.
  pattern: '^\\d{4}-\\d{2}-\\d{2}',
  description: 'ISO-8601 date-time',
})

const Identity = {
  messageId: Type.String({ minLength: 1, maxLength: 200 }),
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  anonymousId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  timestamp: Type.Optional(IsoTimestamp),
  context: Type.Optional(
    Type.Object(
      {
        timezone: Type.Optional(Type.String({ maxLength: 64 })),
        locale: Type.Optional(Type.String({ maxLength: 35 })),
        page: Type.Optional(Type.Object({}, { additionalProperties: true })),
      },
      { additionalProperties: true },
    ),
  ),
}

export const TrackMessageSchema = Type.Object(
  {
    type: Type.Literal('track'),
    event: Type.String({ minLength: 1, maxLength: 200 }),
    properties: Type.Optional(Type.Object({}, { additionalProperties: true })),
    ...Identity,
  },
  { additionalProperties: true },
)

export const IdentifyMessageSchema = Type.Object(
  {
    type: Type.Literal('identify'),
    traits: Type.Optional(Type.Object({}, { additionalProperties: true })),
    ...Identity,
  },
  { additionalProperties: true },
)

export type TrackMessage = Static<typeof TrackMessageSchema>
export type IdentifyMessage = Static<typeof IdentifyMessageSchema>

/** A validated, normalised event as the engine sees it. */
export interface ShopEvent {
  type: 'track' | 'identify'
  messageId: string
  /** userId, or `anon:<anonymousId>` when the shopper is not identified yet. */
  customerId: string
  /** The message's userId and anonymousId as sent: both together link the two (docs/identity.md). */
  userId?: string
  anonymousId?: string
  /** An alias call's previous id, merged into `userId`. */
  previousId?: string
  /** Track event name; `Identify` for identify calls. */
  name: string
  /** Event time, epoch milliseconds. */
  ts: number
  /** Track properties, or identify traits. */
  properties: Record<string, unknown>
  context: { timezone?: string; locale?: string; [k: string]: unknown }
}

/**
 * A property's or trait's text: a string as sent, a number written out (ids and phone numbers
 * arrive as either); anything else has none.
 */
export function fieldText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined
}

/** A field's text when there is any: an empty string counts as absent. */
export function filledFieldText(value: unknown): string | undefined {
  return fieldText(value) || undefined
}

/** Event names the starter pack and the state reducer understand. */
export const ShopEventNames = {
  productViewed: 'Product Viewed',
  productAdded: 'Product Added',
  productRemoved: 'Product Removed',
  checkoutStarted: 'Checkout Started',
  orderCompleted: 'Order Completed',
  paymentFailed: 'Payment Failed',
  orderShipped: 'Order Shipped',
  shipmentUpdated: 'Shipment Updated',
  orderDelivered: 'Order Delivered',
  returnRequested: 'Return Requested',
  orderRefunded: 'Order Refunded',
  orderCancelled: 'Order Cancelled',
  complaintFiled: 'Complaint Filed',
  identify: 'Identify',
} as const
