// Embedded mode without an SMTP server: each email becomes a complete RFC 5322 message in a
// "pickup directory" (the convention IIS and Exchange use), which any mail client can open.
// nodemailer's stream transport builds the exact bytes an SMTP server would have received.
import { randomUUID } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'
import { classifySendError } from './errors.ts'
import { idempotencyDigest } from './message.ts'
import type { MailTransport } from './transport.ts'

/**
 * Writes via a temp file and rename, so a reader never sees half a message and a crash leaves at
 * worst a stray ".tmp" file. The name comes from the idempotency key: a retried send replaces the
 * earlier file instead of adding a duplicate.
 */
async function writeAtomically(dir: string, name: string, bytes: Buffer): Promise<string> {
  await mkdir(dir, { recursive: true })
  const target = join(dir, name)
  const temp = join(dir, `.${name}.${randomUUID()}.tmp`)
  try {
    const handle = await open(temp, 'wx', 0o644)
    try {
      await handle.writeFile(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, target)
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
  return target
}

export function createPickupTransport(dir: string): MailTransport {
  // CRLF line ends: the file is byte-for-byte what SMTP would carry.
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' })
  return {
    kind: 'pickup',
    async deliver(mail, digest) {
      let bytes: Buffer
      let messageId: string
      try {
        const info = await composer.sendMail(mail)
        if (!Buffer.isBuffer(info.message)) throw new Error('stream transport returned no buffer')
        bytes = info.message
        messageId = info.messageId
      } catch (err) {
        throw classifySendError(err)
      }
      try {
        const file = await writeAtomically(dir, `${digest}.eml`, bytes)
        return { providerMessageId: messageId, detail: `pickup ${file}` }
      } catch (err) {
        // A full disk or a permission problem: fixable without touching the message, so retry.
        throw new Error(`email: could not write to pickup directory ${dir}: ${(err as Error).message}`, { cause: err })
      }
    },
    async close() {
      composer.close()
    },
  }
}

/**
 * Erasure (docs/privacy.md): removes the .eml files of these messages (named by their idempotency
 * keys) and any other .eml holding one of `needles` (the shopper's address, phone, name). Returns
 * how many files went; a missing folder is an empty one.
 */
export async function erasePickupMail(dir: string, idempotencyKeys: readonly string[], needles: readonly string[]): Promise<number> {
  let names: string[]
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.eml'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw err
  }
  const named = new Set(idempotencyKeys.map((key) => `${idempotencyDigest(key)}.eml`))
  const texts = needles.filter((n) => n.length >= 3).map((n) => n.toLowerCase())
  let removed = 0
  for (const name of names) {
    const path = join(dir, name)
    if (!named.has(name)) {
      if (texts.length === 0) continue
      const mailText = (await readFile(path, 'utf8')).toLowerCase()
      if (!texts.some((t) => mailText.includes(t))) continue
    }
    await rm(path, { force: true })
    removed++
  }
  return removed
}
