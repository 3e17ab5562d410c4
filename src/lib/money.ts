// Conversion of amounts between currencies, so money conditions compare like with like: a
// 1,200 CNY order is not "over 500" in a USD shop. Rates are units of a currency per one unit of
// the shop's currency; the built-in table is approximate (mid-2020s) and meant to be replaced
// with the shop's own rates (CARELOOP_CURRENCY_RATES).

export interface Money {
  /** ISO 4217 code of the shop's own currency: thresholds written as `currency: shop` use it. */
  readonly shopCurrency: string
  /** Multiplier from `from` to `to`, or undefined when either rate is unknown. */
  rate(from: string, to: string): number | undefined
}

/** Approximate units per US dollar. */
const PER_USD: ReadonlyMap<string, number> = new Map([
  ['USD', 1], ['EUR', 0.92], ['GBP', 0.79], ['CNY', 7.2], ['TWD', 32], ['HKD', 7.8], ['JPY', 150], ['KRW', 1350],
  ['SGD', 1.34], ['AUD', 1.52], ['NZD', 1.64], ['CAD', 1.36], ['CHF', 0.88], ['SEK', 10.5], ['NOK', 10.6],
  ['DKK', 6.9], ['PLN', 4.0], ['CZK', 23], ['INR', 83], ['MXN', 17], ['BRL', 5.0], ['ZAR', 18.5],
])

export const CURRENCY_CODE = /^[A-Z]{3}$/

/**
 * Rates for a shop in `shopCurrency`: the built-in table, overridden by `overrides` given as
 * units per one unit of the shop's currency ("CNY=7.2,EUR=0.92").
 */
export function createMoney(shopCurrency: string, overrides = ''): Money {
  const shop = shopCurrency.toUpperCase()
  const perShop = new Map<string, number>()
  const shopPerUsd = PER_USD.get(shop)
  if (shopPerUsd !== undefined) for (const [code, perUsd] of PER_USD) perShop.set(code, perUsd / shopPerUsd)
  perShop.set(shop, 1)
  for (const entry of overrides.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [code, value] = entry.split('=')
    const n = Number(value)
    if (!code || !CURRENCY_CODE.test(code.trim().toUpperCase()) || !Number.isFinite(n) || n <= 0) {
      throw new Error(`CARELOOP_CURRENCY_RATES: "${entry}" must be CODE=units per one ${shop}, e.g. CNY=7.2`)
    }
    perShop.set(code.trim().toUpperCase(), n)
  }
  return {
    shopCurrency: shop,
    rate(from, to) {
      const a = perShop.get(from.toUpperCase())
      const b = perShop.get(to.toUpperCase())
      return a === undefined || b === undefined ? undefined : b / a
    },
  }
}
