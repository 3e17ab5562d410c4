// Rules: versions, expected-version updates, four eyes, rollback, audit.
import { describe, expect, it } from 'vitest'
import { fourEyes } from '../../../../src/care/approveVersion.ts'
import { T0, MIN, type ContractContext } from './fixtures.ts'

export function rulesContract({ freshStore, processes }: ContractContext): void {
  describe('rules', () => {
    const store = freshStore()
    const doc = (n: number) => ({ id: 'r', name: `Rule v${n}`, triggers: [{ event: 'Order Shipped' }], nested: { list: [n, 'größer'] } })

    it('creates version 1 once; lists by id; fingerprint follows every change', async () => {
      const { rules } = store()
      expect(await rules.fingerprint()).toBe('')
      expect(await rules.list()).toEqual([])
      const created = await rules.create('rule-b', doc(1), true, 'ops:ana', T0)
      expect(created).toEqual({ id: 'rule-b', version: 1, enabled: true, document: doc(1), createdAt: T0, updatedAt: T0, updatedBy: 'ops:ana', liveVersion: 1, approved: true })
      expect(await rules.create('rule-b', doc(9), false, 'ops:ben', T0 + 1)).toBeUndefined()
      expect(await rules.get('rule-b')).toEqual(created)
      await rules.create('rule-a', doc(1), false, 'ops:ben', T0)
      expect((await rules.list()).map((r) => r.id)).toEqual(['rule-a', 'rule-b'])
      expect(await rules.fingerprint()).toBe('rule-a:1:false,rule-b:1:true')
      await rules.setEnabled('rule-a', true, 'ops:ana', T0 + 1)
      expect(await rules.fingerprint()).toBe('rule-a:1:true,rule-b:1:true')
      await rules.update('rule-b', doc(2), 'ops:ana', T0 + 2)
      expect(await rules.fingerprint()).toBe('rule-a:1:true,rule-b:2:true')
      expect(await rules.get('nope')).toBeUndefined()
    })

    it('updates with expectedVersion: stale versions conflict, versions keep the history newest first', async () => {
      const { rules } = store()
      await rules.create('rule-u', doc(1), true, 'ops:ana', T0)
      const v2 = await rules.update('rule-u', doc(2), 'ops:ben', T0 + MIN, 1)
      expect(v2).toEqual({ id: 'rule-u', version: 2, enabled: true, document: doc(2), createdAt: T0, updatedAt: T0 + MIN, updatedBy: 'ops:ben', liveVersion: 2, approved: true })
      expect(await rules.update('rule-u', doc(99), 'ops:cy', T0 + 2 * MIN, 1)).toBe('conflict')
      expect(await rules.update('rule-u', doc(3), 'ops:cy', T0 + 3 * MIN)).toMatchObject({ version: 3 })
      expect(await rules.update('rule-u', doc(4), 'ops:ana', T0 + 4 * MIN, 3)).toMatchObject({ version: 4 })
      expect(await rules.update('nope', doc(1), 'ops:ana', T0, 1)).toBe('not_found')
      expect(await rules.update('nope', doc(1), 'ops:ana', T0)).toBe('not_found')
      const approval = { approved: true, approvedBy: null, approvedAt: null, rollbackOf: null }
      expect(await rules.versions('rule-u')).toEqual([
        { ruleId: 'rule-u', version: 4, document: doc(4), createdAt: T0 + 4 * MIN, createdBy: 'ops:ana', status: 'live', ...approval },
        { ruleId: 'rule-u', version: 3, document: doc(3), createdAt: T0 + 3 * MIN, createdBy: 'ops:cy', status: 'superseded', ...approval },
        { ruleId: 'rule-u', version: 2, document: doc(2), createdAt: T0 + MIN, createdBy: 'ops:ben', status: 'superseded', ...approval },
        { ruleId: 'rule-u', version: 1, document: doc(1), createdAt: T0, createdBy: 'ops:ana', status: 'superseded', ...approval },
      ])
      expect(await rules.versions('nope')).toEqual([])
    })

    it('setEnabled changes the flag, not the version', async () => {
      const { rules } = store()
      await rules.create('rule-e', doc(1), true, 'ops:ana', T0)
      expect(await rules.setEnabled('rule-e', false, 'ops:ben', T0 + MIN)).toMatchObject({ version: 1, enabled: false, updatedBy: 'ops:ben', updatedAt: T0 + MIN })
      expect(await rules.versions('rule-e')).toHaveLength(1)
      expect(await rules.setEnabled('nope', true, 'ops:ben', T0)).toBeUndefined()
    })

    it('four eyes: drafts wait while the live version runs; a second person approves; rollback; all audited', async () => {
      const { rules } = store()
      const ops = { name: 'ana', role: 'ops' }
      const approver = { name: 'ben', role: 'approver' }
      await rules.create('rule-4', doc(1), true, ops, T0)
      expect(await rules.setApprovalPolicy({ required: true }, { name: 'root', role: 'admin' }, T0)).toEqual({ before: { required: false }, after: { required: true } })
      expect(await rules.approvalPolicy()).toEqual({ required: true })
      const draft = await rules.update('rule-4', doc(2), ops, T0 + MIN, 1)
      expect(draft).toMatchObject({ version: 2, enabled: true, liveVersion: 1, approved: false, document: doc(2) })
      const live4 = async () => (await rules.live()).filter((r) => r.id === 'rule-4')
      expect(await live4()).toEqual([{ id: 'rule-4', version: 1, document: doc(1) }])
      expect((await rules.fingerprint()).split(',')).toContain('rule-4:1:true')
      expect(await rules.setEnabled('rule-4', true, ops, T0 + MIN)).toEqual({ refused: 'needs_approval', version: 2 })
      // The store locks and writes; the four-eyes decision is the approval use case's.
      const approve = (id: string, v: number, actor: { name: string; role: string }, at: number) => rules.approveIf(id, v, actor, at, fourEyes(actor.name))
      expect(await approve('rule-4', 2, ops, T0 + MIN)).toEqual({ status: 'refused', refusal: { refused: 'own_change', version: 2, author: 'ana' } })
      expect(await approve('rule-4', 1, approver, T0 + MIN)).toEqual({ status: 'refused', refusal: { refused: 'already_approved', version: 1 } })
      expect(await approve('rule-4', 9, approver, T0 + MIN)).toEqual({ status: 'not_found' })
      expect(await approve('rule-4', 2, approver, T0 + 2 * MIN)).toMatchObject({ status: 'approved', value: { version: 2, liveVersion: 2, approved: true, enabled: true } })
      expect(await live4()).toEqual([{ id: 'rule-4', version: 2, document: doc(2) }])
      expect((await rules.versions('rule-4')).map((v) => [v.version, v.status, v.approvedBy])).toEqual([[2, 'live', 'ben'], [1, 'superseded', null]])

      // Rollback by ops: a draft; by an approver who did not write version 1: live at once.
      const byOps = await rules.rollback('rule-4', 1, ops, T0 + 3 * MIN, { selfApprove: false })
      expect(byOps).toMatchObject({ rule: { version: 3, liveVersion: 2, approved: false } })
      const byApprover = await rules.rollback('rule-4', 1, approver, T0 + 4 * MIN, { selfApprove: true })
      expect(byApprover).toMatchObject({ rule: { version: 4, liveVersion: 4, approved: true, document: doc(1) } })
      expect(await rules.version('rule-4', 4)).toMatchObject({ status: 'live', rollbackOf: 1, approvedBy: 'ben', approvedAt: T0 + 4 * MIN, createdBy: 'ben' })
      expect(await rules.version('rule-4', 3)).toMatchObject({ status: 'superseded', approved: false })
      expect(await rules.rollback('rule-4', 99, approver, T0, { selfApprove: true })).toBe('not_found')

      // A new rule starts as a disabled draft.
      expect(await rules.create('rule-5', doc(1), true, ops, T0 + 5 * MIN)).toMatchObject({ enabled: false, liveVersion: null, approved: false })
      expect(await rules.setEnabled('rule-5', true, ops, T0 + 5 * MIN)).toEqual({ refused: 'needs_approval', version: 1 })
      await approve('rule-5', 1, approver, T0 + 6 * MIN)
      expect(await rules.setEnabled('rule-5', true, ops, T0 + 7 * MIN)).toMatchObject({ enabled: true, liveVersion: 1 })

      const log = await rules.audit.list({ entityType: 'rule', entityId: 'rule-4' })
      expect(log.map((e) => [e.action, e.actor, e.role, e.version])).toEqual([
        ['rule.rollback', 'ben', 'approver', 4],
        ['rule.rollback', 'ana', 'ops', 3],
        ['rule.approve', 'ben', 'approver', 2],
        ['rule.update', 'ana', 'ops', 2],
        ['rule.create', 'ana', 'ops', 1],
      ])
      expect(log[0]).toMatchObject({ at: T0 + 4 * MIN, entityType: 'rule', details: { to: 1, status: 'approved', approvedBy: 'ben' } })
      expect((await rules.audit.list({ actor: 'root' })).map((e) => [e.action, e.entityId, e.details])).toEqual([
        ['settings.update', 'approval', { before: { required: false }, after: { required: true } }],
      ])
      expect(await rules.audit.list({ actor: 'ben', limit: 1 })).toHaveLength(1)
      const all = await rules.audit.list()
      expect(await rules.audit.list({ before: all[1]!.id })).toEqual(all.slice(2))
    })

    it('concurrent updates against the same expected version: exactly one wins, the rest conflict', async () => {
      const s = store()
      await s.rules.create('rule-race', doc(1), true, 'ops:ana', T0)
      const { stores, close } = await processes(s, 2)
      try {
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => stores[i % 2]!.rules.update('rule-race', doc(10 + i), `ops:${i}`, T0 + i, 1)))
        expect(results.filter((r) => typeof r === 'object')).toHaveLength(1)
        expect(results.filter((r) => r === 'conflict')).toHaveLength(7)
        expect((await s.rules.versions('rule-race')).map((v) => v.version)).toEqual([2, 1])
      } finally {
        await close()
      }
    })
  })
}
