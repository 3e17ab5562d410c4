// Addressing at send time on a real operational store: a message for an anonymous id that has been
// merged goes to the known shopper (in-app inbox included); one without an address waits, then is
// addressed from the known profile, or is skipped once the wait is over.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addressMessage, ADDRESS_RECHECK_MS } from '../../src/channels/addressing.ts'
import { emptyCustomerState } from '../../src/model/customer.ts'
import type { OutboxPayload } from '../../src/model/outbox.ts'
import { openOperationalStore, type OperationalStore } from '../../src/store/operational/OperationalStore.ts'
import type { OutboxRecord } from '../../src/store/operational/OutboxStore.ts'
import { freshDataDir } from '../support/stores.ts'

const T0 = Date.UTC(2026, 5, 1, 9)
const HOUR = 3_600_000
let ops: OperationalStore

beforeAll(async () => {
  ops = await openOperationalStore({ dataDir: join(freshDataDir(), 'ops') })
  const known = emptyCustomerState('u1')
  known.traits.email = 'u1@example.com'
  await ops.engine.commit({ source: 's', positions: new Map(), states: [{ partition: 0, state: known }], timers: [], outbox: [], tasks: [], deadLetters: [], identity: { links: [{ anonymousId: 'a1', userId: 'u1', at: T0 }], conflicts: [] }, now: T0 })
})
afterAll(async () => {
  await ops?.close()
})

function outbox(customerId: string, channel: OutboxRecord['channel']): OutboxRecord {
  const payload: OutboxPayload = { locale: 'en', to: {}, vars: { customer: { id: customerId, locale: 'en', traits: {} }, event: { name: 'Product Viewed', ts: T0, properties: {} }, links: {}, shop: { name: 'S', url: 'https://s.test' } } }
  return { id: `o-${customerId}-${channel}`, idempotencyKey: 'k', customerId, channel, template: 'long-dwell', topic: 'care', priority: 20, urgent: false, ruleId: 'r', ruleVersion: 1, payload, nextAttemptAt: T0, createdAt: T0, status: 'sending', attempts: 1, lastError: null, providerMessageId: null, updatedAt: T0 }
}

describe('addressing at send time', () => {
  it('a merged anonymous shopper\'s email goes to the known address, guarded with both ids', async () => {
    const result = await addressMessage(ops, outbox('anon:a1', 'email'), T0 + HOUR)
    expect(result.verdict === 'send' && [result.message.customerId, result.message.payload.to.email, result.aliases]).toEqual(['u1', 'u1@example.com', ['anon:a1']])
  })

  it('an in-app message decided while anonymous lands in the known shopper\'s inbox', async () => {
    const result = await addressMessage(ops, outbox('anon:a1', 'inapp'), T0 + HOUR)
    expect(result.verdict === 'send' && result.message.customerId).toBe('u1')
  })

  it('an unknown anonymous shopper waits, looking again shortly, then is skipped', async () => {
    expect(await addressMessage(ops, outbox('anon:a2', 'email'), T0 + HOUR)).toEqual({ verdict: 'wait', until: T0 + HOUR + ADDRESS_RECHECK_MS, reason: 'no email address for this shopper yet' })
    expect(await addressMessage(ops, outbox('anon:a2', 'email'), T0 + 24 * HOUR - 1)).toEqual({ verdict: 'wait', until: T0 + 24 * HOUR, reason: 'no email address for this shopper yet' })
    expect(await addressMessage(ops, outbox('anon:a2', 'email'), T0 + 24 * HOUR)).toEqual({ verdict: 'skip', reason: 'no email address for this shopper after waiting 1d' })
    expect(await addressMessage(ops, outbox('anon:a2', 'sms'), T0 + HOUR, 2 * HOUR)).toMatchObject({ verdict: 'wait' })
  })
})
