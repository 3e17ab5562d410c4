// The shopper journey in the console, on a real engine with a real SMTP server: a shopper's
// events make one rule send an email and another not fire because a condition fails; ops find the
// shopper by email (keyboard only) and see the sent message with its status and, for the other
// rule, the "why not" naming the failing condition and what it read; an agent reaches the page
// from the work list's shopper name and sees no export or erase; an admin exports the shopper's
// data and erases another after typing their id. Screenshots go to test-artifacts/screenshots/.
import { readFileSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, launchBrowser, newPage, screenshot, signIn } from '../support/browser.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { requireFile } from '../support/requireServers.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const RULES = [
  { id: 'jy-thanks', name: 'Thanks after delivery', triggers: [{ event: 'Order Delivered' }], actions: [{ nudge: { channel: 'email', template: 'payment-failed', topic: 'care' } }] },
  {
    id: 'jy-big-order',
    name: 'Big order care',
    triggers: [{ event: 'Order Delivered' }],
    when: { all: [{ fact: 'traits.vip', eq: true }, { fact: 'properties.total', gte: 500 }] },
    actions: [{ nudge: { channel: 'email', template: 'payment-failed', topic: 'care' } }],
  },
  { id: 'jy-call', name: 'Call after delivery', triggers: [{ event: 'Order Delivered' }], actions: [{ task: { queue: 'care', priority: 'normal', sla: '4h', title: 'Call Mei about her parcel' } }] },
]

if (requireFile(CHROMIUM, 'the shopper journey page', 'scripts/install-test-deps.sh installs chromium')) {
  describe('the shopper journey in the console', () => {
    let engine: TestEngine
    let mail: MailSink
    let browser: Browser

    beforeAll(async () => {
      mail = await startMailSink()
      engine = await startEngine({ smtpUrl: mail.url })
      browser = await launchBrowser()
      for (const rule of RULES) {
        const res = await engine.api('POST', '/api/rules', rule, KEYS.ops)
        expect(res.status, JSON.stringify(res.body)).toBe(201)
      }
      const at = new Date().toISOString()
      const res = await engine.ingest([
        { type: 'identify', messageId: randomUUID(), userId: 'jy-mei', traits: { email: 'Mei.Lin@example.com', name: 'Mei Lin', vip: true, locale: 'en' }, timestamp: at },
        { type: 'track', messageId: randomUUID(), userId: 'jy-mei', event: 'Order Placed', properties: { order_id: 'O-2', total: 80, currency: 'EUR' }, timestamp: at },
        { type: 'track', messageId: randomUUID(), userId: 'jy-mei', event: 'Order Delivered', properties: { order_id: 'O-1', total: 120, currency: 'EUR' }, timestamp: at },
        { type: 'identify', messageId: randomUUID(), userId: 'jy-other', traits: { email: 'other@example.com', name: 'Otto' }, timestamp: at },
      ])
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      await engine.app.tick()
      const [message] = await mail.waitFor(1)
      expect(message?.to).toBeDefined()
    })
    afterAll(async () => {
      await browser?.close()
      await engine?.app.stop()
      await mail?.close()
    })

    const openJourney = (page: Page, id: string) => page.evaluate((hash) => (location.hash = hash), `#/customers/${encodeURIComponent(id)}`)

    it('shows the sent message with its status and the failing condition of the rule that did not fire', { timeout: 180_000 }, async () => {
      const page = await newPage(browser)
      await signIn(page, engine.url, KEYS.ops)
      await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Shoppers' }).click()
      await page.getByRole('heading', { name: 'Shoppers', level: 1 }).waitFor()
      // Keyboard only: the search field, typed, Enter.
      const search = page.getByLabel('Shopper id or email')
      await search.focus()
      await page.keyboard.type('nobody@example.com')
      await page.keyboard.press('Enter')
      await page.getByText('No shopper with the id or email “nobody@example.com”.').waitFor()
      await search.fill('')
      await page.keyboard.type('MEI.LIN@EXAMPLE.COM')
      await page.keyboard.press('Enter')
      await page.getByRole('heading', { name: 'Mei Lin', level: 1 }).waitFor()

      const messages = page.getByRole('table', { name: 'Messages' })
      const sent = messages.getByRole('row').filter({ hasText: 'payment-failed' })
      await expect.poll(() => sent.count()).toBe(1)
      expect(await sent.locator('td').nth(2).innerText()).toContain('Sent')
      expect(await sent.innerText()).toContain('jy-thanks')
      expect(await sent.locator('td').nth(3).innerText()).toContain('Sent')

      const rules = page.getByRole('table', { name: 'Rules: why and why not' })
      expect(await rules.locator('[data-rule="jy-thanks"]').getAttribute('data-verdict')).toBe('fired')
      expect(await rules.locator('[data-rule="jy-call"]').getAttribute('data-verdict')).toBe('fired')
      const bigOrder = rules.getByRole('row').filter({ has: page.locator('[data-rule="jy-big-order"]') })
      expect(await bigOrder.locator('[data-verdict]').getAttribute('data-verdict')).toBe('failed')
      const whyNot = bigOrder.getByTestId('why-not')
      expect(await whyNot.innerText()).toMatch(/^Condition \/when\/all\/1 did not hold at “Order Delivered” \(.+\): properties\.total ≥ 500 — read 120$/)
      expect(await page.getByRole('table', { name: 'Open orders' }).getByRole('row').filter({ hasText: 'O-2' }).count()).toBe(1)
      expect(await page.getByRole('table', { name: 'Tasks' }).getByRole('link', { name: 'Call Mei about her parcel' }).count()).toBe(1)
      expect(await page.getByRole('button', { name: 'Export data' }).count()).toBe(0)
      await screenshot(page, 'journey')

      // The checked conditions open from the keyboard.
      const checks = bigOrder.getByText('Conditions checked (2)')
      await checks.focus()
      await page.keyboard.press('Enter')
      await bigOrder.getByText('traits.vip = true').waitFor()
      expect(await bigOrder.locator('details li').nth(1).innerText()).toContain('did not hold')
      await bigOrder.scrollIntoViewIfNeeded()
      await screenshot(page, 'journey-why-not')

      await page.evaluate(() => localStorage.setItem('careloop.lang', 'zh-CN'))
      await page.reload()
      await page.getByRole('heading', { name: '规则：为何触发、为何未触发' }).waitFor()
      expect(await page.getByTestId('why-not').innerText()).toMatch(/^条件 \/when\/all\/1 在“Order Delivered”（.+）时不成立：properties\.total ≥ 500 — 读到 120$/)
      await screenshot(page, 'journey-zh-CN')
      await page.context().close()
    })

    it("lets an agent open it from the work list's shopper name, without export or erase", { timeout: 120_000 }, async () => {
      const page = await newPage(browser)
      await signIn(page, engine.url, KEYS.alice)
      await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Work list' }).click()
      await page.getByRole('link', { name: 'Mei Lin' }).first().click()
      await page.getByRole('heading', { name: 'Mei Lin', level: 1 }).waitFor()
      await page.getByRole('table', { name: 'Messages' }).waitFor()
      expect(await page.getByRole('button', { name: 'Export data' }).count()).toBe(0)
      expect(await page.getByRole('button', { name: 'Erase shopper' }).count()).toBe(0)
      // From the journey's task to the task page, and back by the shopper's name there.
      await page.getByRole('table', { name: 'Tasks' }).getByRole('link', { name: 'Call Mei about her parcel' }).click()
      await page.getByRole('heading', { name: 'Call Mei about her parcel', level: 1 }).waitFor()
      await page.getByRole('region', { name: 'Shopper' }).getByRole('link', { name: 'Mei Lin' }).click()
      await page.getByRole('heading', { name: 'Mei Lin', level: 1 }).waitFor()
      await page.getByRole('table', { name: 'Rules: why and why not' }).waitFor()
      await page.context().close()
    })

    it('lets an admin export a shopper and erase another after typing their id', { timeout: 120_000 }, async () => {
      const page = await newPage(browser)
      await signIn(page, engine.url, KEYS.admin)
      await openJourney(page, 'jy-mei')
      await page.getByRole('heading', { name: 'Mei Lin', level: 1 }).waitFor()
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export data' }).click()])
      expect(download.suggestedFilename()).toBe('careloop-jy-mei.json')
      const exported = JSON.parse(readFileSync((await download.path()) as string, 'utf8'))
      expect(exported.customerId).toBe('jy-mei')
      expect(exported.messages.map((m: { template: string }) => m.template)).toEqual(['payment-failed'])
      await page.getByText('Exported the shopper’s data as careloop-jy-mei.json.').waitFor()

      await openJourney(page, 'jy-other')
      await page.getByRole('heading', { name: 'Otto', level: 1 }).waitFor()
      await page.getByRole('button', { name: 'Erase shopper' }).click()
      const dialog = page.getByRole('dialog', { name: 'Erase this shopper' })
      const go = dialog.getByRole('button', { name: 'Erase', exact: true })
      expect(await go.isDisabled()).toBe(true)
      await dialog.getByLabel('Type the customer id to confirm').fill('jy-othe')
      expect(await go.isDisabled()).toBe(true)
      await dialog.getByLabel('Type the customer id to confirm').fill('jy-other')
      await go.click()
      await page.getByText(/^(Erasure .+ started|Erased from every store)/).waitFor()
      const states = await engine.app.ops.engine.loadStates(['jy-other', 'jy-mei'])
      expect([...states.keys()]).toEqual(['jy-mei'])
      await page.context().close()
    })
  })
}
