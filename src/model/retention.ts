// How long each kind of record is kept (docs/retention.md): the periods, their defaults and the
// environment variables that set them. The job that applies them is src/jobs/RetentionJob.ts.
import { parseDuration } from '../lib/duration.ts'

/** Keep-for periods in ms; undefined = kept for ever. */
export interface RetentionPeriods {
  /** History `events` (what the shop sent). */
  events: number | undefined
  /** History `signals` and `decisions` (what rules noticed and decided). */
  decisions: number | undefined
  /** History `deliveries` (each message's status changes). */
  deliveries: number | undefined
  /** Outbox rows sent, skipped or dead. */
  outbox: number | undefined
  deadLetters: number | undefined
  /** Embedded event-log rows the engine has consumed. */
  eventLog: number | undefined
  /** Task webhook deliveries settled (delivered or dead), by their last attempt. */
  webhookDeliveries: number | undefined
  /** Cooldown / once firings of a rule no longer in the live set (a live rule's own need decides otherwise). */
  orphanFirings: number | undefined
}

const DAY = 86_400_000

/** Documented in docs/retention.md, with the variable of each. */
export const DEFAULT_RETENTION: RetentionPeriods = {
  events: 400 * DAY,
  decisions: 400 * DAY,
  deliveries: 400 * DAY,
  outbox: 30 * DAY,
  deadLetters: 30 * DAY,
  eventLog: 7 * DAY,
  webhookDeliveries: 30 * DAY,
  orphanFirings: 365 * DAY,
}

export const RETENTION_ENV: Readonly<Record<keyof RetentionPeriods, string>> = {
  events: 'CARELOOP_RETAIN_EVENTS',
  decisions: 'CARELOOP_RETAIN_DECISIONS',
  deliveries: 'CARELOOP_RETAIN_DELIVERIES',
  outbox: 'CARELOOP_RETAIN_OUTBOX',
  deadLetters: 'CARELOOP_RETAIN_DEAD_LETTERS',
  eventLog: 'CARELOOP_RETAIN_EVENT_LOG',
  webhookDeliveries: 'CARELOOP_RETAIN_WEBHOOK_DELIVERIES',
  orphanFirings: 'CARELOOP_RETAIN_ORPHAN_FIRINGS',
}

/** The periods from the environment: a duration ("90d", "12w") or "forever"; unset = the default. */
export function retentionFromEnv(env: Readonly<Record<string, string | undefined>>): RetentionPeriods {
  const periods = { ...DEFAULT_RETENTION }
  for (const kind of Object.keys(RETENTION_ENV) as Array<keyof RetentionPeriods>) {
    const name = RETENTION_ENV[kind]
    const raw = env[name]?.trim()
    if (!raw) continue
    if (raw === 'forever') {
      periods[kind] = undefined
      continue
    }
    const ms = parseDuration(raw)
    if (ms === undefined || ms <= 0) throw new Error(`${name} must be a duration such as 90d or "forever", got "${raw}"`)
    periods[kind] = ms
  }
  return periods
}

