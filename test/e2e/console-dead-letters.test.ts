// Dead letters in the console, end to end: a rule naming an email template that does not exist
// (saved before rules were checked against templates) sends every message to the dead letters;
// ops follow the overview's "dead" count (through its per-rule drill-down) to the page, read the reason, create the template (API),
// select the letter and resend it, and a real SMTP server receives the mail. Input letters: an
// unchanged invalid event resent goes dead again with its reason; one that failed for a transient
// reason (a rule bug, since fixed) is accepted and applied. Screenshots: dead-letters-list,
// dead-letter-resent (test-artifacts/screenshots/).
import { randomUUID } from 'node:crypto'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, launchBrowser, newPage, screenshot, signIn } from '../support/browser.ts'
import { KEYS } from '../support/careloop.ts'
import { failRulesOn } from '../support/faults.ts'
import { requireFile } from '../support/requireServers.ts'
import { useMailEngine } from '../support/mailEngine.ts'

if (requireFile(CHROMIUM, 'dead letters in the console', 'scripts/install-test-deps.sh installs chromium')) {
  describe('dead letters in the console', () => {
    const suite = useMailEngine()
    let browser: Browser

    beforeAll(async () => {
      browser = await launchBrowser()
    })
    afterAll(async () => {
      await browser?.close()
    })

    it('a message dead for a missing template is resent from the page once the template exists, and mailed', { timeout: 180_000 }, async () => {
      const { engine, mail } = suite
      const rule = { id: 'thank-you-missing', name: 'Thank you', triggers: [{ event: 'Order Delivered' }], actions: [{ nudge: { channel: 'email', template: 'thank-you', topic: 'care' } }] }
      await engine.app.ops.rules.create(rule.id, rule, true, 'upgrade', Date.now())
      await engine.app.rules.refresh(true)
      const shopper = `c-${randomUUID()}`
      const at = new Date().toISOString()
      await engine.ingest([
        { type: 'identify', messageId: randomUUID(), userId: shopper, traits: { email: `${shopper}@example.com`, name: 'Mei', locale: 'en' }, timestamp: at },
        { type: 'track', messageId: randomUUID(), userId: shopper, event: 'Order Delivered', properties: { order_id: 'O-1' }, timestamp: at },
      ])
      await engine.app.tick()
      expect((await engine.app.ops.outbox.list({ customerId: shopper })).map((m) => m.status)).toEqual(['dead'])

      const page = await newPage(browser)
      await signIn(page, engine.url, KEYS.ops)
      // The overview's dead count opens the per-rule drill-down, which leads on to the letters.
      await page.getByRole('link', { name: /\d+ dead/ }).click()
      await page.getByRole('link', { name: /^Dead letters: read the reasons and resend/ }).click()
      await page.getByRole('heading', { name: 'Dead letters', level: 1 }).waitFor()
      expect(page.url()).toContain('kind=message')
      const reason = page.getByRole('link', { name: /thank-you/ })
      await reason.first().waitFor()
      await screenshot(page, 'dead-letters-list')

      await reason.first().click()
      await page.getByRole('heading', { name: 'Reason' }).waitFor()
      await page.getByText(/"customerId"|"vars"/).first().waitFor()
      await page.getByRole('link', { name: 'All dead letters' }).click()

      const skeleton: string = (await engine.api('GET', '/api/templates', undefined, KEYS.ops)).body.skeletons.email
      const source = skeleton.replace('A note from {{shop.name}}', 'Thank you from {{shop.name}}').replaceAll('Write your message here.', 'Your parcel has arrived. Enjoy!')
      expect((await engine.api('PUT', '/api/templates/email/thank-you/en', { source }, KEYS.ops)).status).toBe(200)

      const letterId = (await engine.app.ops.outbox.list({ customerId: shopper }))[0]!.id
      await page.getByRole('checkbox', { name: `Select message:${letterId}` }).check()
      await page.getByText('1 selected').waitFor()
      await page.getByRole('button', { name: 'Resend selected' }).click()
      const results = page.getByTestId('resend-results')
      await results.getByText('queued to send', { exact: true }).waitFor()
      await results.getByText('Resent 1: 1 queued to send').waitFor()
      await screenshot(page, 'dead-letter-resent')

      await engine.app.tick()
      const [message] = await mail.waitFor(1)
      expect(message?.subject).toMatch(/^Thank you from /)
      expect(message?.text).toContain('Your parcel has arrived. Enjoy!')
      expect((await engine.app.ops.outbox.list({ customerId: shopper })).map((m) => m.status)).toEqual(['sent'])
      // Sent: it no longer needs attention; the resent view shows where it got to. The empty list is
      // read once the reloaded page of letters has come (it may already say so before).
      const reloaded = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/dead-letters' && r.ok())
      await page.getByRole('button', { name: 'Apply' }).click()
      expect((await (await reloaded).json()).letters).toEqual([])
      await page.getByText('No dead letters').waitFor()
      await page.getByLabel('Show').selectOption('resent')
      await page.getByRole('button', { name: 'Apply' }).click()
      await page.getByText('sent', { exact: true }).waitFor()
      await page.context().close()
    })

    it('input letters: an unchanged invalid event goes dead again with its reason, one that failed transiently is applied', { timeout: 180_000 }, async () => {
      const { engine } = suite
      const shopper = `i-${randomUUID().slice(0, 8)}`
      const at = new Date().toISOString()
      const invalid = { type: 'track', messageId: randomUUID(), userId: shopper, event: 'Order Completed', properties: { total: 'lots' }, timestamp: at }
      const flaky = { type: 'track', messageId: randomUUID(), userId: shopper, event: 'Flaky Thing', properties: {}, timestamp: at }
      expect((await engine.ingest([invalid])).status).toBe(400)
      const restore = failRulesOn(engine.app, 'Flaky Thing', 'rule bug, since fixed')
      try {
        await engine.ingest([flaky])
        await engine.app.tick()
      } finally {
        restore()
      }

      const page = await newPage(browser)
      await signIn(page, engine.url, KEYS.ops)
      await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Dead letters' }).click()
      await page.getByLabel('Kind').selectOption('input')
      await page.getByRole('button', { name: 'Apply' }).click()
      await page.getByRole('link', { name: /rule bug, since fixed/ }).waitFor()
      await page.getByRole('link', { name: /\/batch\/0\/properties\/total/ }).waitFor()
      // By keyboard: the header box selects every letter shown; Tab reaches the resend button.
      await page.getByRole('checkbox', { name: 'Select every letter shown' }).focus()
      await page.keyboard.press('Space')
      await page.getByText('2 selected').waitFor()
      await page.getByRole('button', { name: 'Resend selected' }).focus()
      await page.keyboard.press('Enter')
      const results = page.getByTestId('resend-results')
      await results.getByText(/^Resent 2: (1 dead again, 1 accepted|1 accepted, 1 dead again)$/).waitFor()
      await results.getByText(/\/properties\/total/).waitFor()
      await results.getByText('accepted', { exact: true }).waitFor()

      // The new letter holds the same bytes and links back; the page says letters are not editable.
      await results.getByRole('link', { name: /new letter/ }).click()
      await page.getByText('Resent from').waitFor()
      await page.getByText('A letter is not editable').waitFor()
      await screenshot(page, 'dead-letter-detail')
      await engine.app.tick()
      const state = (await engine.app.ops.engine.loadStates([shopper])).get(shopper)
      expect(state?.seen).toContain(flaky.messageId)
      expect(state?.counts['Flaky Thing']).toHaveLength(1)
      await page.context().close()

      // Agents do not see the page: no navigation entry, and the route says their role may not.
      const agent = await newPage(browser)
      await signIn(agent, engine.url, KEYS.alice)
      expect(await agent.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Dead letters' }).count()).toBe(0)
      await agent.goto(`${engine.url}/console/#/dead-letters`)
      await agent.getByText('Your role cannot open this page.').waitFor()
      await agent.context().close()
    })
  })
}
