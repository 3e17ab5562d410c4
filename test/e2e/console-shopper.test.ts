// The shopper's side in a real browser: a shopper opens the preferences link from a real email
// (SMTP), unticks text messages, and the SMS rule that fires afterwards sends nothing to (fake)
// Twilio — the outbox row is skipped for consent. Then the in-app inbox widget on a shop page:
// unread count, reading, dismissing, keyboard, a new message arriving by polling, Chinese.
import { randomUUID } from 'node:crypto'
import type { ParsedMail } from 'mailparser'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { CHROMIUM, launchBrowser, newPage, screenshot } from '../support/browser.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { startFakeTwilio, type FakeTwilio } from '../support/providers/twilio.ts'
import { requireFile } from '../support/requireServers.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

const ACCOUNT = { accountSid: `AC${'2'.repeat(32)}`, authToken: 'twilio-auth-token' }
const HOUR = 3_600_000

if (requireFile(CHROMIUM, 'shopper pages and inbox widget', 'scripts/install-test-deps.sh installs chromium')) {
  describe('the shopper’s side', () => {
    // Two hours behind the browser, so what the engine does "an hour later" is still in the past.
    const clock = new ManualClock(Date.now() - 2 * HOUR)
    let mail: MailSink
    let twilio: FakeTwilio
    let engine: TestEngine
    let browser: Browser
    let page: Page

    const rule = async (id: string, event: string, channel: string, template: string) => {
      const doc = { id, name: `${template} by ${channel}`, triggers: [{ event }], actions: [{ nudge: { channel, template, topic: 'care' } }] }
      const res = await engine.api('POST', '/api/rules', doc, KEYS.ops)
      expect(res.status, JSON.stringify(res.body)).toBe(201)
    }

    function shopper(name: string) {
      const id = `sh-${randomUUID().slice(0, 8)}`
      const traits = { name, email: `${id}@example.com`, phone: '+14155550199', locale: 'en', timezone: 'America/New_York' }
      const at = () => new Date(clock.now()).toISOString()
      return {
        id,
        identify: () => ({ type: 'identify', messageId: randomUUID(), userId: id, traits, timestamp: at() }),
        track: (event: string, properties: Record<string, unknown> = {}) => ({ type: 'track', messageId: randomUUID(), userId: id, event, properties, timestamp: at() }),
      }
    }
    async function ingest(...messages: unknown[]): Promise<void> {
      const res = await engine.ingest(messages)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      await engine.app.tick()
    }
    const mailTo = (id: string): ParsedMail[] => mail.messages.filter((m) => m.to && 'text' in m.to && m.to.text.includes(id))
    const textsTo = (marker: string) => twilio.created.filter((r) => r.resource === 'Messages' && r.form.Body?.includes(marker))

    beforeAll(async () => {
      ;[mail, twilio] = await Promise.all([startMailSink(), startFakeTwilio(ACCOUNT)])
      engine = await startEngine({
        clock,
        smtpUrl: mail.url,
        config: { twilio: { baseUrl: twilio.url, ...ACCOUNT, smsFrom: '+15005550006', voiceFrom: '+15005550007', careLine: undefined } },
      })
      await rule('pay-email', 'Payment Problem', 'email', 'payment-failed')
      await rule('pay-sms', 'Payment Reminder', 'sms', 'payment-failed')
      await rule('pay-inapp', 'Payment Note', 'inapp', 'payment-failed')
      await rule('parcel-inapp', 'Parcel Note', 'inapp', 'delayed-shipment')
      browser = await launchBrowser()
      page = await newPage(browser)
    })
    afterAll(async () => {
      await browser?.close()
      await engine?.app.stop()
      await Promise.all([mail?.close(), twilio?.close()])
    })

    it('unsubscribes from SMS through the preferences link of an email; no SMS follows', async () => {
      const mei = shopper('Mei Tan')
      await ingest(mei.identify(), mei.track('Payment Problem', { order_id: 'PM-1', reason: 'card_declined' }))
      const [email] = mailTo(mei.id)
      expect(email, 'the email arrived').toBeDefined()
      const html = String(email!.html)
      const link = new RegExp(`href="(${engine.url}/l/p/[^"]+)"`).exec(html)?.[1]
      expect(link, 'the email footer links to the preference page').toBeDefined()
      expect(String(email!.text)).toContain(link!)

      await page.goto(link!)
      await page.getByRole('heading', { name: 'Your message preferences' }).waitFor()
      const smsCare = page.getByRole('checkbox', { name: 'Text messages (SMS): About my orders' })
      expect(await smsCare.isChecked()).toBe(true)
      await smsCare.uncheck()
      await page.getByRole('button', { name: 'Save' }).click()
      await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor()
      expect(await page.getByRole('checkbox', { name: 'Text messages (SMS): About my orders' }).isChecked()).toBe(false)
      expect(await page.getByRole('checkbox', { name: 'Email: About my orders' }).isChecked()).toBe(true)
      await screenshot(page, 'preferences')
      expect(await engine.app.ops.consent.isOptedOut(mei.id, 'sms', 'care')).toBe(true)
      expect(await engine.app.ops.consent.isOptedOut(mei.id, 'email', 'care')).toBe(false)

      // An hour later the SMS rule fires for Mei (and, as a control, for someone who did not opt out).
      clock.advance(HOUR)
      const ray = shopper('Ray Moss')
      await ingest(ray.identify(), mei.track('Payment Reminder', { order_id: 'PM-2' }), ray.track('Payment Reminder', { order_id: 'PR-1' }))
      expect(textsTo('PR-1'), 'the SMS rule does send').toHaveLength(1)
      expect(textsTo('PM-2'), 'nothing reaches Twilio for Mei').toHaveLength(0)
      const sms = (await engine.app.ops.outbox.list({ customerId: mei.id })).find((o) => o.channel === 'sms')
      expect(sms).toMatchObject({ status: 'skipped', ruleId: 'pay-sms' })
      expect(sms?.lastError).toMatch(/^consent: opted out of sms/)
    })

    it('the inbox widget on a shop page: unread count, read on open, dismiss, keyboard, new messages', async () => {
      const ann = shopper('Ann Lee')
      await ingest(ann.identify(), ann.track('Parcel Note', { order_id: 'IN-1' }))
      clock.advance(5 * 60_000)
      await ingest(ann.track('Payment Note', { order_id: 'IN-2', reason: 'card_declined' }))
      const minted = await engine.api('POST', '/api/shopper-tokens', { customerId: ann.id, ttlSeconds: 4 * 3600 }, KEYS.ops)
      expect(minted.status).toBe(200)
      const token = minted.body.token as string
      const inbox = async () => (await engine.api('GET', '/v1/inbox', undefined, '', { authorization: `Bearer ${token}` })).body as { unread: number; messages: Array<{ id: string; title: string; readAt: number | null }> }
      const before = await inbox()
      expect(before.unread).toBe(2)

      await page.goto(`${engine.url}/console/widget/demo.html?token=${encodeURIComponent(token)}&poll=5`)
      const bell = page.getByRole('button', { name: 'Messages, 2 unread' })
      await bell.waitFor()
      // The shop's loud button styles do not reach the widget.
      const look = await bell.evaluate((b) => ({ font: getComputedStyle(b).fontFamily, background: getComputedStyle(b).backgroundColor }))
      expect(look.font).not.toMatch(/Comic/)
      expect(look.background).not.toBe('rgb(255, 105, 180)')

      await bell.click()
      const panel = page.getByRole('dialog', { name: /Messages/ })
      await panel.waitFor()
      const items = panel.getByRole('listitem')
      await expect.poll(() => items.count()).toBe(2)
      // Newest first, as the API lists them.
      expect(await items.first().textContent()).toContain(before.messages[0]!.title)
      expect(await items.nth(1).textContent()).toContain(before.messages[1]!.title)
      // Each message offers a person, through its own signed talk page.
      const talk = items.first().getByRole('link', { name: 'Talk to a person' })
      expect(await talk.getAttribute('href')).toMatch(new RegExp(`^${engine.url}/l/t/`))
      await expect.poll(async () => (await inbox()).unread, { timeout: 5000 }).toBe(0)
      await expect.poll(() => page.getByRole('button', { name: 'Messages', exact: true }).count()).toBe(1)

      // Dismiss the older one; the keyboard stays in the list.
      const older = before.messages[1]!
      await panel.getByRole('button', { name: `Dismiss message: ${older.title}` }).click()
      await expect.poll(() => items.count()).toBe(1)
      expect((await inbox()).messages.map((m) => m.id)).toEqual([before.messages[0]!.id])
      const focused = () => page.evaluate(() => (document.querySelector('.careloop-inbox')?.shadowRoot?.activeElement as HTMLElement | null)?.getAttribute('aria-label') ?? '')
      expect(await focused()).toBe(`Dismiss message: ${before.messages[0]!.title}`)
      await screenshot(page, 'inbox-widget')

      // Esc closes and gives the focus back to the bell.
      await page.keyboard.press('Escape')
      await expect.poll(() => panel.isVisible()).toBe(false)
      expect(await focused()).toMatch(/^Messages/)

      // A new message arrives while the page is open: the bell counts it, screen readers hear it.
      clock.advance(60_000)
      await ingest(ann.track('Payment Note', { order_id: 'IN-3', reason: 'expired_card' }))
      await page.getByRole('button', { name: 'Messages, 1 unread' }).waitFor({ timeout: 12_000 })
      const newest = (await inbox()).messages[0]!
      await expect.poll(() => page.locator('.careloop-inbox [role="status"][aria-live="polite"]').textContent()).toBe(`New message: ${newest.title}`)

      // Keyboard only: Enter on the bell opens, the new one is read, Esc closes.
      await page.getByRole('button', { name: 'Messages, 1 unread' }).focus()
      await page.keyboard.press('Enter')
      await panel.waitFor()
      await expect.poll(async () => (await inbox()).unread, { timeout: 5000 }).toBe(0)
      await page.keyboard.press('Escape')
      await expect.poll(() => panel.isVisible()).toBe(false)
    })

    it('the widget speaks the page’s language', async () => {
      const lin = shopper('林芳')
      await ingest(lin.identify(), lin.track('Payment Note', { order_id: 'ZH-1' }))
      const token = (await engine.api('POST', '/api/shopper-tokens', { customerId: lin.id }, KEYS.ops)).body.token as string
      await page.goto(`${engine.url}/console/widget/demo.html?token=${encodeURIComponent(token)}&lang=zh-CN`)
      await page.getByRole('button', { name: '消息，1 条未读' }).click()
      await page.getByRole('dialog', { name: /消息/ }).waitFor()
      expect(await page.getByRole('button', { name: '关闭消息' }).isVisible()).toBe(true)
      const invalid = `${engine.url}/console/widget/demo.html?token=not-a-token`
      await page.goto(invalid)
      await page.getByRole('button', { name: 'Messages' }).click()
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('Please sign in again to see your messages.')
    })
  })
}
