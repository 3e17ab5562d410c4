// What the work-list use cases share: the stores and clock they act with, and the claim metric.
import type { Clock } from '../lib/clock.ts'
import type { Metrics } from '../lib/metrics.ts'
import type { HistoryStore } from '../store/history/HistoryStore.ts'
import type { OperationalStore } from '../store/operational/OperationalStore.ts'

export interface WorkListDeps {
  ops: Pick<OperationalStore, 'tasks'>
  history: Pick<HistoryStore, 'append'>
  clock: Clock
}

export interface ClaimDeps extends WorkListDeps {
  /** Time from a task becoming available to its claim. */
  metrics?: Pick<Metrics, 'timeToFirstClaim'> | undefined
}

export function observeClaim(deps: ClaimDeps, task: { queue: string; availableAt?: number; createdAt: number }, now: number): void {
  deps.metrics?.timeToFirstClaim.observe({ queue: task.queue }, Math.max(0, now - (task.availableAt ?? task.createdAt)) / 1000)
}
