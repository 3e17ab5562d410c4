// Stored template versions: numbering per channel/template/locale, one live version, drafts while
// approval is required, rollback as a new version, an audit row per change. Approving a draft is
// the approval contract's, not this file's.
import { describe, expect, it } from 'vitest'
import type { TemplateKey } from '../../../../src/store/operational/TemplateStore.ts'
import { MIN, T0, type ContractContext } from './fixtures.ts'

const key = (templateId: string, locale = 'en', channel = 'email'): TemplateKey => ({ channel, templateId, locale })
const SOURCE = (n: number) => `subject: Order {{order.order_id}} v${n}\n---\nHallo {{customer.name}} — 您好 \u{1F4E6} "${n}"`

export function templatesContract({ freshStore, processes }: ContractContext): void {
  describe('template versions', () => {
    const store = freshStore()

    it('without required approval each save is live at once and supersedes the live one; versions count per key', async () => {
      const { templates } = store()
      const late = key('late-parcel')
      expect(await templates.versions(late)).toEqual([])
      expect(await templates.liveVersion(late)).toBeUndefined()
      expect(await templates.live()).toEqual([])
      const v1 = await templates.save(late, SOURCE(1), { name: 'ana', role: 'ops' }, T0)
      expect(v1).toEqual({ ...late, version: 1, source: SOURCE(1), status: 'live', createdBy: 'ana', createdAt: T0, approvedBy: null, approvedAt: null, rollbackOf: null })
      const v2 = await templates.save(late, SOURCE(2), 'ben', T0 + MIN)
      expect(v2).toMatchObject({ version: 2, status: 'live', createdBy: 'ben' })
      expect(await templates.version(late, 1)).toEqual({ ...v1, status: 'superseded' })
      expect(await templates.version(late, 3)).toBeUndefined()
      expect(await templates.liveVersion(late)).toEqual(v2)
      expect((await templates.versions(late)).map((v) => [v.version, v.status])).toEqual([[2, 'live'], [1, 'superseded']])
      // Another locale, template or channel is another key with its own numbering.
      expect(await templates.save(key('late-parcel', 'zh'), SOURCE(9), 'ana', T0)).toMatchObject({ version: 1, status: 'live' })
      expect(await templates.save(key('late-parcel', 'en', 'sms'), SOURCE(8), 'ana', T0)).toMatchObject({ version: 1, status: 'live' })
      expect(await templates.save(key('a-first'), SOURCE(7), 'ana', T0)).toMatchObject({ version: 1 })
      expect((await templates.live()).map((v) => [v.channel, v.templateId, v.locale, v.version])).toEqual([
        ['email', 'a-first', 'en', 1],
        ['email', 'late-parcel', 'en', 2],
        ['email', 'late-parcel', 'zh', 1],
        ['sms', 'late-parcel', 'en', 1],
      ])
    })

    it('rollback stores the restored source as a new live version; unknown versions are not_found', async () => {
      const { templates } = store()
      const k = key('rollback-me')
      await templates.save(k, SOURCE(1), 'ana', T0)
      await templates.save(k, SOURCE(2), 'ana', T0 + MIN)
      const back = await templates.rollback(k, 1, 'ben', T0 + 2 * MIN)
      expect(back).toEqual({ ...k, version: 3, source: SOURCE(1), status: 'live', createdBy: 'ben', createdAt: T0 + 2 * MIN, approvedBy: null, approvedAt: null, rollbackOf: 1 })
      expect((await templates.versions(k)).map((v) => [v.version, v.status, v.rollbackOf])).toEqual([[3, 'live', 1], [2, 'superseded', null], [1, 'superseded', null]])
      expect(await templates.rollback(k, 9, 'ben', T0)).toBe('not_found')
      expect(await templates.rollback(key('never-saved'), 1, 'ben', T0)).toBe('not_found')
      expect(await templates.versions(key('never-saved'))).toEqual([])
    })

    it('audits every save and rollback under the template’s id, with the actor’s role', async () => {
      const s = store()
      const k = key('audited', 'de')
      await s.templates.save(k, SOURCE(1), { name: 'ana', role: 'ops' }, T0)
      await s.templates.rollback(k, 1, 'ben', T0 + MIN)
      const log = await s.rules.audit.list({ entityType: 'template', entityId: 'email/audited/de' })
      expect(log.map((e) => [e.action, e.actor, e.role, e.version, e.at])).toEqual([
        ['template.rollback', 'ben', null, 2, T0 + MIN],
        ['template.save', 'ana', 'ops', 1, T0],
      ])
      expect(log[0]?.details).toEqual({ to: 1, status: 'live', approvedBy: null })
      expect(log[1]?.details).toEqual({ status: 'live' })
    })

    it('concurrent saves of one template from several processes get consecutive versions, exactly one live', async () => {
      const s = store()
      const k = key('raced')
      const { stores, close } = await processes(s, 3)
      try {
        const saved = await Promise.all(Array.from({ length: 9 }, (_, i) => stores[i % stores.length]!.templates.save(k, SOURCE(i), `ops-${i}`, T0 + i)))
        expect(saved.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
        const versions = await s.templates.versions(k)
        expect(versions.filter((v) => v.status === 'live').map((v) => v.version)).toEqual([9])
        expect(versions.filter((v) => v.status === 'superseded')).toHaveLength(8)
      } finally {
        await close()
      }
    })
  })

  describe('template drafts while approval is required', () => {
    const store = freshStore()

    it('a save is a draft, the live version stays live; a newer draft replaces the older one; a rollback is a draft too', async () => {
      const s = store()
      const k = key('drafted')
      const live = await s.templates.save(k, SOURCE(1), 'ana', T0)
      await s.rules.setApprovalPolicy({ required: true }, 'root', T0)
      const draft = await s.templates.save(k, SOURCE(2), 'ana', T0 + MIN)
      expect(draft).toMatchObject({ version: 2, status: 'draft', approvedBy: null, approvedAt: null })
      expect(await s.templates.liveVersion(k)).toEqual(live)
      expect(await s.templates.live()).toEqual([live])
      const newer = await s.templates.save(k, SOURCE(3), 'ben', T0 + 2 * MIN)
      expect(newer).toMatchObject({ version: 3, status: 'draft' })
      expect((await s.templates.versions(k)).map((v) => [v.version, v.status])).toEqual([[3, 'draft'], [2, 'superseded'], [1, 'live']])
      const rollback = await s.templates.rollback(k, 1, 'ben', T0 + 3 * MIN)
      expect(rollback).toMatchObject({ version: 4, status: 'draft', source: SOURCE(1), rollbackOf: 1, approvedBy: null })
      expect((await s.templates.versions(k)).map((v) => [v.version, v.status])).toEqual([[4, 'draft'], [3, 'superseded'], [2, 'superseded'], [1, 'live']])
      // A first save of a template without a live version is a draft: the file keeps being sent.
      expect(await s.templates.save(key('fresh'), SOURCE(1), 'ana', T0)).toMatchObject({ version: 1, status: 'draft' })
      expect(await s.templates.liveVersion(key('fresh'))).toBeUndefined()
      const log = await s.rules.audit.list({ entityType: 'template', entityId: 'email/drafted/en' })
      expect(log.map((e) => [e.action, e.version, e.details['status']])).toEqual([
        ['template.rollback', 4, 'draft'],
        ['template.save', 3, 'draft'],
        ['template.save', 2, 'draft'],
        ['template.save', 1, 'live'],
      ])
    })
  })
}
