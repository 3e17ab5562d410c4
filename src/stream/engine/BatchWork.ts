// Work collected while processing one batch (events, timers or a schedule sweep), written at
// its end in one history append and one operational transaction.
import type { CustomerState } from '../../model/customer.ts'
import type { HandoffRecord } from '../../model/identity.ts'
import type { Staffing } from '../../rules/index.ts'
import type { EventRow } from '../../store/history/HistoryStore.ts'
import type { DeadLetter } from '../../store/operational/DeadLetterStore.ts'
import type { IdentityLink } from '../../store/operational/IdentityStore.ts'
import type { TimerWrite } from '../../store/operational/EngineStore.ts'
import type { WithdrawnNudges } from '../../store/operational/OutboxStore.ts'
import type { MootTasks } from '../../store/operational/TaskStore.ts'
import { emptyEffects, type DecisionEffects } from '../effects.ts'
import type { SourceRecord } from '../source/EventSource.ts'

export class BatchWork {
  readonly effects: DecisionEffects = emptyEffects()
  /** History rows of the events applied (none when the history store keeps no event rows). */
  readonly events: EventRow[] = []
  /** Events applied. */
  eventCount = 0
  readonly timers: TimerWrite[] = []
  /** Open tasks whose reason an awaited event ended. */
  readonly mootTasks: MootTasks[] = []
  /** Messages waiting to go out whose reason an event ended (the same events as mootTasks). */
  readonly withdrawnNudges: WithdrawnNudges[] = []
  readonly deadLetters: DeadLetter[] = []
  /** Records for other customers' owners (merge steps, forwarded events), durable with the batch. */
  readonly handoffs: HandoffRecord[] = []
  /** Anonymous ids sealed into a known id, and claims refused because another id was first. */
  readonly identity: { links: IdentityLink[]; conflicts: IdentityLink[] } = { links: [], conflicts: [] }
  /** Source records behind the dead letters that came from the source (same order). */
  readonly deadRecords: SourceRecord[] = []
  /** Shoppers who identified or were merged in this work: their messages waiting for an address are due now. */
  readonly addressChanged = new Set<string>()
  readonly touched = new Map<string, { partition: number; state: CustomerState }>()
  /**
   * Customers whose cached state this work has changed, including by a step that then failed:
   * when the work is thrown away, their cached copies must be dropped with it.
   */
  readonly dirty = new Set<string>()
  /** Redelivered events recognised and skipped. */
  duplicates = 0
  /** Events for suppressed (erased) ids, dropped before they touched state. */
  suppressed = 0
  /** Moments decided on (signals). */
  moments = 0
  /** Characters of stream input the text policy replaced (NUL, lone surrogates). */
  repairedText = 0
  /** Queue load at the start of the batch, for capacity-aware routing. */
  staffing: Staffing | undefined
}

/** One input (event, timer, scheduled customer) whose processing threw; it becomes a dead letter. */
export class PoisonError extends Error {
  constructor(
    /** Identifies the input within its batch (source offset, timer id, customer id). */
    readonly key: string | number,
    override readonly cause: unknown,
  ) {
    super(`processing failed: ${describeError(cause)}`)
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 1000)
  return String(err).slice(0, 1000)
}
