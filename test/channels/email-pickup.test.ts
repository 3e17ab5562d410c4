// Without SMTP the sender writes complete .eml files into a pickup directory.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { simpleParser } from 'mailparser'
import { afterAll, describe, expect, it } from 'vitest'
import { createEmailSender, messageIdFor } from '../../src/channels/email/index.ts'
import { PermanentSendError } from '../../src/channels/types.ts'
import { emailMessage } from './support/messages.ts'

const FROM = 'care@acme.example'
const root = mkdtempSync(join(tmpdir(), 'careloop-pickup-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('email sender with a pickup directory', () => {
  it('writes one parseable RFC 5322 message per send, named after the idempotency key', async () => {
    const dir = join(root, 'a', 'mail') // created on first send
    const sender = createEmailSender({ from: FROM, pickupDir: dir })
    expect(sender.mode).toBe('pickup')
    const message = emailMessage({ locale: 'zh-TW' })
    const result = await sender.send(message)
    const files = readdirSync(dir)
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/^[0-9a-f]{32}\.eml$/)
    expect(result.detail).toBe(`pickup ${join(dir, files[0]!)}`)

    const raw = readFileSync(join(dir, files[0]!))
    expect(raw.toString()).toContain('\r\n')
    expect(raw.toString()).not.toMatch(/[^\r]\n/)
    const parsed = await simpleParser(raw)
    expect(parsed.messageId).toBe(messageIdFor(message.idempotencyKey, FROM))
    expect(result.providerMessageId).toBe(parsed.messageId)
    expect(parsed.subject).toBe('很抱歉，您的訂單 A-1001 配送延誤了')
    expect(parsed.html).toContain('<html lang="zh-TW">')
    expect(parsed.text).toContain('追蹤編號 SF1234567890')
    expect(parsed.headers.get('x-careloop-idempotency-key')).toBe(message.idempotencyKey)
    expect(parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click')
    await sender.close()
  })

  it('replaces the file on a retried send instead of adding a duplicate, and leaves no temp files', async () => {
    const dir = join(root, 'b')
    const sender = createEmailSender({ from: FROM, pickupDir: dir })
    await sender.send(emailMessage())
    await sender.send(emailMessage())
    await sender.send(emailMessage({ idempotencyKey: 'another-key' }))
    expect(readdirSync(dir)).toHaveLength(2)
    expect(readdirSync(dir).every((f) => f.endsWith('.eml'))).toBe(true)
    await sender.close()
  })

  it('fails permanently without writing when there is no address', async () => {
    const dir = join(root, 'c')
    const sender = createEmailSender({ from: FROM, pickupDir: dir })
    await expect(sender.send(emailMessage({ to: { name: 'No Address' } }))).rejects.toThrow(new PermanentSendError('no email address'))
    expect(() => readdirSync(dir)).toThrow(/ENOENT/)
  })

  it('treats an unwritable pickup directory as transient', async () => {
    // A regular file where a parent directory should be: mkdir fails with ENOTDIR.
    const blocker = join(root, 'blocker')
    writeFileSync(blocker, 'not a directory')
    const sender = createEmailSender({ from: FROM, pickupDir: join(blocker, 'mail') })
    const err = await sender.send(emailMessage()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect(err).not.toBeInstanceOf(PermanentSendError)
    expect((err as Error).message).toMatch(/could not write to pickup directory .*ENOTDIR/)
  })

  it('rejects bad configuration at startup', () => {
    expect(() => createEmailSender({ from: '' })).toThrow(/from address is required/)
    expect(() => createEmailSender({ from: 'Acme Care' })).toThrow(/not a valid address/)
    expect(() => createEmailSender({ from: FROM, smtpUrl: 'http://example.com' })).toThrow(/smtp: or smtps:/)
    expect(() => createEmailSender({ from: FROM, smtpUrl: 'not a url' })).toThrow(/not a valid URL/)
  })
})
