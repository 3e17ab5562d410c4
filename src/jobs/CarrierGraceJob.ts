// Refreshes the grace learned per carrier (src/analytics/carrierGrace.ts) from the history store and
// hands it to the engine, where rules read it as carrier.grace (and carrier.out_for_delivery, the
// share of parcels the carrier scans out for delivery). Hourly: lateness moves slowly, and
// a wait reads the grace when it is armed.
import type { Logger } from 'pino'
import { DEFAULT_CARRIER_GRACE, learnedGrace, learnedOutForDelivery, type CarrierGracePolicy } from '../analytics/carrierGrace.ts'
import type { Clock } from '../lib/clock.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'

export interface CarrierGraceDeps {
  history: Pick<HistoryStore, 'carrierLateness'>
  engine: { setCarrierGrace(grace: ReadonlyMap<string, number>, outForDelivery: ReadonlyMap<string, number>): void }
  clock: Clock
  logger: Logger
  policy?: CarrierGracePolicy
}

export class CarrierGraceJob {
  constructor(private readonly deps: CarrierGraceDeps) {}

  /** Returns the table it set. */
  async run(): Promise<ReadonlyMap<string, number>> {
    const { history, engine, clock, logger } = this.deps
    const policy = this.deps.policy ?? DEFAULT_CARRIER_GRACE
    const now = clock.now()
    const rows = await history.carrierLateness(Math.max(0, now - policy.windowMs), now, policy.quantile)
    const grace = learnedGrace(rows, policy)
    engine.setCarrierGrace(grace, learnedOutForDelivery(rows, policy))
    logger.info({ carriers: grace.size, withTooLittleHistory: rows.length - grace.size }, 'carrier grace refreshed')
    return grace
  }
}
