// The starter pack's late-parcel signals, judged as issue 17 asks: the demo trace replayed in the
// sandbox with the pack as it was (estimate + 12 h, or a carrier delay) and as it is now (also: no
// out-for-delivery scan by local noon on the estimated day, a new estimate past the promise), each
// run scored by the reached-first logic on its own lines, by both measures of needless messages:
// the report's (a late parcel is a problem of its order) and the one before it (only returns,
// refunds, cancellations and failed payments were). The figures are printed for the closing note.
import { beforeAll, describe, expect, it } from 'vitest'
import { generateTrace } from '../../src/demo/trace.ts'
import { DEFAULT_PROBLEM_EVENTS, LATE_PARCEL_PROBLEM } from '../../src/model/contacts.ts'
import { starterRules, type RuleDocument } from '../../src/rules/index.ts'
import { prepareTrace, replayTrace } from '../../src/replay/replay.ts'
import { reachedRows, scoreLines, scoredEvents } from '../../src/replay/sweepScore.ts'

const DAY = 86_400_000
const SHOPPERS = 150
const DAYS = 30

const CURRENT_DELAYED_SHIPMENT = starterRules.find((r) => r.id === 'delayed-shipment') as RuleDocument

/** delayed-shipment before issue 17: the estimate plus a fixed 12 h, or a delayed / exception scan; the same actions and guards. */
function previousDelayedShipment(): RuleDocument {
  const [wait, delayScan] = CURRENT_DELAYED_SHIPMENT.triggers
  if (!wait || !('absence' in wait) || !delayScan) throw new Error('the starter delayed-shipment rule changed shape')
  const { graceFrom: _learned, ...fixedGrace } = wait.absence
  return { ...CURRENT_DELAYED_SHIPMENT, triggers: [{ absence: { ...fixedGrace, grace: '12h' } }, delayScan] }
}

const packWith = (delayed: RuleDocument) => starterRules.map((r) => ({ document: r.id === 'delayed-shipment' ? delayed : r }))

interface Figures {
  lateComplaints: number
  reachedFirst: number
  medianLeadHours: number | null
  sent: number
  /** Sent, and no contact or problem (a late parcel among them) followed. */
  needless: number
  /** The measure before late parcels counted as problems. */
  needlessWithoutLateParcels: number
  /** Late emails that went while the parcel was already delivered or out for delivery. */
  wrong: string[]
}

let previous: Figures
let current: Figures

beforeAll(async () => {
  const trace = generateTrace({ seed: 42, shoppers: SHOPPERS, days: DAYS })
  const events = scoredEvents(prepareTrace(trace).events)
  const from = Date.parse(trace[0]?.timestamp ?? '')
  const to = Date.parse(trace.at(-1)?.timestamp ?? '') + 1
  const late = new Set(events.filter((e) => e.name === 'Complaint Filed' && e.properties.topic === 'late').map((e) => e.messageId))
  const orderEvents = (customer: string, order: string | null) => events.filter((e) => e.customerId === customer && String(e.properties.order_id) === order)
  /** Delivered, or the latest scan out for delivery, when the message went. */
  const wrongAt = (customer: string, order: string | null, sentAt: number): string | undefined => {
    const before = orderEvents(customer, order).filter((e) => e.ts <= sentAt)
    if (before.some((e) => e.name === 'Order Delivered')) return 'delivered'
    const scan = before.filter((e) => e.name === 'Order Shipped' || e.name === 'Shipment Updated').at(-1)
    return scan?.properties.status === 'out_for_delivery' ? 'out for delivery' : undefined
  }
  const run = async (delayed: RuleDocument): Promise<Figures> => {
    const { lines } = await replayTrace(trace, { rules: packWith(delayed), horizonMs: DAY })
    const tags = new Map([['delayed-shipment', ['delivery']]])
    const rule = scoreLines({ from, to }, lines, events, { tags }).rules.find((r) => r.ruleId === 'delayed-shipment')
    const before = scoreLines({ from, to }, lines, events, { tags, problems: DEFAULT_PROBLEM_EVENTS.filter((p) => p !== LATE_PARCEL_PROBLEM) }).rules.find((r) => r.ruleId === 'delayed-shipment')
    // A late-parcel complaint is reached first when the rule's message went out before it.
    const rows = reachedRows(lines, events).contacts.filter((c) => late.has(c.contactId))
    const reached = rows.filter((c) => c.outcome === 'reached' && c.reachedRule === 'delayed-shipment')
    const leads = reached.map((c) => c.ts - (c.reachedAt as number)).sort((a, b) => a - b)
    const wrong = lines
      .filter((l) => l.rule === 'delayed-shipment' && l.action === 'nudge' && l.outcome === 'sent' && l.deliverAt !== null && Date.parse(l.deliverAt) < to)
      .flatMap((l) => {
        const why = wrongAt(l.customer, l.entity, Date.parse(l.deliverAt as string))
        return why === undefined ? [] : [`${l.customer} ${l.entity} ${why}`]
      })
    return {
      lateComplaints: rows.length,
      reachedFirst: reached.length,
      medianLeadHours: leads.length === 0 ? null : Math.round(((leads[(leads.length - 1) >> 1] as number) / 3_600_000) * 10) / 10,
      sent: rule?.sent ?? 0,
      needless: rule?.needless ?? 0,
      needlessWithoutLateParcels: before?.needless ?? 0,
      wrong,
    }
  }
  previous = await run(previousDelayedShipment())
  current = await run(CURRENT_DELAYED_SHIPMENT)
  console.log(`late-parcel signals on the demo trace (seed 42, ${SHOPPERS} shoppers, ${DAYS} days): previous pack ${JSON.stringify(previous)}; current pack ${JSON.stringify(current)}`)
}, 600_000)

describe('the starter pack on the demo trace', () => {
  // Needless by the report's measure: a shopper whose parcel was in fact late (delivered after the
  // promise, or not by the trace's end) had a reason to hear from the shop even without complaining.
  it('reaches more late-parcel shoppers before their complaint, with no more needless messages', () => {
    expect(previous.lateComplaints).toBeGreaterThanOrEqual(5)
    expect(current.lateComplaints).toBe(previous.lateComplaints)
    expect(current.reachedFirst).toBeGreaterThan(previous.reachedFirst)
    expect(current.needless).toBeLessThanOrEqual(previous.needless)
    // The measure before it is printed beside (above); the share it gives must not rise either.
    expect(current.needlessWithoutLateParcels / current.sent).toBeLessThanOrEqual(previous.needlessWithoutLateParcels / previous.sent)
  })

  // A message held by quiet hours can still go after an out-for-delivery scan (docs/late-parcels.md,
  // "Wrong messages"); the new signals must add none of those, and none after a delivery.
  it('sends no late email about a parcel already delivered or out for delivery that the previous pack did not', () => {
    expect(current.wrong.filter((w) => w.endsWith('delivered'))).toEqual([])
    expect(current.wrong.filter((w) => !previous.wrong.includes(w))).toEqual([])
  })
})
