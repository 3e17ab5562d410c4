// The embedded history store behind a spool. A chDB append costs a step 5–15 ms per table
// (docs/performance.md, "Latency under load"), paid by every timer firing and every send before
// its next step; here a small append is one row in the operational store, and a job moves the
// spool on to chDB, several appends in one insert per table. Large appends (a busy engine's event
// steps) still go to chDB at once, or to the spool while chDB is out of reach. Reads first move on everything appended
// before them, so whoever wrote history reads it back as before. A crash leaves the spool to be
// moved on at the next start (rows carry deterministic ids, so moving one twice changes nothing).
// An append chDB refuses for its data while answering (not an outage) is parked as a dead letter
// (source "history") and the rest goes on.
import type { Logger } from 'pino'
import type { Clock } from '../../lib/clock.ts'
import { HISTORY_LETTER_SOURCE } from '../../model/deadLetter.ts'
import type { HistoryBatch, HistoryStore } from '../history/HistoryStore.ts'
import { checkBatch } from '../history/rows.ts'
import type { DeadLetter } from '../operational/DeadLetterStore.ts'
import type { HistorySpoolStore, SpooledAppend } from '../operational/HistorySpoolStore.ts'
import { isStoreUnavailable } from '../unavailable.ts'
import { mergeBatches, rowCount } from './mergeBatches.ts'
import { RecentAppends } from './RecentAppends.ts'

export interface SpoolOptions {
  spool: HistorySpoolStore
  clock: Clock
  logger: Logger
  park: (letters: readonly DeadLetter[]) => Promise<unknown>
  /**
   * Appends of more rows than this go to chDB at once (the spool is for the many small ones: a
   * large append pays chDB's cost per insert over many rows, and writing it to the operational
   * store too would cost the engine's thread more than it saves); they are spooled too while
   * chDB is out of reach.
   */
  directRows?: number
  /** After an append, how long the job waits for more to move on together. */
  gatherMs?: number
  /** The most appends, and about the most JSON text, one move takes. */
  moveAppends?: number
  moveChars?: number
  /** The most JSON text of this process's appends kept in memory for the job. */
  memoryChars?: number
  /** After about this much JSON text moved on, the spool's dead rows are vacuumed (PGlite runs no autovacuum). */
  reclaimChars?: number
  /** The first wait after a failed move; it doubles up to `maxRetryMs`. */
  retryMs?: number
  maxRetryMs?: number
}

const MiB = 2 ** 20
const DEFAULTS = { directRows: 200, gatherMs: 5, moveAppends: 500, moveChars: 16 * MiB, memoryChars: 64 * MiB, reclaimChars: 32 * MiB, retryMs: 500, maxRetryMs: 30_000 }

type Read<K extends keyof HistoryStore> = HistoryStore[K]

export class SpooledHistoryStore implements HistoryStore {
  private readonly opts: Required<Omit<SpoolOptions, 'spool' | 'clock' | 'logger' | 'park'>> & SpoolOptions
  /** The last append this process spooled, and the last one moved on. */
  private spooled = 0
  private moved = 0
  private moving: Promise<boolean> | undefined
  private timer: NodeJS.Timeout | undefined
  private retryMs: number
  private failing = false
  private closed = false
  private recent: RecentAppends
  private movedChars = 0

  private constructor(
    /** The history store the spool moves on to. */
    readonly inner: HistoryStore,
    options: SpoolOptions,
  ) {
    this.opts = { ...DEFAULTS, ...options }
    this.retryMs = this.opts.retryMs
    this.recent = new RecentAppends(this.opts.memoryChars, true)
  }

  /**
   * Wraps `inner`. What an earlier process left in the spool is moved on by the job, and reads
   * wait for it, so a start is never held up by the history store.
   */
  static async open(inner: HistoryStore, options: SpoolOptions): Promise<SpooledHistoryStore> {
    const store = new SpooledHistoryStore(inner, options)
    store.spooled = await options.spool.lastSeq()
    if (store.spooled > 0) {
      store.recent = new RecentAppends(store.opts.memoryChars, false)
      store.schedule(0)
    }
    return store
  }

  migrate(): Promise<void> {
    return this.inner.migrate()
  }

  async append(batch: HistoryBatch): Promise<void> {
    checkBatch(batch)
    const rows = rowCount(batch)
    if (rows === 0) return
    if (rows > this.opts.directRows && !this.failing) {
      try {
        return await this.inner.append(batch)
      } catch (err) {
        // Refused for its data: the caller parks its input, as without a spool.
        if (!isStoreUnavailable(err)) throw err
      }
    }
    const text = JSON.stringify(batch)
    const seq = await this.opts.spool.add(text, this.opts.clock.now())
    this.recent.add({ seq, rows: text })
    if (seq > this.spooled) this.spooled = seq
    this.schedule(this.opts.gatherMs)
  }

  /** Resolves once everything this process spooled before the call is in the history store. */
  async flush(): Promise<void> {
    const target = this.spooled
    while (this.moved < target) if (!(await this.moveOnce())) break
  }

  /** Appends waiting in the spool, and when the oldest came (for /metrics). */
  depth(): Promise<{ appends: number; oldestAt: number | undefined }> {
    return this.opts.spool.depth()
  }

  ping(): Promise<boolean> {
    return this.inner.ping()
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    try {
      await this.flush()
    } catch (err) {
      this.opts.logger.warn({ err }, 'history spool: left for the next start')
    } finally {
      await this.inner.close()
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer !== undefined || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.moveAll()
    }, delayMs)
  }

  private async moveAll(): Promise<void> {
    try {
      while (!this.closed && (await this.moveOnce()));
      if (this.failing) this.opts.logger.info('history spool: moving again')
      this.failing = false
      this.retryMs = this.opts.retryMs
    } catch (err) {
      if (!this.failing) this.opts.logger.error({ err, retryInMs: this.retryMs }, 'history spool: cannot move appends to the history store; will retry')
      this.failing = true
      this.schedule(this.retryMs)
      this.retryMs = Math.min(this.retryMs * 2, this.opts.maxRetryMs)
    }
  }

  /** One move at a time; true when it moved something (more may wait). */
  private moveOnce(): Promise<boolean> {
    this.moving ??= this.move().finally(() => {
      this.moving = undefined
    })
    return this.moving
  }

  private async move(): Promise<boolean> {
    const taken = this.recent.oldest(this.opts.moveAppends, this.opts.moveChars) ?? (await this.opts.spool.oldest(this.opts.moveAppends, this.opts.moveChars))
    if (taken.length === 0) {
      this.recent.spoolEmpty()
      return false
    }
    try {
      await this.inner.append(mergeBatches(taken.map(parsed)))
    } catch (err) {
      if (!(await this.refusedForData(err))) throw err
      await this.moveAlone(taken)
    }
    await this.opts.spool.remove(taken.map((t) => t.seq))
    const last = (taken.at(-1) as SpooledAppend).seq
    this.recent.moved(last)
    this.moved = Math.max(this.moved, last)
    for (const t of taken) this.movedChars += t.rows.length
    if (this.movedChars >= this.opts.reclaimChars) {
      this.movedChars = 0
      await this.opts.spool.reclaim()
    }
    return true
  }

  /** Each append on its own; the one chDB refuses is parked with the reason. */
  private async moveAlone(taken: readonly SpooledAppend[]): Promise<void> {
    for (const append of taken) {
      try {
        await this.inner.append(parsed(append))
      } catch (err) {
        if (!(await this.refusedForData(err))) throw err
        this.opts.logger.error({ err, seq: append.seq }, 'history spool: the history store refused an append; parked as a dead letter')
        const reason = `the history store refused these rows: ${(err as Error).message ?? String(err)}`
        await this.opts.park([{ source: HISTORY_LETTER_SOURCE, receivedAt: this.opts.clock.now(), reason, errors: [], payload: append.rows }])
      }
    }
  }

  private async refusedForData(err: unknown): Promise<boolean> {
    return !isStoreUnavailable(err) && (await this.inner.ping().catch(() => false))
  }

  private async read<T>(run: () => Promise<T>): Promise<T> {
    await this.flush()
    return run()
  }

  timeline: Read<'timeline'> = (...a) => this.read(() => this.inner.timeline(...a))
  ruleActivity: Read<'ruleActivity'> = (...a) => this.read(() => this.inner.ruleActivity(...a))
  eventsBetween: Read<'eventsBetween'> = (...a) => this.read(() => this.inner.eventsBetween(...a))
  liftRows: Read<'liftRows'> = (...a) => this.read(() => this.inner.liftRows(...a))
  overview: Read<'overview'> = (...a) => this.read(() => this.inner.overview(...a))
  momentProblems: Read<'momentProblems'> = (...a) => this.read(() => this.inner.momentProblems(...a))
  funnel: Read<'funnel'> = (...a) => this.read(() => this.inner.funnel(...a))
  suppressionReasons: Read<'suppressionReasons'> = (...a) => this.read(() => this.inner.suppressionReasons(...a))
  agentSla: Read<'agentSla'> = (...a) => this.read(() => this.inner.agentSla(...a))
  slaReport: Read<'slaReport'> = (...a) => this.read(() => this.inner.slaReport(...a))
  eraseCustomers: Read<'eraseCustomers'> = (...a) => this.read(() => this.inner.eraseCustomers(...a))
  pendingErasures: Read<'pendingErasures'> = (...a) => this.read(() => this.inner.pendingErasures(...a))
  reachedFirstRows: Read<'reachedFirstRows'> = (...a) => this.read(() => this.inner.reachedFirstRows(...a))
  carrierLateness: Read<'carrierLateness'> = (...a) => this.read(() => this.inner.carrierLateness(...a))
  guardedMessages: Read<'guardedMessages'> = (...a) => this.read(() => this.inner.guardedMessages(...a))
  seenEvents: Read<'seenEvents'> = (...a) => this.read(() => this.inner.seenEvents(...a))
  seenProperties: Read<'seenProperties'> = (...a) => this.read(() => this.inner.seenProperties(...a))
  purgeBefore: Read<'purgeBefore'> = (...a) => this.read(() => this.inner.purgeBefore(...a))
}

function parsed(append: SpooledAppend): HistoryBatch {
  return JSON.parse(append.rows) as HistoryBatch
}

