// The audit log, feedback inbox, reports and API keys pages in Chromium on a real engine (manual
// clock, test/api/reportsShop.ts): each page driven as ops or admin would, by mouse and keyboard,
// with what each role may not do hidden. Screenshots go to test-artifacts/screenshots/.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, launchBrowser, newPage, screenshot, signIn } from '../support/browser.ts'
import { KEYS, type TestEngine } from '../support/careloop.ts'
import { requireFile } from '../support/requireServers.ts'
import { LIFT_RULE, startReportsShop } from '../api/reportsShop.ts'

const NAV = ['Reports', 'Feedback', 'Audit log', 'API keys']

if (requireFile(CHROMIUM, 'the reports console pages', 'scripts/install-test-deps.sh installs chromium')) {
  describe('console: audit log, feedback inbox, reports, API keys', () => {
    let engine: TestEngine
    let browser: Browser
    beforeAll(async () => {
      ;[engine, browser] = await Promise.all([startReportsShop(), launchBrowser()])
    }, 120_000)
    afterAll(async () => {
      await browser?.close()
      await engine?.app.stop()
    })

    const open = async (key: string, link: string, heading = link): Promise<Page> => {
      const page = await newPage(browser)
      await signIn(page, engine.url, key)
      await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: link }).click()
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor()
      return page
    }
    const rowsOf = (page: Page, table: string) => page.getByRole('table', { name: table }).locator('tbody tr')

    it('shows each role only the pages it may use', { timeout: 60_000 }, async () => {
      const navLinks = async (key: string) => {
        const page = await newPage(browser)
        await signIn(page, engine.url, key)
        const names = await page.getByRole('navigation', { name: 'main' }).getByRole('link').allTextContents()
        return { page, names: names.filter((n) => NAV.includes(n)) }
      }
      expect((await navLinks(KEYS.admin)).names).toEqual(NAV)
      const ops = await navLinks(KEYS.ops)
      expect(ops.names).toEqual(['Reports', 'Feedback', 'Audit log'])
      await ops.page.goto(`${engine.url}/console/#/keys`)
      await ops.page.getByText('Not available for your role').waitFor()
      expect((await navLinks(KEYS.alice)).names).toEqual([])
    })

    it('audit log: filters by action and time, pages, opens an entry’s details', { timeout: 90_000 }, async () => {
      const page = await open(KEYS.admin, 'Audit log')
      const rows = rowsOf(page, 'Audit log')
      await expect.poll(() => rows.count()).toBeGreaterThan(3)
      // Keyboard: type the action and submit the filter form with Enter.
      await page.getByLabel('Action').fill('key.create')
      await page.getByLabel('Action').press('Enter')
      await expect.poll(() => rows.count()).toBe(1)
      expect(await rows.first().textContent()).toContain('key.create')
      await page.getByRole('button', { name: /^Details of entry/ }).focus()
      await page.keyboard.press('Enter')
      const dialog = page.getByRole('dialog', { name: /^Details of entry/ })
      await dialog.waitFor()
      expect(await dialog.textContent()).toContain('warehouse sync')
      await screenshot(page, 'audit-log')
      await page.keyboard.press('Escape')
      await dialog.waitFor({ state: 'hidden' })
      // A range ending before it starts is refused on the page, naming the field.
      await page.getByLabel('From').fill('2026-11-21T10:00')
      await page.getByLabel('Until').fill('2026-11-20T10:00')
      await page.getByRole('button', { name: 'Apply filters' }).click()
      await page.getByText('The end of the range must be after its start.').waitFor()
      // Everything from the first hour after the clock: nothing.
      await page.getByLabel('Until').fill('2026-11-22T10:00')
      await page.getByRole('button', { name: 'Apply filters' }).click()
      await page.getByText('No entries match these filters.').waitFor()
      await page.getByRole('button', { name: 'Clear' }).click()
      await expect.poll(() => rows.count()).toBeGreaterThan(3)
      expect(await page.getByRole('button', { name: 'Older entries' }).isDisabled()).toBe(true)
    })

    it('feedback inbox: items per rule linked to their task; mark handled, see it under Handled, reopen', { timeout: 90_000 }, async () => {
      const page = await open(KEYS.ops, 'Feedback', 'Feedback inbox')
      const group = page.getByRole('region', { name: new RegExp(`Rule ${LIFT_RULE}`) })
      await group.waitFor()
      const items = group.locator('[data-feedback]')
      await expect.poll(() => items.count()).toBe(3)
      const automate = group.locator('[data-feedback="rp-t1:should_be_automated"]')
      expect(await automate.textContent()).toContain('They only wanted the tracking link')
      expect(await automate.getByRole('link', { name: 'Open the task' }).getAttribute('href')).toBe('#/tasks/rp-t1')
      await screenshot(page, 'feedback-inbox')
      await automate.getByRole('button', { name: 'Mark handled' }).click()
      await expect.poll(() => items.count()).toBe(2)
      await page.getByRole('group', { name: 'Show' }).getByRole('button', { name: 'Handled' }).click()
      const handled = page.locator('[data-feedback="rp-t1:should_be_automated"]')
      await handled.getByText('Handled by olivia').waitFor()
      await handled.getByRole('button', { name: 'Reopen' }).click()
      await page.getByText('Nothing has been marked handled yet.').waitFor()
      expect((await engine.api('GET', '/api/feedback?state=open', undefined, KEYS.ops)).body.rules[0].shouldBeAutomated.count).toBe(1)
    })

    it('reports: lift of a holdout rule, SLA per queue and agent, CSAT per queue, agent and rule', { timeout: 90_000 }, async () => {
      const page = await open(KEYS.ops, 'Reports')
      // Every rule with a holdout, for the default outcome (Complaint Filed within 14 days).
      const lift = rowsOf(page, 'Lift per rule')
      await expect.poll(() => lift.count()).toBe(1)
      const cells = lift.first().locator('td')
      expect(await cells.nth(0).textContent()).toBe('Late parcel help holdout 50%')
      expect(await cells.nth(1).textContent()).toBe('20% 2 of 10 shoppers')
      expect(await cells.nth(2).textContent()).toBe('40% 4 of 10 shoppers')
      expect(await cells.nth(3).textContent()).toBe('-20%')
      expect(await cells.nth(5).textContent()).toBe('No: the interval includes zero')
      await screenshot(page, 'reports-lift')
      // Another outcome: nobody filed a return.
      await page.getByLabel('Outcome events').fill('Return Requested')
      await page.getByLabel('Outcome events').press('Enter')
      await expect.poll(() => cells.nth(1).textContent()).toBe('0% 0 of 10 shoppers')
      await page.getByLabel('Counted within').fill('400d')
      await page.getByRole('button', { name: 'Compare' }).click()
      await page.getByText('within must be at most 366d').waitFor()
      // Keyboard: the tabs move with the arrow keys.
      await page.getByRole('tab', { name: 'Lift per rule' }).focus()
      await page.keyboard.press('ArrowRight')
      const queues = rowsOf(page, 'SLA · Queue')
      await expect.poll(() => queues.count()).toBe(2)
      expect(await queues.nth(0).locator('td').allTextContents()).toEqual(['q1', '3', '0', '2', '30 min', '30 min', '3', '30 min', '1 h'])
      await page.getByRole('group', { name: 'Group by' }).getByRole('button', { name: 'Agent' }).click()
      const agents = rowsOf(page, 'SLA · Agent')
      await expect.poll(() => agents.count()).toBe(2)
      expect(await agents.nth(1).locator('td').allTextContents()).toEqual(['bo', '2', '1', '1', '30 min', '30 min', '1', '1 h', '1 h'])
      await screenshot(page, 'reports')
      await page.getByRole('tab', { name: 'CSAT' }).click()
      const csat = rowsOf(page, 'CSAT · Queue')
      await expect.poll(() => csat.count()).toBe(3)
      expect(await csat.nth(0).locator('td').allTextContents()).toEqual(['care', '2', '2', '50%', '3.5'])
      expect(await csat.nth(2).locator('td').first().textContent()).toBe('after a message, no task')
      await page.getByRole('group', { name: 'Group by' }).getByRole('button', { name: 'Rule' }).click()
      await expect.poll(() => rowsOf(page, 'CSAT · Rule').nth(1).locator('td').allTextContents()).toEqual([LIFT_RULE, '3', '2', '50%', '3.5'])
      await screenshot(page, 'reports-csat')
    })

    it('API keys: create (the key shown once works), rotate (the old one stops), revoke', { timeout: 90_000 }, async () => {
      const page = await open(KEYS.admin, 'API keys')
      const rows = rowsOf(page, 'API keys')
      await expect.poll(() => rows.filter({ hasText: 'warehouse sync' }).count()).toBe(1)
      await page.getByRole('button', { name: 'New key' }).click()
      const form = page.getByRole('dialog', { name: 'New API key' })
      await form.getByRole('button', { name: 'Create key' }).click()
      await form.getByText('Required.').waitFor()
      await form.getByLabel('Name').fill('Lisa')
      await form.getByLabel('Role').selectOption('agent')
      await form.getByLabel('Name').press('Enter')
      const secret = page.getByRole('dialog', { name: 'Copy the key now' })
      await secret.waitFor()
      const first = await secret.getByLabel('The new key').inputValue()
      expect((await engine.api('GET', '/api/me', undefined, first)).body).toMatchObject({ role: 'agent', name: 'Lisa' })
      await screenshot(page, 'api-keys')
      await secret.getByRole('button', { name: 'I have stored it' }).click()
      await expect.poll(() => rows.filter({ hasText: 'Lisa' }).count()).toBe(1)

      await page.getByRole('button', { name: 'Rotate Lisa' }).click()
      await page.getByRole('dialog', { name: 'Rotate Lisa?' }).getByRole('button', { name: 'Rotate' }).click()
      const second = await secret.getByLabel('The new key').inputValue()
      expect(second).not.toBe(first)
      expect((await engine.api('GET', '/api/me', undefined, first)).status).toBe(401)
      expect((await engine.api('GET', '/api/me', undefined, second)).status).toBe(200)
      await secret.getByRole('button', { name: 'I have stored it' }).click()

      await page.getByRole('button', { name: 'Revoke Lisa' }).click()
      await page.getByRole('dialog', { name: 'Revoke Lisa?' }).getByRole('button', { name: 'Revoke' }).click()
      await expect.poll(() => rows.filter({ hasText: 'Lisa' }).count()).toBe(0)
      expect((await engine.api('GET', '/api/me', undefined, second)).status).toBe(401)
      await page.getByLabel('Show revoked keys').check()
      // The rotated-away key and its replacement, both revoked now.
      await expect.poll(() => rows.filter({ hasText: 'Lisa' }).filter({ hasText: 'Revoked' }).count()).toBe(2)

      await page.evaluate(() => localStorage.setItem('careloop.lang', 'zh-CN'))
      await page.reload()
      await page.getByRole('heading', { name: 'API 密钥', level: 1 }).waitFor()
      await screenshot(page, 'api-keys-zh-CN')
    })
  })
}
