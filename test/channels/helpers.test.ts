import { describe, expect, it } from 'vitest'
import { formatDate, formatMoney, resolveLocale, safeUrl, toEpochMs } from '../../src/channels/templates/index.ts'
import { parseSections } from '../../src/channels/templates/sections.ts'

const AT = Date.UTC(2026, 10, 24, 20, 0) // 24 Nov 2026 20:00 UTC

describe('formatDate', () => {
  it('formats epoch ms, digit strings and ISO strings in the given time zone', () => {
    expect(formatDate(AT, 'en', 'Asia/Shanghai')).toBe('Wednesday, November 25, 2026')
    expect(formatDate(String(AT), 'en', 'America/New_York')).toBe('Tuesday, November 24, 2026')
    expect(formatDate('2026-11-24T20:00:00Z', 'zh-CN', 'Asia/Shanghai')).toBe('2026年11月25日星期三')
    expect(formatDate(AT, 'zh-TW', 'Asia/Taipei', { style: 'long' })).toBe('2026年11月25日')
    expect(formatDate(AT, 'en', 'Asia/Shanghai', { style: 'medium', time: true })).toMatch(/^Nov 25, 2026, 4:00\sAM GMT\+8$/)
  })

  it('uses UTC for a missing or unknown time zone', () => {
    expect(formatDate(AT, 'en', undefined, { style: 'long' })).toBe('November 24, 2026')
    expect(formatDate(AT, 'en', 'Mars/Olympus_Mons', { style: 'long' })).toBe('November 24, 2026')
  })

  it('renders nothing for missing or unusable values', () => {
    for (const value of [undefined, null, '', 'soon', NaN, Infinity, 1e20, {}, []]) {
      expect(formatDate(value, 'en', 'UTC')).toBe('')
    }
    expect(toEpochMs(new Date(AT))).toBe(AT)
  })
})

describe('formatMoney', () => {
  it('localizes amount and currency', () => {
    expect(formatMoney(1234.5, 'USD', 'en')).toBe('$1,234.50')
    expect(formatMoney('1234.5', 'usd', 'en')).toBe('$1,234.50')
    expect(formatMoney(1234.5, 'CNY', 'zh-CN')).toBe('¥1,234.50')
    expect(formatMoney(1234.5, 'USD', 'zh-CN')).toBe('US$1,234.50')
    expect(formatMoney(1200, 'JPY', 'en')).toBe('¥1,200')
  })

  it('falls back to a plain number without a usable currency, and to nothing without an amount', () => {
    expect(formatMoney(12, undefined, 'en')).toBe('12.00')
    expect(formatMoney(12, 'points', 'en')).toBe('12.00 points')
    expect(formatMoney(undefined, 'USD', 'en')).toBe('')
    expect(formatMoney('twelve', 'USD', 'en')).toBe('')
  })
})

describe('safeUrl', () => {
  it('keeps web, mail and phone links only', () => {
    expect(safeUrl('https://shop.example/a?b=1')).toBe('https://shop.example/a?b=1')
    expect(safeUrl('mailto:care@shop.example')).toBe('mailto:care@shop.example')
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', '/relative', '', undefined, 42]) expect(safeUrl(bad)).toBe('')
  })
})

describe('resolveLocale', () => {
  it('prefers exact, then same script, then same language, then the fallback', () => {
    const available = ['en', 'zh-CN', 'zh-TW']
    expect(resolveLocale('ZH-tw', available)).toBe('zh-TW')
    expect(resolveLocale('zh-Hans-CN', available)).toBe('zh-CN')
    expect(resolveLocale('zh-HK', available)).toBe('zh-TW')
    expect(resolveLocale('zh-HK', ['en', 'zh-CN'])).toBe('zh-CN')
    expect(resolveLocale('en_US.UTF-8', available)).toBe('en')
    expect(resolveLocale('de', available)).toBe('en')
    expect(resolveLocale('de', ['zh-CN', 'zh-TW'])).toBe('zh-CN')
    expect(() => resolveLocale('en', [])).toThrow()
  })
})

describe('parseSections', () => {
  it('splits on marker lines and allows comment notes before the first', () => {
    const parsed = parseSections('{{!-- a note --}}\n\n{{!-- @subject --}}\nHello\n\n{{!-- @html --}}\n<p>x</p>\n', 'f')
    expect([...parsed]).toEqual([
      ['subject', 'Hello\n'],
      ['html', '<p>x</p>\n'],
    ])
  })

  it('rejects stray text and duplicate sections', () => {
    expect(() => parseSections('oops\n{{!-- @subject --}}\nx', 'f')).toThrow(/before the first/)
    expect(() => parseSections('{{!-- @subject --}}\nx\n{{!-- @subject --}}\ny', 'f')).toThrow(/twice/)
  })
})
