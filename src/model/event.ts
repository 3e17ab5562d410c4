// The input contract (docs/events.md): Segment's track, identify, page, screen, alias and group
// calls. Unknown fields are accepted and ignored, so Segment and RudderStack clients work unchanged.
import Type, { type Static } from 'typebox'

// The decoder checks the text is an ISO-8601 date-time Date can parse, with that message: a
// schema pattern would answer with the regular expression instead.
const IsoTimestamp = Type.String({ minLength: 1, maxLength: 64, description: 'ISO-8601 date-time' })
const Id = Type.String({ minLength: 1, maxLength: 200 })
const Fields = Type.Object({}, { additionalProperties: true })

const Identity = {
  /** Optional as in Segment's API: without one the decoder derives it from the content. */
  messageId: Type.Optional(Id),
  userId: Type.Optional(Id),
  anonymousId: Type.Optional(Id),
  timestamp: Type.Optional(IsoTimestamp),
  context: Type.Optional(
    Type.Object(
      {
        timezone: Type.Optional(Type.String({ maxLength: 64 })),
        locale: Type.Optional(Type.String({ maxLength: 35 })),
        page: Type.Optional(Fields),
      },
      { additionalProperties: true },
    ),
  ),
}

const open = { additionalProperties: true } as const

export const TrackMessageSchema = Type.Object(
  { type: Type.Literal('track'), event: Type.String({ minLength: 1, maxLength: 200 }), properties: Type.Optional(Fields), ...Identity },
  open,
)

export const IdentifyMessageSchema = Type.Object({ type: Type.Literal('identify'), traits: Type.Optional(Fields), ...Identity }, open)

/** A page view on the web: name and category of the page, properties such as path, url, title, referrer. */
export const PageMessageSchema = Type.Object(
  {
    type: Type.Literal('page'),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    category: Type.Optional(Type.String({ maxLength: 200 })),
    properties: Type.Optional(Fields),
    ...Identity,
  },
  open,
)

/** A screen view in a mobile app. */
export const ScreenMessageSchema = Type.Object(
  {
    type: Type.Literal('screen'),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    category: Type.Optional(Type.String({ maxLength: 200 })),
    properties: Type.Optional(Fields),
    ...Identity,
  },
  open,
)

/** previousId (an anonymousId or an earlier userId) is the same person as userId. */
export const AliasMessageSchema = Type.Object({ type: Type.Literal('alias'), previousId: Id, ...Identity, userId: Id }, open)

/** The shopper belongs to a group (a company, a household, an account) with these traits. */
export const GroupMessageSchema = Type.Object({ type: Type.Literal('group'), groupId: Id, traits: Type.Optional(Fields), ...Identity }, open)

export const MessageSchemas = {
  track: TrackMessageSchema,
  identify: IdentifyMessageSchema,
  page: PageMessageSchema,
  screen: ScreenMessageSchema,
  alias: AliasMessageSchema,
  group: GroupMessageSchema,
} as const

export type MessageType = keyof typeof MessageSchemas
export const MESSAGE_TYPES = Object.keys(MessageSchemas) as MessageType[]

export type TrackMessage = Static<typeof TrackMessageSchema>
export type IdentifyMessage = Static<typeof IdentifyMessageSchema>

/** A validated, normalised event as the engine sees it. */
export interface ShopEvent {
  type: MessageType
  messageId: string
  /** userId, or `anon:<anonymousId>` when the shopper is not identified yet. */
  customerId: string
  /** The message's userId and anonymousId as sent: both together link the two (docs/identity.md). */
  userId?: string
  anonymousId?: string
  /**
   * Track event name; `Identify`, `Page Viewed`, `Screen Viewed`, `Alias`, `Group` for the other
   * calls (rules trigger on these names).
   */
  name: string
  /** Event time, epoch milliseconds. */
  ts: number
  /**
   * Track / page / screen properties (page and screen with their name and category), identify or
   * group traits; alias: `{ previousId }`.
   */
  properties: Record<string, unknown>
  context: { timezone?: string; locale?: string; [k: string]: unknown }
  /** alias: the id (anonymousId or earlier userId) now known as customerId. */
  previousId?: string
  /** group: the group the shopper belongs to; properties are its traits. */
  groupId?: string
}

/**
 * The properties column of an event's history row: group events keep their groupId beside the
 * traits, so the stored row still says which group (messageFromHistory reads it back).
 */
export function historyProperties(event: ShopEvent): Record<string, unknown> {
  return event.type === 'group' ? { groupId: event.groupId, traits: event.properties } : event.properties
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
  pageViewed: 'Page Viewed',
  screenViewed: 'Screen Viewed',
  alias: 'Alias',
  group: 'Group',
} as const
