// withdrawOn in the rule language: which events end the reason of a rule's moments, for which
// entity; bad entries refused at their field; hostile entity values never match another's.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { emptyCustomerState } from '../../src/model/customer.ts'
import { compileRule, RuleSet, validateRule, type EvalContext } from '../../src/rules/index.ts'
import { starterRules } from '../../src/rules/starter.ts'
import { T0, track } from '../support/events.ts'

const rule = (withdrawOn: unknown) => ({
  id: 'late',
  name: 'Late parcel',
  triggers: [{ event: 'Shipment Updated', entity: 'order_id', when: { fact: 'properties.status', eq: 'exception' } }],
  actions: [{ nudge: { channel: 'email', template: 'delayed-shipment' } }],
  withdrawOn,
})

function withdrawals(doc: unknown, name: string, properties: Record<string, unknown>, order?: Record<string, unknown>) {
  const compiled = compileRule({ document: doc })
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors))
  const event = track(name, properties, { ts: T0 })
  const ctx: EvalContext = { event, state: emptyCustomerState('c1'), order: order as EvalContext['order'], at: T0 }
  return new RuleSet([compiled.rule]).withdrawals(ctx)
}

describe('withdrawOn', () => {
  const ofd = [{ event: 'Shipment Updated', entity: 'order_id', when: { fact: 'properties.status', eq: 'out_for_delivery' } }]

  it('names the rule and the entity of a matching event; other events and statuses withdraw nothing', () => {
    expect(withdrawals(rule(ofd), 'Shipment Updated', { order_id: 'A1', status: 'out_for_delivery' })).toEqual([{ ruleId: 'late', entity: 'A1' }])
    expect(withdrawals(rule(ofd), 'Shipment Updated', { order_id: 'A1', status: 'delayed' })).toEqual([])
    expect(withdrawals(rule(ofd), 'Order Delivered', { order_id: 'A1' })).toEqual([])
    // An entry naming an entity the event lacks withdraws nothing, not every moment of the rule.
    expect(withdrawals(rule(ofd), 'Shipment Updated', { status: 'out_for_delivery' })).toEqual([])
    // Without an entity: every moment of the rule for the shopper.
    expect(withdrawals(rule([{ event: 'Order Cancelled' }]), 'Order Cancelled', { order_id: 'A1' })).toEqual([{ ruleId: 'late', entity: undefined }])
  })

  it('any entity value is its own: numbers as text, hostile strings kept whole', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.integer()), (id) => {
        expect(withdrawals(rule(ofd), 'Shipment Updated', { order_id: id, status: 'out_for_delivery' })).toEqual([{ ruleId: 'late', entity: String(id) }])
      }),
    )
  })

  it('refuses bad entries at their field', () => {
    expect(validateRule(rule([{ event: 'Shipment Updated', when: { fact: 'properties.status', eqq: 'x' } }])).map((e) => e.path)).toEqual([expect.stringMatching(/^\/withdrawOn\/0\/when/)])
    expect(validateRule(rule([{ event: '' }])).map((e) => e.path)).toContain('/withdrawOn/0/event')
    expect(validateRule(rule([])).map((e) => e.path)).toContain('/withdrawOn')
    expect(validateRule(rule([{ event: 'X', colour: 1 }])).map((e) => e.path)).toContain('/withdrawOn/0/colour')
  })

  it('the starter delayed-shipment rule: an out-for-delivery scan within the promise withdraws, one past it does not', () => {
    const doc = starterRules.find((r) => r.id === 'delayed-shipment')
    const promised = { promised_delivery_at: Date.UTC(2026, 5, 10, 18) }
    const scan = (estimate: string) => withdrawals(doc, 'Shipment Updated', { order_id: 'A1', status: 'out_for_delivery', estimated_delivery_at: estimate }, promised)
    expect(scan('2026-06-10T18:00:00Z')).toEqual([{ ruleId: 'delayed-shipment', entity: 'A1' }])
    expect(scan('2026-06-11T12:00:00Z')).toEqual([])
  })
})
