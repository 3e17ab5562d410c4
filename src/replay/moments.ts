// Steps over several moments: a replay step may take the events of later moments too, with the
// clock moved to each event's time before it is applied, as long as nothing a tick would do
// between them can differ. Between two moments a tick would fire due timers, sweep scheduled care
// and dispatch due messages, and the next step would read queue staffing again; so a later moment
// joins a step only while no timer, message or schedule is due before it, the step so far has only
// changed customer state and armed timers due after it, and no rule routes by staffing or runs on a
// schedule. Whatever else an event did (a decision, a message withdrawn, a task closed, a shopper
// identified …) is written by the step at that event's own time, as one step per moment would.
import type { RuleSet } from '../rules/index.ts'
import type { BatchWork } from '../stream/engine/BatchWork.ts'

/** Events of later moments a step takes at most (the first moment's are always all taken). */
export const MAX_LATER_EVENTS = 64

/** Whether steps may span moments under these rules (staffing and schedules are read per moment). */
export function momentsMayShareSteps(rules: RuleSet): boolean {
  return !rules.needsStaffing && rules.schedules.length === 0
}

/** Whether the work so far holds anything but state changes and timer writes. */
export function reachesBeyondState(work: BatchWork): boolean {
  const fx = work.effects
  return (
    work.moments > 0 ||
    fx.outbox.length + fx.tasks.length + fx.signals.length + fx.decisions.length + fx.deliveries.length + fx.taskEvents.length > 0 ||
    work.mootTasks.length + work.withdrawnNudges.length + work.deadLetters.length + work.handoffs.length > 0 ||
    work.identity.links.length + work.identity.conflicts.length + work.addressChanged.size > 0
  )
}

/** Whether the work armed a timer due at or before `t`. */
export function armsTimerBy(work: BatchWork, t: number): boolean {
  for (const timer of work.timers) if (timer.op === 'arm' && timer.dueAt <= t) return true
  return false
}

/**
 * How many events of later moments the next step offers: twice what the last step took of them
 * (at least 2, at most MAX_LATER_EVENTS), so that events offered and not taken stay few.
 */
export class LaterEvents {
  private offer = 2

  get limit(): number {
    return this.offer
  }

  took(later: number): void {
    this.offer = Math.min(MAX_LATER_EVENTS, Math.max(2, later * 2))
  }
}
