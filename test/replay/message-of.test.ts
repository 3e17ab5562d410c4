// A stored event read back for replay and backtest decodes to the event that was stored, for
// every Segment call type (group rows keep their groupId, alias rows their previousId).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { messageOf } from '../../src/replay/backtest.ts'
import { decodeMessage } from '../../src/stream/decode.ts'
import { eventRowOf } from '../../src/store/history/rows.ts'

const id = fc.string({ minLength: 1, maxLength: 12 })
const bag = fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()), { maxKeys: 4 })
const who = fc.oneof(
  id.map((userId) => ({ userId })),
  id.map((anonymousId) => ({ anonymousId })),
  fc.record({ userId: id, anonymousId: id }),
)
const ts = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }).map((t) => new Date(t).toISOString())
const message = fc
  .tuple(
    who,
    ts,
    id,
    fc.oneof(
      fc.record({ type: fc.constant('page'), name: fc.string({ maxLength: 8 }), category: fc.string({ maxLength: 8 }), properties: bag }, { requiredKeys: ['type'] }),
      fc.record({ type: fc.constant('screen'), name: fc.string({ maxLength: 8 }), properties: bag }, { requiredKeys: ['type'] }),
      fc.record({ type: fc.constant('alias'), previousId: id, userId: id }),
      fc.record({ type: fc.constant('group'), groupId: id, traits: bag }, { requiredKeys: ['type', 'groupId'] }),
      fc.record({ type: fc.constant('identify'), traits: bag }, { requiredKeys: ['type'] }),
      fc.record({ type: fc.constant('track'), event: id, properties: bag }, { requiredKeys: ['type', 'event'] }),
    ),
  )
  .map(([identity, timestamp, messageId, call]) => ({ ...identity, timestamp, messageId, ...call }))

describe('messageOf (property)', () => {
  it('decodes to the stored event for every call type', () => {
    fc.assert(
      fc.property(message, (msg) => {
        const first = decodeMessage(msg, 0)
        expect(first.ok).toBe(true)
        if (!first.ok) return
        const again = decodeMessage(messageOf(eventRowOf(first.event, first.event.ts)), 0)
        expect(again.ok).toBe(true)
        if (!again.ok) return
        expect(again.event).toEqual(first.event)
      }),
      { seed: 1204, numRuns: 500 },
    )
  })
})
