// Four eyes, audit and rollback for rules, on a real engine: with approval required a change runs
// only once a second person approved it, the audit log says who did what, and a rollback restores
// the old behaviour. With approval off everything works as before.
import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authPlugin, parseApiKeys } from '../../src/api/plugins/auth.ts'
import { registerErrorHandler } from '../../src/api/errors.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { diffLines, formatDiff } from '../../src/lib/lineDiff.ts'
import { KEYS, startEngine, type TestEngine } from '../support/careloop.ts'

const ADA = 'ada-approver-key'
const OTTO = 'otto-ops-key'
const apiKeys = [`${KEYS.admin}:admin:admin`, `${KEYS.ops}:ops:olivia`, `${OTTO}:ops:otto`, `${ADA}:approver:ada`, `${KEYS.alice}:agent:alice`].join(',')

let engine: TestEngine
const clock = new ManualClock(Date.UTC(2026, 6, 1, 10))

beforeAll(async () => {
  engine = await startEngine({ clock, config: { apiKeys } })
})
afterAll(async () => {
  await engine?.app.stop()
})

/** A rule that opens a task in `queue` for a basket of 300 or more. */
const rule = (id: string, queue: string) =>
  `id: ${id}\nname: Basket for ${queue}\ntriggers:\n  - event: Checkout Started\nwhen: { fact: properties.value, gte: 300 }\nactions:\n  - task: { queue: ${queue}, priority: high, sla: 2h }\n`

/** Sends a big basket for a new customer; returns the queue and rule version of the task it opened (if any). */
async function basket(ruleId: string): Promise<{ queue: string; ruleVersion: number } | undefined> {
  const customer = `c-${randomUUID()}`
  const sent = await engine.ingest([{ type: 'track', messageId: randomUUID(), userId: customer, event: 'Checkout Started', properties: { checkout_id: randomUUID(), value: 500 }, timestamp: new Date(clock.now()).toISOString() }])
  expect(sent.status).toBe(200)
  await engine.app.tick()
  const tasks = (await engine.api('GET', `/api/tasks?customer=${customer}`, undefined, KEYS.ops)).body.tasks as Array<{ ruleId: string; queue: string; ruleVersion: number }>
  const task = tasks.find((t) => t.ruleId === ruleId)
  return task ? { queue: task.queue, ruleVersion: task.ruleVersion } : undefined
}

describe('with approval off (the default): as before', () => {
  it('a new rule and every change are live at once; approve has nothing to do; rollback is live at once', async () => {
    expect((await engine.api('GET', '/api/settings/approval', undefined, KEYS.ops)).body).toEqual({ approval: { required: false } })
    const created = await engine.api('POST', '/api/rules', rule('plain', 'plain-a'), KEYS.ops)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ version: 1, enabled: true, liveVersion: 1, approved: true, pendingApproval: null })
    expect(await basket('plain')).toEqual({ queue: 'plain-a', ruleVersion: 1 })

    const updated = await engine.api('PUT', '/api/rules/plain?version=1', rule('plain', 'plain-b'), KEYS.ops)
    expect(updated.body).toMatchObject({ version: 2, liveVersion: 2, approved: true })
    expect(await basket('plain')).toEqual({ queue: 'plain-b', ruleVersion: 2 })
    expect((await engine.api('POST', '/api/rules/plain/versions/2/approve', undefined, ADA)).status).toBe(409)

    const back = await engine.api('POST', '/api/rules/plain/rollback', { version: 1 }, KEYS.ops)
    expect(back.status).toBe(200)
    expect(back.body).toMatchObject({ version: 3, liveVersion: 3, rolledBackTo: 1 })
    expect(await basket('plain')).toEqual({ queue: 'plain-a', ruleVersion: 3 })
    const versions = (await engine.api('GET', '/api/rules/plain/versions', undefined, KEYS.ops)).body.versions
    expect(versions.map((v: { version: number; status: string; createdBy: string; rollbackOf: number | null }) => [v.version, v.status, v.createdBy, v.rollbackOf])).toEqual([
      [3, 'live', 'olivia', 1],
      [2, 'superseded', 'olivia', null],
      [1, 'superseded', 'olivia', null],
    ])
    expect((await engine.api('POST', '/api/rules/plain/disable', undefined, KEYS.ops)).body).toMatchObject({ enabled: false, liveVersion: 3 })
    expect(await basket('plain')).toBeUndefined()
  })

  it('an approver may do what ops may; agents may not read the audit log; only admin changes the approval setting', async () => {
    expect((await engine.api('PUT', '/api/rules/plain', rule('plain', 'plain-c'), ADA)).status).toBe(200)
    expect((await engine.api('GET', '/api/audit?limit=1', undefined, ADA)).status).toBe(200)
    expect((await engine.api('GET', '/api/audit', undefined, KEYS.alice)).status).toBe(403)
    expect((await engine.api('PUT', '/api/settings/approval', { required: true }, KEYS.ops)).status).toBe(403)
    expect((await engine.api('PUT', '/api/settings/approval', { required: true }, ADA)).status).toBe(403)
    expect((await engine.api('POST', '/api/rules/plain/versions/4/approve', undefined, KEYS.alice)).status).toBe(403)
  })
})

describe('with approval required: four eyes', () => {
  beforeAll(async () => {
    const set = await engine.api('PUT', '/api/settings/approval', { required: true }, KEYS.admin)
    expect(set).toEqual({ status: 200, body: { approval: { required: true } } })
  })

  it('a new rule starts disabled and needs a second person before it can be enabled', async () => {
    clock.advance(60_000)
    const created = await engine.api('POST', '/api/rules', rule('vip-basket', 'sales'), KEYS.ops)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ version: 1, enabled: false, liveVersion: null, approved: false, pendingApproval: 1 })
    const refused = await engine.api('POST', '/api/rules/vip-basket/enable', undefined, KEYS.ops)
    expect(refused.status).toBe(409)
    expect(refused.body.message).toMatch(/^version 1 needs approval by a second person/)
    expect(await basket('vip-basket')).toBeUndefined()

    clock.advance(60_000)
    expect((await engine.api('POST', '/api/rules/vip-basket/versions/1/approve', undefined, ADA)).body).toMatchObject({ enabled: false, liveVersion: 1, approved: true })
    clock.advance(60_000)
    expect((await engine.api('POST', '/api/rules/vip-basket/enable', undefined, KEYS.ops)).body).toMatchObject({ enabled: true, liveVersion: 1 })
    expect(await basket('vip-basket')).toEqual({ queue: 'sales', ruleVersion: 1 })
  })

  it('a change of an enabled rule waits: enable is refused, the old version keeps running, its author cannot approve it', async () => {
    clock.advance(60_000)
    const changed = await engine.api('PUT', '/api/rules/vip-basket?version=1', rule('vip-basket', 'vip'), KEYS.ops)
    expect(changed.status).toBe(200)
    expect(changed.body).toMatchObject({ version: 2, enabled: true, liveVersion: 1, approved: false, pendingApproval: 2 })
    expect(changed.body.document.actions[0].task.queue).toBe('vip')

    const enable = await engine.api('POST', '/api/rules/vip-basket/enable', undefined, KEYS.ops)
    expect(enable.status).toBe(409)
    expect(enable.body).toMatchObject({ error: 'needs_approval', message: expect.stringMatching(/^version 2 needs approval by a second person/) })
    expect(await basket('vip-basket')).toEqual({ queue: 'sales', ruleVersion: 1 })

    const own = await engine.api('POST', '/api/rules/vip-basket/versions/2/approve', undefined, KEYS.ops)
    expect(own.status).toBe(409)
    expect(own.body).toMatchObject({ error: 'own_change', message: 'version 2 was written by olivia: a second person must approve it' })
    // Another ops person is a second person, but not an approver.
    expect((await engine.api('POST', '/api/rules/vip-basket/versions/2/approve', undefined, OTTO)).status).toBe(403)
    expect((await engine.api('POST', '/api/rules/vip-basket/versions/1/approve', undefined, ADA)).body.error).toBe('already_approved')
    expect((await engine.api('POST', '/api/rules/vip-basket/versions/9/approve', undefined, ADA)).status).toBe(404)
    expect(await basket('vip-basket')).toEqual({ queue: 'sales', ruleVersion: 1 })

    const versions = (await engine.api('GET', '/api/rules/vip-basket/versions', undefined, KEYS.ops)).body.versions
    expect(versions.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
      [2, 'draft'],
      [1, 'live'],
    ])
  })

  it('shows the change as a line diff', async () => {
    const diff = await engine.api('GET', '/api/rules/vip-basket/versions/2/diff', undefined, KEYS.ops)
    expect(diff.status).toBe(200)
    expect(diff.body).toMatchObject({ ruleId: 'vip-basket', version: 2, against: 1, added: 2, removed: 2 })
    const changed = diff.body.lines.filter((l: { op: string }) => l.op !== '=').map((l: { op: string; text: string }) => `${l.op}${l.text.trim()}`)
    expect(changed).toEqual(expect.arrayContaining(['-queue: sales', '+queue: vip', '-name: Basket for sales', '+name: Basket for vip']))
    expect(diff.body.text).toContain('- name: Basket for sales')
    const first = await engine.api('GET', '/api/rules/vip-basket/versions/1/diff', undefined, KEYS.ops)
    expect(first.body).toMatchObject({ against: null, removed: 0 })
    expect((await engine.api('GET', '/api/rules/vip-basket/versions/2/diff?against=2', undefined, KEYS.ops)).body).toMatchObject({ added: 0, removed: 0 })
    expect((await engine.api('GET', '/api/rules/vip-basket/versions/2/diff?against=7', undefined, KEYS.ops)).status).toBe(404)
  })

  it('an approver approves: the change goes live at once', async () => {
    clock.advance(60_000)
    const approved = await engine.api('POST', '/api/rules/vip-basket/versions/2/approve', undefined, ADA)
    expect(approved.status).toBe(200)
    expect(approved.body).toMatchObject({ version: 2, enabled: true, liveVersion: 2, approved: true, pendingApproval: null })
    expect(await basket('vip-basket')).toEqual({ queue: 'vip', ruleVersion: 2 })
    const versions = (await engine.api('GET', '/api/rules/vip-basket/versions', undefined, KEYS.ops)).body.versions
    expect(versions[0]).toMatchObject({ version: 2, status: 'live', approvedBy: 'ada', approvedAt: clock.now(), createdBy: 'olivia' })
  })

  it('rollback: by an approver who did not write the version, live at once; by ops, a draft again', async () => {
    clock.advance(60_000)
    const byAda = await engine.api('POST', '/api/rules/vip-basket/rollback', { version: 1 }, ADA)
    expect(byAda.status).toBe(200)
    expect(byAda.body).toMatchObject({ version: 3, liveVersion: 3, approved: true, rolledBackTo: 1, updatedBy: 'ada' })
    expect(await basket('vip-basket')).toEqual({ queue: 'sales', ruleVersion: 3 })

    clock.advance(60_000)
    const byOlivia = await engine.api('POST', '/api/rules/vip-basket/rollback', { version: 2 }, KEYS.ops)
    expect(byOlivia.body).toMatchObject({ version: 4, liveVersion: 3, approved: false, pendingApproval: 4 })
    expect(await basket('vip-basket')).toEqual({ queue: 'sales', ruleVersion: 3 })
    expect((await engine.api('POST', '/api/rules/vip-basket/rollback', { version: 42 }, KEYS.ops)).status).toBe(404)

    const versions = (await engine.api('GET', '/api/rules/vip-basket/versions', undefined, KEYS.ops)).body.versions
    expect(versions.map((v: { version: number; status: string; rollbackOf: number | null }) => [v.version, v.status, v.rollbackOf])).toEqual([
      [4, 'draft', 2],
      [3, 'live', 1],
      [2, 'superseded', null],
      [1, 'superseded', null],
    ])
    // Disabling needs nobody's approval.
    clock.advance(60_000)
    expect((await engine.api('POST', '/api/rules/vip-basket/disable', undefined, KEYS.ops)).body).toMatchObject({ enabled: false, liveVersion: 3 })
    expect(await basket('vip-basket')).toBeUndefined()
  })

  it('the audit log shows who did what, in order, newest first', async () => {
    const log = await engine.api('GET', '/api/audit?entity=rule&id=vip-basket', undefined, KEYS.ops)
    expect(log.status).toBe(200)
    const rows = log.body.entries.map((e: { action: string; actor: string; role: string; version: number | null }) => [e.action, e.actor, e.role, e.version])
    expect(rows).toEqual([
      ['rule.disable', 'olivia', 'ops', 3],
      ['rule.rollback', 'olivia', 'ops', 4],
      ['rule.rollback', 'ada', 'approver', 3],
      ['rule.approve', 'ada', 'approver', 2],
      ['rule.update', 'olivia', 'ops', 2],
      ['rule.enable', 'olivia', 'ops', 1],
      ['rule.approve', 'ada', 'approver', 1],
      ['rule.create', 'olivia', 'ops', 1],
    ])
    const times = log.body.entries.map((e: { at: number }) => e.at)
    expect([...times].sort((a, b) => b - a)).toEqual(times)
    expect(log.body.entries[0]).toMatchObject({ entityType: 'rule', entityId: 'vip-basket', at: clock.now() })
    expect(log.body.entries[2].details).toMatchObject({ to: 1, status: 'approved', approvedBy: 'ada' })

    const byAda = (await engine.api('GET', '/api/audit?actor=ada&entity=rule&id=vip-basket', undefined, KEYS.admin)).body.entries
    expect(byAda.map((e: { action: string }) => e.action)).toEqual(['rule.rollback', 'rule.approve', 'rule.approve'])
    const settings = (await engine.api('GET', '/api/audit?entity=setting', undefined, KEYS.ops)).body.entries
    expect(settings[0]).toMatchObject({ action: 'settings.update', actor: 'admin', role: 'admin', entityId: 'approval', details: { before: { required: false }, after: { required: true } } })
    expect((await engine.api('GET', '/api/audit?limit=2', undefined, KEYS.ops)).body.entries).toHaveLength(2)
    expect((await engine.api('GET', '/api/audit?limit=0', undefined, KEYS.ops)).status).toBe(400)
  })

  it('turning approval off again: a waiting draft is live once the rule is enabled', async () => {
    expect((await engine.api('PUT', '/api/settings/approval', { required: false }, KEYS.admin)).status).toBe(200)
    expect((await engine.api('POST', '/api/rules/vip-basket/enable', undefined, KEYS.ops)).body).toMatchObject({ enabled: true, liveVersion: 4, approved: true })
    expect(await basket('vip-basket')).toEqual({ queue: 'vip', ruleVersion: 4 })
  })
})

describe('API writes by key are audited when the auth plugin gets the audit log', () => {
  it('records writes (not reads) with the key, route and status; self-audited routes only when refused', async () => {
    const audit = engine.app.ops.rules.audit
    const app = Fastify()
    registerErrorHandler(app)
    await app.register(authPlugin, { configured: parseApiKeys('k1:ops:probe-ops,k2:approver:probe-approver'), settings: engine.app.ops.settings, audit, now: () => 42 })
    app.post('/api/probe', async () => ({ ok: true }))
    app.get('/api/probe', async () => ({ ok: true }))
    app.post('/api/probe/self', { config: { audited: true } }, async (request) => {
      if ((request.body as { fail?: boolean } | undefined)?.fail) throw Object.assign(new Error('no'), { statusCode: 409 })
      return { ok: true }
    })
    await app.ready()
    const call = (method: 'GET' | 'POST', url: string, key: string, body?: unknown) =>
      app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(body === undefined ? {} : { payload: body as object }) })
    expect((await call('POST', '/api/probe?x=1', 'k1')).statusCode).toBe(200)
    expect((await call('GET', '/api/probe', 'k1')).statusCode).toBe(200)
    expect((await call('POST', '/api/probe/self', 'k2', {})).statusCode).toBe(200)
    expect((await call('POST', '/api/probe/self', 'k2', { fail: true })).statusCode).toBe(409)
    await app.close()
    const entries = (await audit.list({ action: 'api.write' })).filter((e) => e.actor.startsWith('probe-'))
    expect(entries.map((e) => [e.actor, e.role, e.entityId, e.details['status'], e.at])).toEqual([
      ['probe-approver', 'approver', 'POST /api/probe/self', 409, 42],
      ['probe-ops', 'ops', 'POST /api/probe', 200, 42],
    ])
    expect(entries[1]?.details).toMatchObject({ method: 'POST', url: '/api/probe?x=1' })
  })
})

describe('line diff', () => {
  it('finds the longest common subsequence', () => {
    const d = diffLines(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd', 'e'])
    expect(formatDiff(d)).toBe('  a\n- b\n+ x\n  c\n  d\n+ e')
    expect(d).toMatchObject({ added: 2, removed: 1 })
    expect(diffLines([], []).lines).toEqual([])
    expect(diffLines(['a'], []).lines).toEqual([{ op: '-', text: 'a' }])
    expect(diffLines(['x', 'a', 'b'], ['a', 'b', 'x']).lines.filter((l) => l.op === '=')).toHaveLength(2)
  })
})
