// Money conditions compare like with like: amounts are converted into the condition's currency
// (or the shop's) before comparing; an amount in a currency without a rate never passes.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createMoney } from '../../src/lib/money.ts'
import { emptyCustomerState } from '../../src/model/customer.ts'
import { compileCondition, type FieldError } from '../../src/rules/conditions.ts'
import type { EvalContext } from '../../src/rules/facts.ts'
import { track } from '../support/events.ts'

const usdShop = createMoney('USD')

function holds(condition: unknown, order: Record<string, unknown>, money = usdShop): boolean {
  const errors: FieldError[] = []
  const predicate = compileCondition(condition, '/when', errors, { countWindows: new Map() })
  expect(errors).toEqual([])
  const ctx: EvalContext = { event: track('Order Shipped', {}), state: emptyCustomerState('c1'), order: { order_id: 'o', status: 'shipped', updated_at: 0, ...order } as EvalContext['order'], at: 0, money }
  return predicate(ctx)
}

describe('money conditions', () => {
  const big = { fact: 'order.total', gte: 500, currency: 'shop' }

  it('converts an order in another currency into the shop’s before comparing', () => {
    expect(holds(big, { total: 1200, currency: 'CNY' })).toBe(false) // ≈ 167 USD
    expect(holds(big, { total: 4000, currency: 'CNY' })).toBe(true) // ≈ 556 USD
    expect(holds(big, { total: 600, currency: 'USD' })).toBe(true)
    expect(holds(big, { total: 600 })).toBe(true) // no currency: the shop's own
    expect(holds({ fact: 'order.total', lt: 100, currency: 'EUR' }, { total: 120, currency: 'USD' })).toBe(false)
  })

  it('never passes for a currency without a rate', () => {
    expect(holds(big, { total: 1e9, currency: 'XAU' })).toBe(false)
    expect(holds({ fact: 'order.total', lt: 1, currency: 'shop' }, { total: 0, currency: 'XAU' })).toBe(false)
  })

  it('uses the shop’s configured rates over the built-in ones', () => {
    const cnyShop = createMoney('CNY', 'USD=0.5')
    expect(holds({ fact: 'order.total', gte: 1000, currency: 'shop' }, { total: 600, currency: 'USD' }, cnyShop)).toBe(true) // 600 / 0.5 = 1200 CNY
    expect(() => createMoney('USD', 'CNY=abc')).toThrow(/CARELOOP_CURRENCY_RATES/)
  })

  it('agrees with comparing converted amounts by hand (property)', () => {
    const codes = ['USD', 'EUR', 'GBP', 'CNY', 'TWD', 'JPY']
    fc.assert(
      fc.property(fc.constantFrom(...codes), fc.constantFrom(...codes), fc.double({ min: 0, max: 1e7, noNaN: true }), fc.double({ min: 0, max: 1e7, noNaN: true }), (from, to, total, bound) => {
        const rate = usdShop.rate(from, to) as number
        expect(holds({ fact: 'order.total', gte: bound, currency: to }, { total, currency: from })).toBe(total * rate >= bound)
      }),
      { seed: 7, numRuns: 300 },
    )
  })

  it('names a bad currency or a currency on a non-numeric operator at its path', () => {
    for (const [condition, path] of [
      [{ fact: 'order.total', gte: 5, currency: 'euros' }, '/when/currency'],
      [{ fact: 'order.total', eq: 5, currency: 'EUR' }, '/when/currency'],
    ] as const) {
      const errors: FieldError[] = []
      compileCondition(condition, '/when', errors, { countWindows: new Map() })
      expect(errors.map((e) => e.path)).toEqual([path])
    }
  })
})
