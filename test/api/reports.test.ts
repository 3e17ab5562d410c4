// The API behind the reports, feedback inbox and audit log pages on a real engine (manual clock,
// test/api/reportsShop.ts): SLA per queue and agent, CSAT per queue, agent and rule, lift of a
// holdout rule, feedback marked handled and reopened, the audit log by time range; agents are
// refused; hostile query strings and ids get 200 / 400 / 404 with field paths, never 5xx.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyticsWindow } from '../../src/api/routes/analytics.ts'
import { KEYS, type TestEngine } from '../support/careloop.ts'
import { expectedByAgent, expectedByQueue } from '../store/history/slaReportFixture.ts'
import { LIFT, LIFT_RULE, NOW, startReportsShop } from './reportsShop.ts'

const csat = (key: string | null, sent: number, answered: number, satisfied: number, meanScore: number | null) =>
  ({ key, sent, answered, satisfied, csat: answered === 0 ? null : satisfied / answered, meanScore })

describe('reports, feedback inbox and audit log API', () => {
  let engine: TestEngine
  beforeAll(async () => {
    engine = await startReportsShop()
  }, 120_000)
  afterAll(async () => {
    await engine?.app.stop()
  })
  const get = (path: string, key = KEYS.ops) => engine.api('GET', path, undefined, key)

  it('SLA per queue of creation and per agent who claimed last, with resolution times', async () => {
    const { from, to } = analyticsWindow(NOW, 7)
    expect((await get('/api/analytics/sla-report?days=7')).body).toEqual({ from, to, by: 'queue', groups: expectedByQueue })
    expect((await get('/api/analytics/sla-report?days=7&by=agent')).body).toEqual({ from, to, by: 'agent', groups: expectedByAgent })
    expect((await get('/api/analytics/sla-report?days=1&by=agent')).body.groups).toEqual([])
  })

  it('CSAT per queue, agent (who resolved) and rule', async () => {
    expect((await get('/api/analytics/csat?by=queue')).body.groups).toEqual([csat('care', 2, 2, 1, 3.5), csat('returns', 1, 1, 1, 4), csat(null, 1, 0, 0, null)])
    expect((await get('/api/analytics/csat?by=agent')).body.groups).toEqual([csat('alice', 2, 2, 1, 3.5), csat('bob', 1, 1, 1, 4), csat(null, 1, 0, 0, null)])
    expect((await get('/api/analytics/csat?by=rule&days=30')).body).toMatchObject({ by: 'rule', groups: [csat('repeat-returns', 1, 1, 1, 4), csat(LIFT_RULE, 3, 2, 1, 3.5)] })
  })

  it('lift of the holdout rule: contacted against held-out complaint rates', async () => {
    const res = await get(`/api/analytics/lift?rule=${LIFT_RULE}&outcome=Complaint%20Filed`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body).toMatchObject({ contacted: { ...LIFT.contacted, rate: 0.2 }, heldOut: { ...LIFT.heldOut, rate: 0.4 }, significant: false })
  })

  it('feedback: open items, marked handled (audited, first handler kept), reopened; unknown ids 404', async () => {
    const open = await get('/api/feedback?state=open')
    expect(open.body.rules.map((g: any) => [g.ruleId, g.shouldBeAutomated.count, g.suggestions.count])).toEqual([[LIFT_RULE, 1, 2]])
    const id = 'rp-t1:suggestion'
    const handled = await engine.api('POST', `/api/feedback/${encodeURIComponent(id)}/handle`, undefined, KEYS.ops)
    expect(handled.status, JSON.stringify(handled.body)).toBe(200)
    expect(handled.body).toMatchObject({ id, taskId: 'rp-t1', ruleId: LIFT_RULE, kind: 'suggestion', handledAt: NOW, handledBy: 'olivia' })
    expect((await engine.api('POST', `/api/feedback/${encodeURIComponent(id)}/handle`, undefined, KEYS.admin)).body.handledBy).toBe('olivia')
    expect((await get('/api/feedback?state=open')).body.rules[0].suggestions.items.map((i: any) => i.taskId)).toEqual(['rp-t2'])
    expect((await get('/api/feedback?state=handled')).body.rules[0].suggestions.items.map((i: any) => i.id)).toEqual([id])
    const audit = await get('/api/audit?action=api.write&entity=api')
    expect(audit.body.entries.map((e: any) => e.entityId)).toContain('POST /api/feedback/:id/handle')
    expect((await engine.api('POST', `/api/feedback/${encodeURIComponent(id)}/reopen`, undefined, KEYS.ops)).body).toMatchObject({ handledAt: null, handledBy: null })
    expect((await get('/api/feedback?state=handled')).body.rules).toEqual([])
    expect((await engine.api('POST', '/api/feedback/nope/handle', undefined, KEYS.ops)).status).toBe(404)
    const bad = await get('/api/feedback?state=closed')
    expect(bad.status).toBe(400)
  })

  it('audit log by time range: [from, to); a range ending before it starts is a 400 at /to', async () => {
    const keys = await get(`/api/audit?action=key.create&from=${NOW}&to=${NOW + 1}`)
    expect(keys.body.entries).toHaveLength(1)
    expect(keys.body.entries[0]).toMatchObject({ actor: 'admin', action: 'key.create', details: expect.objectContaining({ name: 'warehouse sync' }) })
    expect((await get(`/api/audit?from=${NOW + 1}`)).body.entries).toEqual([])
    expect((await get(`/api/audit?to=${NOW}`)).body.entries).toEqual([])
    const bad = await get(`/api/audit?from=${NOW}&to=${NOW}`)
    expect(bad.status).toBe(400)
    expect(bad.body.errors.map((e: any) => e.path)).toEqual(['/to'])
  })

  it('refuses agents everywhere new, and ops on keys', async () => {
    for (const [method, path] of [['GET', '/api/analytics/sla-report'], ['GET', '/api/analytics/csat'], ['POST', '/api/feedback/x/handle'], ['POST', '/api/feedback/x/reopen'], ['GET', '/api/audit']] as const) {
      expect((await engine.api(method, path, undefined, KEYS.alice)).status, path).toBe(403)
    }
    expect((await get('/api/keys')).status).toBe(403)
  })

  it('answers hostile query strings and ids with 200, 400 naming fields, or 404; never 5xx', { timeout: 180_000 }, async () => {
    const text = fc.string({ unit: 'binary', maxLength: 24 })
    const value = fc.oneof(text, fc.constantFrom('', '0', '-1', '1e400', '9007199254740993', 'queue', 'agent', 'rule', 'open', 'handled', 'all', String(NOW)))
    const routes = {
      '/api/audit': ['actor', 'action', 'entity', 'id', 'from', 'to', 'before', 'limit'],
      '/api/feedback': ['state', 'rule', 'since', 'limit'],
      '/api/analytics/sla-report': ['days', 'by'],
      '/api/analytics/csat': ['days', 'by'],
    } as const
    const request = fc.constantFrom(...(Object.keys(routes) as (keyof typeof routes)[])).chain((path) =>
      fc.tuple(fc.constant(path), fc.array(fc.tuple(fc.constantFrom(...routes[path], 'other'), value), { maxLength: 5 })),
    )
    await fc.assert(
      fc.asyncProperty(request, async ([path, params]) => {
        const res = await get(`${path}?${new URLSearchParams(params).toString()}`)
        expect([200, 400], `${path} ${JSON.stringify(params)} ${JSON.stringify(res.body)}`).toContain(res.status)
        if (res.status === 400) expect(res.body.errors?.length ?? 0).toBeGreaterThan(0)
      }),
      { numRuns: Number(process.env.CARELOOP_FUZZ_RUNS ?? 120), seed: Number(process.env.CARELOOP_FUZZ_SEED ?? 18) },
    )
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom('handle', 'reopen'), async (id, action) => {
        const res = await engine.api('POST', `/api/feedback/${encodeURIComponent(id)}/${action}`, undefined, KEYS.ops)
        expect([200, 400, 404], JSON.stringify(res.body)).toContain(res.status)
      }),
      { numRuns: 60, seed: 19 },
    )
  })
})
