// Retention: how long each kind of record is kept, and the job that removes what is older. Run by
// node-cron (src/jobs/table.ts) with the injected clock. Each step is a plain delete by time, so
// several processes may run it; the firings sweep runs in the engine, for the partitions owned.
import type { Logger } from 'pino'
import { parseDuration } from '../lib/duration.ts'
import type { Clock } from '../lib/clock.ts'
import type { HistoryStore, HistoryTable } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import { RetentionStore } from '../store/operational/RetentionStore.ts'
import type { Engine } from '../stream/Engine.ts'
import type { EventSource } from '../stream/source/EventSource.ts'
import { EMBEDDED_SOURCE } from '../stream/source/EmbeddedLogSource.ts'

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
  orphanFirings: 365 * DAY,
}

export const RETENTION_ENV: Readonly<Record<keyof RetentionPeriods, string>> = {
  events: 'CARELOOP_RETAIN_EVENTS',
  decisions: 'CARELOOP_RETAIN_DECISIONS',
  deliveries: 'CARELOOP_RETAIN_DELIVERIES',
  outbox: 'CARELOOP_RETAIN_OUTBOX',
  deadLetters: 'CARELOOP_RETAIN_DEAD_LETTERS',
  eventLog: 'CARELOOP_RETAIN_EVENT_LOG',
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

export interface RetentionRun {
  history: Partial<Record<HistoryTable, { partitionsDropped: number; rowsDeleted: number }>>
  outbox: number
  deadLetters: number
  eventLog: number
  firings: number
}

export interface RetentionJobOptions {
  ops: OperationalStore
  history: HistoryStore
  engine: Pick<Engine, 'pruneFirings'>
  source: Pick<EventSource, 'partitions'>
  clock: Clock
  logger: Logger
  periods?: RetentionPeriods
}

const HISTORY_KINDS: ReadonlyArray<[keyof RetentionPeriods, readonly HistoryTable[]]> = [
  ['events', ['events']],
  ['decisions', ['signals', 'decisions']],
  ['deliveries', ['deliveries']],
]

export class RetentionJob {
  private readonly store: RetentionStore
  readonly periods: RetentionPeriods

  constructor(private readonly opts: RetentionJobOptions) {
    this.store = new RetentionStore(opts.ops.db)
    this.periods = opts.periods ?? DEFAULT_RETENTION
  }

  async run(): Promise<RetentionRun> {
    const { history, engine, source, clock, logger } = this.opts
    const now = clock.now()
    const cutoff = (period: number | undefined): number | undefined => (period === undefined ? undefined : Math.max(0, now - period))
    const run: RetentionRun = { history: {}, outbox: 0, deadLetters: 0, eventLog: 0, firings: 0 }
    for (const [kind, tables] of HISTORY_KINDS) {
      const before = cutoff(this.periods[kind])
      if (before === undefined) continue
      for (const table of tables) run.history[table] = await history.purgeBefore([table], before)
    }
    const outbox = cutoff(this.periods.outbox)
    if (outbox !== undefined) run.outbox = await this.store.deleteFinishedOutbox(outbox)
    const letters = cutoff(this.periods.deadLetters)
    if (letters !== undefined) run.deadLetters = await this.store.deleteDeadLetters(letters)
    const log = cutoff(this.periods.eventLog)
    if (log !== undefined) run.eventLog = await this.store.deleteConsumedLog(log, EMBEDDED_SOURCE)
    run.firings = await engine.pruneFirings(source.partitions(), this.periods.orphanFirings ?? Infinity)
    logger.info({ retention: run }, 'retention: expired records removed')
    return run
  }
}
