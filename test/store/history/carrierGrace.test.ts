// Carrier lateness on embedded chDB and, when CARELOOP_TEST_CLICKHOUSE_URL names one, on a ClickHouse
// server (Debian's 18.16): the same rows; then the learned grace, the job that hands it to the
// engine, and rules reading it as carrier.grace.
import { pino } from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_CARRIER_GRACE, learnedGrace, learnedOutForDelivery } from '../../../src/analytics/carrierGrace.ts'
import { CarrierGraceJob } from '../../../src/jobs/CarrierGraceJob.ts'
import { ManualClock } from '../../../src/lib/clock.ts'
import { emptyCustomerState } from '../../../src/model/customer.ts'
import { compileRule, RuleSet, starterRules, validateRule, type RuleDocument } from '../../../src/rules/index.ts'
import type { OrderState } from '../../../src/model/customer.ts'
import type { EventRow, HistoryStore } from '../../../src/store/history/HistoryStore.ts'
import { openHistoryStore } from '../../../src/store/history/openHistoryStore.ts'
import { requireClickHouse } from '../../support/requireServers.ts'
import { track } from '../../support/events.ts'
import { dropDatabaseAfterAll } from './backend.ts'
import { event, T0, tempDir } from './fixtures.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const FROM = T0
const TO = T0 + 30 * DAY

/**
 * Fast: 25 parcels, lateness −10 h … +14 h (one an hour); the 0.8 quantile (index 20 of 25) is
 * +10 h. One is stored twice (a replay); its estimate is epoch ms. Slow: 5 parcels, 30 h late.
 * Not counted: a parcel delivered after TO, one shipped without an estimate, one with an
 * unreadable estimate, one never shipped. Out for delivery: 22 Fast parcels scanned (twice for
 * one) 2 h before they came; Fast-23 scanned only after it came, Fast-24 never; no Slow parcel.
 */
function history(): Parameters<HistoryStore['append']>[0] {
  const events: EventRow[] = []
  const parcel = (carrier: string, n: number, estimate: number | string, deliveredAt: number, shippedAt = FROM + n * HOUR) => {
    const order = `${carrier}-${n}`
    const customer = `c-${carrier}-${n}`
    events.push(event(customer, `ship-${order}`, shippedAt, { name: 'Order Shipped', properties: JSON.stringify({ order_id: order, carrier, ...(estimate === '' ? {} : { estimated_delivery_at: estimate }) }) }))
    events.push(event(customer, `del-${order}`, deliveredAt, { name: 'Order Delivered', properties: JSON.stringify({ order_id: order, carrier }) }))
  }
  for (let i = 0; i < 25; i++) {
    const estimate = FROM + 5 * DAY + i * HOUR
    const deliveredAt = estimate + (i - 10) * HOUR
    parcel('Fast', i, i === 3 ? estimate : new Date(estimate).toISOString(), deliveredAt)
    const scan = (at: number, n = 0) => events.push(event(`c-Fast-${i}`, `ofd-Fast-${i}-${n}`, at, { name: 'Shipment Updated', properties: JSON.stringify({ order_id: `Fast-${i}`, carrier: 'Fast', status: 'out_for_delivery' }) }))
    if (i < 22) scan(deliveredAt - 2 * HOUR)
    if (i === 5) scan(deliveredAt - HOUR, 1)
    if (i === 23) scan(deliveredAt + HOUR)
  }
  events.push({ ...(events.find((e) => e.message_id === 'ship-Fast-3') as EventRow) }) // Fast-3's shipping, stored again
  for (let i = 0; i < 5; i++) {
    const estimate = FROM + 8 * DAY
    parcel('Slow', i, new Date(estimate).toISOString(), estimate + 30 * HOUR)
  }
  parcel('Slow', 90, new Date(TO - DAY).toISOString(), TO + HOUR)
  parcel('Slow', 91, '', FROM + 9 * DAY)
  parcel('Slow', 92, 'next tuesday', FROM + 9 * DAY)
  events.push(event('c-lost', 'del-lost', FROM + 9 * DAY, { name: 'Order Delivered', properties: JSON.stringify({ order_id: 'lost' }) }))
  return { events }
}

const EXPECTED = [
  { carrier: 'Fast', parcels: 25, latenessMs: 10 * HOUR, outForDelivery: 22 },
  { carrier: 'Slow', parcels: 5, latenessMs: 30 * HOUR, outForDelivery: 0 },
]

function contract(name: string, open: () => Promise<HistoryStore>): void {
  describe(`carrier lateness (${name})`, () => {
    it('is the quantile of delivered − shipping estimate per carrier, over deliveries in the window', async () => {
      const store = await open()
      try {
        await store.append(history())
        expect(await store.carrierLateness(FROM, TO, 0.8)).toEqual(EXPECTED)
        expect((await store.carrierLateness(FROM, TO, 0.5)).find((r) => r.carrier === 'Fast')?.latenessMs).toBe(2 * HOUR) // index 12
        expect(await store.carrierLateness(TO, TO + DAY, 0.8)).toEqual([{ carrier: 'Slow', parcels: 1, latenessMs: DAY + HOUR, outForDelivery: 0 }])
        await expect(store.carrierLateness(FROM, TO, 1)).rejects.toThrow(RangeError)
      } finally {
        await store.close()
      }
    }, 120_000)
  })
}

const dir = tempDir('history-carrier')
afterAll(() => dir.remove())
contract('chDB', () => openHistoryStore({ dataDir: dir.path, database: 'carrier' }))

const url = requireClickHouse('carrier lateness on a ClickHouse server')
if (url) {
  const database = `careloop_cg${Date.now()}_${process.pid}`
  dropDatabaseAfterAll(url, database)
  contract('ClickHouse server', () => openHistoryStore({ url, database }))
}

describe("the starter pack's noon cut-off", () => {
  const trigger = compileRule({ document: starterRules.find((r) => r.id === 'delayed-shipment') as RuleDocument })
  it('stays quiet for a carrier that scans too few parcels out for delivery; unknown carriers may', () => {
    if (!trigger.ok) throw new Error(JSON.stringify(trigger.errors))
    const cutoff = trigger.rule.triggers[2]
    if (cutoff?.kind !== 'absence') throw new Error('the starter cut-off moved')
    const estimate = new Date(TO).toISOString()
    const armedBy = (carrier: string) => track('Order Shipped', { order_id: 'A1', carrier, estimated_delivery_at: estimate })
    const order = { promised_delivery_at: estimate } as unknown as OrderState
    const holds = (carrier: string, scans?: ReadonlyMap<string, number>) =>
      cutoff.when({ event: armedBy(carrier), state: emptyCustomerState('c1'), order, at: TO, ...(scans ? { carrierOutForDelivery: scans } : {}) })
    const scans = new Map([['Scans', 0.95], ['Never', 0.02]])
    expect(holds('Scans', scans)).toBe(true)
    expect(holds('Never', scans)).toBe(false)
    expect(holds('Unknown', scans)).toBe(true)
    expect(holds('Never')).toBe(true) // no table (a replay sandbox)
  })
})

describe('learned grace', () => {
  it('takes carriers with enough parcels, bounded; the others keep the rule grace', () => {
    expect(learnedGrace(EXPECTED)).toEqual(new Map([['Fast', 10 * HOUR]]))
    expect(learnedGrace(EXPECTED, { ...DEFAULT_CARRIER_GRACE, minParcels: 5 })).toEqual(new Map([['Fast', 10 * HOUR], ['Slow', 30 * HOUR]]))
    expect(learnedGrace([{ carrier: 'Early', parcels: 40, latenessMs: -5 * HOUR }, { carrier: 'Lost', parcels: 40, latenessMs: 9 * DAY }])).toEqual(new Map([['Early', 0], ['Lost', 48 * HOUR]]))
  })

  it('and the share of parcels scanned out for delivery, for the same carriers', () => {
    expect(learnedOutForDelivery(EXPECTED)).toEqual(new Map([['Fast', 22 / 25]]))
    expect(learnedOutForDelivery(EXPECTED, { ...DEFAULT_CARRIER_GRACE, minParcels: 5 })).toEqual(new Map([['Fast', 22 / 25], ['Slow', 0]]))
    expect(learnedOutForDelivery([{ carrier: 'Old', parcels: 40, latenessMs: 0 }])).toEqual(new Map())
  })

  it('is set on the engine by the job, and read by a wait as carrier.grace', async () => {
    let table: ReadonlyMap<string, number> = new Map()
    let scans: ReadonlyMap<string, number> = new Map()
    const job = new CarrierGraceJob({
      history: { carrierLateness: async () => [{ carrier: 'Fast', parcels: 30, latenessMs: 3 * HOUR, outForDelivery: 27 }] },
      engine: { setCarrierGrace: (g, s) => void ((table = g), (scans = s)) },
      clock: new ManualClock(TO),
      logger: pino({ level: 'silent' }),
    })
    await job.run()
    expect(table).toEqual(new Map([['Fast', 3 * HOUR]]))
    expect(scans).toEqual(new Map([['Fast', 0.9]]))
    const doc = {
      id: 'late',
      name: 'Late',
      triggers: [{ absence: { start: ['Order Shipped'], awaited: ['Order Delivered'], entity: 'order_id', at: 'properties.estimated_delivery_at', grace: '12h', graceFrom: 'carrier.grace' } }],
      actions: [{ nudge: { channel: 'email', template: 'delayed-shipment' } }],
    }
    const compiled = compileRule({ document: doc })
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.errors))
    const set = new RuleSet([compiled.rule])
    const due = (carrier: string, grace: ReadonlyMap<string, number> | undefined) => {
      const e = track('Order Shipped', { order_id: 'A1', carrier, estimated_delivery_at: new Date(TO).toISOString() })
      return set.timerChanges(e, { event: e, state: emptyCustomerState('c1'), order: undefined, at: T0, ...(grace ? { carrierGrace: grace } : {}) })[0]?.dueAt
    }
    expect(due('Fast', table)).toBe(TO + 3 * HOUR)
    expect(due('Slow', table)).toBe(TO + 12 * HOUR) // too little history: the rule's grace
    expect(due('Fast', undefined)).toBe(TO + 12 * HOUR) // no table (a replay sandbox)
    expect(validateRule({ ...doc, triggers: [{ absence: { ...doc.triggers[0]?.absence, graceFrom: 'carrier.speed' } }] })).toContainEqual({ path: '/triggers/0/absence/graceFrom', message: expect.stringContaining('carrier facts are name, grace, out_for_delivery') })
  })
})
