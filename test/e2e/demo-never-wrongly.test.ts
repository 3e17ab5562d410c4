// The demo shop as `CARELOOP_DEMO_SHOPPERS=… npm start` loads it: a month of history posted at
// once, ending now. Whatever the engine then sends must be right: no message or task about a
// moment older than its rule's maximum age, and no late-parcel message or task for a parcel
// delivered by its due time. The counts are printed for the closing note.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { sendTrace } from '../../src/demo/send.ts'
import { generateTrace, type SegmentMessage } from '../../src/demo/trace.ts'
import { startEngine, WRITE_KEY, type TestEngine } from '../support/careloop.ts'

const DAY = 86_400_000
const clock = new ManualClock(Date.UTC(2026, 5, 30, 14, 0, 0))
let engine: TestEngine
let trace: SegmentMessage[]

beforeAll(async () => {
  engine = await startEngine({ clock })
  const days = 30
  trace = generateTrace({ seed: 42, shoppers: 150, days, start: clock.now() - days * DAY }).filter((m) => Date.parse(m.timestamp) <= clock.now())
  await sendTrace(trace, { url: engine.url, writeKey: WRITE_KEY })
  await engine.app.tick()
  // Past the allowed lateness of waits that were already due when the history arrived.
  clock.advance(6 * 60_000)
  await engine.app.tick()
}, 300_000)
afterAll(async () => {
  await engine?.app.stop()
})

interface Moment {
  ruleId: string
  at: number
  entity: string
  outcome: string
  reason?: string
  actions: Array<{ decision: string }>
}

describe('the demo shop, loaded as history', () => {
  it('sends nothing stale and nothing about a parcel delivered in time', async () => {
    const delivered = new Map<string, number>()
    for (const m of trace) {
      const props = (m as { properties?: Record<string, unknown> }).properties
      if ((m as { event?: string }).event === 'Order Delivered' && typeof props?.order_id === 'string') delivered.set(`${m.userId}|${props.order_id}`, Date.parse(m.timestamp))
    }
    const rules = engine.app.rules.ruleSet.rules
    const customers = [...new Set(trace.map((m) => String(m.userId)))]
    let planned = 0
    let stale = 0
    const tooOld: string[] = []
    const deliveredInTime: string[] = []
    for (const id of customers) {
      const res = await engine.api('GET', `/api/customers/${encodeURIComponent(id)}/explain`)
      expect(res.status).toBe(200)
      for (const m of res.body.moments as Moment[]) {
        if (m.reason === 'stale') stale++
        if (!m.actions.some((a) => a.decision === 'planned')) continue
        planned++
        const maxAge = rules.get(m.ruleId)?.maxAgeMs ?? Infinity
        if (clock.now() - m.at > maxAge + 10 * 60_000) tooOld.push(`${id} ${m.ruleId} ${new Date(m.at).toISOString()}`)
        const deliveredAt = delivered.get(`${id}|${m.entity}`)
        if (m.ruleId === 'delayed-shipment' && deliveredAt !== undefined && deliveredAt <= m.at) deliveredInTime.push(`${id} ${m.entity}`)
      }
    }
    console.log(`demo (150 shoppers, 30 days): ${planned} moments acted on, ${stale} recorded as stale, ${tooOld.length} acted on past their maximum age, ${deliveredInTime.length} late-parcel moments for parcels delivered in time`)
    expect(stale).toBeGreaterThan(0)
    expect(planned).toBeGreaterThan(0)
    expect(tooOld).toEqual([])
    expect(deliveredInTime).toEqual([])
  })
})
