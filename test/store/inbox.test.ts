// The in-app sender into a real inbox (PGlite): rendered parts, the most specific link, idempotent
// by outbox id. The inbox store itself is under the operational-store contract.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createInAppSender } from '../../src/channels/inapp/index.ts'
import { PermanentSendError, type ContentRenderer, type OutboundMessage, type RenderedParts } from '../../src/channels/types.ts'
import type { MessageVars } from '../../src/model/outbox.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { InboxStore } from '../../src/store/operational/InboxStore.ts'
import { openOperationalStore, type OperationalStore } from '../../src/store/operational/OperationalStore.ts'
import { freshDataDir } from '../support/stores.ts'

const T0 = Date.UTC(2026, 6, 1, 10)
const clock = new ManualClock(T0)
let ops: OperationalStore
let inbox: InboxStore

beforeAll(async () => {
  ops = await openOperationalStore({ dataDir: join(freshDataDir(), 'ops') })
  inbox = new InboxStore(ops.db)
})
afterAll(async () => {
  await ops?.close()
})

/** Renders from the vars, like the real renderer would from a template. */
const renderer: ContentRenderer = {
  render(templateId, locale, vars): RenderedParts {
    if (templateId === 'broken') return { locale, parts: { title: 'only a title' } }
    const order = vars.order?.['order_id']
    return { locale: locale === 'fr' ? 'en' : locale, parts: { title: `Order ${order} is late`, body: `Sorry ${vars.customer.name}, it is on its way.`, cta: 'Track it' } }
  },
  templateIds: () => ['delayed-shipment'],
  locales: () => ['en'],
}

function message(outboxId: string, over: Partial<OutboundMessage> = {}, links: Record<string, string> = {}): OutboundMessage {
  const vars: MessageVars = {
    customer: { id: 'ann', name: 'Ann', locale: 'fr', traits: {} },
    order: { order_id: 'o-7' },
    event: { name: 'Order Shipped', ts: T0, properties: {} },
    links,
    shop: { name: 'Shop', url: 'https://shop.test' },
  }
  return { outboxId, idempotencyKey: `k-${outboxId}`, customerId: 'ann', channel: 'inapp', template: 'delayed-shipment', locale: 'fr', to: {}, vars, ...over }
}

describe('in-app sender', () => {
  const sender = () => createInAppSender({ inbox, renderer, clock })

  it('renders title, body and cta, links the most specific page, and is idempotent by outbox id', async () => {
    const links = { product: 'https://shop.test/p/1', order: 'https://care.test/l/c/x', unsubscribe: 'https://care.test/l/u/y' }
    const first = await sender().send(message('ob-1', {}, links))
    expect(first).toEqual({ providerMessageId: 'ob-1', detail: 'in inbox' })
    clock.advance(60_000)
    const again = await sender().send(message('ob-1', {}, links))
    expect(again).toEqual({ providerMessageId: 'ob-1', detail: 'already in inbox' })

    const stored = await inbox.list('ann')
    expect(stored).toHaveLength(1)
    expect(stored[0]).toMatchObject({
      id: 'ob-1',
      template: 'delayed-shipment',
      title: 'Order o-7 is late',
      body: 'Sorry Ann, it is on its way.',
      link: 'https://care.test/l/c/x',
      createdAt: T0,
      data: { cta: 'Track it', links, template: 'delayed-shipment', locale: 'en' },
    })
  })

  it('falls back through checkout, product and retryPayment; no link at all is fine', async () => {
    await sender().send(message('ob-2', {}, { retryPayment: 'https://shop.test/pay', product: 'https://shop.test/p/2' }))
    await sender().send(message('ob-3', {}, {}))
    expect((await inbox.get('ann', 'ob-2'))?.link).toBe('https://shop.test/p/2')
    expect((await inbox.get('ann', 'ob-3'))?.link).toBeNull()
  })

  it('a template without a body is a permanent failure', async () => {
    await expect(sender().send(message('ob-4', { template: 'broken' }))).rejects.toBeInstanceOf(PermanentSendError)
    expect(await inbox.get('ann', 'ob-4')).toBeUndefined()
  })
})
