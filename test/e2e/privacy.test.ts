// Export and erase on request (docs/privacy.md), embedded stores (PGlite + chDB): mail goes to the
// pickup folder, so erasing it is part of what is checked.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { startEngine, type TestEngine } from '../support/careloop.ts'
import { exportThenErase } from '../support/privacyScenario.ts'

const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0, 0))
let engine: TestEngine

beforeAll(async () => {
  engine = await startEngine({ clock })
})
afterAll(async () => {
  await engine?.app.stop()
})

function mailFiles(): string[] {
  const dir = join(engine.config.dataDir, 'mail')
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')).map((f) => readFileSync(join(dir, f), 'utf8')) : []
}

describe('privacy: export, erase, suppression (embedded)', () => {
  it('a shopper with events, an email and a task is exported whole, then erased from every store, and stays erased', async () => {
    await exportThenErase({
      engine,
      clock,
      mailsTo: (address) => mailFiles().filter((text) => text.includes(address)).length,
      historyText: async () => JSON.stringify(await engine.app.history.eventsBetween(0, Number.MAX_SAFE_INTEGER, 100_000)),
    })
  })
})
