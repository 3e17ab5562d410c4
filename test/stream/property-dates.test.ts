// Dates inside an event's properties (a parcel's estimated or promised delivery), as ISO-8601 text
// of any year 0–9999 or as any epoch milliseconds: either ingest refuses the message at the date's
// path (before 1970, or past 9999), or the event is applied, the waits it arms fire, and nothing the
// engine derives from it (timers, signals, decisions, history rows) is refused later: no dead letter.
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { useEngine } from '../support/careloop.ts'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 5, 1, 9)
const SEED = process.env.CARELOOP_FUZZ_SEED === undefined ? undefined : Number(process.env.CARELOOP_FUZZ_SEED)

const anyDate = fc.oneof(
  fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
  fc.date({ min: new Date(T0 - 72 * HOUR), max: new Date(T0 + 72 * HOUR), noInvalidDate: true }),
)
const asProperty = (d: Date) => fc.constantFrom(d.toISOString(), d.getTime())
const epochExtremes = fc.constantFrom(-1, 0, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, 1e300, -1e300)
const propertyDate = fc.oneof({ weight: 5, arbitrary: anyDate.chain(asProperty) }, { weight: 1, arbitrary: epochExtremes })

describe('property dates of any year', () => {
  const clock = new ManualClock(T0)
  const running = useEngine({ clock })

  it('are applied, fire their waits and leave no dead letter', async () => {
    const engine = (): ReturnType<typeof running> => running()
    await fc.assert(
      fc.asyncProperty(propertyDate, fc.option(propertyDate, { nil: undefined }), async (eta, promised) => {
        const userId = `dates-${randomUUID().slice(0, 8)}`
        const order = `o-${randomUUID().slice(0, 8)}`
        const at = (offset: number) => new Date(clock.now() + offset).toISOString()
        const res = await engine().ingest([
          { type: 'identify', messageId: randomUUID(), userId, traits: { email: `${userId}@example.com` }, timestamp: at(0) },
          { type: 'track', messageId: randomUUID(), userId, event: 'Order Completed', properties: { order_id: order, total: 80, ...(promised === undefined ? {} : { promised_delivery_at: promised }) }, timestamp: at(1) },
          { type: 'track', messageId: randomUUID(), userId, event: 'Order Shipped', properties: { order_id: order, estimated_delivery_at: eta, ...(promised === undefined ? {} : { promised_delivery_at: promised }) }, timestamp: at(2) },
        ])
        const storable = (v: string | number) => {
          const ms = typeof v === 'string' ? Date.parse(v) : v
          return ms >= 0 && ms <= 253_402_300_799_999
        }
        if (!storable(eta) || (promised !== undefined && !storable(promised))) {
          expect(res.status).toBe(400)
          for (const e of res.body.errors as Array<{ path: string; message: string }>) {
            expect(e.path).toMatch(/^\/batch\/[12]\/properties\/(estimated|promised)_delivery_at$/)
            expect(e.message).toContain('must lie between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z')
          }
          return
        }
        expect(res.status, JSON.stringify(res.body)).toBe(200)
        await engine().app.tick()
        for (let i = 0; i < 4; i++) {
          clock.advance(24 * HOUR)
          await engine().app.tick()
        }
        // Refused messages are the door's letters (source http); any other was made after ingest said yes.
        const letters = (await engine().app.ops.deadLetters.list(100)).filter((l) => l.source !== 'http')
        expect(letters.map((l) => l.reason)).toEqual([])
        const timeline = (await engine().api('GET', `/api/customers/${userId}/timeline`)).body.entries.filter((e: { kind: string }) => e.kind === 'event')
        expect(timeline.length).toBe(3)
      }),
      { numRuns: 25, ...(SEED === undefined ? {} : { seed: SEED }) },
    )
  }, 300_000)
})
