// Retention: how long each kind of record is kept, and the job that removes what is older. Run by
// node-cron (src/jobs/table.ts) with the injected clock. Each step is a plain delete by time, so
// several processes may run it; the firings sweep runs in the engine, for the partitions owned.
import type { Logger } from 'pino'
import type { Clock } from '../lib/clock.ts'
import { DEFAULT_RETENTION, type RetentionPeriods } from '../model/retention.ts'
import type { HistoryStore, HistoryTable } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'
import { RetentionStore } from '../store/operational/RetentionStore.ts'
import type { Engine } from '../stream/Engine.ts'
import type { EventSource } from '../stream/source/EventSource.ts'
import { EMBEDDED_PARTITION, EMBEDDED_SOURCE } from '../stream/source/EmbeddedLogSource.ts'

export interface RetentionRun {
  history: Partial<Record<HistoryTable, { partitionsDropped: number; rowsDeleted: number }>>
  outbox: number
  deadLetters: number
  webhookDeliveries: number
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
    const run: RetentionRun = { history: {}, outbox: 0, deadLetters: 0, webhookDeliveries: 0, eventLog: 0, firings: 0 }
    for (const [kind, tables] of HISTORY_KINDS) {
      const before = cutoff(this.periods[kind])
      if (before === undefined) continue
      for (const table of tables) run.history[table] = await history.purgeBefore([table], before)
    }
    const outbox = cutoff(this.periods.outbox)
    if (outbox !== undefined) run.outbox = await this.store.deleteFinishedOutbox(outbox)
    const letters = cutoff(this.periods.deadLetters)
    if (letters !== undefined) run.deadLetters = await this.store.deleteDeadLetters(letters)
    const webhooks = cutoff(this.periods.webhookDeliveries)
    if (webhooks !== undefined) run.webhookDeliveries = await this.store.deleteSettledWebhookDeliveries(webhooks)
    const log = cutoff(this.periods.eventLog)
    if (log !== undefined) {
      const partitions = [EMBEDDED_PARTITION]
      run.eventLog = await this.opts.ops.log.deleteConsumed(log, await this.opts.ops.engine.positions(EMBEDDED_SOURCE, partitions))
    }
    run.firings = await engine.pruneFirings(source.partitions(), this.periods.orphanFirings ?? Infinity)
    logger.info({ retention: run }, 'retention: expired records removed')
    return run
  }
}
