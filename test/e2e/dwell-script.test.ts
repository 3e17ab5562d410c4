// The dwell script in a real browser against the real engine: a shop's product page (another
// origin) includes /dwell.js; a shopper known to analytics.js (ajs_user_id) stays
// three visible minutes and leaves → the beacon's Product Viewed carries dwell_ms and the starter
// long-dwell rule's help email reaches a real SMTP sink. The same stay with the tab in the
// background → the beacon arrives with no visible time and no email goes out.
//
// Time: the page runs on Playwright's clock (Date and performance.now), fast-forwarded instead of
// waited; the engine on a ManualClock. Headless Chromium keeps every tab visible, so the hidden
// tab is the Page Visibility API's own signal (visibilityState "hidden" + visibilitychange), sent
// as Chromium does when a tab goes to the background.
import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { CHROMIUM, launchBrowser, newPage } from '../support/browser.ts'
import { startEngine, WRITE_KEY, type TestEngine } from '../support/careloop.ts'
import { requireFile } from '../support/requireServers.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'
import { waitFor } from '../stream/helpers.ts'

const START = Date.UTC(2026, 5, 1, 9, 0, 0)
const MIN = 60_000

if (requireFile(CHROMIUM, 'dwell script in a browser', 'scripts/install-test-deps.sh installs chromium')) {
  describe('the dwell script', () => {
    const clock = new ManualClock(START)
    let mail: MailSink
    let engine: TestEngine
    let shop: Server
    let shopUrl: string
    let browser: Browser

    beforeAll(async () => {
      mail = await startMailSink()
      engine = await startEngine({ clock, smtpUrl: mail.url })
      // The shop: product pages with the snippet, and a next page to leave to.
      shop = createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://shop')
        const product = url.searchParams.get('p') ?? 'none'
        const page = url.pathname.startsWith('/products/')
          ? `<!doctype html><html lang="en"><title>Walnut desk</title><h1>Walnut desk</h1>
             <script src="${engine.url}/dwell.js" data-write-key="${WRITE_KEY}" data-product-id="${product}" data-product-name="Walnut desk"></script>`
          : '<!doctype html><title>Cart</title><h1>Cart</h1>'
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page)
      })
      await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve))
      shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`
      browser = await launchBrowser()
    })
    afterAll(async () => {
      await browser?.close()
      await engine?.app.stop()
      await mail?.close()
      await new Promise((resolve) => shop?.close(resolve))
    })

    /** A shopper the shop knows by email, logged in on the shop's site (analytics.js stored the id). */
    async function loggedInShopper(): Promise<{ id: string; page: Page }> {
      const id = `dw-${randomUUID().slice(0, 8)}`
      const res = await engine.ingest([{ type: 'identify', messageId: randomUUID(), userId: id, traits: { email: `${id}@example.com`, locale: 'en' }, timestamp: new Date(START).toISOString() }])
      expect(res.status).toBe(200)
      const page = await newPage(browser)
      await page.clock.install({ time: START })
      await page.goto(`${shopUrl}/cart`)
      await page.evaluate((userId) => localStorage.setItem('ajs_user_id', JSON.stringify(userId)), id)
      return { id, page }
    }

    const mailTo = (id: string) => mail.messages.filter((m) => m.to && 'text' in m.to && m.to.text.includes(id))

    /** Waits until the engine has applied a Product Viewed of this shopper, and returns its properties. */
    async function viewed(id: string): Promise<Record<string, unknown>> {
      let properties: Record<string, unknown> | undefined
      await waitFor(`the beacon of ${id}`, async () => {
        clock.set(START + 10 * MIN)
        await engine.app.tick()
        const entries = await engine.app.history.timeline(id)
        const view = entries.find((e) => e.kind === 'event' && e.title === 'Product Viewed')
        properties = view?.data.properties as Record<string, unknown> | undefined
        return properties !== undefined
      })
      return properties as Record<string, unknown>
    }

    it('a long visible stay: the beacon carries the visible time and the help email arrives', async () => {
      const { id, page } = await loggedInShopper()
      await page.goto(`${shopUrl}/products/desk?p=DESK-1`)
      await page.clock.fastForward('03:00')
      await page.goto(`${shopUrl}/cart`)
      const properties = await viewed(id)
      expect(properties).toMatchObject({ product_id: 'DESK-1', dwell_source: 'script', name: 'Walnut desk' })
      expect(properties.dwell_ms).toBeGreaterThanOrEqual(180_000)
      await waitFor(`the help email to ${id}`, async () => {
        await engine.app.tick()
        return mailTo(id).length > 0
      })
      expect(mailTo(id)).toHaveLength(1)
      expect((await engine.app.ops.outbox.list({ customerId: id })).map((o) => o.ruleId)).toEqual(['long-dwell'])
      await page.context().close()
    })

    const setVisibility = (page: Page, state: 'hidden' | 'visible') =>
      page.evaluate((s) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s })
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => s === 'hidden' })
        document.dispatchEvent(new Event('visibilitychange'))
      }, state)

    /** Waits until the engine has applied `count` Product Viewed events of this customer, oldest first. */
    async function views(customerId: string, count: number): Promise<Array<{ id: string; properties: Record<string, unknown> }>> {
      let found: Array<{ id: string; properties: Record<string, unknown> }> = []
      await waitFor(`${count} views of ${customerId}`, async () => {
        clock.set(START + 10 * MIN)
        await engine.app.tick()
        const entries = await engine.app.history.timeline(customerId)
        found = entries.filter((e) => e.kind === 'event' && e.title === 'Product Viewed').map((e) => ({ id: e.id, properties: e.data.properties as Record<string, unknown> }))
        return found.length >= count
      })
      return found.sort((a, b) => (a.properties.dwell_ms as number) - (b.properties.dwell_ms as number))
    }

    it('pauses while hidden and resumes; each leave reports the visible total so far, as analytics.js\'s anonymous shopper', async () => {
      const page = await newPage(browser)
      await page.clock.install({ time: START })
      await page.goto(`${shopUrl}/cart`)
      // analytics.js keeps the anonymous id in a cookie (URL-encoded JSON) when localStorage is not used.
      const anonymousId = `anon-${randomUUID().slice(0, 8)}`
      await page.evaluate((a) => (document.cookie = `ajs_anonymous_id=${encodeURIComponent(JSON.stringify(a))}; path=/`), anonymousId)
      await page.goto(`${shopUrl}/products/desk?p=DESK-3`)
      await page.clock.fastForward('01:00')
      await setVisibility(page, 'hidden')
      await page.clock.fastForward('05:00')
      await setVisibility(page, 'visible')
      await page.clock.fastForward('01:30')
      await page.goto(`${shopUrl}/cart`)
      const [first, second] = await views(`anon:${anonymousId}`, 2)
      expect(first!.properties.dwell_ms).toBeGreaterThanOrEqual(60_000)
      expect(first!.properties.dwell_ms).toBeLessThan(90_000)
      expect(second!.properties.dwell_ms).toBeGreaterThanOrEqual(150_000)
      expect(second!.properties.dwell_ms).toBeLessThan(300_000)
      // One page view, two reports: the same page_view_id, messageIds -1 and -2.
      expect(first!.properties.page_view_id).toBe(second!.properties.page_view_id)
      expect([first!.id, second!.id]).toEqual([`dwell-${first!.properties.page_view_id}-1`, `dwell-${first!.properties.page_view_id}-2`])
      await page.context().close()
    })

    it('without analytics.js keeps its own anonymous id across page views', async () => {
      const page = await newPage(browser)
      await page.clock.install({ time: START })
      await page.goto(`${shopUrl}/products/desk?p=DESK-4`)
      await page.clock.fastForward('00:10')
      await page.goto(`${shopUrl}/products/desk?p=DESK-5`)
      await page.clock.fastForward('00:10')
      await page.goto(`${shopUrl}/cart`)
      const own = await page.evaluate(() => localStorage.getItem('careloop_anonymous_id'))
      expect(own).toBeTruthy()
      const seen = await views(`anon:${own}`, 2)
      expect(seen.map((v) => v.properties.product_id).sort()).toEqual(['DESK-4', 'DESK-5'])
      await page.context().close()
    })

    it('the same stay in a background tab: no visible time, no email', async () => {
      const { id, page } = await loggedInShopper()
      await page.goto(`${shopUrl}/products/desk?p=DESK-2`)
      await setVisibility(page, 'hidden')
      await page.clock.fastForward('03:00')
      await page.goto(`${shopUrl}/cart`)
      const properties = await viewed(id)
      expect(properties).toMatchObject({ product_id: 'DESK-2', dwell_source: 'script' })
      expect(properties.dwell_ms).toBeLessThan(120_000)
      await engine.app.tick()
      expect(await engine.app.ops.outbox.list({ customerId: id })).toEqual([])
      expect(mailTo(id)).toEqual([])
      await page.context().close()
    })
  })
}
