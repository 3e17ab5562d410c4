import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Handlebars from 'handlebars'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { createTemplateRenderer } from '../../src/channels/templates/index.ts'
import { PermanentSendError } from '../../src/channels/types.ts'
import type { MessageVars } from '../../src/model/outbox.ts'
import { fullVars, LEAKS, minimalVars } from './support/messages.ts'

const SHIPPED = ['abandoned-checkout', 'birthday', 'care-digest', 'csat-survey', 'delayed-shipment', 'long-dwell', 'payment-failed']
const LOCALES = ['en', 'zh-CN', 'zh-TW']
const renderer = createTemplateRenderer()

const tempDirs: string[] = []
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
})

/** A template directory of our own: { 'id/en.hbs': '…' }. */
function templateDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'careloop-tpl-'))
  tempDirs.push(dir)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  return dir
}

const sections = (subject: string, html: string, text = 'text'): string =>
  `{{!-- @subject --}}\n${subject}\n{{!-- @html --}}\n${html}\n{{!-- @text --}}\n${text}\n`

describe('shipped email templates', () => {
  it('are the care templates, the birthday greeting and the CSAT survey, each in en, zh-CN and zh-TW', () => {
    expect(renderer.templateIds()).toEqual(SHIPPED)
    for (const id of SHIPPED) expect(renderer.locales(id)).toEqual(LOCALES)
  })

  for (const id of SHIPPED) {
    for (const locale of LOCALES) {
      it(`${id} renders in ${locale} with every variable and with none of the optional ones`, () => {
        for (const vars of [fullVars(), minimalVars(locale)]) {
          const out = renderer.render(id, locale, vars)
          expect(out.locale).toBe(locale)
          expect(out.subject).not.toMatch(/\n/)
          expect(out.subject.length).toBeGreaterThan(5)
          expect(out.html).toMatch(/^<!DOCTYPE html>/)
          expect(out.html).toContain(`<html lang="${locale}">`)
          expect(out.text.length).toBeGreaterThan(50)
          for (const part of [out.subject, out.html, out.text]) {
            expect(part).not.toMatch(LEAKS)
            expect(part).not.toMatch(/\{\{|\}\}/)
          }
          // The shop name appears in the footer of every message.
          expect(out.text).toContain('Acme Home')
        }
      })
    }
  }

  it('puts the talk-to-a-person link in both parts, and the unsubscribe link only when present', () => {
    const withLinks = renderer.render('long-dwell', 'en', fullVars())
    for (const part of [withLinks.html, withLinks.text]) {
      expect(part).toContain('https://shop.example/care/talk?c')
      expect(part).toContain('https://shop.example/unsubscribe/tok-1')
    }
    const vars = fullVars()
    const { unsubscribe: _dropped, ...links } = vars.links
    const without = renderer.render('long-dwell', 'en', { ...vars, links })
    expect(without.html).not.toMatch(/unsubscribe/i)
    expect(without.text).not.toMatch(/unsubscribe/i)
  })

  it('offers talking to a person once per part: the footer leaves it out when the message body offers it', () => {
    const count = (text: string, needle: string) => text.split(needle).length - 1
    const vars = fullVars()
    const url = vars.links.talkToPerson as string
    for (const template of ['delayed-shipment', 'payment-failed', 'abandoned-checkout', 'long-dwell', 'birthday']) {
      for (const locale of ['en', 'zh-CN', 'zh-TW']) {
        const out = renderer.render(template, locale, vars)
        expect(count(out.text, url), `${template} ${locale} text`).toBe(1)
        expect(count(out.html, Handlebars.escapeExpression(url)), `${template} ${locale} html`).toBe(1)
      }
    }
  })

  it('delayed-shipment: order id, ETA in the shopper time zone, carrier and tracking', () => {
    const en = renderer.render('delayed-shipment', 'en', fullVars())
    expect(en.subject).toBe("Your order A-1001 is running late — we're sorry")
    expect(en.text).toContain('expects it by Wednesday, November 25, 2026')
    expect(en.text).toContain('SF Express, tracking number SF1234567890')
    const la = fullVars()
    la.customer.timezone = 'America/Los_Angeles'
    expect(renderer.render('delayed-shipment', 'en', la).text).toContain('Tuesday, November 24, 2026')
    const zh = renderer.render('delayed-shipment', 'zh-CN', fullVars())
    expect(zh.subject).toBe('抱歉，您的订单 A-1001 配送延误了')
    expect(zh.text).toContain('2026年11月25日星期三')
    expect(zh.text).toContain('运单号 SF1234567890')
    const tw = renderer.render('delayed-shipment', 'zh-TW', fullVars())
    expect(tw.text).toContain('追蹤編號 SF1234567890')
    const none = renderer.render('delayed-shipment', 'en', minimalVars())
    expect(none.subject).toBe("Your order is running late — we're sorry")
    expect(none.text).toContain("don't have a new delivery date yet")
  })

  it('long-dwell: product name, localized price, question and product links', () => {
    const en = renderer.render('long-dwell', 'en', fullVars())
    expect(en.subject).toContain('Linen Shirt')
    expect(en.text).toContain('CN¥29.90')
    expect(en.html).toContain('href="https://shop.example/p/P-77"')
    const zh = renderer.render('long-dwell', 'zh-CN', fullVars())
    expect(zh.text).toContain('¥29.90')
    expect(zh.text).toContain('「Linen Shirt」')
    const byId = fullVars()
    byId.event.properties = { product_id: 'P-77' }
    expect(renderer.render('long-dwell', 'en', byId).text).toContain('(item P-77)')
  })

  it('payment-failed: order, reason and retry link; checkout wording without an order', () => {
    const en = renderer.render('payment-failed', 'en', fullVars())
    expect(en.subject).toBe("Your payment for order A-1001 didn't go through")
    expect(en.text).toContain('The reason we were given: card_declined')
    expect(en.html).toContain('href="https://shop.example/pay/A-1001"')
    const checkout = fullVars({ order: undefined })
    checkout.event.properties = { checkout_id: 'co-9' }
    const out = renderer.render('payment-failed', 'zh-TW', checkout)
    expect(out.subject).toBe('您的付款未成功')
    expect(out.text).toContain('結帳')
    expect(out.text).not.toContain('原因')
  })

  it('abandoned-checkout: lists products with quantity and price, the total and the checkout link', () => {
    const en = renderer.render('abandoned-checkout', 'en', fullVars())
    expect(en.text).toContain('- Linen Shirt: 2 x CN¥29.90')
    expect(en.text).toContain('- Cotton Socks: 1 x CN¥29.90')
    expect(en.text).toContain('Total: CN¥89.70')
    expect(en.html).toContain('href="https://shop.example/checkout/co-9"')
    const usd = fullVars()
    usd.event.properties = { currency: 'USD', value: 1234.5, products: [{ product_id: 'SKU-1' }, { name: 'Mug', quantity: 3 }] }
    const out = renderer.render('abandoned-checkout', 'en', usd)
    expect(out.text).toContain('- SKU-1\n- Mug (qty 3)')
    expect(out.text).toContain('Total: $1,234.50')
    expect(renderer.render('abandoned-checkout', 'zh-TW', usd).text).toContain('總計：US$1,234.50')
  })
})

describe('locale fallback', () => {
  it.each([
    ['zh-CN', 'zh-CN'],
    ['zh-TW', 'zh-TW'],
    ['zh-Hans-CN', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['zh-SG', 'zh-CN'],
    ['zh-HK', 'zh-TW'],
    ['zh-MO', 'zh-TW'],
    ['zh-Hant', 'zh-TW'],
    ['zh_TW', 'zh-TW'],
    ['en-GB', 'en'],
    ['fr-FR', 'en'],
    ['', 'en'],
    ['not a locale!', 'en'],
  ])('%s renders the %s template', (requested, expected) => {
    expect(renderer.render('delayed-shipment', requested, fullVars()).locale).toBe(expected)
  })

  it('formats dates in the shopper’s own variant of the template language', () => {
    expect(renderer.render('delayed-shipment', 'en-GB', fullVars()).text).toContain('Wednesday, 25 November 2026')
    expect(renderer.render('delayed-shipment', 'fr', fullVars()).text).toContain('Wednesday, November 25, 2026')
  })

  it('any locale string renders some shipped locale without throwing', () => {
    fc.assert(
      fc.property(fc.string(), (locale) => {
        expect(LOCALES).toContain(renderer.render('long-dwell', locale, fullVars()).locale)
      }),
      { numRuns: 200 },
    )
  })
})

describe('safety', () => {
  it('escapes HTML in variables in the HTML part, and keeps the text part literal', () => {
    const vars = fullVars()
    vars.customer.name = 'Mei <img src=x onerror=alert(1)>'
    vars.event.properties.name = '<script>alert("x")</script> & Co'
    for (const id of SHIPPED) {
      const out = renderer.render(id, 'en', vars)
      expect(out.html).not.toContain('<script>')
      expect(out.html).not.toContain('<img src=x')
      expect(out.html).toContain('Mei &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;')
    }
    const dwell = renderer.render('long-dwell', 'en', vars)
    expect(dwell.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co')
    expect(dwell.text).toContain('<script>alert("x")</script> & Co')
  })

  it('drops links that are not web, mail or phone links', () => {
    const vars = fullVars()
    vars.links.talkToPerson = 'javascript:alert(1)'
    vars.links.product = 'data:text/html,<b>x</b>'
    vars.links.unsubscribe = '" onmouseover="alert(1)'
    const out = renderer.render('long-dwell', 'en', vars)
    expect(out.html).not.toMatch(/javascript:|data:text|onmouseover/)
    expect(out.text).not.toMatch(/javascript:|data:text|onmouseover/)
  })

  it('gives templates no access to prototypes', () => {
    const dir = templateDir({
      'probe/en.hbs': sections(
        'x',
        '[{{constructor.name}}][{{__proto__.constructor.name}}][{{customer.constructor.name}}][{{event.properties.toString}}]' +
          '[{{#with __proto__}}proto{{/with}}][{{lookup customer "constructor"}}][{{customer.__defineGetter__}}]',
        '[{{constructor.name}}][{{customer.__proto__}}]',
      ),
    })
    const out = createTemplateRenderer({ dir }).render('probe', 'en', fullVars())
    expect(out.html.trim()).toBe('[][][][][][][]')
    expect(out.text).toBe('[][]')
  })

  it('uses its own Handlebars environment', () => {
    Handlebars.registerHelper('formatDate', () => 'HIJACKED')
    Handlebars.registerPartial('footer-html', 'HIJACKED')
    try {
      const out = createTemplateRenderer().render('delayed-shipment', 'en', fullVars())
      expect(out.html).not.toContain('HIJACKED')
    } finally {
      Handlebars.unregisterHelper('formatDate')
      Handlebars.unregisterPartial('footer-html')
    }
  })
})

describe('renderer', () => {
  it('throws PermanentSendError for unknown or malformed template ids', () => {
    for (const id of ['no-such-template', '../email', '_shared', '', 'A']) {
      expect(() => renderer.render(id, 'en', fullVars())).toThrow(PermanentSendError)
    }
    expect(() => renderer.render('no-such-template', 'en', fullVars())).toThrow(/unknown email template "no-such-template"/)
  })

  it('falls back to en when the template lacks the locale, and works without a layout', () => {
    const dir = templateDir({ 'only-en/en.hbs': sections('Hi {{customer.name}}', '<p>{{customer.name}}</p>') })
    const out = createTemplateRenderer({ dir }).render('only-en', 'zh-TW', fullVars())
    expect(out).toEqual({ subject: 'Hi Mei Lin', html: '<p>Mei Lin</p>\n', text: 'text', locale: 'en' })
  })

  it('compiles a template once and serves it from cache', () => {
    const dir = templateDir({ 'cached/en.hbs': sections('first', 'first') })
    const cached = createTemplateRenderer({ dir })
    expect(cached.render('cached', 'en', fullVars()).subject).toBe('first')
    writeFileSync(join(dir, 'cached/en.hbs'), sections('second', 'second'))
    expect(cached.render('cached', 'en', fullVars()).subject).toBe('first')
  })

  it('reports a template file with a missing section or a syntax error as permanent', () => {
    const dir = templateDir({
      'no-text/en.hbs': '{{!-- @subject --}}\nx\n{{!-- @html --}}\ny\n',
      'bad-syntax/en.hbs': sections('{{#if x}}unclosed', 'y'),
    })
    const r = createTemplateRenderer({ dir })
    expect(() => r.render('no-text', 'en', fullVars())).toThrow(/missing section \{\{!-- @text --\}\}/)
    expect(() => r.render('bad-syntax', 'en', fullVars())).toThrow(PermanentSendError)
  })

  it('never leaks undefined whatever optional variables are missing', () => {
    const full = fullVars()
    const optionalOrder = fc.option(fc.subarray(Object.keys(full.order ?? {})), { nil: undefined })
    const props = fc.subarray(Object.keys(full.event.properties))
    const links = fc.subarray(Object.keys(full.links))
    fc.assert(
      fc.property(
        fc.constantFrom(...SHIPPED),
        fc.constantFrom(...LOCALES),
        optionalOrder,
        props,
        links,
        fc.boolean(),
        (id, locale, orderKeys, propKeys, linkKeys, withName) => {
          const pick = (obj: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, obj[k]]))
          const vars: MessageVars = {
            ...full,
            customer: { ...full.customer, ...(withName ? {} : { name: undefined }) },
            event: { ...full.event, properties: pick(full.event.properties, propKeys) },
            links: pick(full.links, linkKeys) as Record<string, string>,
          }
          if (orderKeys === undefined) delete vars.order
          else vars.order = pick(full.order ?? {}, orderKeys)
          const out = renderer.render(id, locale, vars)
          for (const part of [out.subject, out.html, out.text]) expect(part).not.toMatch(LEAKS)
        },
      ),
      { numRuns: 300 },
    )
  })
})
