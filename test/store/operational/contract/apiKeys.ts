// Managed API keys: hash lookup, one live ingest key per source, rotate and revoke with audit rows.
import { describe, expect, it } from 'vitest'
import { T0, type ContractContext } from './fixtures.ts'

const key = (n: string, role: 'admin' | 'agent' | 'ingest' = 'agent', source: string | null = null) => ({ id: `key_${n}`, hash: `hash-${n}`, prefix: `ck_${n}`, name: `name ${n}`, role, source })

export function apiKeysContract({ freshStore }: ContractContext): void {
  describe('API keys', () => {
    const store = freshStore()

    it('creates, finds by hash, lists without hashes, and audits the change', async () => {
      const { apiKeys, rules } = store()
      const created = await apiKeys.create(key('a1'), { name: 'ada', role: 'admin' }, T0)
      expect(created).toEqual({ ok: true, key: { id: 'key_a1', name: 'name a1', role: 'agent', prefix: 'ck_a1', source: null, createdAt: T0, createdBy: 'ada', lastUsedAt: null, revokedAt: null } })
      expect(await apiKeys.find('hash-a1')).toEqual({ id: 'key_a1', name: 'name a1', role: 'agent', source: null, revokedAt: null })
      expect(await apiKeys.find('hash-none')).toBeUndefined()
      expect(JSON.stringify(await apiKeys.list())).not.toContain('hash-a1')
      expect((await rules.audit.list({ entityType: 'api_key', entityId: 'key_a1' })).map((e) => e.action)).toEqual(['key.create'])
    })

    it('one live ingest key per source; a revoked one frees the source', async () => {
      const { apiKeys } = store()
      expect((await apiKeys.create(key('i1', 'ingest', 'web'), 'ada', T0)).ok).toBe(true)
      expect(await apiKeys.create(key('i2', 'ingest', 'web'), 'ada', T0)).toEqual({ ok: false, reason: 'source_taken' })
      expect((await apiKeys.create(key('i3', 'ingest', 'app'), 'ada', T0)).ok).toBe(true)
      expect((await apiKeys.revoke('key_i1', 'ada', T0 + 1)).ok).toBe(true)
      expect((await apiKeys.create(key('i4', 'ingest', 'web'), 'ada', T0 + 2)).ok).toBe(true)
    })

    it('rotate revokes the old key and keeps name, role and source; revoke twice is not found', async () => {
      const { apiKeys, rules } = store()
      await apiKeys.create(key('r1', 'ingest', 'shop'), 'ada', T0)
      const rotated = await apiKeys.rotate('key_r1', { id: 'key_r2', hash: 'hash-r2', prefix: 'wk_r2' }, 'ada', T0 + 5)
      expect(rotated).toMatchObject({ ok: true, key: { id: 'key_r2', name: 'name r1', role: 'ingest', source: 'shop', revokedAt: null } })
      expect((await apiKeys.find('hash-r1'))?.revokedAt).toBe(T0 + 5)
      expect(await apiKeys.rotate('key_r1', { id: 'key_r3', hash: 'hash-r3', prefix: 'x' }, 'ada', T0 + 6)).toEqual({ ok: false, reason: 'not_found' })
      expect((await apiKeys.revoke('key_r2', 'ada', T0 + 7)).ok).toBe(true)
      expect(await apiKeys.revoke('key_r2', 'ada', T0 + 8)).toEqual({ ok: false, reason: 'not_found' })
      expect(await apiKeys.revoke('key_missing', 'ada', T0 + 8)).toEqual({ ok: false, reason: 'not_found' })
      expect((await apiKeys.list()).map((k) => k.id)).not.toContain('key_r2')
      expect((await apiKeys.list({ includeRevoked: true })).map((k) => k.id)).toEqual(expect.arrayContaining(['key_r1', 'key_r2']))
      expect((await rules.audit.list({ entityType: 'api_key' })).map((e) => `${e.action}:${e.entityId}`)).toEqual(expect.arrayContaining(['key.rotate:key_r1', 'key.revoke:key_r2']))
    })

    it('touch writes the last use at most once per interval', async () => {
      const { apiKeys } = store()
      await apiKeys.create(key('t1'), 'ada', T0)
      await apiKeys.touch('hash-t1', T0 + 1000, 60_000)
      await apiKeys.touch('hash-t1', T0 + 30_000, 60_000)
      expect((await apiKeys.get('key_t1'))?.lastUsedAt).toBe(T0 + 1000)
      await apiKeys.touch('hash-t1', T0 + 61_000, 60_000)
      expect((await apiKeys.get('key_t1'))?.lastUsedAt).toBe(T0 + 61_000)
    })
  })
}
