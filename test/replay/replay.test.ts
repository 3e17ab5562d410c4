// Replay: a generated 30-day trace through the sandbox is deterministic, and decides exactly what a
// real engine (chDB, HTTP ingest, tick()) decides when fed the same trace with an injected clock.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Careloop } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { generateTrace } from '../../src/demo/trace.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import type { DecisionLine } from '../../src/replay/lines.ts'
import { prepareTrace, replayTrace, toJsonl } from '../../src/replay/replay.ts'
import { recordingSenders, type RecordedSend } from '../../src/replay/senders.ts'
import { freshDataDir } from '../support/stores.ts'

const DAY = 86_400_000
const HORIZON = 2 * DAY
const WRITE_KEY = 'replay-write-key'
const SHOPPERS = 30
const generated = generateTrace({ seed: 11, shoppers: SHOPPERS })
/**
 * A shopper whose two parcels are late at the same moment (no out-for-delivery scan by local noon
 * on the estimated day): their two apologies go as one care digest, live and in replay.
 */
function twoLateParcels(): Array<Record<string, unknown>> {
  const shipped = Date.parse(String(generated[Math.floor(generated.length / 2)]?.timestamp))
  const eta = new Date(shipped + 2 * DAY).toISOString()
  const at = new Date(shipped).toISOString()
  const base = { userId: 'digest-shopper', timestamp: at }
  return [
    { type: 'identify', messageId: 'digest-shopper-id', ...base, traits: { email: 'digest-shopper@example.com', timezone: 'UTC', locale: 'en' } },
    { type: 'track', messageId: 'digest-shopper-o1', ...base, event: 'Order Shipped', properties: { order_id: 'DG-1', estimated_delivery_at: eta } },
    { type: 'track', messageId: 'digest-shopper-o2', ...base, event: 'Order Shipped', properties: { order_id: 'DG-2', estimated_delivery_at: eta } },
  ]
}
const trace = [...generated, ...twoLateParcels()]

let first: { lines: DecisionLine[]; ms: number }

beforeAll(async () => {
  const started = Date.now()
  const result = await replayTrace(trace, { horizonMs: HORIZON })
  first = { lines: result.lines, ms: Date.now() - started }
  console.log(`replayed ${trace.length} events of ${SHOPPERS} shoppers over 30 days in ${first.ms} ms: ${result.lines.length} decisions`)
}, 300_000)

/** What must agree: who, which rule and action, where to, about what, and what became of it. */
function replayKey(l: DecisionLine): string {
  const outcome = l.outcome === 'skipped' || l.outcome === 'suppressed' ? `${l.outcome}:${l.guard}` : l.outcome
  return [l.rule, l.customer, l.action, l.channel ?? l.queue, l.entity ?? '', outcome, l.outcome === 'sent' ? l.deliverAt : ''].join('|')
}

describe('replay', () => {
  it('gives byte-identical lines when run twice, and covers sends, skips, tasks and suppressions', async () => {
    const again = await replayTrace(trace, { horizonMs: HORIZON })
    expect(toJsonl(again.lines)).toBe(toJsonl(first.lines))
    const outcomes = new Set(first.lines.map((l) => l.outcome))
    for (const o of ['sent', 'skipped', 'task', 'suppressed']) expect(outcomes).toContain(o)
    // Quiet hours held some messages until morning: they were sent when due, not when decided.
    const held = first.lines.find((l) => l.outcome === 'sent' && l.deferredUntil)
    expect(held?.deliverAt).toBe(held?.deferredUntil)
    expect(first.lines.length).toBeGreaterThan(20)
    // Timers fire at their due time: an abandoned checkout is decided an hour after its checkout.
    const abandoned = first.lines.find((l) => l.rule === 'abandoned-checkout' && l.trigger === 'timer')
    expect(abandoned).toBeDefined()
  }, 300_000)

  it('decides as a live engine fed the same trace with an injected clock', async () => {
    const { events } = prepareTrace(trace)
    const start = events[0]?.ts as number
    const end = (events[events.length - 1]?.ts as number) + HORIZON
    const clock = new ManualClock(start)
    const sends = new Map<string, RecordedSend>()
    const config = { ...loadConfig({}), port: 0, dataDir: freshDataDir(), writeKey: WRITE_KEY, apiKeys: 'k:admin:admin' }
    const app = await Careloop.open({ config, clock, logger: pino({ level: 'silent' }), senders: recordingSenders(clock, sends) })
    try {
      const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
      // Between events the clock stops wherever a live engine's loops would find work: a due timer
      // or a held message (a full rate limit would make it wait a second).
      const wakeUntil = async (limit: number, inclusive: boolean): Promise<void> => {
        for (;;) {
          const due = [await app.engine.nextTimerDue([0]), await app.ops.outbox.nextDue()].filter((t): t is number => t !== undefined)
          if (due.length === 0) return
          const next = Math.max(Math.min(...due), clock.now() + (Math.min(...due) <= clock.now() ? 1_000 : 0))
          if (inclusive ? next > limit : next >= limit) return
          clock.set(next)
          await app.tick()
        }
      }
      for (let i = 0; i < events.length; ) {
        const ts = events[i]?.ts as number
        await wakeUntil(ts, false)
        clock.set(ts)
        const batch = []
        while (i < events.length && events[i]?.ts === ts) batch.push(events[i++]?.body)
        const res = await app.server.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: auth }, payload: { batch } })
        expect(res.statusCode, res.body).toBe(200)
        await app.tick()
      }
      await wakeUntil(end, true)

      const live: string[] = []
      for (const customer of [...new Set(events.map((e) => e.customerId))]) {
        const timeline = await app.history.timeline(customer, { limit: 10_000 })
        const entity = new Map(timeline.filter((e) => e.kind === 'signal').map((e) => [e.id, String(e.data.entity ?? '')]))
        const outbox = new Map((await app.ops.outbox.list({ customerId: customer, limit: 10_000 })).map((o) => [o.idempotencyKey, o]))
        for (const d of timeline.filter((e) => e.kind === 'decision')) {
          const data = d.data as Record<string, string>
          let outcome: string
          let deliverAt = ''
          if (data.outcome === 'suppressed') outcome = `suppressed:${data.reason}`
          else if (data.action === 'task') outcome = 'task'
          else {
            const message = outbox.get(d.id)
            const status = message?.status === 'sending' ? 'pending' : (message?.status ?? 'missing')
            outcome = status === 'skipped' ? `skipped:${(message?.lastError ?? '').split(':')[0]}` : status
            // A nudge a digest carried was not handed to a channel by itself: its outbox row says when it went.
            if (status === 'sent') deliverAt = new Date(sends.get(message?.id ?? '')?.at ?? message?.updatedAt ?? 0).toISOString()
          }
          live.push([data.rule_id, customer, data.action, data.action === 'nudge' ? data.channel : data.queue, entity.get(data.signal_id ?? '') ?? '', outcome, deliverAt].join('|'))
        }
      }
      expect(live.sort()).toEqual(first.lines.map(replayKey).sort())
      // One message per digest, however many decisions it carried.
      expect(sends.size).toBe(new Set(first.lines.filter((l) => l.outcome === 'sent').map((l) => l.digest ?? l.id)).size)
      expect(first.lines.some((l) => l.digest !== undefined)).toBe(true)
    } finally {
      await app.stop()
    }
  }, 600_000)
})

describe('careloop replay (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'careloop-replay-cli-'))
  const small = generateTrace({ seed: 3, shoppers: 10, days: 7 })
  const tracePath = join(dir, 'trace.jsonl')
  writeFileSync(tracePath, small.map((m) => JSON.stringify(m)).join('\n') + '\n')

  const cli = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/replay/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
      child.on('exit', (code) => resolve({ code, stdout, stderr }))
    })

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('writes one decision a line, the same as an in-process replay, and a summary', async () => {
    const out = join(dir, 'decisions.jsonl')
    const result = await cli(['replay', tracePath, '--out', out, '--horizon', '1d'])
    expect(result.code, result.stderr).toBe(0)
    const expected = await replayTrace(small, { horizonMs: DAY })
    expect(readFileSync(out, 'utf8')).toBe(toJsonl(expected.lines))
    expect(expected.lines.length).toBeGreaterThan(0)
    expect(result.stderr).toContain(`replayed ${small.length} events`)
    expect(result.stderr).toContain(`${expected.lines.length} decisions`)
  }, 180_000)

  it('exits 2 naming the field path of an invalid rule', async () => {
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, 'id: late\nname: Late\ntriggers:\n  - absence: { start: [Order Shipped], awaited: [Order Delivered], after: 2d }\nactions:\n  - nudge: { channel: email, template: late }\n')
    const result = await cli([tracePath, '--rules', bad])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('/triggers/0/absence/entity is required')
    expect(result.stdout).toBe('')
  }, 60_000)
})
