// The scheduled-care sweep over the owned partitions: every cron time that came round since the
// last sweep (per partition, committed with the effects), at most once per trigger and customer,
// so a sweep after downtime catches up once. A fresh installation starts from one minute ago.
import type { CustomerState } from '../../model/customer.ts'
import { describeError, PoisonError } from './BatchWork.ts'
import type { EngineCore } from './EngineCore.ts'
import { asInput } from './isolation.ts'
import { anyMinuteDue, dueZones, SCHEDULE_SOURCE, scheduledMoments } from './schedules.ts'

export class ScheduleSweep {
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
    let moments = 0
    const work = await this.core.isolating<string>(async (work, poison) => {
      moments = 0
      if (!anyMinuteDue(this.core.ruleSet, earliest, now)) return
      // Only customers in zones where a cron minute came round are read (a full read otherwise).
      const zones = dueZones(this.core.ruleSet, await ops.engine.timeZones(partitions), earliest, now)
      if (zones !== undefined && zones.length === 0) return
      work.staffing = await this.core.staffing()
      // Candidates from the stored states; the moments themselves use the owner's cached copy.
      for (let afterId = ''; ; ) {
        const page = await ops.engine.statesPage(partitions, afterId, 500, zones)
        if (page.length === 0) break
        afterId = page[page.length - 1]?.customerId as string
        const due = page.filter((row) => !poison.has(row.customerId) && this.scheduleDue(row.state, afterOf(row.partition), now))
        await this.core.loadStates(due.map((row) => row.customerId))
        for (const row of due) {
          asInput(row.customerId, () => {
            const state = this.core.stateOf(row.customerId)
            work.dirty.add(state.customerId)
            for (const { moment, ctx } of scheduledMoments(this.core.ruleSet, state, afterOf(row.partition), now, this.core.money)) {
              this.core.decideAndEmit(moment, { ...ctx, state }, work)
              moments++
            }
            work.touched.set(state.customerId, { partition: row.partition, state })
          })
        }
      }
      for (const [customerId, failure] of poison) {
        const reason = `scheduled care failed: ${describeError(failure)}`
        work.deadLetters.push({ source: SCHEDULE_SOURCE, receivedAt: now, reason, errors: [{ path: '/', message: reason }], payload: JSON.stringify({ customerId }) })
      }
    })
    await this.core.commit.write(work, new Map(partitions.map((p) => [p, now])), SCHEDULE_SOURCE)
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
