// Inbound contacts: when a shopper had to come to the shop. The reached-first report asks, for each,
// whether careloop had come to the shopper first.

/** Track events that are a shopper contacting the shop, by default (besides "talk to a person" requests and agents' logged contacts). */
export const DEFAULT_INBOUND_EVENTS: readonly string[] = ['Complaint Filed', 'Ticket Created', 'Ticket Opened', 'Contact Requested']

/**
 * A problem no event names: the order's parcel came after its due date, or had not come by the end
 * of the history (src/analytics/lateParcels.ts). Named among the problems like an event.
 */
export const LATE_PARCEL_PROBLEM = 'Parcel Late'

/** Problems with an order after a message was sent (the message was not needless): track events, and late parcels. */
export const DEFAULT_PROBLEM_EVENTS: readonly string[] = ['Return Requested', 'Order Refunded', 'Order Cancelled', 'Payment Failed', LATE_PARCEL_PROBLEM]

/** After a contact, how long a late decision or send still explains the miss; after a message, how long a contact or problem makes it needed. */
export const DEFAULT_FOLLOW_MS = 3 * 86_400_000
