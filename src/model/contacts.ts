// Inbound contacts: when a shopper had to come to the shop. The reached-first report asks, for each,
// whether careloop had come to the shopper first.

/** Track events that are a shopper contacting the shop, by default (besides "talk to a person" requests and agents' logged contacts). */
export const DEFAULT_INBOUND_EVENTS: readonly string[] = ['Complaint Filed', 'Ticket Created', 'Ticket Opened', 'Contact Requested']

/** Track events that show a problem with an order after a message was sent (the message was not needless). */
export const DEFAULT_PROBLEM_EVENTS: readonly string[] = ['Return Requested', 'Order Refunded', 'Order Cancelled', 'Payment Failed']

/** After a contact, how long a late decision or send still explains the miss; after a message, how long a contact or problem makes it needed. */
export const DEFAULT_FOLLOW_MS = 3 * 86_400_000
