// `careloop backtest` through the bin, on the embedded stores a real engine wrote and then released:
// the candidate fires where the stored history says it should, bad input exits 2 with the reason.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { startEngine } from '../support/careloop.ts'
import { freshDataDir } from '../support/stores.ts'

const run = promisify(execFile)
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'careloop.js')
const DAY = 86_400_000
const P0 = Date.UTC(2026, 2, 2, 12)

const returned = (userId: string, day: number) => ({ type: 'track', messageId: `cli-bt-${userId}-${day}`, userId, event: 'Return Requested', properties: { order_id: `o-${userId}-${day}` }, timestamp: new Date(P0 + day * DAY).toISOString() })

const candidate = `id: returns-twice
name: Second return in 60 days
triggers: [{ event: Return Requested, entity: order_id }]
when: { count: { event: Return Requested, within: 60d }, gte: 2 }
actions: [{ task: { queue: returns-care, priority: normal, sla: 24h } }]
`

async function cli(args: string[], dataDir: string) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, CARELOOP_DATA_DIR: dataDir }, maxBuffer: 16 << 20 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

const dataDir = freshDataDir()
const ruleFile = join(dataDir, 'candidate.yaml')

beforeAll(async () => {
  const engine = await startEngine({ clock: new ManualClock(P0 + 90 * DAY), dataDir })
  try {
    // A: two returns 10 days apart (fires on the second); C: one return (never).
    const res = await engine.ingest([returned('A', 1), returned('A', 11), returned('C', 5)])
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    await engine.app.tick()
  } finally {
    await engine.app.stop()
  }
  writeFileSync(ruleFile, candidate)
}, 120_000)
afterAll(() => undefined)

describe('careloop backtest', () => {
  it('reports the candidate over the stored period', async () => {
    const out = await cli(['backtest', ruleFile, '--from', new Date(P0).toISOString(), '--to', new Date(P0 + 30 * DAY).toISOString(), '--json'], dataDir)
    expect(out.code, out.stderr).toBe(0)
    const report = JSON.parse(out.stdout)
    expect(report.rule).toMatchObject({ id: 'returns-twice', replaces: null })
    expect(report.events).toBe(3)
    expect(report.fires.total).toBe(1)
    expect(report.fires.byQueue).toEqual({ 'returns-care': 1 })
    expect(out.stderr).toMatch(/progress: 100%/)

    const summary = await cli(['backtest', ruleFile, '--to', new Date(P0 + 3 * DAY).toISOString(), '--days', '3'], dataDir)
    expect(summary.code, summary.stderr).toBe(0)
    expect(summary.stdout).toMatch(/^fires: 0 moments/m)
    // A's first return is the period's one event: the count condition never held.
    expect(summary.stdout).toMatch(/^no event met \/when$/m)
    expect(summary.stdout).toMatch(/^ {2}\/when: held for 0 of 1 events$/m)
  }, 180_000)

  it('exits 2 with the reason on bad input', async () => {
    for (const [args, reason] of [
      [['backtest'], /exactly one rule file/],
      [['backtest', ruleFile, '--from', 'yesterday'], /--from must be an ISO date/],
      [['backtest', ruleFile, '--days', '0'], /--days must be a whole number/],
      [['backtest', join(dataDir, 'missing.yaml')], /cannot read the rule/],
      [['backtest', ruleFile, '--bogus'], /Unknown option/],
    ] as const) {
      const out = await cli([...args], dataDir)
      expect(out.code, out.stderr).toBe(2)
      expect(out.stderr).toMatch(reason)
    }
    const help = await cli(['backtest', '--help'], dataDir)
    expect(help.stdout).toContain('Usage: careloop backtest RULE_FILE')
  }, 240_000)
})
