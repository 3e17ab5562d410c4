// The embedded stores' disk full for CARELOOP_OUTAGE_MS (default 60 s) while a shop keeps sending:
// the data folder is a small tmpfs of its own, filled to the last byte and freed again. Ingest
// refuses what it cannot make durable (503 + Retry-After), and afterwards every accepted event's
// effects appear exactly once. Needs root (mount); skipped otherwise.
import { execFileSync } from 'node:child_process'
import { appendFileSync, cpSync, mkdtempSync, rmSync, statfsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, inject, it } from 'vitest'
import { startEngine, type TestEngine } from '../../support/careloop.ts'
import { startMailSink, type MailSink } from '../../support/smtp.ts'
import { runOutage } from './scenario.ts'
import { outageMs } from './traffic.ts'

const isRoot = process.getuid?.() === 0

/** Fills the file system holding `dir` until writes fail with ENOSPC; returns the filler's path. */
function fill(dir: string): string {
  const filler = join(dir, 'filler')
  const { bavail, bsize } = statfsSync(dir)
  // Leave a margin: the stores keep writing while we measure.
  execFileSync('fallocate', ['-l', String(Math.max(0, bavail * bsize - (4 << 20))), filler])
  // Whatever the stores wrote meanwhile may have left a few blocks: take them too.
  for (const size of [65_536, 4096, 1]) {
    try {
      for (;;) appendFileSync(filler, Buffer.alloc(size))
    } catch {
      // ENOSPC: next, smaller size
    }
  }
  return filler
}

describe.skipIf(!isRoot)('embedded stores: disk full', () => {
  let mount: string
  let mail: MailSink
  let engine: TestEngine | undefined

  beforeAll(async () => {
    mount = mkdtempSync(join(tmpdir(), 'careloop-disk-'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512m', 'tmpfs', mount])
    cpSync(inject('pgTemplateDir'), join(mount, 'ops'), { recursive: true })
    mail = await startMailSink()
  })
  afterAll(async () => {
    await engine?.app.stop().catch(() => undefined)
    await mail?.close()
    if (mount) {
      execFileSync('umount', ['-l', mount])
      rmSync(mount, { recursive: true, force: true })
    }
  })

  it('refuses ingest while full, loses nothing accepted and sends nothing twice', async () => {
    engine = await startEngine({ dataDir: mount, smtpUrl: mail.url })
    await engine.app.start()
    let filler: string | undefined
    await runOutage({
      prefix: 'disko',
      engine,
      mail,
      ingestRefused: true,
      fault: {
        async down() {
          filler = fill(mount)
        },
        async up() {
          if (filler) rmSync(filler)
        },
      },
    })
  }, outageMs() + 420_000)
})
