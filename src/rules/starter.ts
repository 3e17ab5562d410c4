// The starter pack: the moments most shops need care for, enabled on a new installation.
// Simple, frequent cases go to the bot; money, repeat problems and big orders go to people.
import type { RuleDocument } from './document.ts'

/** Words that make a complaint about money (charges, refunds), in English and Chinese (简/繁). */
export const MONEY_COMPLAINT_PATTERN =
  '(charg|refund|billed|overcharg|unauthori[sz]ed|fraud|money back|payment|扣款|扣费|扣費|扣钱|扣錢|多扣|重复扣|重複扣|被扣|退款|退钱|退錢|收费|收費|盗刷|盜刷|账单|帳單|付款|支付)'

/**
 * A parcel's wait: armed by each carrier scan, ended by delivery, cancellation or refund, due from
 * the estimate (the event's own, else the order's latest, else the shop's promise).
 */
const PARCEL_WAIT = {
  start: ['Order Shipped', 'Shipment Updated'],
  awaited: ['Order Delivered', 'Order Cancelled', 'Order Refunded'],
  entity: 'order_id',
  at: ['properties.estimated_delivery_at', 'order.estimated_delivery_at', 'order.promised_delivery_at'],
}

export const starterRules: RuleDocument[] = [
  {
    id: 'delayed-shipment',
    name: 'Delayed shipment apology',
    description:
      'Not out for delivery by 12:00 (shopper\'s time) on the estimated day, a new estimate later than the promise, a carrier delay, or no delivery by the estimate plus grace: apologise with the new ETA. Big orders and VIPs also get a person.',
    priority: 70,
    triggers: [
      {
        absence: {
          ...PARCEL_WAIT,
          // Learned per carrier from delivery history when it has enough; else 12 h.
          graceFrom: 'carrier.grace',
          grace: '12h',
        },
      },
      {
        event: 'Shipment Updated',
        entity: 'order_id',
        when: { fact: 'properties.status', in: ['delayed', 'exception'] },
      },
      // The carrier scans parcels out for delivery in the morning: none by midday on the
      // estimated day means it will not come today. The latest scan armed the wait, so an
      // out-for-delivery scan (it re-arms for its own day) keeps it quiet. A carrier estimate
      // earlier than the shop's promise is not the day the parcel is due: missing it breaks no
      // promise (estimate + grace still covers it). A carrier known from history to scan fewer
      // than 80 % of its parcels out for delivery says nothing by noon (unknown: it may).
      {
        absence: {
          ...PARCEL_WAIT,
          cutoff: '12:00',
        },
        when: {
          all: [
            { fact: 'properties.status', nin: ['out_for_delivery'] },
            { not: { fact: 'order.promised_delivery_at', gt: { fact: 'properties.estimated_delivery_at' } } },
            { not: { fact: 'carrier.out_for_delivery', lt: 0.8 } },
          ],
        },
      },
      // A new estimate past the promise (the shop's, else the carrier's first): late already.
      {
        event: 'Shipment Updated',
        entity: 'order_id',
        when: {
          all: [
            { fact: 'properties.status', nin: ['out_for_delivery', 'delivered'] },
            {
              any: [
                { fact: 'properties.estimated_delivery_at', gt: { fact: 'order.promised_delivery_at' } },
                {
                  all: [
                    { fact: 'order.promised_delivery_at', exists: false },
                    { fact: 'properties.estimated_delivery_at', gt: { fact: 'order.first_estimated_delivery_at' } },
                  ],
                },
              ],
            },
          ],
        },
      },
    ],
    actions: [
      { nudge: { channel: 'email', template: 'delayed-shipment', topic: 'care' } },
      {
        task: { queue: 'delivery-care', priority: 'high', sla: '4h', title: 'Late parcel on a big order or for a VIP' },
        when: { any: [{ fact: 'order.total', gte: 500, currency: 'shop' }, { fact: 'traits.vip', eq: true }] },
      },
    ],
    guards: { once: true, per: 'entity' },
    // A message still held (quiet hours) when the parcel is scanned out for delivery within its
    // promise is no longer true: it is withdrawn. Delivered, cancelled or refunded (the waits'
    // awaited events) withdraw it too.
    withdrawOn: [
      {
        event: 'Shipment Updated',
        entity: 'order_id',
        when: {
          all: [
            { fact: 'properties.status', eq: 'out_for_delivery' },
            {
              any: [
                { fact: 'properties.estimated_delivery_at', lte: { fact: 'order.promised_delivery_at' } },
                {
                  all: [
                    { fact: 'order.promised_delivery_at', exists: false },
                    { fact: 'properties.estimated_delivery_at', lte: { fact: 'order.first_estimated_delivery_at' } },
                  ],
                },
              ],
            },
          ],
        },
      },
    ],
    tags: ['delivery'],
  },
  {
    id: 'repeat-returns',
    name: 'Third return in 90 days',
    description: 'A shopper returning again and again needs a person, not another automated message.',
    priority: 60,
    triggers: [{ event: 'Return Requested', entity: 'order_id' }],
    when: { count: { event: 'Return Requested', within: '90d' }, gte: 3 },
    actions: [{ task: { queue: 'returns-care', priority: 'normal', sla: '24h', title: 'Repeat returns' } }],
    guards: { cooldown: '30d', per: 'customer' },
    tags: ['returns'],
  },
  {
    id: 'long-dwell',
    name: 'Long hesitation on a product page',
    description: 'Two minutes or more on one product page: offer help choosing.',
    priority: 20,
    triggers: [{ event: 'Product Viewed', entity: 'product_id' }],
    when: { fact: 'properties.dwell_ms', gte: 120000 },
    actions: [{ nudge: { channel: 'email', template: 'long-dwell', topic: 'care' } }],
    guards: { cooldown: '7d', per: 'entity' },
    tags: ['browsing'],
  },
  {
    id: 'payment-failed',
    name: 'Payment failed: retry link',
    description: 'The first failed payment in a day gets an email with a retry link.',
    priority: 50,
    triggers: [{ event: 'Payment Failed' }],
    when: { count: { event: 'Payment Failed', within: '24h' }, lt: 2 },
    actions: [{ nudge: { channel: 'email', template: 'payment-failed', topic: 'care' } }],
    tags: ['payments'],
  },
  {
    id: 'payment-failed-repeat',
    name: 'Second failed payment within 24 h',
    description: 'Failing twice in a day means the bot did not help: a person from payments calls.',
    priority: 80,
    triggers: [{ event: 'Payment Failed' }],
    when: { count: { event: 'Payment Failed', within: '24h' }, gte: 2 },
    actions: [{ task: { queue: 'payments', priority: 'high', sla: '2h', title: 'Payment failed twice' } }],
    guards: { cooldown: '24h', per: 'customer' },
    tags: ['payments'],
  },
  {
    id: 'abandoned-checkout',
    name: 'Abandoned checkout',
    description: 'Checkout started and no order within an hour: a reminder with the cart.',
    priority: 30,
    triggers: [
      {
        absence: {
          start: ['Checkout Started'],
          awaited: ['Order Completed'],
          entity: 'checkout_id',
          after: '1h',
        },
      },
    ],
    actions: [{ nudge: { channel: 'email', template: 'abandoned-checkout', topic: 'care' } }],
    guards: { cooldown: '3d', per: 'customer' },
    tags: ['checkout'],
  },
  {
    id: 'money-complaint',
    name: 'Complaint about money',
    description:
      'Payment security, charges and refunds: a person first, within the hour, never only a bot.',
    priority: 100,
    triggers: [{ event: 'Complaint Filed', entity: 'order_id' }],
    when: {
      any: [
        { fact: 'properties.topic', in: ['payment_security', 'billing', 'refund', 'charge'] },
        { fact: 'properties.text', matches: MONEY_COMPLAINT_PATTERN },
      ],
    },
    actions: [{ task: { queue: 'priority-care', priority: 'urgent', sla: '1h', title: 'Complaint about money' } }],
    tags: ['complaints', 'payments'],
  },
]
