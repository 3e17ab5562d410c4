// The retention sweep of cooldown / once firings in the owned partitions' customer state. It is an
// engine step like the others (run serially, written through the commit), so the owner stays the
// one writer of each customer's state.
import { firingHorizons, pruneFirings } from '../state/firings.ts'
import type { EngineCore } from './EngineCore.ts'

export const FIRINGS_SOURCE = 'retention-firings'

export class FiringsSweep {
  constructor(private readonly core: EngineCore) {}

  /** Returns how many firings were dropped; `orphanMs` is how long a firing of an unknown rule is kept. */
  async sweep(partitions: readonly number[], orphanMs: number): Promise<number> {
    const { ops, clock } = this.core.opts
    if (partitions.length === 0) return 0
    await this.core.refreshRules()
    const horizons = firingHorizons(this.core.ruleSet)
    const now = clock.now()
    let dropped = 0
    const work = await this.core.isolating<string>(async (work) => {
      dropped = 0
      for (let afterId = ''; ; ) {
        const page = await ops.engine.statesPage(partitions, afterId, 500)
        if (page.length === 0) break
        afterId = page[page.length - 1]?.customerId as string
        // Candidates from the stored copies; the pruning itself changes the owner's cached copy.
        const stale = page.filter((row) => pruneFirings(structuredClone(row.state), horizons, now, orphanMs) > 0)
        await this.core.loadStates(stale.map((row) => row.customerId))
        for (const row of stale) {
          const state = this.core.stateOf(row.customerId)
          work.dirty.add(state.customerId)
          const n = pruneFirings(state, horizons, now, orphanMs)
          if (n === 0) continue
          dropped += n
          work.touched.set(state.customerId, { partition: row.partition, state })
        }
      }
    })
    if (work.touched.size > 0) await this.core.commit.write(work, new Map(), FIRINGS_SOURCE)
    return dropped
  }
}
