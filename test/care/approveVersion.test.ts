// Four eyes for rules and templates from one use case: the author is refused first whatever their
// role, then the role, then the version (not found, not the newest, already approved, not a draft);
// a second person's approval makes the version live.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { approveVersion, ruleApproval, templateApproval, type Approvable } from '../../src/care/approveVersion.ts'
import { openOperationalStore, type OperationalStore } from '../../src/store/operational/OperationalStore.ts'
import type { TemplateKey } from '../../src/store/operational/TemplateStore.ts'
import { freshDataDir } from '../support/stores.ts'

const T0 = Date.UTC(2026, 6, 1, 10)
const olivia = { name: 'olivia', role: 'ops' }
const ada = { name: 'ada', role: 'approver' }
const root = { name: 'root', role: 'admin' }
const bob = { name: 'bob', role: 'ops' }
let ops: OperationalStore

const doc = (n: number) => ({ id: 'vip', name: `VIP ${n}`, triggers: [{ event: 'Order Completed' }], actions: [] })
const KEY: TemplateKey = { channel: 'email', templateId: 'long-dwell', locale: 'en' }

beforeAll(async () => {
  ops = await openOperationalStore({ dataDir: join(freshDataDir(), 'ops') })
  await ops.rules.setApprovalPolicy({ required: true }, root, T0)
  // Version 1 live (approved by ada), version 2 a draft by olivia, for the rule and the template.
  await ops.rules.create('vip', doc(1), true, olivia, T0)
  await approveVersion(ruleApproval(ops.rules, 'vip'), { version: 1, actor: ada, now: T0 })
  await ops.rules.update('vip', doc(2), olivia, T0 + 1)
  await ops.templates.save(KEY, 'one', olivia, T0)
  await approveVersion(templateApproval(ops.templates, KEY), { version: 1, actor: ada, now: T0 })
  await ops.templates.save(KEY, 'two', olivia, T0 + 1)
})
afterAll(async () => {
  await ops?.close()
})

const subjects: Array<[string, () => Approvable<{ version: number }>]> = [
  ['rule', () => ruleApproval(ops.rules, 'vip')],
  ['template', () => templateApproval(ops.templates, KEY)],
]

describe.each(subjects)('approving a %s version', (_kind, subject) => {
  it('refuses its author first, even an approver who wrote it', async () => {
    expect(await approveVersion(subject(), { version: 2, actor: olivia, now: T0 + 2 })).toEqual({
      ok: false,
      reason: 'refused',
      refusal: { refused: 'own_change', version: 2, author: 'olivia' },
    })
  })

  it('refuses roles that may not approve', async () => {
    expect(await approveVersion(subject(), { version: 2, actor: bob, now: T0 + 2 })).toEqual({ ok: false, reason: 'forbidden', role: 'ops' })
  })

  it('knows no version that does not exist', async () => {
    expect(await approveVersion(subject(), { version: 9, actor: ada, now: T0 + 2 })).toEqual({ ok: false, reason: 'not_found' })
  })

  it('refuses a version approved already', async () => {
    expect(await approveVersion(subject(), { version: 1, actor: ada, now: T0 + 2 })).toEqual({ ok: false, reason: 'refused', refusal: { refused: 'already_approved', version: 1 } })
  })

  it('a second person approves the newest draft', async () => {
    const result = await approveVersion(subject(), { version: 2, actor: root, now: T0 + 3 })
    expect(result).toMatchObject({ ok: true, value: { version: 2 } })
    expect(await approveVersion(subject(), { version: 2, actor: ada, now: T0 + 4 })).toMatchObject({ ok: false, refusal: { refused: 'already_approved' } })
  })
})

describe('only the newest version waiting for approval', () => {
  it('a rule: an older unapproved version is not the newest', async () => {
    await ops.rules.update('vip', doc(3), olivia, T0 + 10)
    await ops.rules.update('vip', doc(4), olivia, T0 + 11)
    expect(await approveVersion(ruleApproval(ops.rules, 'vip'), { version: 3, actor: ada, now: T0 + 12 })).toEqual({
      ok: false,
      reason: 'refused',
      refusal: { refused: 'not_newest', version: 3, newest: 4 },
    })
  })

  it('a template: a newer save supersedes an older draft, which is no draft any more', async () => {
    await ops.templates.save(KEY, 'three', olivia, T0 + 10)
    await ops.templates.save(KEY, 'four', olivia, T0 + 11)
    expect(await approveVersion(templateApproval(ops.templates, KEY), { version: 3, actor: ada, now: T0 + 12 })).toEqual({
      ok: false,
      reason: 'refused',
      refusal: { refused: 'not_draft', version: 3, status: 'superseded' },
    })
  })

  it('writes one audit row per approval', async () => {
    const rows = await ops.rules.audit.list({ action: 'rule.approve' })
    expect(rows.map((r) => [r.entityId, r.version, r.actor])).toEqual([
      ['vip', 2, 'root'],
      ['vip', 1, 'ada'],
    ])
    expect((await ops.rules.audit.list({ action: 'template.approve' })).map((r) => [r.entityId, r.version, r.actor])).toEqual([
      ['email/long-dwell/en', 2, 'root'],
      ['email/long-dwell/en', 1, 'ada'],
    ])
  })
})
