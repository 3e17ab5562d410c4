// Dwell derived on the server when the shop has no dwell script: the starter long-dwell rule
// fires from a plain `Product Viewed` and the shopper's next event, once, whatever is redelivered;
// a short stay, a session gap or the script's own measurement send nothing more. Real engine,
// real stores, real SMTP; time is a manual clock.
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const MIN = 60_000
const START = Date.UTC(2026, 5, 1, 8, 0, 0)

let mail: MailSink
let engine: TestEngine
const clock = new ManualClock(START)

beforeAll(async () => {
  mail = await startMailSink()
  engine = await startEngine({ clock, smtpUrl: mail.url })
})
afterAll(async () => {
  await engine?.app.stop()
  await mail?.close()
})

function shopper() {
  const id = `d-${randomUUID().slice(0, 8)}`
  const t0 = clock.now()
  return {
    id,
    identify: () => ({ type: 'identify', messageId: randomUUID(), userId: id, traits: { email: `${id}@example.com`, locale: 'en' }, timestamp: new Date(t0).toISOString() }),
    msg: (event: string, properties: Record<string, unknown>, after: number) => ({ type: 'track', messageId: randomUUID(), userId: id, event, properties, timestamp: new Date(t0 + after).toISOString() }),
  }
}

async function feed(...messages: unknown[]): Promise<void> {
  const res = await engine.ingest(messages)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  await engine.app.tick()
}

const helpEmails = (id: string) => mail.messages.filter((m) => m.to && 'text' in m.to && m.to.text.includes(id))
const longDwellRows = async (id: string) => (await engine.app.ops.outbox.list({ customerId: id })).filter((o) => o.ruleId === 'long-dwell')

describe('derived dwell', () => {
  it('emails help after a long view ended by the next event, once, though everything is sent twice', async () => {
    const s = shopper()
    const view = s.msg('Product Viewed', { product_id: 'P1', name: 'Walnut desk' }, 0)
    const next = s.msg('Product Added', { product_id: 'P1' }, 3 * MIN)
    await feed(s.identify(), view)
    expect(await longDwellRows(s.id), 'a view alone has no dwell yet').toEqual([])
    await feed(next)
    await feed(view, next)
    const rows = await longDwellRows(s.id)
    expect(rows).toHaveLength(1)
    await engine.app.tick()
    expect(helpEmails(s.id)).toHaveLength(1)
    // The explain API names the derived moment: the view's own id, marked as derived dwell.
    const explained = await engine.api('GET', `/api/customers/${s.id}/explain`)
    expect(explained.status).toBe(200)
    expect(JSON.stringify(explained.body)).toContain(`dwell:${view.messageId}`)
  })

  it('sends nothing for a short view, a view whose next event is past the session gap, or one the script measured', async () => {
    const s = shopper()
    await feed(
      s.identify(),
      s.msg('Product Viewed', { product_id: 'P1' }, 0),
      s.msg('Product Viewed', { product_id: 'P2' }, MIN),
      s.msg('Product Viewed', { product_id: 'P3' }, 40 * MIN),
      s.msg('Product Viewed', { product_id: 'P4' }, 80 * MIN),
      // The script's beacon for the P4 page: measured 20 s of visible time, although 5 min passed.
      s.msg('Product Viewed', { product_id: 'P4', dwell_ms: 20_000, dwell_source: 'script' }, 85 * MIN),
      s.msg('Product Added', { product_id: 'P4' }, 86 * MIN),
    )
    expect(await longDwellRows(s.id)).toEqual([])
  })
})
