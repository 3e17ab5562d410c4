// SMS, push, voice and in-app templates: the shipped content in every locale, fallback, the SMS
// length budget and footer, and the loader rules they share with email.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { CHANNEL_SPECS } from '../../src/channels/templates/specs.ts'
import { createChannelRenderer, createTemplateRenderer, type ContentChannel } from '../../src/channels/templates/index.ts'
import { PermanentSendError } from '../../src/channels/types.ts'
import type { MessageVars } from '../../src/model/outbox.ts'
import { fullVars, LEAKS, minimalVars } from './support/messages.ts'

const CARE = ['abandoned-checkout', 'delayed-shipment', 'long-dwell', 'payment-failed']
const SHIPPED: Record<ContentChannel, string[]> = { sms: CARE, push: CARE, inapp: CARE, voice: ['delayed-shipment', 'payment-failed'] }
const REQUIRED: Record<ContentChannel, string[]> = { sms: ['text'], push: ['title', 'body'], voice: ['say'], inapp: ['title', 'body'] }
const LOCALES = ['en', 'zh-CN', 'zh-TW']
const CHANNELS = Object.keys(SHIPPED) as ContentChannel[]
const renderers = Object.fromEntries(CHANNELS.map((c) => [c, createChannelRenderer(c)])) as Record<ContentChannel, ReturnType<typeof createChannelRenderer>>

const tempDirs: string[] = []
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
})

function templateDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'careloop-ch-tpl-'))
  tempDirs.push(dir)
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  return dir
}

/** A shopper as the dispatcher sends to: decision links plus the preferences link it adds. */
function typicalVars(): MessageVars {
  const vars = fullVars()
  vars.links.preferences = 'https://care.shop.example/l/p/eyJjIjoiY3VzdC0xIn0.sig'
  return vars
}

const beforeLinks = (text: string): string => text.slice(0, text.search(/https?:\/\//) === -1 ? undefined : text.search(/https?:\/\//)).trim()

describe('shipped channel templates', () => {
  for (const channel of CHANNELS) {
    it(`${channel}: ships ${SHIPPED[channel].join(', ')} in en, zh-CN and zh-TW`, () => {
      expect(renderers[channel].templateIds()).toEqual(SHIPPED[channel])
      for (const id of SHIPPED[channel]) expect(renderers[channel].locales(id)).toEqual(LOCALES)
    })
    for (const id of SHIPPED[channel]) {
      for (const locale of LOCALES) {
        it(`${channel}/${id} renders in ${locale} with every variable and with none of the optional ones`, () => {
          for (const vars of [typicalVars(), minimalVars(locale)]) {
            const out = renderers[channel].render(id, locale, vars)
            expect(out.locale).toBe(locale)
            for (const name of REQUIRED[channel]) expect(out.parts[name]?.length ?? 0).toBeGreaterThan(5)
            expect(Object.keys(out.parts).every((k) => k in CHANNEL_SPECS[channel].sections)).toBe(true)
            for (const part of Object.values(out.parts)) {
              expect(part).not.toMatch(LEAKS)
              expect(part).not.toMatch(/\{\{|\}\}/)
            }
            for (const one of ['title', 'cta']) expect(out.parts[one] ?? '').not.toMatch(/\n/)
          }
        })
      }
    }
  }

  it.each([
    ['fr', 'en'],
    ['en-GB', 'en'],
    ['zh-HK', 'zh-TW'],
    ['zh_TW', 'zh-TW'],
    ['zh-SG', 'zh-CN'],
    ['', 'en'],
  ])('%s falls back to the %s template on every channel', (requested, expected) => {
    for (const channel of CHANNELS) expect(renderers[channel].render('delayed-shipment', requested, typicalVars()).locale).toBe(expected)
  })

  it('never leaks undefined whatever optional variables are missing', () => {
    const full = typicalVars()
    const pick = (obj: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, obj[k]]))
    fc.assert(
      fc.property(
        fc.constantFrom(...CHANNELS.flatMap((c) => SHIPPED[c].map((id) => [c, id] as const))),
        fc.constantFrom(...LOCALES),
        fc.option(fc.subarray(Object.keys(full.order ?? {})), { nil: undefined }),
        fc.subarray(Object.keys(full.event.properties)),
        fc.subarray(Object.keys(full.links)),
        fc.boolean(),
        ([channel, id], locale, orderKeys, propKeys, linkKeys, withName) => {
          const vars: MessageVars = {
            ...full,
            customer: { ...full.customer, ...(withName ? {} : { name: undefined }) },
            event: { ...full.event, properties: pick(full.event.properties, propKeys) },
            links: pick(full.links, linkKeys) as Record<string, string>,
          }
          if (orderKeys === undefined) delete vars.order
          else vars.order = pick(full.order ?? {}, orderKeys)
          for (const part of Object.values(renderers[channel].render(id, locale, vars).parts)) expect(part).not.toMatch(LEAKS)
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('sms', () => {
  const sms = renderers.sms

  it('delayed-shipment (en) for a typical shopper: the message, then the links, then the opt-out line', () => {
    expect(sms.render('delayed-shipment', 'en', typicalVars()).parts.text).toBe(
      [
        "Acme Home: Hi Mei Lin, we're sorry: your order A-1001 is running late. New estimate: Nov 25, 2026. We're here if you need us.",
        'Track it: https://track.example/SF1234567890',
        'Talk to a person: https://shop.example/care/talk?c=cust-1',
        'Stop or manage texts: https://care.shop.example/l/p/eyJjIjoiY3VzdC0xIn0.sig',
      ].join('\n'),
    )
  })

  it.each(CARE)('%s (en) stays within one 160-character GSM-7 segment before the links', (id) => {
    const text = sms.render(id, 'en', typicalVars()).parts.text ?? ''
    const message = beforeLinks(text)
    expect(message.length).toBeGreaterThan(40)
    expect(message.length).toBeLessThanOrEqual(160)
    // Curly quotes or dashes would switch the whole text to UCS-2 (70 characters a segment).
    expect(message).toMatch(/^[A-Za-z0-9 @£$¥.,:;!?'"()\-+&%#*/=<>\n]*$/)
    expect(text).toContain('https://shop.example/care/talk?c=cust-1')
  })

  it('ends every text with an opt-out hint: the preferences link when there is one, else reply STOP', () => {
    const withLink = sms.render('payment-failed', 'zh-CN', typicalVars()).parts.text ?? ''
    expect(withLink.split('\n').at(-1)).toBe('退订或管理短信：https://care.shop.example/l/p/eyJjIjoiY3VzdC0xIn0.sig')
    expect(sms.render('payment-failed', 'en', minimalVars()).parts.text?.split('\n').at(-1)).toBe('Reply STOP to opt out.')
    expect(sms.render('long-dwell', 'zh-HK', minimalVars()).parts.text?.split('\n').at(-1)).toBe('回覆 STOP 取消訂閱')
  })

  it('payment-failed names the order and links the retry page; without one, the shop', () => {
    expect(sms.render('payment-failed', 'en', typicalVars()).parts.text).toContain('for order A-1001 didn\'t go through')
    expect(sms.render('payment-failed', 'en', typicalVars()).parts.text).toContain('Try again: https://shop.example/pay/A-1001')
    expect(sms.render('payment-failed', 'en', minimalVars()).parts.text).toContain('Try again: https://shop.example/')
  })

  it('keeps text literal: no HTML escaping in a plain-text channel', () => {
    const vars = typicalVars()
    vars.shop = { name: 'Tom & Jerry <Home>', url: 'https://shop.example' }
    expect(sms.render('delayed-shipment', 'en', vars).parts.text).toMatch(/^Tom & Jerry <Home>: /)
  })
})

describe('push, in-app and voice', () => {
  it('push: a one-line title and a body without links', () => {
    const out = renderers.push.render('delayed-shipment', 'en', typicalVars())
    expect(out.parts).toEqual({
      title: 'Order A-1001 is running late',
      body: "We're sorry for the wait. New estimate: Nov 25, 2026. If the delay causes you any trouble, a person on our team is here to help.",
    })
    for (const id of CARE) expect(renderers.push.render(id, 'en', typicalVars()).parts.body).not.toMatch(/https?:/)
  })

  it('in-app: a button label only when its link exists', () => {
    const full = renderers.inapp.render('payment-failed', 'zh-TW', typicalVars())
    expect(full.parts.cta).toBe('重新付款')
    const none = renderers.inapp.render('payment-failed', 'en', minimalVars())
    expect(none.parts).not.toHaveProperty('cta')
    expect(none.parts.title).toBe("Your payment didn't go through")
    expect(renderers.inapp.render('abandoned-checkout', 'en', typicalVars()).parts.body).toContain('Linen Shirt, Cotton Socks. Total: CN¥89.70.')
  })

  it('voice: says who is calling and why, and how to reach a person, with no links', () => {
    for (const id of SHIPPED.voice) {
      const say = renderers.voice.render(id, 'en', typicalVars()).parts.say ?? ''
      expect(say).toMatch(/^Hello Mei Lin\. This is the customer care team at Acme Home, calling about your (order|payment for order) A-1001\./)
      // Staying on the line is offered only when the call is put through to a care line.
      expect(say).not.toContain('stay on the line')
      expect(say).toContain('a person on our team will help')
      expect(say).not.toMatch(/https?:/)
      const connected = renderers.voice.render(id, 'en', { ...typicalVars(), call: { connectsToPerson: true } } as never).parts.say ?? ''
      expect(connected).toContain('stay on the line')
    }
    expect(renderers.voice.render('delayed-shipment', 'en', typicalVars()).parts.say).toContain('expects it by Wednesday, November 25, 2026')
    expect(renderers.voice.render('payment-failed', 'zh-CN', minimalVars('zh-CN')).parts.say).toContain('来电是关于您的付款')
  })
})

describe('safety and loading', () => {
  it('gives channel templates no access to prototypes', () => {
    const dir = templateDir({
      'probe/en.hbs':
        '{{!-- @title --}}\nt[{{constructor}}][{{constructor.name}}][{{__proto__}}][{{customer.__proto__.constructor}}]\n' +
        '{{!-- @body --}}\nb[{{lookup customer "constructor"}}][{{#with __proto__}}proto{{/with}}][{{event.properties.toString}}]\n',
    })
    const out = createChannelRenderer('push', { dir }).render('probe', 'en', fullVars())
    expect(out.parts).toEqual({ title: 't[][][][]', body: 'b[][][]' })
  })

  it('still escapes HTML in email', () => {
    const vars = fullVars()
    vars.customer.name = 'Mei <img src=x onerror=alert(1)>'
    const out = createTemplateRenderer().render('delayed-shipment', 'en', vars)
    expect(out.html).not.toContain('<img src=x')
    expect(out.html).toContain('Mei &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;')
    expect(out.text).toContain('Mei <img src=x onerror=alert(1)>')
  })

  it('fails to load a file with a missing or an unknown section, naming the file', () => {
    const dir = templateDir({
      'no-body/en.hbs': '{{!-- @title --}}\nHello\n',
      'extra/en.hbs': '{{!-- @title --}}\nHello\n{{!-- @body --}}\nBody\n{{!-- @html --}}\n<p>x</p>\n',
      'bad-syntax/en.hbs': '{{!-- @title --}}\n{{#if x}}open\n{{!-- @body --}}\nBody\n',
    })
    const push = createChannelRenderer('push', { dir })
    expect(() => push.render('no-body', 'en', fullVars())).toThrow(PermanentSendError)
    expect(() => push.render('no-body', 'en', fullVars())).toThrow(`push template "no-body" is broken: ${join(dir, 'no-body', 'en.hbs')}: missing section {{!-- @body --}}`)
    expect(() => push.render('extra', 'en', fullVars())).toThrow(`${join(dir, 'extra', 'en.hbs')}: unknown section @html (push templates have @title, @body)`)
    expect(() => push.render('bad-syntax', 'en', fullVars())).toThrow(/push template "bad-syntax" is broken: .*bad-syntax\/en\.hbs@title/)
    expect(push.locales('extra')).toEqual([])
  })

  it('fails at creation on a layout for a section the channel does not have', () => {
    const dir = templateDir({ '_shared/layout.html.hbs': '{{@body}}', 'x/en.hbs': '{{!-- @text --}}\nx\n' })
    expect(() => createChannelRenderer('sms', { dir })).toThrow(`${join(dir, '_shared', 'layout.html.hbs')}: sms templates have no section @html (they have @text)`)
  })

  it('names the channel for an unknown template, and rejects a channel without templates', () => {
    expect(() => renderers.voice.render('long-dwell', 'en', fullVars())).toThrow('unknown voice template "long-dwell"')
    expect(() => renderers.sms.render('../email', 'en', fullVars())).toThrow(PermanentSendError)
    expect(() => createChannelRenderer('fax' as ContentChannel)).toThrow(/no content templates for channel "fax"/)
  })

  it('fails a render whose required section comes out empty, and drops an empty optional one', () => {
    const dir = templateDir({
      'blank/en.hbs': '{{!-- @title --}}\n{{customer.nickname}}\n{{!-- @body --}}\nBody\n',
      'no-cta/en.hbs': '{{!-- @title --}}\nT\n{{!-- @body --}}\nB\n{{!-- @cta --}}\n{{#if links.nothing}}Go{{/if}}\n',
    })
    const inapp = createChannelRenderer('inapp', { dir })
    expect(() => inapp.render('blank', 'en', fullVars())).toThrow('inapp template "blank" (en) failed to render: section @title rendered empty')
    expect(inapp.render('no-cta', 'en', fullVars()).parts).toEqual({ title: 'T', body: 'B' })
  })

  it('uses shared partials and section layouts; a layout gets its section as @body and the others by name', () => {
    const dir = templateDir({
      '_shared/common.hbs': '{{!-- @sig --}}\n— {{shop.name}}\n',
      '_shared/locales/en.hbs': '{{!-- @hello --}}\nHi {{customer.name}}\n',
      '_shared/locales/zh-TW.hbs': '{{!-- @hello --}}\n{{customer.name}} 您好\n',
      '_shared/layout.body.hbs': '[{{@title}}]\n{{@body}}\n{{> sig}}\n',
      'hi/en.hbs': '{{!-- @title --}}\n{{> hello}}\n{{!-- @body --}}\nWelcome & more\n',
      'tw/zh-TW.hbs': '{{!-- @title --}}\n{{> hello}}\n{{!-- @body --}}\n歡迎\n',
    })
    const push = createChannelRenderer('push', { dir })
    expect(push.render('hi', 'en', fullVars()).parts).toEqual({ title: 'Hi Mei Lin', body: '[Hi Mei Lin]\nWelcome & more\n— Acme Home' })
    // Partials follow the template's locale: an English fallback does not get a Chinese greeting.
    expect(push.render('hi', 'zh-HK', fullVars())).toEqual({ locale: 'en', parts: { title: 'Hi Mei Lin', body: '[Hi Mei Lin]\nWelcome & more\n— Acme Home' } })
    expect(push.render('tw', 'zh-HK', fullVars())).toEqual({ locale: 'zh-TW', parts: { title: 'Mei Lin 您好', body: '[Mei Lin 您好]\n歡迎\n— Acme Home' } })
  })
})
