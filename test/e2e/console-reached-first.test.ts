// The reached-first report through the API and the console, on a real engine (manual clock): a
// generated history (test/store/history/reachedFirstFixture.ts, its expected rows computed from the
// cases) written to the engine's history, two rules with tags; the API answers the report of those
// rows, bad input is a 400 at its field, agents are refused; Chromium shows the same figures in
// English and Chinese. Screenshots go to test-artifacts/screenshots/.
import fc from 'fast-check'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reachedFirstReport, type ReachedFirstReport } from '../../src/analytics/reachedFirst.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { DEFAULT_FOLLOW_MS } from '../../src/model/contacts.ts'
import { CHROMIUM, launchBrowser, newPage, screenshot, signIn } from '../support/browser.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'
import { requireFile } from '../support/requireServers.ts'
import { FOLLOW_MS, RULE_TAGS, caseArb, generate } from '../store/history/reachedFirstFixture.ts'

const DAY = 86_400_000
const C0 = Date.UTC(2026, 10, 20, 12, 0)
const TO = Math.floor(C0 / DAY) * DAY + DAY
const FROM = TO - 30 * DAY

describe('the reached-first report', () => {
  let engine: TestEngine
  let expected: ReachedFirstReport

  beforeAll(async () => {
    engine = await startEngine({ clock: new ManualClock(C0) })
    const cases = fc.sample(fc.array(caseArb, { minLength: 120, maxLength: 120 }), { numRuns: 1, seed: 12 })[0] ?? []
    const g = generate(cases, FROM + 8 * DAY, 'rf-', { from: FROM, to: TO })
    await engine.app.history.append(g.batch)
    for (const [id, tags] of RULE_TAGS) {
      const doc = { id, name: id, triggers: [{ event: `RF ${id}` }], actions: [{ nudge: { channel: 'email', template: 'long-dwell' } }], tags }
      const res = await engine.api('POST', '/api/rules', doc, KEYS.ops)
      expect(res.status, JSON.stringify(res.body)).toBe(201)
    }
    expected = reachedFirstReport({ from: FROM, to: TO }, g, RULE_TAGS)
    expect(expected.totals.contacts).toBeGreaterThan(20)
    expect(Object.values(expected.totals.misses).every((n) => n > 0)).toBe(true)
  })
  afterAll(async () => {
    await engine?.app.stop()
  })

  it('answers the report of the window (default: the last 30 UTC days) with the default event lists', async () => {
    expect(FOLLOW_MS).toBe(DEFAULT_FOLLOW_MS)
    const res = await engine.api('GET', '/api/analytics/reached-first', undefined, KEYS.ops)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const { inbound, problems, followMs, ...report } = res.body
    expect(report).toEqual(JSON.parse(JSON.stringify(expected)))
    expect(inbound).toContain('Complaint Filed')
    expect(problems).toContain('Return Requested')
    expect(followMs).toBe(DEFAULT_FOLLOW_MS)
    const same = await engine.api('GET', `/api/analytics/reached-first?from=${new Date(FROM).toISOString()}&to=${new Date(TO).toISOString().slice(0, 10)}&follow=3d`, undefined, KEYS.ops)
    expect(same.body).toEqual(res.body)
  })

  it('counts only the named inbound events', async () => {
    const res = await engine.api('GET', '/api/analytics/reached-first?inbound=Ticket%20Created', undefined, KEYS.ops)
    expect(res.status).toBe(200)
    expect(res.body.kinds.map((k: { kind: string }) => k.kind)).not.toContain('Complaint Filed')
    expect(res.body.totals.contacts).toBe(expected.totals.contacts - (expected.kinds.find((k) => k.kind === 'Complaint Filed')?.contacts ?? 0))
  })

  it('answers bad input with 400 at its field, and refuses agents', async () => {
    for (const [query, path] of [
      ['from=2026-02-31T25:00Z', '/from'],
      ['from=yesterday', '/from'],
      ['from=2026-11-10&to=2026-11-01', '/to'],
      ['from=2025-01-01&to=2026-01-01', '/from'],
      ['inbound=,,', '/inbound'],
      ['follow=40d', '/follow'],
      ['days=0', '/days'],
    ] as const) {
      const res = await engine.api('GET', `/api/analytics/reached-first?${query}`, undefined, KEYS.ops)
      expect(res.status, query).toBe(400)
      expect(res.body.errors?.map((e: { path: string }) => e.path), query).toContain(path)
    }
    expect((await engine.api('GET', '/api/analytics/reached-first', undefined, KEYS.alice)).status).toBe(403)
  })

  it('answers any query string with 200 or a 400 naming fields, never 5xx', { timeout: 120_000 }, async () => {
    const text = fc.string({ unit: 'binary', maxLength: 30 })
    const value = fc.oneof(text, fc.constantFrom('2026-11-01', '2026-11-20T00:00:00Z', '3d', '0ms', '1', 'Complaint Filed,Ticket Created', ''))
    const param = fc.tuple(fc.constantFrom('from', 'to', 'days', 'inbound', 'problem', 'follow', 'other'), value)
    await fc.assert(
      fc.asyncProperty(fc.array(param, { maxLength: 6 }), async (params) => {
        const res = await engine.api('GET', `/api/analytics/reached-first?${new URLSearchParams(params).toString()}`, undefined, KEYS.ops)
        expect([200, 400], JSON.stringify(res.body)).toContain(res.status)
        if (res.status === 400) expect(res.body.errors?.length ?? 0).toBeGreaterThan(0)
      }),
      { numRuns: 60, seed: 5 },
    )
  })

  if (requireFile(CHROMIUM, 'the reached-first console page', 'scripts/install-test-deps.sh installs chromium')) {
    let browser: Browser
    beforeAll(async () => {
      browser = await launchBrowser()
    })
    afterAll(async () => {
      await browser?.close()
    })

    it('shows the figures, the misses by cause and the rules in the console', { timeout: 120_000 }, async () => {
      const page = await newPage(browser)
      await signIn(page, engine.url, KEYS.ops)
      await page.getByRole('link', { name: 'Reached first' }).click()
      await page.getByRole('heading', { name: 'Reached first', level: 1 }).waitFor()
      const stats = page.getByRole('list', { name: 'Reached first' })
      await stats.waitFor()
      const totals = expected.totals
      await expect.poll(() => stats.locator('.stat').nth(0).locator('.stat-value').textContent()).toBe(String(totals.contacts))
      expect(await stats.locator('.stat').nth(1).locator('.stat-value').textContent()).toBe(`${Math.round((totals.share ?? 0) * 100)}%`)
      expect(await stats.locator('.stat').nth(1).locator('.stat-sub').textContent()).toBe(`${totals.reachedFirst} of ${totals.contacts} contacts`)
      expect(await stats.locator('.stat').nth(3).locator('.stat-value').textContent()).toBe(String(totals.needless))
      for (const miss of ['sent_after', 'held', 'too_late', 'no_rule'] as const) {
        expect(await page.locator(`[data-miss="${miss}"] b`).textContent()).toBe(String(totals.misses[miss]))
      }
      const rules = page.getByRole('table', { name: 'Per rule' })
      for (const rule of expected.rules) {
        const row = rules.getByRole('row').filter({ has: page.getByRole('link', { name: rule.ruleId }) })
        await expect.poll(() => row.count()).toBe(1)
        expect(await row.locator('td').nth(1).textContent()).toBe(String(rule.contacts))
      }
      await page.locator('canvas').first().waitFor()
      // The chart for one rule: its figure's summary counts that rule's contacts only.
      const late = expected.rules.find((r) => r.ruleId === 'late-parcel')
      await page.getByLabel('Rule shown in the chart').selectOption('late-parcel')
      const summary = page.getByRole('img', { name: /Contacts per day/ })
      const chartOf = (f?: { contacts: number; reachedFirst: number }) => `Contacts per day: reached first or missed: Reached first ${f?.reachedFirst}, Missed ${(f?.contacts ?? 0) - (f?.reachedFirst ?? 0)}`
      await expect.poll(() => summary.getAttribute('aria-label')).toBe(chartOf(late))
      await page.getByLabel('Rule shown in the chart').selectOption('')
      await expect.poll(() => summary.getAttribute('aria-label')).toBe(chartOf(totals))
      await screenshot(page, 'reached-first')

      await page.evaluate(() => localStorage.setItem('careloop.lang', 'zh-CN'))
      await page.reload()
      await page.getByRole('heading', { name: '抢先触达', level: 1 }).waitFor()
      await page.getByText('其余为何错过').waitFor()
      await screenshot(page, 'reached-first-zh-CN')
    })
  }
})
