// The sandbox's history store: keeps what the engine and the dispatcher append, in memory. A real
// chDB store cannot be used here: chDB allows one data directory per process, and a replay runs
// inside an engine (the API) or beside one (tests). Decision lines are read from these rows.
import type { DecisionRow, DeliveryRow, HistoryBatch, HistoryStore, SignalRow, TaskEventRow } from '../store/history/HistoryStore.ts'

export class RecordingHistory {
  /** By id: a re-appended row (same deterministic id) replaces itself, as the real store dedupes. */
  readonly signals = new Map<string, SignalRow>()
  readonly decisions = new Map<string, DecisionRow>()
  readonly deliveries = new Map<string, DeliveryRow>()
  readonly taskEvents = new Map<string, TaskEventRow>()
  /** Events are only counted: a long trace would otherwise be held twice. */
  events = 0

  async append(batch: HistoryBatch): Promise<void> {
    this.events += batch.events?.length ?? 0
    for (const row of batch.signals ?? []) this.signals.set(row.id, row)
    for (const row of batch.decisions ?? []) this.decisions.set(row.id, row)
    for (const row of batch.deliveries ?? []) this.deliveries.set(row.id, row)
    for (const row of batch.taskEvents ?? []) this.taskEvents.set(row.id, row)
  }

  async migrate(): Promise<void> {}

  async ping(): Promise<boolean> {
    return true
  }

  async close(): Promise<void> {}

  /**
   * This recorder seen as a HistoryStore. The engine and the dispatcher only append; anything else
   * (a read a future change might add) fails loudly instead of silently returning nothing.
   */
  asHistoryStore(): HistoryStore {
    return new Proxy(this, {
      get(target, prop, receiver) {
        if (prop in target) {
          const value: unknown = Reflect.get(target, prop, receiver)
          return typeof value === 'function' ? value.bind(target) : value
        }
        if (prop === 'then') return undefined // not a thenable
        return () => Promise.reject(new Error(`the replay sandbox only records history; ${String(prop)}() is not available`))
      },
    }) as unknown as HistoryStore
  }
}
