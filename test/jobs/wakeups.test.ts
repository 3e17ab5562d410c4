// Jobs woken early: the outbox as soon as the engine made a message durable, the timer loop at the
// earliest due time. The schedules here never fire during the test (once a year), so every run
// seen comes from a wake-up.
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../../src/lib/clock.ts'
import { JobScheduler, type Job } from '../../src/jobs/JobScheduler.ts'
import { JobWakeups } from '../../src/jobs/table.ts'

const YEARLY = '0 0 0 1 1 *'
const logger = pino({ level: 'silent' })
const schedulers: JobScheduler[] = []
afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop()
})

function counted(name: string, body: () => Promise<void> = async () => {}): Job & { runs: number } {
  const job = { name, schedule: YEARLY, runs: 0, run: async () => {
    job.runs++
    await body()
  } }
  return job
}

const settle = () => new Promise((r) => setTimeout(r, 20))
/** Waits for a condition without asserting how long it took (a loaded machine runs late). */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
}

describe('JobScheduler wake-ups', () => {
  it('wake runs a job now; not before start, not after stop', async () => {
    const job = counted('outbox')
    const scheduler = new JobScheduler([job], logger)
    schedulers.push(scheduler)
    scheduler.wake('outbox')
    await settle()
    expect(job.runs).toBe(0)
    scheduler.start()
    scheduler.wake('outbox')
    await until(() => job.runs > 0)
    expect(job.runs).toBe(1)
    scheduler.wake('unknown-job')
    await scheduler.stop()
    scheduler.wake('outbox')
    await settle()
    expect(job.runs).toBe(1)
  })

  it('a wake while the job runs gives exactly one more run after it, never two at once', async () => {
    let release: () => void = () => {}
    let concurrent = 0
    let most = 0
    const job = counted('outbox', async () => {
      concurrent++
      most = Math.max(most, concurrent)
      if (job.runs === 1) await new Promise<void>((r) => (release = r))
      concurrent--
    })
    const scheduler = new JobScheduler([job], logger)
    schedulers.push(scheduler)
    scheduler.start()
    scheduler.wake('outbox')
    await settle()
    scheduler.wake('outbox')
    scheduler.wake('outbox')
    await settle()
    expect(job.runs).toBe(1)
    release()
    await until(() => job.runs > 1)
    await settle()
    expect(job.runs).toBe(2)
    expect(most).toBe(1)
  })

  it('wakeAt runs the job at the time, keeps the earliest alarm, and ignores times beyond a minute', async () => {
    const job = counted('due-timers')
    const scheduler = new JobScheduler([job], logger)
    schedulers.push(scheduler)
    scheduler.start()
    const now = Date.now()
    scheduler.wakeAt('due-timers', now + 120_000, now)
    scheduler.wakeAt('due-timers', now + 30, now)
    scheduler.wakeAt('due-timers', now + 50_000, now) // later than the alarm set: the alarm stands
    expect(job.runs).toBe(0)
    await until(() => job.runs > 0)
    await settle()
    expect(job.runs).toBe(1)
    scheduler.wakeAt('due-timers', now - 5_000, Date.now()) // already due: at once
    await until(() => job.runs > 1)
    expect(job.runs).toBe(2)
  })
})

describe('JobWakeups', () => {
  it('wakes the outbox for new messages and the timer loop at the earliest armed timer, in the injected clock', () => {
    const clock = new ManualClock(1_000_000)
    const calls: string[] = []
    const wakeups = new JobWakeups(clock)
    wakeups.committed({ newOutbox: 2, earliestTimerDue: undefined }) // not attached yet: nothing
    wakeups.attach({ wake: (name) => void calls.push(`wake ${name}`), wakeAt: (name, at, now) => void calls.push(`wakeAt ${name} +${at - (now ?? 0)}`) })
    wakeups.committed({ newOutbox: 0, earliestTimerDue: undefined })
    wakeups.committed({ newOutbox: 1, earliestTimerDue: 1_000_250 })
    expect(calls).toEqual(['wake outbox', 'wakeAt due-timers +250'])
  })
})
