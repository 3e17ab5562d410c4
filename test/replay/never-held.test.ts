// Which condition of a rule never held over a trace: counted per top-level condition, in document
// order, on each event with its shopper's state after it.
import { describe, expect, it } from 'vitest'
import { conditionCounts } from '../../src/replay/neverHeld.ts'
import { prepareTrace } from '../../src/replay/replay.ts'

const T0 = Date.UTC(2026, 2, 2, 12)
let n = 0
const track = (userId: string, event: string, properties: Record<string, unknown>, minutes: number) => ({
  type: 'track',
  messageId: `m-${++n}`,
  userId,
  event,
  properties,
  timestamp: new Date(T0 + minutes * 60_000).toISOString(),
})
const { events } = prepareTrace([
  track('a', 'Payment Failed', { order_id: 'o1', reason: 'card_declined' }, 0),
  track('a', 'Payment Failed', { order_id: 'o1', reason: 'card_declined' }, 5),
  track('b', 'Payment Failed', { order_id: 'o2', reason: 'insufficient_funds' }, 10),
  track('b', 'Product Viewed', { product_id: 'p1' }, 11),
])
const rule = (trigger: Record<string, unknown>, when?: unknown) => ({
  id: 'r',
  name: 'r',
  triggers: [trigger],
  ...(when === undefined ? {} : { when }),
  actions: [{ nudge: { channel: 'email', template: 'payment-help' } }],
})

describe('conditionCounts', () => {
  it('names a trigger event that never occurred', () => {
    expect(conditionCounts(rule({ event: 'Payment Faild' }), events)).toEqual({ neverHeld: '/triggers/0/event', counts: [{ path: '/triggers/0/event', held: 0, of: 4 }] })
  })

  it("counts each top-level condition of the trigger, and the rule's on the events that passed the trigger", () => {
    const when = { all: [{ fact: 'properties.reason', in: ['card_declined', 'insufficient_funds'] }, { count: { event: 'Payment Failed', within: '1h' }, gte: 2 }, { fact: 'properties.reason', eq: 'expired' }] }
    const result = conditionCounts(rule({ event: 'Payment Failed', when }, { fact: 'customer.id', eq: 'b' }), events)
    expect(result).toEqual({
      neverHeld: '/triggers/0/when/all/2',
      counts: [
        { path: '/triggers/0/event', held: 3, of: 4 },
        { path: '/triggers/0/when/all/0', held: 3, of: 3 },
        { path: '/triggers/0/when/all/1', held: 1, of: 3 }, // a's second failure within the hour
        { path: '/triggers/0/when/all/2', held: 0, of: 3 },
        { path: '/when', held: 0, of: 0 }, // no event passed the whole trigger
      ],
    })
  })

  it('reports no never-held condition when each held for some event', () => {
    const result = conditionCounts(rule({ event: 'Payment Failed', when: { fact: 'properties.reason', eq: 'card_declined' } }), events)
    expect(result.neverHeld).toBeNull()
    expect(result.counts).toEqual([
      { path: '/triggers/0/event', held: 3, of: 4 },
      { path: '/triggers/0/when', held: 2, of: 3 },
    ])
  })
})
