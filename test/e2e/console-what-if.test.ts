// The rule editor's What-if tab in Chromium: ops vary the delayed-shipment grace over stored
// history, read the curve and its table (the same figures the sweep API answers), pick a point and
// save it as the rule's next version. The history: six parcels estimated for one morning three days
// ago; three shoppers complain at +2 h, +6 h and +10 h, two parcels arrive, one order is refunded.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, launchBrowser, newPage, screenshot, signIn } from '../support/browser.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { wireTrack as msg } from '../support/events.ts'
import { requireFile } from '../support/requireServers.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR
/** 09:00 UTC three days ago: the estimate of every parcel (shoppers without a zone are on UTC). */
const E = Math.floor(Date.now() / DAY) * DAY - 3 * DAY + 9 * HOUR

function parcel(userId: string): unknown[] {
  const order = `o-${userId}`
  const est = new Date(E).toISOString()
  return [
    { type: 'identify', messageId: `i-${userId}`, userId, traits: { email: `${userId}@example.com` }, timestamp: new Date(E - 4 * DAY).toISOString() },
    msg(userId, 'Order Completed', { order_id: order, total: 40, promised_delivery_at: est }, E - 4 * DAY),
    msg(userId, 'Order Shipped', { order_id: order, estimated_delivery_at: est }, E - 2 * DAY),
    msg(userId, 'Shipment Updated', { order_id: order, status: 'out_for_delivery', estimated_delivery_at: est }, E - 2 * HOUR),
  ]
}

const trace = [
  ...parcel('W1'), msg('W1', 'Complaint Filed', { order_id: 'o-W1', topic: 'late' }, E + 2 * HOUR),
  ...parcel('W2'), msg('W2', 'Complaint Filed', { order_id: 'o-W2', topic: 'late' }, E + 6 * HOUR),
  ...parcel('W3'), msg('W3', 'Complaint Filed', { order_id: 'o-W3', topic: 'late' }, E + 10 * HOUR),
  ...parcel('W4'), msg('W4', 'Order Delivered', { order_id: 'o-W4' }, E + 3 * HOUR),
  ...parcel('W5'), msg('W5', 'Order Delivered', { order_id: 'o-W5' }, E + 20 * HOUR),
  ...parcel('W6'), msg('W6', 'Order Refunded', { order_id: 'o-W6', total: 40 }, E + 30 * HOUR),
]

if (requireFile(CHROMIUM, 'what-if in the rule editor', 'scripts/install-test-deps.sh installs chromium')) {
  describe('what-if in the rule editor', () => {
    let engine: TestEngine
    let browser: Browser
    let page: Page

    beforeAll(async () => {
      engine = await startEngine()
      expect((await engine.ingest(trace)).status).toBe(200)
      await engine.app.tick()
      browser = await launchBrowser()
      page = await newPage(browser)
      await signIn(page, engine.url, KEYS.ops)
    })
    afterAll(async () => {
      await browser?.close()
      await engine?.app.stop()
    })

    it('shows the sweep curve and saves a picked point as the next version', { timeout: 300_000 }, async () => {
      const before = (await engine.api('GET', '/api/rules/delayed-shipment', undefined, KEYS.ops)).body
      const pointer = '/triggers/0/absence/grace'
      expect(before.document.triggers[0].absence.grace).toBe('12h')

      await page.goto(`${engine.url}/console/#/rules/delayed-shipment?tab=whatif`)
      await page.getByRole('heading', { name: 'What if a parameter were different?' }).waitFor()
      expect(await page.getByLabel('Parameter', { exact: true }).inputValue()).toBe(pointer)
      // Suggested around the current value, which is marked in the table.
      expect(await page.getByLabel('Values to try').inputValue()).toBe('0h, 6h, 12h, 24h, 48h')
      await page.getByLabel('Values to try').fill('0h, 4h, 12h')
      await page.getByRole('button', { name: 'Run what-if' }).click()

      const rows = page.locator('table tbody tr')
      await expect.poll(() => rows.count(), { timeout: 240_000 }).toBe(3)
      const expected = await engine.api('POST', '/api/rules/delayed-shipment/sweep', { pointer, values: ['0h', '4h', '12h'], document: before.document }, KEYS.ops)
      expect(expected.status).toBe(200)
      for (const [i, point] of (expected.body.points as Array<{ preceded: number; sent: number; needless: number }>).entries()) {
        const cells = await rows.nth(i).locator('td').allTextContents()
        expect([cells[0], cells[2], cells[3]].map((c) => Number(c))).toEqual([point.preceded, point.sent, point.needless])
      }
      // The curve rises with an earlier message: the hand-built history has contacts a grace of 0 h precedes.
      expect(expected.body.points[0].preceded).toBeGreaterThan(expected.body.points[2].preceded)
      expect(await rows.nth(2).textContent()).toContain('(current)')
      expect(await page.getByRole('img', { name: 'Contacts preceded and needless messages per value' }).count()).toBe(1)
      await screenshot(page, 'rule-what-if')

      await rows.nth(1).getByRole('button', { name: 'Use this value' }).click()
      const dialog = page.getByRole('dialog', { name: `Save ${pointer} = 4h as a new version?` })
      await dialog.waitFor()
      await dialog.getByRole('button', { name: 'Save version' }).click()
      await page.getByText(`Saved as version ${before.version + 1}.`).first().waitFor()
      const after = (await engine.api('GET', '/api/rules/delayed-shipment', undefined, KEYS.ops)).body
      expect(after.version).toBe(before.version + 1)
      expect(after.document.triggers[0].absence.grace).toBe('4h')
      expect({ ...after.document, triggers: before.document.triggers }).toEqual(before.document)
    })
  })
}
