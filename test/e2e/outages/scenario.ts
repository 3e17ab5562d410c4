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
  /** An in-process engine (startEngine) whose background loops run. */
  engine: TestEngine
  mail: MailSink
  fault: Fault
  /** Ingest cannot make events durable meanwhile: it must answer 503 with Retry-After. */
  ingestRefused?: boolean
  /**
   * Emails that may arrive twice: an SMTP connection cut after the server's 250 and before the
   * client read it leaves the message sent but unconfirmed (one message is in flight per process).
   */
  inFlightDuplicates?: number
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
  const reasons = async (): Promise<string> => {
    const letters = await engine.app.ops.deadLetters.list(1000).catch(() => [])
    return `; dead letters ${letters.length}${letters.length ? `, e.g. ${letters[0]?.reason}` : ''}; outbox backlog ${await engine.app.ops.outbox.backlog().catch(() => '?')}`
  }
  let lastReasons = ''
  await until(
    async () => mail.messages.length >= wantEmails.length && (await taskKeys(engine.url, KEYS.admin)).length >= wantTasks.length && (await engine.app.ops.outbox.backlog()) === 0,
    240_000,
    () => `every effect after the outage (${summary()}${lastReasons})`,
    async () => {
      lastReasons = await reasons()
    },
  )
  await sleep(3_000) // a late duplicate would show up now
  console.log(`[outage ${prefix}] ${traffic.summary()}; ${mail.messages.length} emails for ${wantEmails.length} expected, ${wantTasks.length} tasks expected`)
  const { recipients, duplicates } = mailSummary(mail.messages)
  if (duplicates.size > 0) console.log(`[outage ${prefix}] received twice (same Message-ID): ${[...duplicates.keys()].join(', ')}`)
  expect([...duplicates.values()].every((n) => n === 2), 'a Message-ID received more than twice').toBe(true)
  expect(duplicates.size, 'Message-IDs received more than once').toBeLessThanOrEqual(o.inFlightDuplicates ?? 0)
  expect([...new Set(recipients)]).toEqual(wantEmails)
  expect(recipients.length).toBe(wantEmails.length + duplicates.size)
  expect(await taskKeys(engine.url, KEYS.admin)).toEqual(wantTasks)
  expect(await engine.app.ops.outbox.backlog()).toBe(0)
  // An outage is waited out: nothing the shop sent may end as a dead letter because of it.
  expect((await engine.app.ops.deadLetters.list(1000)).map((l) => l.reason)).toEqual([])

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
