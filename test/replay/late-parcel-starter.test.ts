// The starter pack's late-parcel signals, judged as issue 17 asks: the demo trace replayed in the
// sandbox with the pack as it was (estimate + 12 h, or a carrier delay) and as it is now (also: no
// out-for-delivery scan by local noon on the estimated day, a new estimate past the promise), each
// run scored by the reached-first logic on its own lines. The figures are printed for the closing note.
import { beforeAll, describe, expect, it } from 'vitest'
import { generateTrace } from '../../src/demo/trace.ts'
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
  needless: number
}

let previous: Figures
let current: Figures
let deliveredBeforeMessage: string[]

beforeAll(async () => {
  const trace = generateTrace({ seed: 42, shoppers: SHOPPERS, days: DAYS })
  const events = scoredEvents(prepareTrace(trace).events)
  const from = Date.parse(trace[0]?.timestamp ?? '')
  const to = Date.parse(trace.at(-1)?.timestamp ?? '') + 1
  const late = new Set(events.filter((e) => e.name === 'Complaint Filed' && e.properties.topic === 'late').map((e) => e.messageId))
  const delivered = new Map(events.filter((e) => e.name === 'Order Delivered').map((e) => [`${e.customerId}|${String(e.properties.order_id)}`, e.ts]))
  const run = async (delayed: RuleDocument): Promise<Figures & { lines: Awaited<ReturnType<typeof replayTrace>>['lines'] }> => {
    const { lines } = await replayTrace(trace, { rules: packWith(delayed), horizonMs: DAY })
    const report = scoreLines({ from, to }, lines, events, { tags: new Map([['delayed-shipment', ['delivery']]]) })
    const rule = report.rules.find((r) => r.ruleId === 'delayed-shipment')
    // A late-parcel complaint is reached first when the rule's message went out before it.
    const rows = reachedRows(lines, events).contacts.filter((c) => late.has(c.contactId))
    const reached = rows.filter((c) => c.outcome === 'reached' && c.reachedRule === 'delayed-shipment')
    const leads = reached.map((c) => c.ts - (c.reachedAt as number)).sort((a, b) => a - b)
    return {
      lateComplaints: rows.length,
      reachedFirst: reached.length,
      medianLeadHours: leads.length === 0 ? null : Math.round(((leads[(leads.length - 1) >> 1] as number) / 3_600_000) * 10) / 10,
      sent: rule?.sent ?? 0,
      needless: rule?.needless ?? 0,
      lines,
    }
  }
  const before = await run(previousDelayedShipment())
  const after = await run(CURRENT_DELAYED_SHIPMENT)
  deliveredBeforeMessage = after.lines
    .filter((l) => l.rule === 'delayed-shipment' && l.action === 'nudge' && l.outcome === 'sent')
    .filter((l) => {
      const at = delivered.get(`${l.customer}|${l.entity}`)
      return at !== undefined && at <= Date.parse(l.decidedAt)
    })
    .map((l) => `${l.customer} ${l.entity}`)
  const { lines: _b, ...b } = before
  const { lines: _a, ...a } = after
  previous = b
  current = a
  console.log(`late-parcel signals on the demo trace (seed 42, ${SHOPPERS} shoppers, ${DAYS} days): previous pack ${JSON.stringify(previous)}; current pack ${JSON.stringify(current)}`)
}, 600_000)

describe('the starter pack on the demo trace', () => {
  // The earlier signals message late parcels the old pack never messaged (a new estimate while the
  // scan still says in transit; no out-for-delivery scan by noon). Shoppers who then do not
  // complain count as needless by the report's definition, so the count of needless messages can
  // rise with the reach; the share of needless among what is sent must not.
  it('reaches more late-parcel shoppers before their complaint, with a smaller share of needless messages', () => {
    expect(previous.lateComplaints).toBeGreaterThanOrEqual(5)
    expect(current.lateComplaints).toBe(previous.lateComplaints)
    expect(current.reachedFirst).toBeGreaterThan(previous.reachedFirst)
    expect(current.needless / current.sent).toBeLessThan(previous.needless / previous.sent)
  })

  it('never sends the late email about a parcel already delivered', () => {
    expect(deliveredBeforeMessage).toEqual([])
  })
})
