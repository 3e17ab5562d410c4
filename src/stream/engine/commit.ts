// Making a step's work durable: the history store first, then one operational transaction with
// the source positions; only then is the step done. When a store refuses a write for its data (not
// an outage), the step is written again input by input and the one input a store refuses is
// parked as a dead letter instead of holding up the partition. An outage is retried, never parked.
import type { CustomerState } from '../../model/customer.ts'
import type { Logger } from 'pino'
import type { Clock } from '../../lib/clock.ts'
import type { Metrics } from '../../lib/metrics.ts'
import type { HistoryStore } from '../../store/history/HistoryStore.ts'
import type { DeadLetter } from '../../store/operational/DeadLetterStore.ts'
import type { OperationalStore } from '../../store/operational/OperationalStore.ts'
import type { OutboxRecord } from '../../store/operational/OutboxStore.ts'
import type { TaskRecord } from '../../store/operational/TaskStore.ts'
import { isStoreUnavailable } from '../../store/unavailable.ts'
import type { HandoffRecord } from '../../model/identity.ts'
import { EMBEDDED_PARTITION } from '../source/EmbeddedLogSource.ts'
import type { SourceRecord } from '../source/EventSource.ts'
import { mapPacked } from '../../lib/packedMap.ts'
import { closedTaskEvents, countBatch, withdrawnDeliveries } from './batchReport.ts'
import type { BatchWork } from './BatchWork.ts'

export interface EngineStats {
  events: number
  duplicates: number
  deadLetters: number
  signals: number
  outbox: number
  tasks: number
  timersFired: number
}

export interface CommittedEffects {
  /** Outbox rows this write created or made due now. */
  newOutbox: number
  /** The earliest due time among the timers this write armed. */
  earliestTimerDue: number | undefined
}

export interface BatchCommitOptions {
  ops: OperationalStore
  history: HistoryStore
  clock: Clock
  logger: Logger
  metrics?: Metrics
  /** Positions of event batches are kept under this name. */
  sourceName: string
  onDeadLetters?: (letters: readonly DeadLetter[], source: readonly SourceRecord[]) => Promise<void>
  /**
   * Delivers hand-offs before the batch commits (Kafka mode produces them to the events topic);
   * without it they are appended to the embedded event log in the batch's transaction.
   */
  handOff?: (records: readonly HandoffRecord[]) => Promise<void>
  onProgress?: (now: number) => void
  /** After a write became durable: what it left to do soon (wakes the outbox and timer loops). */
  onCommitted?: (effects: CommittedEffects) => void
  /**
   * Append history (and produce dead letters, hand-offs) while the operational transaction is
   * built, committing it once they are durable: two server round trips at once instead of one
   * after the other. Off for embedded stores, where an open PGlite transaction would hold up ingest.
   */
  overlapHistory?: boolean
  /** A write failed: in-memory state already holds the work, so it must be read again. */
  onWriteFailed: () => void
  /** A turn between the statements of a large write (EngineOptions.turn). */
  turn?: () => Promise<void>
  /** When a written state's scheduled care can next come due (stored with it for the sweep). */
  scheduleDue?: (state: CustomerState, partition: number) => number
}

function earliestArmed(work: BatchWork): number | undefined {
  let earliest: number | undefined
  for (const t of work.timers) if (t.op === 'arm' && (earliest === undefined || t.dueAt < earliest)) earliest = t.dueAt
  return earliest
}

export class BatchCommit {
  readonly stats: EngineStats = { events: 0, duplicates: 0, deadLetters: 0, signals: 0, outbox: 0, tasks: 0, timersFired: 0 }

  constructor(private readonly opts: BatchCommitOptions) {}

  private statesOf(work: BatchWork): Array<{ partition: number; state: CustomerState; nextDueAt?: number }> {
    const due = this.opts.scheduleDue
    const out = [...work.touched.values()]
    return due === undefined ? out : mapPacked(out, (t) => ({ ...t, nextDueAt: due(t.state, t.partition) }))
  }

  /** Writes the work with the given positions (of `source`, by default the event source). */
  async write(work: BatchWork, positions: Map<number, number>, source: string = this.opts.sourceName): Promise<void> {
    const { ops, history, clock } = this.opts
    const fx = work.effects
    const { handOff } = this.opts
    // History before the position: its rows carry deterministic ids, so a crash before the
    // commit below only means the same rows are written again on replay. So are dead letters
    // and hand-offs (redelivered, they are produced again).
    const elsewhere = async (): Promise<void> => {
      await history.append({ events: work.events, signals: fx.signals, decisions: fx.decisions, deliveries: fx.deliveries, taskEvents: fx.taskEvents })
      if (work.deadLetters.length > 0) await this.opts.onDeadLetters?.(work.deadLetters, work.deadRecords)
      if (handOff !== undefined && work.handoffs.length > 0) await handOff(work.handoffs)
    }
    let durableFirst: Promise<void> | undefined
    try {
      if (this.opts.overlapHistory) {
        // Both stores work at once; the transaction commits only after these resolve.
        durableFirst = elsewhere()
        durableFirst.catch(() => undefined)
      } else await elsewhere()
      const outcome = await ops.engine.commit({
        source,
        positions,
        states: this.statesOf(work),
        timers: work.timers,
        outbox: fx.outbox,
        tasks: fx.tasks,
        mootTasks: work.mootTasks,
        withdrawnNudges: work.withdrawnNudges,
        deadLetters: work.deadLetters,
        identity: work.identity,
        addressChanged: [...work.addressChanged],
        logAppends: handOff === undefined ? mapPacked(work.handoffs, (h) => ({ partition: EMBEDDED_PARTITION, messageId: h.logId, customerId: h.key, receivedAt: clock.now(), body: h.body })) : [],
        now: clock.now(),
        ...(durableFirst ? { durableFirst } : {}),
        ...(this.opts.turn ? { turn: this.opts.turn } : {}),
      })
      this.stats.events += work.eventCount
      this.stats.duplicates += work.duplicates
      this.stats.signals += work.moments
      this.stats.deadLetters += work.deadLetters.length
      this.stats.outbox += outcome.newOutbox.size
      this.stats.tasks += outcome.newTasks.size
      if (outcome.closedTasks.length > 0 || outcome.withdrawn.length > 0) await this.recordClosed(outcome.closedTasks, outcome.withdrawn)
      for (const letter of work.deadLetters) this.opts.logger.warn({ source: letter.source, reason: letter.reason }, 'input dead-lettered')
      if (this.opts.metrics) countBatch(this.opts.metrics, work, this.opts.sourceName)
      this.opts.onProgress?.(clock.now())
      this.opts.onCommitted?.({ newOutbox: outcome.newOutbox.size + outcome.readdressed, earliestTimerDue: earliestArmed(work) })
    } catch (err) {
      // Settled before anyone retries: no write of this work may still be under way.
      await durableFirst?.catch(() => undefined)
      this.opts.onWriteFailed()
      throw err
    }
  }

  /**
   * Runs `write` for work built from `inputs`. If a store refused it for the data, each input is
   * handled again alone (`retryAlone`) and a lone input whose write fails is handed to `park`.
   * An outage propagates, and the source retries the step later.
   */
  async writeOrIsolate<T>(inputs: readonly T[], write: () => Promise<void>, retryAlone: (input: T) => Promise<void>, park: (input: T, err: unknown) => Promise<void>): Promise<void> {
    try {
      await write()
    } catch (err) {
      if (!(await this.refusedByData(err))) throw err
      const [only, ...others] = inputs
      if (only === undefined) throw err
      if (others.length > 0) {
        for (const input of inputs) await retryAlone(input)
        return
      }
      await park(only, err)
    }
  }

  /**
   * A failed write was about the data, not an outage: the error is not an outage's (a full disk
   * still answers a ping) and both stores answer a ping.
   */
  private async refusedByData(err: unknown): Promise<boolean> {
    if (isStoreUnavailable(err)) return false
    const ping = (p: () => Promise<boolean>) => p().catch(() => false)
    const [ops, history] = await Promise.all([ping(() => this.opts.ops.ping()), ping(() => this.opts.history.ping())])
    return ops && history
  }

  /**
   * History of tasks closed and messages withdrawn by events: after the commit, best-effort (the
   * task and outbox rows are the truth).
   */
  private async recordClosed(tasks: readonly TaskRecord[], withdrawn: readonly OutboxRecord[]): Promise<void> {
    const now = this.opts.clock.now()
    try {
      await this.opts.history.append({ taskEvents: closedTaskEvents(tasks, now), deliveries: withdrawnDeliveries(withdrawn, now) })
    } catch (err) {
      this.opts.logger.error({ err, tasks: tasks.map((t) => t.id), messages: withdrawn.map((o) => o.id) }, 'could not record what events closed or withdrew in history')
    }
  }
}
