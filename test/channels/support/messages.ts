// Message variables and outbound messages for channel tests.
import type { OutboundMessage } from '../../../src/channels/types.ts'
import type { MessageVars } from '../../../src/model/outbox.ts'

/** Every optional variable the shipped templates read, filled in. */
export function fullVars(overrides: Partial<MessageVars> = {}): MessageVars {
  return {
    customer: { id: 'cust-1', name: 'Mei Lin', email: 'mei@example.com', locale: 'en', timezone: 'Asia/Shanghai', traits: {} },
    order: {
      order_id: 'A-1001',
      total: 89.7,
      currency: 'CNY',
      carrier: 'SF Express',
      tracking_number: 'SF1234567890',
      // 20:00 UTC on 24 Nov is already 25 Nov in Shanghai.
      estimated_delivery_at: Date.UTC(2026, 10, 24, 20, 0),
    },
    event: {
      name: 'Checkout Started',
      ts: Date.UTC(2026, 10, 20, 9, 0),
      properties: {
        product_id: 'P-77',
        name: 'Linen Shirt',
        price: 29.9,
        currency: 'CNY',
        reason: 'card_declined',
        checkout_id: 'co-9',
        value: 89.7,
        products: [
          { product_id: 'P-77', name: 'Linen Shirt', quantity: 2, price: 29.9 },
          { product_id: 'P-78', name: 'Cotton Socks', quantity: 1, price: 29.9 },
        ],
      },
    },
    links: {
      talkToPerson: 'https://shop.example/care/talk?c=cust-1',
      unsubscribe: 'https://shop.example/unsubscribe/tok-1',
      checkout: 'https://shop.example/checkout/co-9',
      retryPayment: 'https://shop.example/pay/A-1001',
      product: 'https://shop.example/p/P-77',
      tracking: 'https://track.example/SF1234567890',
    },
    shop: { name: 'Acme Home', url: 'https://shop.example' },
    // The carrier moved the estimate three days past the first one.
    delivery: { promisedAt: Date.UTC(2026, 10, 21, 20, 0), newEstimateAt: Date.UTC(2026, 10, 24, 20, 0) },
    ...overrides,
  }
}

/** Only what MessageVars requires: no order, no links, no name, empty properties. */
export function minimalVars(locale = 'en'): MessageVars {
  return {
    customer: { id: 'cust-2', locale, traits: {} },
    event: { name: 'Something', ts: 0, properties: {} },
    links: {},
    shop: { name: 'Acme Home', url: 'https://shop.example' },
  }
}

export function emailMessage(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  const vars = overrides.vars ?? fullVars()
  return {
    outboxId: 'ob-1',
    idempotencyKey: 'rule-late:3:cust-1:evt-42:nudge-0',
    customerId: 'cust-1',
    channel: 'email',
    template: 'delayed-shipment',
    locale: 'en',
    to: { email: 'mei@example.com', name: 'Mei Lin' },
    vars,
    ...overrides,
  }
}

/** Text that must never reach a shopper. */
export const LEAKS = /\bundefined\b|\bNaN\b|Invalid Date|\[object Object\]|\bnull\b/
