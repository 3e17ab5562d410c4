// Settings, API keys and consent.
import { describe, expect, it } from 'vitest'
import { T0, type ContractContext } from './fixtures.ts'

export function settingsContract({ freshStore }: ContractContext): void {
  describe('settings and API keys', () => {
    const store = freshStore()

    it('putIfAbsent keeps the first value; values round-trip as JSON', async () => {
      const { settings } = store()
      expect(await settings.get('write_key')).toBeUndefined()
      expect(await settings.putIfAbsent('write_key', 'wk_first')).toBe('wk_first')
      expect(await settings.putIfAbsent('write_key', 'wk_second')).toBe('wk_first')
      expect(await settings.get('write_key')).toBe('wk_first')
      const value = { n: 1.5, big: 1784201234567, s: 'größer — 大', list: [true, null], nested: { a: {} } }
      expect(await settings.putIfAbsent('obj', value)).toEqual(value)
      expect(await settings.putIfAbsent('zero', 0)).toBe(0)
      const racers = await Promise.all(Array.from({ length: 10 }, (_, i) => settings.putIfAbsent('raced', `v${i}`)))
      expect(new Set(racers).size).toBe(1)
    })

    it('stores API keys by hash; a second add of the same hash keeps the first', async () => {
      const { settings } = store()
      expect(await settings.apiKeyCount()).toBe(0)
      await settings.addApiKey('hash-admin', 'admin', 'generated', T0)
      await settings.addApiKey('hash-agent', 'agent', 'ana', T0)
      await settings.addApiKey('hash-agent', 'admin', 'mallory', T0 + 1)
      expect(await settings.apiKeyCount()).toBe(2)
      expect(await settings.roleOfKey('hash-agent')).toEqual({ role: 'agent', label: 'ana' })
      expect(await settings.roleOfKey('hash-admin')).toEqual({ role: 'admin', label: 'generated' })
      expect(await settings.roleOfKey('unknown')).toBeUndefined()
    })

    it('stores keys of the approver role', async () => {
      const { settings } = store()
      await settings.addApiKey('hash-approver', 'approver' as never, 'ada', T0)
      expect(await settings.roleOfKey('hash-approver')).toEqual({ role: 'approver', label: 'ada' })
    })
  })

  describe('consent', () => {
    const store = freshStore()

    it('opt-outs match the exact channel and topic, or the * wildcards', async () => {
      const { consent } = store()
      expect(await consent.isOptedOut('c-1', 'email', 'care')).toBe(false)
      await consent.set('c-1', 'email', 'marketing', 'opted_out', T0)
      expect(await consent.isOptedOut('c-1', 'email', 'marketing')).toBe(true)
      expect(await consent.isOptedOut('c-1', 'email', 'care')).toBe(false)
      expect(await consent.isOptedOut('c-1', 'sms', 'marketing')).toBe(false)
      expect(await consent.isOptedOut('c-2', 'email', 'marketing')).toBe(false)

      await consent.set('c-2', 'sms', '*', 'opted_out', T0) // no SMS at all
      expect(await consent.isOptedOut('c-2', 'sms', 'care')).toBe(true)
      expect(await consent.isOptedOut('c-2', 'email', 'care')).toBe(false)

      await consent.set('c-3', '*', 'marketing', 'opted_out', T0) // no marketing anywhere
      expect(await consent.isOptedOut('c-3', 'push', 'marketing')).toBe(true)
      expect(await consent.isOptedOut('c-3', 'push', 'care')).toBe(false)

      await consent.set('c-4', '*', '*', 'opted_out', T0) // nothing at all
      for (const [channel, topic] of [['email', 'care'], ['sms', 'marketing'], ['webhook', 'x']] as const) {
        expect(await consent.isOptedOut('c-4', channel, topic)).toBe(true)
      }
      // A literal '*' asked for is not a wildcard on the stored side.
      expect(await consent.isOptedOut('c-1', '*', '*')).toBe(false)
    })

    it('opting in again lifts the opt-out; opt-ins never block', async () => {
      const { consent } = store()
      await consent.set('c-5', 'email', 'care', 'opted_out', T0)
      await consent.set('c-5', 'email', 'care', 'opted_in', T0 + 1)
      expect(await consent.isOptedOut('c-5', 'email', 'care')).toBe(false)
      await consent.set('c-6', '*', '*', 'opted_in', T0)
      expect(await consent.isOptedOut('c-6', 'email', 'care')).toBe(false)
    })
  })
}
