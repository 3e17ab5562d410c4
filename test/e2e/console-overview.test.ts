// The overview's drill-downs in Chromium: every count opens what it counts. One rule sends, is
// suppressed by its cooldown, goes dead on a broken address and is skipped for an opted-out
// shopper; another rule never fires. Ops click "dead" on the overview and land on that rule with
// the reason; "Show all rules" lists the silent rule, whose "which condition never held?" link
// opens its backtest. The overview counts by the moment noticed unless asked otherwise.
import { randomUUID } from 'node:crypto'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, launchBrowser, newPage, screenshot, signIn } from '../support/browser.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { requireFile } from '../support/requireServers.ts'

if (requireFile(CHROMIUM, 'overview drill-downs', 'scripts/install-test-deps.sh installs chromium')) {
  describe('overview drill-downs', () => {
    let engine: TestEngine
    let browser: Browser
    let page: Page

    const identify = (userId: string, email: string) => ({ type: 'identify', messageId: randomUUID(), userId, traits: { email } })
    const track = (userId: string, event: string) => ({ type: 'track', messageId: randomUUID(), userId, event, properties: {} })

    beforeAll(async () => {
      engine = await startEngine()
      for (const doc of [
        { id: 'ov-nudge', name: 'Browse nudge', triggers: [{ event: 'OV Browse' }], actions: [{ nudge: { channel: 'email', template: 'long-dwell' } }], guards: { cooldown: '1h' } },
        { id: 'ov-silent', name: 'Never noticed', triggers: [{ event: 'OV Never' }], actions: [{ task: { queue: 'ov', priority: 'normal', sla: '1h' } }] },
      ]) {
        const res = await engine.api('POST', '/api/rules', doc, KEYS.ops)
        expect(res.status, JSON.stringify(res.body)).toBe(201)
      }
      await engine.app.ops.consent.set('ov-c', 'email', 'care', 'opted_out', Date.now() - 60_000)
      const steps = [
        [identify('ov-a', 'ov-a@example.com'), track('ov-a', 'OV Browse')], // sent
        [track('ov-a', 'OV Browse')], // cooldown
        [identify('ov-b', 'not-an-address'), track('ov-b', 'OV Browse')], // dead
        [identify('ov-c', 'ov-c@example.com'), track('ov-c', 'OV Browse')], // skipped: opted out
      ]
      for (const batch of steps) {
        expect((await engine.ingest(batch)).status).toBe(200)
        await engine.app.tick()
      }
      browser = await launchBrowser()
      page = await newPage(browser)
      await signIn(page, engine.url, KEYS.ops)
    })
    afterAll(async () => {
      await browser?.close()
      await engine?.app.stop()
    })

    it('opens the rule behind "dead", with its reason, and the silent rule’s backtest', { timeout: 180_000 }, async () => {
      await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor()
      await expect.poll(() => page.getByRole('button', { name: 'Moment noticed' }).getAttribute('aria-pressed')).toBe('true')
      const dead = page.getByRole('link', { name: '1 dead' })
      await dead.waitFor()
      await dead.click()

      await page.getByRole('heading', { name: 'What became of each rule’s moments', level: 1 }).waitFor()
      expect(page.url()).toContain('focus=dead')
      await page.getByText('Showing rules with dead messages.').waitFor()
      const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Browse nudge' }) })
      await row.waitFor()
      // Only the rule that has dead messages; its row adds up: 3 planned, 1 sent, 1 skipped, 1 dead.
      expect(await page.getByRole('row').count()).toBe(2)
      const cells = await row.getByRole('cell').allTextContents()
      expect(cells[1]?.trim()).toBe('4') // signals
      expect(cells[2]?.trim()).toBe('3') // planned
      expect(cells[3]).toContain('cooldown 1')
      expect(cells[4]?.trim()).toBe('1') // sent
      expect(cells[5]).toMatch(/dead\s*1/)
      expect(cells[5]).toMatch(/skipped\s*1\s*consent/)
      await screenshot(page, 'overview-drill-down')

      await page.getByRole('button', { name: 'Show all rules' }).click()
      const silent = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Never noticed' }) })
      await silent.getByText('Noticed nothing.').waitFor()
      await silent.getByRole('link', { name: 'Backtest: which condition never held?' }).click()
      await page.getByRole('heading', { name: 'Never noticed', level: 1 }).waitFor()
      await expect.poll(() => page.getByRole('tab', { name: /Backtest/ }).getAttribute('aria-selected')).toBe('true')
    })

    it('counts as it happened on request, and says which basis it shows', { timeout: 60_000 }, async () => {
      await page.goto(`${engine.url}/console/#/`)
      const figures = page.getByRole('list', { name: 'Overview', exact: true })
      await figures.waitFor()
      // Both bases count the same here, so the figures cannot tell which came: hold the activity
      // basis's answer; meanwhile the figures shown are the other basis's, marked as being replaced.
      let releaseFigures!: () => void
      const figuresHeld = new Promise<void>((resolve) => (releaseFigures = resolve))
      await page.route(/\/api\/analytics\/overview\?.*basis=activity/, async (route) => {
        await figuresHeld
        await route.continue()
      })
      await page.getByRole('button', { name: 'As it happened' }).click()
      await page.getByText('Each number at its own time').waitFor()
      await expect.poll(() => figures.getAttribute('aria-busy')).toBe('true')
      releaseFigures()
      await expect.poll(() => figures.getAttribute('aria-busy')).toBeNull()
      const overview = await engine.api('GET', '/api/analytics/overview?days=1&basis=activity', undefined, KEYS.ops)
      expect(overview.body.totals).toMatchObject({ signals: 4, planned: 3, suppressed: 1, sent: 1, skipped: 1, dead: 1 })
      await figures.getByRole('link', { name: '1 skipped' }).waitFor()
    })
  })
}
