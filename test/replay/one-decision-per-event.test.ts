// A rule whose two event triggers both match one event decides once: the decision's id names the
// event, so a second decision would overwrite the first's record (a sent email recorded as
// suppressed) — the first matching trigger decides.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { replayTrace } from '../../src/replay/replay.ts'

const T = Date.UTC(2026, 2, 3, 10)

describe('one decision per rule per event', () => {
  it('two triggers of one rule matching the same event make one decision, sent once', async () => {
    const rule = {
      id: 'two-ways',
      name: 'Two ways to notice',
      triggers: [
        { event: 'Shipment Updated', entity: 'order_id', when: { fact: 'properties.status', eq: 'delayed' } },
        { event: 'Shipment Updated', entity: 'order_id', when: { fact: 'properties.late_days', gte: 1 } },
      ],
      actions: [{ nudge: { channel: 'email', template: 'delayed-shipment', topic: 'care' } }],
      guards: { once: true, per: 'entity' },
    }
    const at = new Date(T).toISOString()
    const trace = [
      { type: 'identify', messageId: randomUUID(), userId: 'c1', traits: { email: 'c1@example.com', timezone: 'UTC' }, timestamp: at },
      { type: 'track', messageId: randomUUID(), userId: 'c1', event: 'Shipment Updated', properties: { order_id: 'O1', status: 'delayed', late_days: 2 }, timestamp: at },
    ]
    const { lines } = await replayTrace(trace, { rules: [{ document: rule }], policy: { quietHours: null } as never, horizonMs: 60_000 })
    expect(lines.map((l) => [l.rule, l.entity, l.outcome])).toEqual([['two-ways', 'O1', 'sent']])
  }, 60_000)
})
