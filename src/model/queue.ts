// Agent queues: business hours in the queue's time zone, capacity (open tasks per agent on
// shift), skills/languages. Pure: whether a queue can take a task within its SLA is computed
// from a snapshot, so the rule engine can decide "person or bot" without IO.
import { DateTime, IANAZone } from 'luxon'
import Type, { type Static } from 'typebox'

const ClockTime = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' })
const Span = Type.Tuple([ClockTime, ClockTime], { description: '["09:00", "18:00"], local time; end after start' })
const Day = Type.Array(Span, { maxItems: 6 })

/** Opening hours per weekday; a missing day is closed. `null` hours = always open. */
export const WeeklyHoursSchema = Type.Object(
  { mon: Type.Optional(Day), tue: Type.Optional(Day), wed: Type.Optional(Day), thu: Type.Optional(Day), fri: Type.Optional(Day), sat: Type.Optional(Day), sun: Type.Optional(Day) },
  { additionalProperties: false },
)
export type WeeklyHours = Static<typeof WeeklyHoursSchema>

export const Skill = Type.String({ pattern: '^[a-z0-9][a-z0-9:._-]{0,59}$', description: 'e.g. refunds, lang:zh' })

export const QueueSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,79}$' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    timezone: Type.String({ minLength: 1, maxLength: 64 }),
    hours: Type.Union([WeeklyHoursSchema, Type.Null()]),
    capacityPerAgent: Type.Integer({ minimum: 1, maximum: 1000 }),
    /** Skills a task in this queue needs by default (a task may add its own, e.g. its language). */
    skills: Type.Array(Skill, { maxItems: 20 }),
    /** Supervisor queue for breached SLAs. */
    escalateTo: Type.Union([Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,79}$' }), Type.Null()]),
  },
  { additionalProperties: false },
)
export type Queue = Static<typeof QueueSchema>

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const

const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

/** A day's spans in minutes of the local day; a span whose end is not after its start never opens. */
function spansOn(hours: WeeklyHours, day: DateTime): Array<[number, number]> {
  const spans = hours[WEEKDAYS[day.weekday - 1] as (typeof WEEKDAYS)[number]] ?? []
  return spans.map(([a, b]): [number, number] => [minutes(a), minutes(b)]).filter(([a, b]) => b > a)
}

const wallMinutes = (t: DateTime): number => t.hour * 60 + t.minute

/**
 * The first instant of `day` (local midnight) whose wall clock reads `minute` or later. Luxon
 * moves a time inside a spring-forward gap on by the gap's length (02:30 → 03:30 in Berlin),
 * but the wall clock passes 02:30 at 03:00, which is when isOpen() says the queue opens.
 */
function wallInstant(day: DateTime, minute: number): number {
  const t = day.set({ hour: Math.floor(minute / 60), minute: minute % 60 })
  if (wallMinutes(t) === minute) return t.toMillis()
  let lo = 0
  let hi = Math.round((t.toMillis() - day.toMillis()) / 60_000)
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2)
    if (wallMinutes(day.plus({ minutes: mid })) >= minute) hi = mid
    else lo = mid + 1
  }
  return day.toMillis() + lo * 60_000
}

/** An IANA zone the runtime knows (Europe/Berlin, UTC); luxon would silently fall back otherwise. */
export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone)
}

export interface QueueProblem {
  path: string
  message: string
}

/** What the schema cannot say: known time zone, spans ending after they start, no self-escalation. */
export function queueProblems(queue: Omit<Queue, 'id'>, id?: string): QueueProblem[] {
  const problems: QueueProblem[] = []
  if (!isValidTimeZone(queue.timezone)) problems.push({ path: '/timezone', message: `unknown time zone "${queue.timezone}" (use an IANA name such as Europe/Berlin)` })
  for (const day of WEEKDAYS) {
    ;(queue.hours?.[day] ?? []).forEach(([a, b], i) => {
      if (minutes(b) <= minutes(a)) problems.push({ path: `/hours/${day}/${i}`, message: `must end after it starts (${a}–${b}); use 24:00 for midnight` })
    })
  }
  if (id !== undefined && queue.escalateTo === id) problems.push({ path: '/escalateTo', message: 'a queue cannot escalate to itself' })
  return problems
}

export function zoneOf(queue: Pick<Queue, 'timezone'>): string {
  return DateTime.fromMillis(0, { zone: queue.timezone }).isValid ? queue.timezone : 'UTC'
}

export function isOpen(queue: Pick<Queue, 'timezone' | 'hours'>, at: number): boolean {
  if (queue.hours === null) return true
  const local = DateTime.fromMillis(at, { zone: zoneOf(queue) })
  const m = local.hour * 60 + local.minute
  return spansOn(queue.hours, local).some(([a, b]) => m >= a && m < b)
}

/** The next moment the queue opens at or after `at` (itself when open); undefined if it never opens. */
export function nextOpening(queue: Pick<Queue, 'timezone' | 'hours'>, at: number): number | undefined {
  if (queue.hours === null || isOpen(queue, at)) return at
  const zone = zoneOf(queue)
  const start = DateTime.fromMillis(at, { zone })
  for (let d = 0; d <= 7; d++) {
    const day = start.plus({ days: d }).startOf('day')
    const opens = spansOn(queue.hours, day)
      .map(([a]) => wallInstant(day, a))
      .filter((t) => t > at)
      .sort((x, y) => x - y)
    if (opens[0] !== undefined) return opens[0]
  }
  return undefined
}

/** A queue's live state: what the engine and the work list need to route and to explain. */
export interface QueueLoad {
  queue: Queue
  agentsOnShift: number
  openTasks: number
  /** Open tasks the agents on shift can hold (agents may override the queue's per-agent figure). */
  capacity?: number
}

export function capacityOf(load: QueueLoad): number {
  return load.capacity ?? load.agentsOnShift * load.queue.capacityPerAgent
}

export type Availability = { ok: true; reason: string } | { ok: false; reason: string; nextOpenAt: number | undefined }

/**
 * Can a person in this queue take a new task within `slaMs` of `now`? Open with free capacity:
 * yes. Closed but opening within the SLA: yes. Otherwise no, with when it next opens.
 */
export function availability(load: QueueLoad | undefined, slaMs: number, now: number): Availability {
  if (load === undefined) return { ok: true, reason: 'queue not configured: always staffed' }
  const { queue } = load
  const opensAt = nextOpening(queue, now)
  if (opensAt === undefined) return { ok: false, reason: `${queue.id} has no opening hours`, nextOpenAt: undefined }
  if (opensAt > now) {
    const when = DateTime.fromMillis(opensAt, { zone: zoneOf(queue) }).toFormat('ccc HH:mm ZZZZ')
    if (opensAt - now <= slaMs) return { ok: true, reason: `${queue.id} opens ${when}, within the SLA` }
    return { ok: false, reason: `${queue.id} is closed until ${when}`, nextOpenAt: opensAt }
  }
  const capacity = capacityOf(load)
  if (load.agentsOnShift === 0) return { ok: false, reason: `${queue.id} is open but no agent is on shift`, nextOpenAt: undefined }
  if (load.openTasks >= capacity) return { ok: false, reason: `${queue.id} is at capacity (${load.openTasks}/${capacity} open tasks)`, nextOpenAt: undefined }
  return { ok: true, reason: `${queue.id} has capacity (${load.openTasks}/${capacity})` }
}
