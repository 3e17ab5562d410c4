// The scheduled-care sweep over the owned partitions: every cron time that came round since the
// last sweep (per partition, committed with the effects), at most once per trigger and customer,
// so a sweep after downtime catches up once. A fresh installation starts from one minute ago.
//
// Each stored state keeps when its scheduled care can next come due, and the sweep reads only
// the states whose time came round. A partition is read whole once per process and whenever the
// schedules change: due times stored by another process or for other rules are not trusted.
import type { CustomerState } from '../../model/customer.ts'
import { describeError, PoisonError } from './BatchWork.ts'
import type { EngineCore } from './EngineCore.ts'
import { asInput } from './isolation.ts'
import { anyMinuteDue, markScheduled, SCHEDULE_SOURCE, scheduledMoments } from './schedules.ts'

type StatesPage = (afterId: string) => Promise<Array<{ customerId: string; partition: number; state: CustomerState }>>

const PAGE = 500

export class ScheduleSweep {
  /** Partition → the schedules' fingerprint its stored due times were computed for by this process. */
  private readonly indexed = new Map<number, string>()
  constructor(private readonly core: EngineCore) {}

  /** Returns how many moments were decided on. */
  async sweep(partitions: readonly number[]): Promise<number> {
    const { ops, clock } = this.core.opts
    if (partitions.length === 0) return 0
    await this.core.refreshRules()
    const now = clock.now()
    const last = await ops.engine.positions(SCHEDULE_SOURCE, partitions)
    const afterOf = (partition: number): number => last.get(partition) ?? now - 60_000
    const earliest = Math.min(...partitions.map(afterOf))
    for (const p of this.indexed.keys()) if (!partitions.includes(p)) this.indexed.delete(p)
    const fingerprint = this.core.scheduleDue.fingerprint(this.core.ruleSet)
    const whole = partitions.filter((p) => this.indexed.get(p) !== fingerprint)
    const indexed = partitions.filter((p) => this.indexed.get(p) === fingerprint)
    let moments = 0
    let readWhole = false
    const dues: Array<{ customerId: string; nextDueAt: number }> = []
    const work = await this.core.isolating<string>(async (work, poison) => {
      moments = 0
      dues.length = 0
      if (!anyMinuteDue(this.core.ruleSet, earliest, now)) return
      work.staffing = await this.core.staffing()
      const pages: Array<{ pass: 'whole' | 'due'; page: StatesPage }> = []
      if (whole.length > 0) pages.push({ pass: 'whole', page: (afterId) => ops.engine.statesPage(whole, afterId, PAGE) })
      if (indexed.length > 0) pages.push({ pass: 'due', page: (afterId) => ops.engine.dueStatesPage(indexed, now, afterId, PAGE) })
      for (const { pass, page } of pages) {
        for (let afterId = ''; ; ) {
          const rows = await page(afterId)
          if (rows.length === 0) break
          this.core.opts.metrics?.scheduleStatesRead.inc({ pass }, rows.length)
          afterId = rows[rows.length - 1]?.customerId as string
          const due = rows.filter((row) => !poison.has(row.customerId) && this.scheduleDue(row.state, afterOf(row.partition), now))
          const dueIds = new Set(due.map((row) => row.customerId))
          for (const row of rows) {
            if (!dueIds.has(row.customerId) && !poison.has(row.customerId)) dues.push({ customerId: row.customerId, nextDueAt: this.core.scheduleDue.next(this.core.ruleSet, row.state, now) })
          }
          await this.core.loadStates(due.map((row) => row.customerId))
          for (const row of due) {
            asInput(row.customerId, () => {
              const state = this.core.stateOf(row.customerId)
              work.dirty.add(state.customerId)
              for (const { moment, ctx, mark } of scheduledMoments(this.core.ruleSet, state, afterOf(row.partition), now, this.core.money)) {
                this.core.decideAndEmit(moment, { ...ctx, state }, work)
                markScheduled(state, mark, now)
                moments++
              }
              // Written with the commit below, its next due time searched from this sweep on.
              work.touched.set(state.customerId, { partition: row.partition, state })
            })
          }
        }
      }
      readWhole = true
      for (const [customerId, failure] of poison) {
        const reason = `scheduled care failed: ${describeError(failure)}`
        work.deadLetters.push({ source: SCHEDULE_SOURCE, receivedAt: now, reason, errors: [{ path: '/', message: reason }], payload: JSON.stringify({ customerId }) })
      }
    })
    const swept = new Map(partitions.map((p) => [p, this.core.scheduleSwept.get(p)]))
    for (const p of partitions) this.core.scheduleSwept.set(p, now)
    try {
      await this.core.commit.write(work, new Map(partitions.map((p) => [p, now])), SCHEDULE_SOURCE)
    } catch (err) {
      for (const [p, at] of swept) {
        if (at === undefined) this.core.scheduleSwept.delete(p)
        else this.core.scheduleSwept.set(p, at)
      }
      throw err
    }
    // After the commit: a due time left early only means one more read.
    await ops.engine.setScheduleDue(dues)
    if (readWhole) for (const p of whole) this.indexed.set(p, fingerprint)
    return moments
  }

  /** A stored state that cannot even be read for schedules is poison for the sweep. */
  private scheduleDue(state: CustomerState, after: number, now: number): boolean {
    try {
      return scheduledMoments(this.core.ruleSet, state, after, now, this.core.money).length > 0
    } catch (err) {
      throw new PoisonError(state.customerId, err)
    }
  }
}
