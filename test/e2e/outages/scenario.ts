// One outage, told the same way for every dependency: traffic flows and the first effects are
// out, the dependency goes away for CARELOOP_OUTAGE_MS while traffic keeps coming, it comes back,
// traffic stops. Then every accepted group's effects must be there exactly once and the backlog
// must be empty.
import { expect } from 'vitest'
import { KEYS, WRITE_KEY, type TestEngine } from '../../support/careloop.ts'
import type { MailSink } from '../../support/smtp.ts'
import { expectedEmails, expectedTasks, httpIngest, mailSummary, outageMs, sleep, taskKeys, Traffic, until } from './traffic.ts'

export interface Fault {
  down(): Promise<void>
  up(): Promise<void>
}

export interface OutageOptions {
  prefix: string
  engine: TestEngine
  mail: MailSink
  fault: Fault
  /** Ingest cannot make events durable meanwhile: it must answer 503 with Retry-After. */
  ingestRefused?: boolean
  /** Called while the dependency is away (e.g. to check readiness). */
  during?: () => Promise<void>
}

export interface OutageReport {
  traffic: Traffic
  accepted: number[]
}

export async function runOutage(o: OutageOptions): Promise<OutageReport> {
  const { prefix, engine, mail, fault } = o
  const traffic = new Traffic(prefix, httpIngest(engine.url, WRITE_KEY))
  traffic.start()
  let summary = (): string => traffic.summary()
  try {
    await until(() => mail.messages.length >= 2, 60_000, () => `the first emails before the outage (${summary()})`)
    const outage = outageMs()
    const before = traffic.made
    await fault.down()
    const downAt = Date.now()
    await o.during?.()
    await sleep(Math.max(0, outage - (Date.now() - downAt)))
    await fault.up()
    // Traffic goes on a little after the return, so new events queue behind the backlog.
    await sleep(3_000)
    await traffic.finish()
    expect(traffic.made - before, 'groups were made during the outage').toBeGreaterThan(2)
  } catch (err) {
    await traffic.finish().catch(() => undefined)
    throw err
  }

  const groups = [...traffic.accepted].sort((a, b) => a - b)
  // Every group made was eventually accepted: the client resent what was refused.
  expect(groups).toEqual(Array.from({ length: traffic.made }, (_, i) => i))
  const wantEmails = expectedEmails(prefix, groups)
  const wantTasks = expectedTasks(prefix, groups)
  summary = () => `${traffic.summary()}; emails ${mail.messages.length}/${wantEmails.length}`
  await until(
    async () => mail.messages.length >= wantEmails.length && (await taskKeys(engine.url, KEYS.admin)).length >= wantTasks.length && (await engine.app.ops.outbox.backlog()) === 0,
    240_000,
    () => `every effect after the outage (${summary()})`,
  )
  await sleep(3_000) // a late duplicate would show up now
  console.log(`[outage ${prefix}] ${traffic.summary()}; ${mail.messages.length} emails for ${wantEmails.length} expected, ${wantTasks.length} tasks expected`)
  const { recipients, duplicates } = mailSummary(mail.messages)
  expect(duplicates, 'Message-IDs received more than once').toEqual(new Map())
  expect(recipients).toEqual(wantEmails)
  expect(await taskKeys(engine.url, KEYS.admin)).toEqual(wantTasks)
  expect(await engine.app.ops.outbox.backlog()).toBe(0)

  const refused = [...traffic.statuses].filter(([status]) => status !== 200)
  if (o.ingestRefused) {
    expect(traffic.statuses.get(503) ?? 0, 'ingest answered 503 while it could not store events').toBeGreaterThan(0)
    expect(refused.map(([status]) => status).filter((s) => s !== 503 && s !== 0), 'answers other than 200 / 503').toEqual([])
  } else {
    expect(refused, 'ingest did not depend on this dependency').toEqual([])
  }
  expect(traffic.missingRetryAfter, 'refusals without Retry-After').toEqual([])
  expect((await fetch(`${engine.url}/readyz`)).status).toBe(200)
  return { traffic, accepted: groups }
}
