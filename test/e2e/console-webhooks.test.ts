// The webhooks page in Chromium: an admin adds a Standard Webhooks endpoint (a receiver on
// loopback that checks every signature itself), a task change reaches it; the receiver goes away
// (410), the next change goes dead with its error on the page; after the fix "Send again" delivers
// it with the same webhook-id. A generated secret is shown once; ops do not see the page.
import { randomBytes, randomUUID } from 'node:crypto'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM, launchBrowser, newPage, screenshot, signIn } from '../support/browser.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { WebhookReceiver } from '../support/providers/taskWebhookReceiver.ts'
import { requireFile } from '../support/requireServers.ts'

const SECRET = `whsec_${randomBytes(24).toString('base64')}`

if (requireFile(CHROMIUM, 'webhooks page', 'scripts/install-test-deps.sh installs chromium')) {
  describe('webhooks page', () => {
    let engine: TestEngine
    let browser: Browser
    let page: Page
    const receiver = new WebhookReceiver(SECRET)

    const help = async (userId: string) => {
      const batch = [{ type: 'track', messageId: randomUUID(), userId, event: 'WH Help', properties: {} }]
      expect((await engine.ingest(batch)).status).toBe(200)
      await engine.app.tick()
    }

    beforeAll(async () => {
      await receiver.start()
      engine = await startEngine()
      const rule = { id: 'wh-help', name: 'Help', triggers: [{ event: 'WH Help' }], actions: [{ task: { queue: 'wh', priority: 'normal', sla: '1h' } }] }
      expect((await engine.api('POST', '/api/rules', rule, KEYS.ops)).status).toBe(201)
      browser = await launchBrowser()
      page = await newPage(browser)
      await signIn(page, engine.url, KEYS.admin)
    })
    afterAll(async () => {
      await browser?.close()
      await engine?.app.stop()
      await receiver.stop()
    })

    it('adds an endpoint, shows a dead delivery with its error, and sends it again', { timeout: 180_000 }, async () => {
      await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Webhooks' }).click()
      await page.getByRole('heading', { name: 'Task webhooks', level: 1 }).waitFor()
      await page.getByText('No endpoint yet').waitFor()

      await page.getByLabel('ID', { exact: true }).fill('crm')
      await page.getByLabel('URL', { exact: true }).fill(receiver.url)
      await page.getByLabel('Signing secret').fill(SECRET)
      for (const event of ['task.claimed', 'task.released', 'task.reassigned', 'task.snoozed', 'task.escalated', 'task.resolved']) {
        await page.getByRole('checkbox', { name: event }).uncheck()
      }
      await page.getByRole('button', { name: 'Add endpoint' }).click()
      await page.getByRole('button', { name: 'crm' }).waitFor()
      expect(await page.getByTestId('webhook-secret').count()).toBe(0) // given, so not generated
      const [stored] = (await engine.api('GET', '/api/webhooks')).body.endpoints
      expect(stored).toMatchObject({ id: 'crm', kind: 'standard', url: receiver.url, events: ['task.created'], enabled: true })

      await help('wh-a')
      await engine.app.taskWebhooks.run()
      expect(receiver.accepted.map((r) => r.type)).toEqual(['task.created'])

      receiver.answer = 410
      await help('wh-b')
      await engine.app.taskWebhooks.run()
      await page.getByRole('button', { name: 'Refresh' }).click()
      const dead = page.getByRole('row').filter({ has: page.getByRole('button', { name: 'Send again' }) })
      await dead.waitFor()
      expect(await dead.textContent()).toContain('410')
      await screenshot(page, 'webhooks')

      receiver.answer = 200
      await dead.getByRole('button', { name: 'Send again' }).click()
      await page.getByText('It is sent again on the next run.').waitFor()
      await engine.app.taskWebhooks.run()
      expect(receiver.accepted.map((r) => r.type)).toEqual(['task.created', 'task.created'])
      const ids = receiver.received.map((r) => r.id)
      expect(ids.at(-1)).toBe(ids.at(-2)) // the dead attempt and the resend carry one webhook-id
      await page.getByRole('button', { name: 'Refresh' }).click()
      // "Send again" already went when the resend was queued: wait for the refreshed list, where
      // the resent delivery is delivered too, before reading that no dead one is left.
      const deliveries = page.getByRole('table', { name: 'Deliveries to crm' })
      await expect.poll(() => deliveries.getByRole('cell', { name: 'delivered', exact: true }).count()).toBe(2)
      expect(await deliveries.getByRole('button', { name: 'Send again' }).count()).toBe(0)

      // Off: nothing more is sent; the secret is kept (no new one shown).
      await page.getByRole('checkbox', { name: 'Send to crm' }).uncheck()
      await expect.poll(async () => (await engine.api('GET', '/api/webhooks')).body.endpoints[0].enabled).toBe(false)
      await help('wh-c')
      await engine.app.taskWebhooks.run()
      expect(receiver.accepted).toHaveLength(2)
      expect(receiver.received.filter((r) => !r.signatureValid)).toEqual([])
    })

    it('shows a generated secret once, and is for admins only', { timeout: 120_000 }, async () => {
      await page.getByLabel('ID', { exact: true }).fill('second')
      await page.getByLabel('URL', { exact: true }).fill('https://hooks.example/careloop')
      await page.getByRole('button', { name: 'Add endpoint' }).click()
      const secret = await page.getByTestId('webhook-secret').textContent()
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/)
      await page.reload()
      await page.getByRole('button', { name: 'second' }).waitFor()
      expect(await page.getByTestId('webhook-secret').count()).toBe(0)
      expect(JSON.stringify((await engine.api('GET', '/api/webhooks')).body)).not.toContain(secret)

      const ops = await newPage(browser)
      await signIn(ops, engine.url, KEYS.ops)
      expect(await ops.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Webhooks' }).count()).toBe(0)
      await ops.goto(`${engine.url}/console/#/webhooks`)
      await ops.getByText('Your role cannot open this page.').waitFor()
    })
  })
}
