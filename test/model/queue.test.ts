// Queue hours in the queue's own zone: across days, weekends, the 2026 EU DST changes, 24:00,
// and whether a person can take a task within its SLA.
import { describe, expect, it } from 'vitest'
import { availability, isOpen, nextOpening, queueProblems, type Queue, type QueueLoad } from '../../src/model/queue.ts'

const at = (iso: string): number => Date.parse(iso)
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString())
const HOUR = 3_600_000

const weekdays = [['09:00', '18:00']] as Array<[string, string]>
const berlin: Queue = {
  id: 'care',
  name: 'Care',
  timezone: 'Europe/Berlin',
  hours: { mon: weekdays, tue: weekdays, wed: weekdays, thu: weekdays, fri: weekdays, sat: [['10:00', '14:00']] },
  capacityPerAgent: 3,
  skills: [],
  escalateTo: 'supervisor',
}

describe('isOpen and nextOpening', () => {
  it('opens and closes at local times, end exclusive', () => {
    // Wednesday 25 March 2026, Berlin on CET (UTC+1).
    expect(isOpen(berlin, at('2026-03-25T07:59:00Z'))).toBe(false)
    expect(isOpen(berlin, at('2026-03-25T08:00:00Z'))).toBe(true)
    expect(isOpen(berlin, at('2026-03-25T16:59:00Z'))).toBe(true)
    expect(isOpen(berlin, at('2026-03-25T17:00:00Z'))).toBe(false)
    expect(nextOpening(berlin, at('2026-03-25T12:00:00Z'))).toBe(at('2026-03-25T12:00:00Z'))
    expect(iso(nextOpening(berlin, at('2026-03-25T17:00:00Z')))).toBe('2026-03-26T08:00:00.000Z')
    expect(iso(nextOpening(berlin, at('2026-03-25T05:00:00Z')))).toBe('2026-03-25T08:00:00.000Z')
  })

  it('skips the weekend closure, across the spring-forward change (Sunday 29 March 2026)', () => {
    // Friday evening → Saturday 10:00 CET.
    expect(iso(nextOpening(berlin, at('2026-03-27T17:30:00Z')))).toBe('2026-03-28T09:00:00.000Z')
    expect(isOpen(berlin, at('2026-03-28T12:59:00Z'))).toBe(true)
    // Saturday 14:00 CET → Monday 09:00, now CEST (UTC+2): 47 hours later, not 48.
    expect(isOpen(berlin, at('2026-03-28T13:00:00Z'))).toBe(false)
    expect(isOpen(berlin, at('2026-03-29T10:00:00Z'))).toBe(false)
    expect(iso(nextOpening(berlin, at('2026-03-28T13:00:00Z')))).toBe('2026-03-30T07:00:00.000Z')
    expect(isOpen(berlin, at('2026-03-30T06:59:00Z'))).toBe(false)
    expect(isOpen(berlin, at('2026-03-30T07:00:00Z'))).toBe(true)
  })

  it('a span starting in the skipped hour opens when the wall clock passes its start (03:00 CEST), as isOpen says', () => {
    const night = { timezone: 'Europe/Berlin', hours: { sun: [['02:30', '12:00']] as Array<[string, string]> } }
    // Saturday 28 March 23:30 UTC = Sunday 00:30 CET; clocks jump 02:00 CET → 03:00 CEST at 01:00 UTC.
    const opens = nextOpening(night, at('2026-03-28T23:30:00Z'))
    expect(iso(opens)).toBe('2026-03-29T01:00:00.000Z')
    expect(isOpen(night, at('2026-03-29T00:59:00Z'))).toBe(false)
    expect(isOpen(night, at('2026-03-29T01:00:00Z'))).toBe(true)
  })

  it('an hour that happens twice (25 October 2026) opens at its first occurrence', () => {
    const night = { timezone: 'Europe/Berlin', hours: { sun: [['02:30', '04:00']] as Array<[string, string]> } }
    expect(iso(nextOpening(night, at('2026-10-24T22:00:00Z')))).toBe('2026-10-25T00:30:00.000Z') // 02:30 CEST
    expect(isOpen(night, at('2026-10-25T00:30:00Z'))).toBe(true)
    expect(isOpen(night, at('2026-10-25T02:59:00Z'))).toBe(true) // 03:59 CET
    expect(isOpen(night, at('2026-10-25T03:00:00Z'))).toBe(false)
  })

  it('a span ending at 24:00 is open until midnight and joins the next day’s 00:00 span', () => {
    const late = { timezone: 'UTC', hours: { sat: [['20:00', '24:00']] as Array<[string, string]>, sun: [['00:00', '02:00']] as Array<[string, string]> } }
    expect(isOpen(late, at('2026-03-28T19:59:00Z'))).toBe(false)
    expect(iso(nextOpening(late, at('2026-03-28T19:00:00Z')))).toBe('2026-03-28T20:00:00.000Z')
    expect(isOpen(late, at('2026-03-28T23:59:59Z'))).toBe(true)
    expect(isOpen(late, at('2026-03-29T00:00:00Z'))).toBe(true)
    expect(isOpen(late, at('2026-03-29T02:00:00Z'))).toBe(false)
    expect(iso(nextOpening(late, at('2026-03-29T02:00:00Z')))).toBe('2026-04-04T20:00:00.000Z')
  })

  it('null hours are always open; no spans at all never open', () => {
    expect(isOpen({ timezone: 'UTC', hours: null }, at('2026-03-29T03:00:00Z'))).toBe(true)
    expect(nextOpening({ timezone: 'UTC', hours: {} }, at('2026-03-29T03:00:00Z'))).toBeUndefined()
  })

  it('a span that does not end after it starts never opens', () => {
    const broken = { timezone: 'UTC', hours: { mon: [['18:00', '09:00']] as Array<[string, string]> } }
    expect(isOpen(broken, at('2026-03-30T20:00:00Z'))).toBe(false)
    expect(nextOpening(broken, at('2026-03-30T00:00:00Z'))).toBeUndefined()
  })
})

describe('queueProblems', () => {
  it('names the span and the time zone', () => {
    const { id: _id, ...body } = berlin
    expect(queueProblems(body, 'care')).toEqual([])
    const problems = queueProblems({ ...body, timezone: 'Mars/Olympus', hours: { mon: [['09:00', '18:00'], ['18:00', '18:00']], tue: [['24:00', '24:00']] }, escalateTo: 'care' }, 'care')
    expect(problems.map((p) => p.path)).toEqual(['/timezone', '/hours/mon/1', '/hours/tue/0', '/escalateTo'])
  })
})

describe('availability', () => {
  const load = (over: Partial<QueueLoad> = {}): QueueLoad => ({ queue: berlin, agentsOnShift: 2, openTasks: 0, ...over })
  const wednesdayNoon = at('2026-03-25T11:00:00Z')

  it('an unconfigured queue counts as staffed', () => {
    expect(availability(undefined, HOUR, wednesdayNoon).ok).toBe(true)
  })

  it('closed beyond the SLA: not ok, with when it opens', () => {
    const friday = at('2026-03-27T17:30:00Z')
    const result = availability(load(), 4 * HOUR, friday)
    expect(result).toMatchObject({ ok: false, nextOpenAt: at('2026-03-28T09:00:00Z') })
    expect(result.reason).toContain('closed until Sat 10:00')
  })

  it('closed but opening within the SLA: ok', () => {
    const result = availability(load(), 4 * HOUR, at('2026-03-28T07:00:00Z'))
    expect(result.ok).toBe(true)
    expect(result.reason).toContain('within the SLA')
  })

  it('open but nobody on shift: not ok', () => {
    const result = availability(load({ agentsOnShift: 0 }), HOUR, wednesdayNoon)
    expect(result).toMatchObject({ ok: false, nextOpenAt: undefined })
    expect(result.reason).toContain('no agent is on shift')
  })

  it('at capacity: not ok; one below: ok; an agent’s own capacity counts', () => {
    const full = availability(load({ openTasks: 6 }), HOUR, wednesdayNoon)
    expect(full.ok).toBe(false)
    expect(full.reason).toContain('at capacity (6/6')
    expect(availability(load({ openTasks: 5 }), HOUR, wednesdayNoon).ok).toBe(true)
    expect(availability(load({ openTasks: 6, capacity: 10 }), HOUR, wednesdayNoon).ok).toBe(true)
  })
})
