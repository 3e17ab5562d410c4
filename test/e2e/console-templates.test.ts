// A template created in the console sends real mail: ops open "New template", name it, start from
// the blank email, edit its subject and save; a rule naming it is then accepted and a real SMTP
// server receives the email with the console's words. Screenshots go to test-artifacts/screenshots/.
import { randomUUID } from 'node:crypto'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, launchBrowser, newPage, screenshot, signIn } from '../support/browser.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { requireFile } from '../support/requireServers.ts'
import { startMailSink, type MailSink } from '../support/smtp.ts'

if (requireFile(CHROMIUM, 'creating a template in the console', 'scripts/install-test-deps.sh installs chromium')) {
  describe('creating a template in the console', () => {
    let engine: TestEngine
    let mail: MailSink
    let browser: Browser

    beforeAll(async () => {
      mail = await startMailSink()
      engine = await startEngine({ smtpUrl: mail.url })
      browser = await launchBrowser()
    })
    afterAll(async () => {
      await browser?.close()
      await engine?.app.stop()
      await mail?.close()
    })

    it('names a new email template, edits and saves it, and a rule using it sends that email', { timeout: 180_000 }, async () => {
      const page = await newPage(browser)
      await signIn(page, engine.url, KEYS.ops)
      // The catalogue (with each channel's blank text) loads apart from the page: held here, "New
      // template" waits for it instead of offering a dialog with nothing to start from.
      let releaseCatalogue!: () => void
      const catalogueHeld = new Promise<void>((resolve) => (releaseCatalogue = resolve))
      const catalogue = /\/api\/templates$/
      await page.route(catalogue, async (route) => {
        await catalogueHeld
        await route.continue()
      })
      await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Templates' }).click()
      const newTemplate = page.getByRole('button', { name: 'New template' })
      expect(await newTemplate.isDisabled()).toBe(true)
      releaseCatalogue()
      await newTemplate.click()
      const dialog = page.getByRole('dialog', { name: 'New template' })
      await dialog.getByLabel('Template id').fill('Thank You')
      await dialog.getByRole('button', { name: 'Create' }).click()
      await dialog.getByText(/Use 1–80 lower-case letters/).waitFor()
      await dialog.getByLabel('Template id').fill('thank-you')
      await screenshot(page, 'template-new-dialog')
      await dialog.getByRole('button', { name: 'Create' }).click()
      await page.getByText('Template thank-you created; rules can use it now').waitFor()

      await page.getByRole('heading', { name: 'thank-you' }).waitFor()
      const source = page.getByLabel('Source · en.hbs')
      await expect.poll(() => source.inputValue()).toContain('{{!-- @subject --}}')
      const text = await source.inputValue()
      await source.fill(text.replace('A note from {{shop.name}}', 'Thank you for shopping with {{shop.name}}').replaceAll('Write your message here.', 'Your parcel has arrived. Enjoy!'))
      await page.getByRole('button', { name: 'Save version' }).click()
      await page.getByText('Saved as version 2').waitFor()
      await screenshot(page, 'template-new-saved')
      await page.context().close()

      const rule = {
        id: 'thank-you-after-delivery',
        name: 'Thank you after delivery',
        triggers: [{ event: 'Order Delivered' }],
        actions: [{ nudge: { channel: 'email', template: 'thank-you', topic: 'care' } }],
      }
      const created = await engine.api('POST', '/api/rules', rule, KEYS.ops)
      expect(created.status, JSON.stringify(created.body)).toBe(201)
      const id = `c-${randomUUID()}`
      const at = new Date().toISOString()
      expect(
        (
          await engine.ingest([
            { type: 'identify', messageId: randomUUID(), userId: id, traits: { email: `${id}@example.com`, name: 'Mei', locale: 'en' }, timestamp: at },
            { type: 'track', messageId: randomUUID(), userId: id, event: 'Order Delivered', properties: { order_id: 'O-9' }, timestamp: at },
          ])
        ).status,
      ).toBe(200)
      await engine.app.tick()
      const [message] = await mail.waitFor(1)
      expect(message?.subject).toMatch(/^Thank you for shopping with /)
      expect(message?.text).toContain('Your parcel has arrived. Enjoy!')
    })
  })
}
