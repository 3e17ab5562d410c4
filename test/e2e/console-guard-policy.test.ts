// The guard policy page in Chromium on a real engine (PGlite + chDB, manual clock): recorded
// deliveries in history; ops change the email cap and quiet hours, cannot save before previewing,
// read what the draft would hold and stop delaying (per topic and channel, with example shoppers),
// see a bad conflict window refused at its field, and save. An agent cannot open the page.
// Screenshots go to test-artifacts/screenshots/.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import type { DeliveryRow } from '../../src/store/history/HistoryStore.ts'
import { nudgeDecision as decision, nudgeDelivery as delivery } from '../support/guardHistory.ts'
import { CHROMIUM, launchBrowser, newPage, screenshot, signIn } from '../support/browser.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { requireFile } from '../support/requireServers.ts'

const clock = new ManualClock(Date.parse('2026-03-25T12:00:00Z'))
const at = (iso: string) => Date.parse(iso)

/** Two shoppers a day over the last week: three late-parcel emails (the third capped), one promo SMS deferred by quiet hours. */
function history() {
  const decisions = []
  const deliveries: DeliveryRow[] = []
  for (let d = 18; d <= 24; d++) {
    const day = `2026-03-${d}`
    for (const [n, hour] of [[1, '09'], [2, '10'], [3, '11']] as const) {
      const id = `late-parcel:1:gp-${d}:m-${n}:a0`
      const ts = at(`${day}T${hour}:00:00Z`)
      decisions.push(decision(`gp-${d}`, id, 'late-parcel', 'email', 'late', ts))
      deliveries.push(delivery(`gp-${d}`, id, 'email', 'late', 'queued', ts), delivery(`gp-${d}`, id, 'email', 'late', n === 3 ? 'skipped' : 'sent', ts, n === 3 ? 'cap_channel: 2 email contact(s) today' : ''))
    }
    const sms = `promo:1:gs-${d}:m-1:a0`
    const ts = at(`${day}T22:00:00Z`)
    decisions.push(decision(`gs-${d}`, sms, 'promo', 'sms', 'promo', ts))
    deliveries.push(delivery(`gs-${d}`, sms, 'sms', 'promo', 'queued', ts), delivery(`gs-${d}`, sms, 'sms', 'promo', 'deferred', ts, 'quiet_hours'))
    if (d < 24) deliveries.push(delivery(`gs-${d}`, sms, 'sms', 'promo', 'sent', ts + 10 * 3_600_000))
  }
  return { decisions, deliveries }
}

if (requireFile(CHROMIUM, 'the guard policy console page', 'scripts/install-test-deps.sh installs chromium')) {
  describe('the guard policy page', () => {
    let engine: TestEngine
    let browser: Browser

    beforeAll(async () => {
      engine = await startEngine({ clock, guards: { quietHours: { start: '21:00', end: '08:00' } } })
      await engine.app.ops.rules.create('late-parcel', { actions: [{ nudge: { channel: 'email', template: 'late' } }] }, false, 'test', clock.now())
      await engine.app.ops.rules.create('promo', { actions: [{ nudge: { channel: 'sms', template: 'promo', topic: 'marketing' } }] }, false, 'test', clock.now())
      await engine.app.history.append(history())
      browser = await launchBrowser()
    })
    afterAll(async () => {
      await browser?.close()
      await engine?.app.stop()
    })

    it('ops preview a draft, read what it changes, fix a refused field and save', { timeout: 120_000 }, async () => {
      const page = await newPage(browser)
      await signIn(page, engine.url, KEYS.ops)
      await page.getByRole('link', { name: 'Guard policy' }).click()
      await page.getByRole('heading', { name: 'Guard policy', level: 1 }).waitFor()
      const save = page.getByRole('button', { name: 'Save policy' })
      expect(await page.getByLabel('email per day').inputValue()).toBe('2')
      await page.getByLabel('email per day').fill('1')
      await page.getByLabel('Hold non-urgent messages during quiet hours').uncheck()
      await page.getByText('Preview this draft first').waitFor()
      expect(await save.isDisabled()).toBe(true)

      // A conflict window that is no duration: refused at its field, nothing previewed.
      await page.getByLabel('Conflict window').fill('soon')
      await page.getByRole('button', { name: 'Preview changes' }).click()
      await expect.poll(() => page.getByLabel('Conflict window').getAttribute('aria-invalid')).toBe('true')
      expect(await save.isDisabled()).toBe(true)
      await page.getByLabel('Conflict window').fill('10m')

      // By keyboard: from the 7-day button, Tab past 14 d and 30 d reaches the preview.
      await page.getByRole('button', { name: '7 d' }).click()
      await page.getByRole('button', { name: '7 d' }).focus()
      await page.keyboard.press('Tab')
      await page.keyboard.press('Tab')
      await page.keyboard.press('Tab')
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Preview changes')
      await page.keyboard.press('Enter')
      const result = page.locator('#guard-preview-result')
      await result.waitFor()
      // 7 days back from Mar 25 12:00: the 18th's 09:00–11:00 emails are outside; its 22:00 SMS inside.
      // Each of the 6 days 19–24 has its second email held by the cap of 1; 7 SMS no longer wait.
      expect(await result.locator('[data-change="held"] .stat-value').textContent()).toBe('6')
      expect(await result.locator('[data-change="undelayed"] .stat-value').textContent()).toBe('7')
      expect(await result.locator('[data-change="released"] .stat-value').textContent()).toBe('0')
      expect(await result.locator('[data-basis]').textContent()).toContain('Counted over the 25 messages')
      expect(await result.locator('[data-basis]').textContent()).toContain('For 25 of 25 messages')
      const by = page.getByRole('table', { name: 'Per topic and channel' })
      expect(await by.getByRole('row').filter({ hasText: 'marketing' }).textContent()).toContain('sms')
      const examples = page.getByRole('table', { name: 'Example shoppers' })
      expect(await examples.getByRole('row').filter({ hasText: 'Would be held' }).count()).toBe(3)
      expect(await examples.getByRole('row').filter({ hasText: 'gp-19' }).count()).toBe(1)
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
      await screenshot(page, 'guard-policy-preview')

      expect(await save.isDisabled()).toBe(false)
      await save.click()
      await page.getByText('Guard policy saved.').waitFor()
      const stored = (await engine.api('GET', '/api/guard-policy', undefined, KEYS.ops)).body.policy
      expect(stored).toMatchObject({ quietHours: null, conflictWindow: '10m', caps: { perDay: 3, perChannel: { email: 1, sms: 1, push: 2, voice: 1 } } })
      // Saved: no unsaved changes, nothing to preview or save until the next edit.
      await expect.poll(() => save.isDisabled()).toBe(true)

      await page.evaluate(() => localStorage.setItem('careloop.lang', 'zh-CN'))
      await page.reload()
      await page.getByRole('heading', { name: '发送保护策略', level: 1 }).waitFor()
      await page.getByRole('button', { name: '预览改动' }).waitFor()
    })

    it('agents cannot open it', { timeout: 60_000 }, async () => {
      const page = await newPage(browser)
      await signIn(page, engine.url, KEYS.alice)
      expect(await page.getByRole('link', { name: 'Guard policy' }).count()).toBe(0)
      await page.goto(`${engine.url}/console/#/guard-policy`)
      await page.getByText('Not available for your role').waitFor()
    })
  })
}
