// The email sender against a real SMTP server (smtp-server on loopback), read back with mailparser.
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import type { AddressObject } from 'mailparser'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ManualClock } from '../../src/lib/clock.ts'
import { loadConfig } from '../../src/config.ts'
import { createEmailSender, messageIdFor, type EmailSender } from '../../src/channels/email/index.ts'
import { PermanentSendError } from '../../src/channels/types.ts'
import { emailMessage, fullVars, minimalVars } from './support/messages.ts'
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from './support/smtpServer.ts'

const FROM = '"Acme Care" <care@acme.example>'
let smtp: TestSmtpServer
let sender: EmailSender
const extraSenders: EmailSender[] = []

beforeAll(async () => {
  smtp = await startSmtpServer()
  sender = createEmailSender({ smtpUrl: smtp.url, from: FROM, clock: new ManualClock(Date.UTC(2026, 10, 24, 12)) })
})
afterEach(() => {
  smtp.received.length = 0
  smtp.rejectRcpt = undefined
  smtp.rejectData = undefined
})
afterAll(async () => {
  for (const s of [sender, ...extraSenders]) await s.close()
  await smtp.close()
})

const header = (mail: ReceivedMail, name: string): string | undefined =>
  mail.parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line.replace(/^[^:]+:\s*/, '')
const toAddress = (mail: ReceivedMail): AddressObject => {
  const to = mail.parsed.to
  if (to === undefined || Array.isArray(to)) throw new Error('expected one To header')
  return to
}

describe('email sender over SMTP', () => {
  it('by default the shopper sees the shop\'s name as the sender, whatever characters it has', async () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom('Acme', 'Ana\'s "Corner" Shop', '花花小铺', 'a\\b <x@y>', 'Shop\r\nBcc: evil@example.com'), fc.string({ minLength: 1, maxLength: 20 })), (name) => {
        const from = loadConfig({ CARELOOP_SHOP_NAME: name }).mailFrom
        expect(from.endsWith('<care@careloop.localhost>') || from === 'care@careloop.localhost').toBe(true)
        expect(from).not.toMatch(/[\r\n]/)
      }),
      { seed: 1204, numRuns: 200 },
    )
    expect(loadConfig({ CARELOOP_SHOP_NAME: 'Acme', CARELOOP_MAIL_FROM: 'care@acme.example' }).mailFrom).toBe('care@acme.example')
    for (const name of ['Ana\'s "Corner" Shop', '花花小铺', 'a\\b <x@y>']) {
      const shopSender = createEmailSender({ smtpUrl: smtp.url, from: loadConfig({ CARELOOP_SHOP_NAME: name }).mailFrom, clock: new ManualClock(Date.UTC(2026, 10, 24, 12)) })
      extraSenders.push(shopSender)
      await shopSender.send(emailMessage())
      expect(smtp.received.at(-1)?.parsed.from?.value).toEqual([{ address: 'care@careloop.localhost', name }])
    }
  })

  it('delivers a multipart message to the shopper', async () => {
    const result = await sender.send(emailMessage())
    expect(smtp.received).toHaveLength(1)
    const mail = smtp.received[0]!
    expect(mail.rcptTo).toEqual(['mei@example.com'])
    expect(mail.mailFrom).toBe('care@acme.example')
    expect(toAddress(mail).value).toEqual([{ address: 'mei@example.com', name: 'Mei Lin' }])
    expect(mail.parsed.from?.value).toEqual([{ address: 'care@acme.example', name: 'Acme Care' }])
    expect(mail.parsed.subject).toBe("Your order A-1001 is running late — we're sorry")
    expect(mail.parsed.date?.toISOString()).toBe('2026-11-24T12:00:00.000Z')
    expect(mail.raw.toString()).toMatch(/Content-Type: multipart\/alternative/)
    expect(mail.parsed.html).toContain('<strong>A-1001</strong>')
    expect(mail.parsed.html).toContain('href="https://shop.example/care/talk?c&#x3D;cust-1"')
    expect(mail.parsed.text).toContain('The carrier now expects it by Wednesday, November 25, 2026.')
    expect(mail.parsed.text).toContain('Talk to a person: https://shop.example/care/talk?c=cust-1')
    expect(result.providerMessageId).toBe(mail.parsed.messageId)
    expect(result.detail).toMatch(/^250 /)
  })

  it('derives the Message-ID from the idempotency key, so a retried send carries the same one', async () => {
    const message = emailMessage()
    await sender.send(message)
    // A second process after a crash: a new sender instance, same message.
    const again = createEmailSender({ smtpUrl: smtp.url, from: FROM })
    extraSenders.push(again)
    await again.send(message)
    await sender.send(emailMessage({ idempotencyKey: 'rule-late:3:cust-1:evt-43:nudge-0' }))
    const ids = smtp.received.map((m) => m.parsed.messageId)
    expect(ids[0]).toBe(messageIdFor(message.idempotencyKey, FROM))
    expect(ids[0]).toMatch(/^<[0-9a-f]{32}@acme\.example>$/)
    expect(ids[1]).toBe(ids[0])
    expect(ids[2]).not.toBe(ids[0])
  })

  it('sets the idempotency and one-click unsubscribe headers', async () => {
    await sender.send(emailMessage())
    const mail = smtp.received[0]!
    expect(header(mail, 'X-Careloop-Idempotency-Key')).toBe('rule-late:3:cust-1:evt-42:nudge-0')
    expect(header(mail, 'List-Unsubscribe')).toBe('<https://shop.example/unsubscribe/tok-1>')
    expect(header(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click')
  })

  it('leaves out List-Unsubscribe when there is no unsubscribe link', async () => {
    await sender.send(emailMessage({ vars: minimalVars() }))
    const mail = smtp.received[0]!
    expect(header(mail, 'List-Unsubscribe')).toBeUndefined()
    expect(header(mail, 'List-Unsubscribe-Post')).toBeUndefined()
    expect(mail.parsed.text).not.toMatch(/undefined/)
    expect(mail.parsed.subject).toBe("Your order is running late — we're sorry")
  })

  it('renders zh-CN, zh-TW and falls back (zh-HK → zh-TW, zh-Hans-CN → zh-CN, fr → en)', async () => {
    const cases = [
      { locale: 'zh-CN', subject: '抱歉，您的订单 A-1001 配送延误了', text: '承运商最新预计包裹将在2026年11月25日星期三前送达。', lang: 'zh-CN' },
      { locale: 'zh-TW', subject: '很抱歉，您的訂單 A-1001 配送延誤了', text: '物流商最新預估包裹將於2026年11月25日星期三前送達。', lang: 'zh-TW' },
      { locale: 'zh-HK', subject: '很抱歉，您的訂單 A-1001 配送延誤了', text: '聯絡真人客服：https://shop.example/care/talk?c=cust-1', lang: 'zh-TW' },
      { locale: 'zh-Hans-CN', subject: '抱歉，您的订单 A-1001 配送延误了', text: '联系人工客服：https://shop.example/care/talk?c=cust-1', lang: 'zh-CN' },
      { locale: 'fr', subject: "Your order A-1001 is running late — we're sorry", text: 'Wednesday, November 25, 2026', lang: 'en' },
    ]
    for (const [i, c] of cases.entries()) {
      await sender.send(emailMessage({ locale: c.locale, idempotencyKey: `k-${i}` }))
      const mail = smtp.received[i]!
      expect(mail.parsed.subject).toBe(c.subject)
      expect(mail.parsed.text).toContain(c.text)
      expect(mail.parsed.html).toContain(`<html lang="${c.lang}">`)
    }
  })

  it('sends each of the four care templates', async () => {
    const templates = ['delayed-shipment', 'long-dwell', 'payment-failed', 'abandoned-checkout']
    for (const template of templates) await sender.send(emailMessage({ template, idempotencyKey: `t-${template}` }))
    expect(smtp.received.map((m) => m.parsed.subject)).toEqual([
      "Your order A-1001 is running late — we're sorry",
      "Still deciding on Linen Shirt? We're happy to help",
      "Your payment for order A-1001 didn't go through",
      'You left something in your checkout at Acme Home',
    ])
  })

  it('treats a 550 recipient rejection as permanent, and the pool keeps working afterwards', async () => {
    smtp.rejectRcpt = { code: 550, message: 'No such user here' }
    const err = await sender.send(emailMessage()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PermanentSendError)
    expect((err as Error).message).toMatch(/550/)
    expect(smtp.received).toHaveLength(0)
    smtp.rejectRcpt = undefined
    await sender.send(emailMessage())
    expect(smtp.received).toHaveLength(1)
  })

  it('treats a 554 rejection of the content as permanent', async () => {
    smtp.rejectData = { code: 554, message: 'Message rejected as spam' }
    await expect(sender.send(emailMessage())).rejects.toBeInstanceOf(PermanentSendError)
  })

  it('treats a 451 as transient', async () => {
    smtp.rejectRcpt = { code: 451, message: 'Greylisted, try again later' }
    const err = await sender.send(emailMessage()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect(err).not.toBeInstanceOf(PermanentSendError)
    expect((err as Error).message).toMatch(/451/)
  })

  it('treats an unreachable server as transient', async () => {
    // A port that was just free: nothing listens on it.
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const down = createEmailSender({ smtpUrl: `smtp://127.0.0.1:${port}`, from: FROM })
    extraSenders.push(down)
    const err = await down.send(emailMessage()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect(err).not.toBeInstanceOf(PermanentSendError)
    expect((err as Error).message).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/)
  })

  it('refuses a message without a usable address before talking to the server', async () => {
    await expect(sender.send(emailMessage({ to: {} }))).rejects.toThrow(new PermanentSendError('no email address'))
    await expect(sender.send(emailMessage({ to: { email: '  ' } }))).rejects.toThrow(/no email address/)
    for (const email of ['not-an-address', 'a@b', 'a@b.com, c@d.com', 'x@y.com\r\nBcc: z@w.com', 'a b@c.com']) {
      await expect(sender.send(emailMessage({ to: { email } }))).rejects.toBeInstanceOf(PermanentSendError)
    }
    expect(smtp.received).toHaveLength(0)
  })

  it('reports an unknown template as permanent', async () => {
    await expect(sender.send(emailMessage({ template: 'no-such-template' }))).rejects.toBeInstanceOf(PermanentSendError)
  })

  it('escapes shopper-supplied text in the delivered HTML', async () => {
    const vars = fullVars()
    vars.event.properties.name = '<script>alert(1)</script>'
    await sender.send(emailMessage({ template: 'long-dwell', vars }))
    const mail = smtp.received[0]!
    expect(mail.parsed.html).not.toContain('<script>')
    expect(mail.parsed.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(mail.parsed.subject).toBe("Still deciding on <script>alert(1)</script>? We're happy to help")
  })
})
