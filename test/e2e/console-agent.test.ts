// The agent's console in a real browser against a real engine with the demo shop loaded: the work
// list sorted by priority and SLA, claiming (and losing a race to bob), the hand-off page with the
// suggested opening and the shopper's timeline, logging a call, an API error shown inline,
// resolving with an outcome — checked in the stores — and a new task arriving on the open list
// without a reload, announced to screen readers.
import { randomUUID } from 'node:crypto'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateTrace } from '../../src/demo/trace.ts'
import { feedLive } from '../support/liveShop.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { CHROMIUM, launchBrowser, newPage, screenshot, signIn } from '../support/browser.ts'
import { KEYS, startEngine, WRITE_KEY, type TestEngine } from '../support/careloop.ts'
import { requireFile } from '../support/requireServers.ts'

const DAY = 86_400_000
const RANK: Record<string, number> = { urgent: 40, high: 30, normal: 20, low: 10 }

interface ApiTask {
  id: string
  title: string
  priority: string
  status: string
  slaDueAt: number
  customerId: string
}

function groupedByShopper(tasks: ApiTask[]): ApiTask[][] {
  const groups = new Map<string, ApiTask[]>()
  for (const task of tasks) groups.set(task.customerId, [...(groups.get(task.customerId) ?? []), task])
  return [...groups.values()]
}

/** An Etc/GMT zone where it is now `hour` o'clock or the hour after (Etc/GMT-3 is UTC+3). */
function zoneAtHour(hour: number): string {
  let offset = (hour - new Date().getUTCHours() + 48) % 24
  if (offset > 14) offset -= 24
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`
}

if (requireFile(CHROMIUM, 'the agent console', 'scripts/install-test-deps.sh installs chromium')) {
  describe('the agent console', () => {
    // Two weeks of a live shop, fed with the engine's clock following the events, ending 75
    // minutes behind the browser: older tasks are breached on the agent's screen and the latest
    // ones still count down, so the list shows both kinds of countdown.
    const clock = new ManualClock(Date.now() - 75 * 60_000)
    let engine: TestEngine
    let browser: Browser
    let page: Page

    const openTasks = async (): Promise<ApiTask[]> =>
      ((await engine.api('GET', '/api/tasks', undefined, KEYS.alice)).body.tasks as ApiTask[]).filter((t) => t.status !== 'resolved')

    beforeAll(async () => {
      const days = 14
      const end = clock.now()
      clock.set(end - days * DAY)
      engine = await startEngine({ clock })
      const trace = generateTrace({ seed: 42, shoppers: 320, days, start: end - days * DAY }).filter((m) => Date.parse(String(m.timestamp)) <= end)
      await feedLive(engine, clock, trace, end)
      // A few seconds of sending (the channels' rate limits refill with the clock).
      for (let i = 0; i < 5; i++) {
        clock.advance(2000)
        await engine.app.tick()
      }
      browser = await launchBrowser()
      page = await newPage(browser)
    })
    afterAll(async () => {
      await browser?.close()
      await engine?.app.stop()
    })

    it('works a task from the list to its resolution', async () => {
      const expected = await openTasks()
      expect(expected.length).toBeGreaterThan(3)

      // The write key is not an API key: the sign-in says so instead of only "not accepted".
      await page.goto(`${engine.url}/console/`)
      await page.getByLabel(/API key|API 密钥/).fill(WRITE_KEY)
      await page.getByRole('button', { name: /Sign in|登录/ }).click()
      await page.getByText(/this is the write key: it sends events/).waitFor()
      await signIn(page, engine.url, KEYS.alice)
      // An agent lands on the work list.
      await page.getByRole('heading', { name: 'My queue' }).waitFor()
      expect(new URL(page.url()).hash).toBe('#/work')
      await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Work list' }).click()
      await page.getByRole('heading', { name: 'My queue' }).waitFor()
      const rows = page.locator('tr.task-row')
      await rows.first().waitFor()

      // Sorted as the API sorts (most urgent first, then the nearest SLA), a shopper's tasks
      // together where their most urgent one stands.
      const shown = await rows.evaluateAll((trs) => trs.map((tr) => ({ id: (tr as HTMLElement).dataset.taskId, priority: (tr as HTMLElement).dataset.priority })))
      expect(shown.map((r) => r.id)).toEqual(groupedByShopper(expected).flat().map((t) => t.id))
      const leaders = groupedByShopper(expected).map((group) => RANK[group[0]!.priority] ?? 0)
      expect(leaders).toEqual([...leaders].sort((a, b) => b - a))
      // Live countdowns: breached ones say so, the others say how long is left.
      for (const task of expected.slice(0, 6)) {
        const sla = rows.and(page.locator(`[data-task-id="${task.id}"]`)).locator('.sla')
        if (task.slaDueAt < Date.now()) await expect.poll(() => sla.textContent()).toMatch(/^breached \d+ (min|h|d)/)
        else await expect.poll(() => sla.textContent()).toMatch(/ left$/)
      }
      expect(await page.locator('.sla-breached').count()).toBeGreaterThan(0)
      await screenshot(page, 'work-list')

      // Bob takes the second task first: Alice's click tells her who has it.
      const [top, second] = expected as [ApiTask, ApiTask]
      expect((await engine.api('POST', `/api/tasks/${second.id}/claim`, undefined, KEYS.bob)).status).toBe(200)
      await page.locator(`tr[data-task-id="${second.id}"]`).getByRole('button', { name: /^Claim/ }).click()
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('already claimed by bob')
      await expect.poll(() => page.locator(`tr[data-task-id="${second.id}"]`).textContent()).toContain('Claimed by bob')

      // Alice claims the top task and opens it.
      const topRow = page.locator(`tr[data-task-id="${top.id}"]`)
      await topRow.getByRole('button', { name: /^Claim/ }).click()
      await expect.poll(() => topRow.textContent()).toContain('Claimed by me')
      const open = topRow.getByRole('link', { name: /^Open/ })
      await expect.poll(() => open.evaluate((a) => a === document.activeElement)).toBe(true)
      await page.keyboard.press('Enter')

      await page.getByRole('heading', { level: 1, name: top.title }).waitFor()
      const context = (await engine.api('GET', `/api/tasks/${top.id}/context`, undefined, KEYS.alice)).body
      expect(context.suggestedOpening.text.length).toBeGreaterThan(20)
      await expect.poll(() => page.getByTestId('suggested-opening').textContent()).toBe(context.suggestedOpening.text)
      const timeline = page.getByTestId('timeline').locator(':scope > li')
      expect(context.timeline.length).toBeGreaterThan(0)
      await expect.poll(() => timeline.count()).toBe(Math.min(15, context.timeline.length))
      // The newest event first, in words.
      const newest = context.timeline[0] as { name: string; properties: Record<string, unknown> }
      const firstText = await timeline.first().textContent()
      if (newest.name === 'Product Viewed') expect(firstText).toContain(`Viewed ${String(newest.properties.name)}`)
      expect(await page.getByRole('heading', { name: 'Shopper' }).isVisible()).toBe(true)
      await screenshot(page, 'task')

      // Log a call.
      await page.getByLabel('How').selectOption('call')
      await page.getByLabel('Result').selectOption('reached')
      await page.getByLabel('What was said (optional)').fill('Called: explained the double charge, refund on its way.')
      await page.getByRole('button', { name: 'Log contact' }).click()
      await expect.poll(() => page.getByTestId('contacts').textContent()).toContain('alice')
      await page.getByText(/^Contact logged/).waitFor()

      // An API error is shown where it happened, as an alert.
      await page.getByLabel('Until (your local time)').fill('2020-01-01T10:00')
      await page.getByRole('button', { name: 'Snooze', exact: true }).click()
      await expect.poll(() => page.locator('form', { has: page.getByLabel('Until (your local time)') }).getByRole('alert').textContent()).toContain('must be in the future')

      // A note, then the resolution.
      await page.getByLabel('Note', { exact: true }).fill('Shopper prefers a call in the morning.')
      await page.getByRole('button', { name: 'Add note' }).click()
      await expect.poll(() => page.getByTestId('notes').textContent()).toContain('prefers a call in the morning')

      await page.getByLabel('Outcome').selectOption('compensated')
      await page.getByLabel('Resolution note (optional)').fill('Refunded the duplicate charge.')
      await page.getByLabel(/^Suggestion for ops/).fill('Refund duplicate charges automatically when the payment provider confirms them.')
      await page.getByRole('button', { name: 'Resolve task' }).click()
      await page.getByText('Task resolved.').waitFor()
      await expect.poll(() => page.locator('.task-head').textContent()).toContain('Resolved by me')

      const stored = await engine.app.ops.tasks.get(top.id)
      expect(stored).toMatchObject({ status: 'resolved', resolvedBy: 'alice', outcome: 'compensated', note: 'Refunded the duplicate charge.' })
      expect(stored?.firstContactAt).not.toBeNull()
      const contacts = await engine.app.ops.contacts.since(top.customerId, 0)
      expect(contacts).toContainEqual(expect.objectContaining({ kind: 'human', actor: 'alice', channel: 'voice', sourceId: top.id }))
      const events = (await engine.app.history.timeline(top.customerId)).filter((e) => e.kind === 'task').map((e) => e.title)
      expect(events).toEqual(expect.arrayContaining(['claimed', 'contact', 'note', 'resolved']))
    })

    it('shows a new task on the open work list without a reload, and announces it', async () => {
      await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Work list' }).click()
      await page.locator('tr.task-row').first().waitFor()
      const before = await page.locator('tr.task-row').count()
      const marker = await page.evaluate(() => ((window as unknown as { __sameDocument: number }).__sameDocument = Math.random()))
      // The agent is using the queue filter's control: focus must stay there.
      await page.getByLabel('Queue', { exact: true }).focus()

      const id = `live-${randomUUID().slice(0, 8)}`
      const at = new Date(clock.now()).toISOString()
      const res = await engine.ingest([
        { type: 'identify', messageId: randomUUID(), userId: id, traits: { name: 'Lena Fischer', email: `${id}@example.com`, locale: 'en', timezone: 'Europe/Berlin' }, timestamp: at },
        { type: 'track', messageId: randomUUID(), userId: id, event: 'Complaint Filed', properties: { order_id: `ord-${id}`, topic: 'billing', text: 'I was charged twice for my order. Please refund one payment.' }, timestamp: at },
      ])
      expect(res.status).toBe(200)
      await engine.app.tick()
      expect((await engine.app.ops.tasks.list({ customerId: id })).length).toBe(1)

      const row = page.locator('tr.task-row', { hasText: 'Lena Fischer' })
      await row.waitFor({ timeout: 15_000 })
      expect(await page.locator('tr.task-row').count()).toBe(before + 1)
      await expect.poll(() => page.getByTestId('work-announcer').textContent()).toBe('1 new task')
      expect(await row.textContent()).toContain('Complaint about money')
      expect(await row.textContent()).toContain('New')
      // Same document (no reload), focus kept.
      expect(await page.evaluate(() => (window as unknown as { __sameDocument: number }).__sameDocument)).toBe(marker)
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('work-queue')
      await screenshot(page, 'work-list-live')
    })

    it('"Claim next" takes the most urgent open task and opens it; with none left it says so', async () => {
      const next = (await openTasks()).find((t) => t.status === 'open')!
      await page.getByRole('button', { name: 'Claim next' }).click()
      await page.getByRole('heading', { level: 1, name: next.title }).waitFor()
      expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#/tasks/${next.id}`)
      expect(await engine.app.ops.tasks.get(next.id)).toMatchObject({ status: 'claimed', claimedBy: 'alice' })

      // Nothing open left in that queue: the filter narrows "Claim next" too, and it answers 204.
      const queue = (await engine.app.ops.tasks.get(next.id))!.queue
      for (const t of await engine.app.ops.tasks.list({ queue, status: 'open' })) await engine.api('POST', `/api/tasks/${t.id}/claim`, undefined, KEYS.bob)
      await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Work list' }).click()
      await page.getByLabel('Queue', { exact: true }).selectOption(queue)
      await expect.poll(() => page.locator('tr.task-row').count()).toBeGreaterThan(0)
      await expect.poll(() => page.locator('tr.task-row').getByRole('button', { name: /^Claim/ }).count()).toBe(0)
      await page.getByRole('button', { name: 'Claim next' }).click()
      await page.getByRole('status').filter({ hasText: 'Nothing to claim right now.' }).waitFor()
      expect(new URL(page.url()).hash).toBe('#/work')
      await page.getByLabel('Queue', { exact: true }).selectOption('')
    })

    it('speaks Chinese when the agent switches language', async () => {
      await page.evaluate(() => localStorage.setItem('careloop.lang', 'zh-CN'))
      await page.reload()
      await page.getByRole('heading', { name: '我的队列' }).waitFor()
      expect(await page.getByRole('button', { name: '认领下一个' }).isVisible()).toBe(true)
      expect(await page.locator('thead').textContent()).toContain('优先级')
      // Traditional Chinese, written for Taiwan.
      await page.getByRole('combobox', { name: /语言|Language/ }).selectOption('zh-TW')
      await page.getByRole('heading', { name: '我的佇列' }).waitFor()
      expect(await page.getByRole('button', { name: '認領下一個' }).isVisible()).toBe(true)
      await screenshot(page, 'work-list-zh-TW')
      await page.evaluate(() => localStorage.setItem('careloop.lang', 'en'))
    })
    it("groups a shopper's tasks, names each task's order, and warns before contacting a shopper at night", async () => {
      const night = `night-${randomUUID().slice(0, 8)}`
      const day = `day-${randomUUID().slice(0, 8)}`
      const at = new Date(clock.now()).toISOString()
      const complaint = (who: string, order: string) => ({
        type: 'track',
        messageId: randomUUID(),
        userId: who,
        event: 'Complaint Filed',
        properties: { order_id: order, topic: 'billing', text: 'I was charged twice. Please refund one payment.' },
        timestamp: at,
      })
      const res = await engine.ingest([
        { type: 'identify', messageId: randomUUID(), userId: night, traits: { name: 'Nora Night', locale: 'en', timezone: zoneAtHour(2) }, timestamp: at },
        { type: 'identify', messageId: randomUUID(), userId: day, traits: { name: 'Dana Day', locale: 'en', timezone: zoneAtHour(13) }, timestamp: at },
        complaint(night, `ord-${night}-1`),
        complaint(night, `ord-${night}-2`),
        complaint(day, `ord-${day}-1`),
      ])
      expect(res.status).toBe(200)
      await engine.app.tick()
      // Back in English after the language test.
      await page.reload()
      await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Work list' }).click()

      const group = page.locator('tbody', { has: page.locator('tr.group-row', { hasText: 'Nora Night · 2 tasks' }) })
      await group.waitFor({ timeout: 15_000 })
      const noraRows = group.locator('tr.task-row')
      expect(await noraRows.count()).toBe(2)
      expect(await group.getByTestId('task-subject').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining(`ord-${night}-1`), expect.stringContaining(`ord-${night}-2`)]))
      expect(await noraRows.first().textContent()).toMatch(/0[1-3]:\d\d their time\s*Night for them/)
      const danaRow = page.locator('tr.task-row', { hasText: 'Dana Day' })
      expect(await danaRow.textContent()).toMatch(/1[3-4]:\d\d their time/)
      expect(await danaRow.textContent()).not.toContain('Night for them')
      await screenshot(page, 'work-list-grouped')

      await noraRows.first().getByRole('link', { name: /Complaint about money/ }).click()
      await expect.poll(() => page.getByTestId('night-warning').textContent()).toMatch(/^It is 0[1-3]:\d\d for Nora Night \(Etc\/GMT.*\)\. A call or text now may wake them/)
      await screenshot(page, 'task-night-warning')
      await page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: 'Work list' }).click()
      await danaRow.getByRole('link', { name: /Complaint about money/ }).click()
      await page.getByRole('heading', { level: 1, name: 'Complaint about money' }).waitFor()
      await page.getByTestId('suggested-opening').waitFor()
      expect(await page.getByTestId('night-warning').count()).toBe(0)
    })
  })
}
