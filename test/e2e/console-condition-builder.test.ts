// The rule editor's point-and-click conditions in Chromium: ops build "total above 100 and (3
// returns in 30 days or not a VIP)" without typing JSON, read the server's plain-word error at
// the line that has the typo, fix it, and save. The saved document is exactly the tree they built;
// a tree the builder cannot show opens in the JSON view.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, launchBrowser, newPage, screenshot, signIn } from '../support/browser.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { requireFile } from '../support/requireServers.ts'

if (requireFile(CHROMIUM, 'condition builder', 'scripts/install-test-deps.sh installs chromium')) {
  describe('condition builder', () => {
    let engine: TestEngine
    let browser: Browser
    let page: Page

    beforeAll(async () => {
      engine = await startEngine()
      browser = await launchBrowser()
      page = await newPage(browser)
      await signIn(page, engine.url, KEYS.ops)
    })
    afterAll(async () => {
      await browser?.close()
      await engine?.app.stop()
    })

    it('builds nested conditions, shows an error at its line, saves exactly the tree', { timeout: 180_000 }, async () => {
      await page.goto(`${engine.url}/console/#/rules/new`)
      await page.getByRole('heading', { name: 'New rule', level: 1 }).waitFor()
      await page.getByLabel(/^ID/).fill('cb-rule')
      await page.getByLabel(/^Name/).fill('Built by clicking')

      const when = page.locator('#rf-when')
      await when.getByText('No conditions: the rule fires on every trigger.').waitFor()
      await when.getByRole('button', { name: '+ Condition' }).click()
      const lines = when.locator('.cb-line')
      await lines.first().getByLabel('Fact', { exact: true }).fill('propertes.total') // a typo the server names
      await lines.first().getByLabel('Operator', { exact: true }).selectOption('gt')
      await lines.first().getByLabel('Value', { exact: true }).fill('100')

      // The server's error in plain words, at the line that has it, with "did you mean".
      const error = lines.first().locator('.field-error')
      await expect.poll(async () => (await error.allTextContents()).join(' '), { timeout: 20_000 }).toMatch(/properties/)
      expect(await lines.first().getAttribute('class')).toContain('has-error')
      await lines.first().getByLabel('Fact', { exact: true }).fill('properties.total')
      await expect.poll(() => error.count(), { timeout: 20_000 }).toBe(0)

      // A nested group: any of (3 returns in 30 days, not a VIP).
      await when.getByRole('button', { name: '+ Group' }).first().click()
      const group = when.locator('.cb-group .cb-group').first()
      await group.getByLabel('Group', { exact: true }).selectOption('any')
      const inner = group.locator('.cb-line')
      await inner.first().getByLabel('What', { exact: true }).selectOption('count')
      await inner.first().getByLabel('Event', { exact: true }).fill('Return Requested')
      await inner.first().getByLabel('Within', { exact: true }).fill('30d')
      await inner.first().getByLabel('Operator', { exact: true }).selectOption('gte')
      await inner.first().getByLabel('Value', { exact: true }).fill('3')
      await group.getByRole('button', { name: '+ Condition' }).click()
      await inner.nth(1).getByLabel('Fact', { exact: true }).fill('traits.vip')
      await inner.nth(1).getByLabel('Operator', { exact: true }).selectOption('eq')
      await inner.nth(1).getByLabel('Value', { exact: true }).fill('true')
      await inner.nth(1).getByRole('checkbox', { name: 'not' }).check()
      await page.getByText('Valid', { exact: true }).waitFor()
      await screenshot(page, 'condition-builder')

      const expected = {
        all: [
          { fact: 'properties.total', gt: 100 },
          { any: [{ count: { event: 'Return Requested', within: '30d' }, gte: 3 }, { not: { fact: 'traits.vip', eq: true } }] },
        ],
      }
      // The JSON view shows the same tree.
      await page.getByRole('button', { name: 'JSON', exact: true }).first().click()
      expect(JSON.parse(await page.getByRole('textbox', { name: /^Conditions/ }).inputValue())).toEqual(expected)

      await page.getByRole('button', { name: 'Save' }).click()
      await page.waitForURL(/#\/rules\/cb-rule$/)
      const stored = await engine.api('GET', '/api/rules/cb-rule', undefined, KEYS.ops)
      expect(stored.body.document.when).toEqual(expected)
    })

    it('opens a tree the builder cannot show in the JSON view, and keeps it', { timeout: 120_000 }, async () => {
      const odd = { not: { all: [{ fact: 'properties.total', gt: 1 }, { fact: 'properties.total', lt: 5 }] } } // "not all of": no group kind of the builder
      const res = await engine.api('POST', '/api/rules', {
        id: 'cb-odd', name: 'Not all of', triggers: [{ event: 'Order Completed' }], when: odd,
        actions: [{ nudge: { channel: 'email', template: 'long-dwell' } }],
      }, KEYS.ops)
      expect(res.status, JSON.stringify(res.body)).toBe(201)
      await page.goto(`${engine.url}/console/#/rules/cb-odd`)
      await page.getByRole('heading', { name: 'Not all of', level: 1 }).waitFor()
      const conditions = page.getByRole('textbox', { name: /^Conditions/ })
      expect(JSON.parse(await conditions.inputValue())).toEqual(odd)
      expect(await page.getByRole('button', { name: 'Builder' }).first().isDisabled()).toBe(true)
    })
  })
}
