// The queues and agents page in Chromium on a real engine (manual clock: a Wednesday, 12:00 in
// Berlin): ops read each queue's hours, live load and past-SLA tasks and each agent's held tasks,
// edit a queue's hours (a malformed span is refused at its day, the server's refusal at its day,
// then saved) and put an agent on shift; an agent sees only their own shift toggle and uses it.
// Screenshots go to test-artifacts/screenshots/.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { CHROMIUM, launchBrowser, newPage, screenshot, signIn } from '../support/browser.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { requireFile } from '../support/requireServers.ts'

const clock = new ManualClock(Date.parse('2026-03-25T11:00:00Z'))
const weekdays = [['09:00', '18:00']]
const care = { name: 'Customer care', timezone: 'Europe/Berlin', hours: { mon: weekdays, tue: weekdays, wed: weekdays, thu: weekdays, fri: weekdays }, capacityPerAgent: 2, skills: ['care', 'lang:de'], escalateTo: 'supervisor' }
const supervisor = { name: 'Supervisors', timezone: 'Asia/Shanghai', hours: { sat: [['10:00', '14:00']] }, capacityPerAgent: 5, skills: [], escalateTo: null }

if (requireFile(CHROMIUM, 'the queues and agents console page', 'scripts/install-test-deps.sh installs chromium')) {
  describe('the queues and agents page', () => {
    let engine: TestEngine
    let browser: Browser

    beforeAll(async () => {
      engine = await startEngine({ clock })
      const put = async (path: string, body: unknown) => expect((await engine.api('PUT', path, body, KEYS.ops)).status).toBe(201)
      await put('/api/queues/care', care)
      await put('/api/queues/supervisor', supervisor)
      await put('/api/agents/alice', { displayName: 'Alice', queues: ['care'], skills: ['lang:de'], onShift: false })
      await put('/api/agents/bob', { displayName: 'Bob', queues: ['care', 'supervisor'], skills: ['refunds'], onShift: true, capacity: 4 })
      for (const [id, sla] of [['callback-fast', '2h'], ['callback-slow', '1d'], ['callback-also-fast', '2h']] as const) {
        const doc = { id, name: id, triggers: [{ event: `Queue Test ${id}` }], actions: [{ task: { queue: 'care', priority: 'normal', sla } }] }
        const res = await engine.api('POST', '/api/rules', doc, KEYS.ops)
        expect(res.status, JSON.stringify(res.body)).toBe(201)
      }
      expect((await engine.api('POST', '/api/rules/callback-slow/disable', undefined, KEYS.ops)).status).toBe(200)
      const now = clock.now()
      const task = (id: string, slaDueAt: number) => ({ id, idempotencyKey: id, customerId: `c-${id}`, queue: 'care', priority: 'normal', priorityRank: 20, title: 'Call', ruleId: 'r', ruleVersion: 1, signal: {}, context: {}, slaDueAt, createdAt: now })
      await engine.app.ops.tasks.insert([task('q-1', now - 60_000), task('q-2', now + 3_600_000), task('q-3', now + 7_200_000)])
      expect((await engine.app.ops.tasks.claim('q-2', 'bob', now)).ok).toBe(true)
      browser = await launchBrowser()
    })
    afterAll(async () => {
      await browser?.close()
      await engine?.app.stop()
    })

    it('ops read the live load, edit a queue’s hours and put an agent on shift', { timeout: 120_000 }, async () => {
      const page = await newPage(browser)
      await signIn(page, engine.url, KEYS.ops)
      await page.getByRole('link', { name: 'Queues and agents' }).click()
      await page.getByRole('heading', { name: 'Queues and agents', level: 1 }).waitFor()
      const queues = page.getByRole('table', { name: 'Queues' })
      const careRow = queues.getByRole('row').filter({ hasText: 'Customer care' })
      await careRow.waitFor()
      expect(await careRow.textContent()).toContain('Mon–Fri 09:00–18:00')
      expect(await careRow.textContent()).toContain('Open')
      // Bob (capacity 4) is on shift; 3 open tasks: 2 waiting, 1 claimed, 1 past its SLA.
      expect(await careRow.textContent()).toContain('3 of 4')
      expect(await careRow.textContent()).toContain('2 waiting, 1 claimed')
      // The SLA column: the one task past its SLA, and the SLAs the enabled rules give care's tasks.
      // The rules load apart from the queues, so their SLAs may fill the cell a moment later.
      const slaCell = careRow.locator('td').nth(6)
      await expect.poll(() => slaCell.textContent()).toContain('2h (callback-also-fast, callback-fast)')
      const sla = await slaCell.textContent()
      expect(sla).toContain('1 past SLA')
      expect(sla).not.toContain('1d')
      // Care's row names Supervisors too (it escalates there): pick the row by its id.
      const superRow = queues.getByRole('row').filter({ has: page.locator('.mono', { hasText: /^supervisor$/ }) })
      expect(await superRow.textContent()).toContain('Closed')
      expect(await superRow.textContent()).toContain('Sat 10:00–14:00')
      const agents = page.getByRole('table', { name: 'Agents' })
      expect(await agents.getByRole('row').filter({ hasText: 'Bob' }).textContent()).toContain('1 of 4')

      // Hours: a malformed span is refused at its day, a span ending before it starts by the server at its day.
      // By keyboard: Enter on the row's Edit opens the dialog with focus inside, Escape closes it and focus returns.
      const edit = careRow.getByRole('button', { name: 'Edit Customer care' })
      await edit.focus()
      await page.keyboard.press('Enter')
      const dialog = page.getByRole('dialog', { name: 'Edit Customer care' })
      await dialog.waitFor()
      await expect.poll(() => dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true)
      await page.keyboard.press('Escape')
      await dialog.waitFor({ state: 'hidden' })
      // The dialog hands focus back in an effect after it unmounts, so wait for it.
      await expect.poll(() => edit.evaluate((b) => b === document.activeElement)).toBe(true)
      await page.keyboard.press('Enter')
      await dialog.waitFor()
      await dialog.getByLabel('Saturday').fill('10-14')
      await dialog.getByRole('button', { name: 'Save queue' }).click()
      await dialog.getByText('Write spans as HH:MM-HH:MM').waitFor()
      expect(await dialog.getByLabel('Saturday').getAttribute('aria-invalid')).toBe('true')
      await dialog.getByLabel('Saturday').fill('14:00-10:00')
      await dialog.getByRole('button', { name: 'Save queue' }).click()
      await dialog.getByText('must end after it starts').waitFor()
      await dialog.getByLabel('Saturday').fill('10:00-14:00')
      await dialog.getByLabel('Tasks per agent on shift').fill('3')
      await dialog.getByRole('button', { name: 'Save queue' }).click()
      await dialog.waitFor({ state: 'hidden' })
      await expect.poll(() => careRow.textContent()).toContain('Sat 10:00–14:00')
      expect((await engine.api('GET', '/api/queues', undefined, KEYS.ops)).body.queues.find((q: { id: string }) => q.id === 'care')).toMatchObject({ capacityPerAgent: 3, hours: { sat: [['10:00', '14:00']] } })

      await agents.getByRole('button', { name: 'Put Alice on shift' }).click()
      await agents.getByRole('button', { name: 'Take Alice off shift' }).waitFor()
      // Alice takes the queue's 3, Bob his own 4.
      await expect.poll(() => careRow.textContent()).toContain('3 of 7')
      await page.evaluate(() => document.querySelectorAll<HTMLButtonElement>('.toast button').forEach((b) => b.click()))
      await screenshot(page, 'queues')
    })

    it('an agent toggles only their own shift and cannot edit queues', { timeout: 120_000 }, async () => {
      const page = await newPage(browser)
      await signIn(page, engine.url, KEYS.bob)
      await page.getByRole('link', { name: 'Queues and agents' }).click()
      const mine = page.getByRole('region', { name: 'My shift' })
      await mine.getByText('You are on shift').waitFor()
      await mine.getByRole('button', { name: 'Go off shift' }).click()
      await mine.getByText('You are off shift').waitFor()
      expect((await engine.api('GET', '/api/agents', undefined, KEYS.ops)).body.agents.find((a: { id: string }) => a.id === 'bob').onShift).toBe(false)
      expect(await page.getByRole('button', { name: /^Edit / }).count()).toBe(0)
      expect(await page.getByRole('button', { name: /on shift|off shift/ }).count()).toBe(1)
      await screenshot(page, 'queues-agent')

      await page.evaluate(() => localStorage.setItem('careloop.lang', 'zh-CN'))
      await page.reload()
      await page.getByRole('heading', { name: '队列与客服', level: 1 }).waitFor()
      await page.getByRole('button', { name: '上班' }).waitFor()
    })
  })
}
