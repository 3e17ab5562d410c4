// Every history row a sandbox's engine and dispatcher append, and every send, kept in memory: the
// reference the streamed decision lines are checked with (lineTracker.ts builds them as they become
// final and keeps none of this). A real chDB store cannot be used in a sandbox: chDB allows one data
// directory per process, and a replay runs inside an engine (the API) or beside one (tests).
import type { DecisionRow, DeliveryRow, HistoryBatch, SignalRow, TaskEventRow } from '../store/history/HistoryStore.ts'
import type { RecordedSend } from './senders.ts'

export class RecordingHistory {
  /** By id: a re-appended row (same deterministic id) replaces itself, as the real store dedupes. */
  readonly signals = new Map<string, SignalRow>()
  readonly decisions = new Map<string, DecisionRow>()
  readonly deliveries = new Map<string, DeliveryRow>()
  readonly taskEvents = new Map<string, TaskEventRow>()
  /** What the recording channels got, by outbox id. (No event rows: the sandbox's engine builds none.) */
  readonly sends = new Map<string, RecordedSend>()

  async append(batch: HistoryBatch): Promise<void> {
    for (const row of batch.signals ?? []) this.signals.set(row.id, row)
    for (const row of batch.decisions ?? []) this.decisions.set(row.id, row)
    for (const row of batch.deliveries ?? []) this.deliveries.set(row.id, row)
    for (const row of batch.taskEvents ?? []) this.taskEvents.set(row.id, row)
  }
}
