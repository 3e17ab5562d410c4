// From a matched rule to a decision: guards (cooldown, once) and per-action conditions, with
// deterministic idempotency keys. Pure: the caller applies the decision's effects.
import { fnv1a32 } from '../lib/fnv1a.ts'
import type { Channel, Topic } from '../model/channel.ts'
import { partBefore, separatorWords } from '../model/idParts.ts'
import type { Priority } from '../model/priority.ts'
import type { CompiledRule } from './compile.ts'
import type { EvalContext } from './facts.ts'

/** A moment a rule noticed: the rule, what triggered it, and about which entity. */
export interface Moment {
  rule: CompiledRule
  customerId: string
  trigger: { kind: TriggerKind; id: string }
  entity: string | undefined
  /** Event time or timer due time. */
  at: number
}

export type PlannedAction =
  | {
      kind: 'nudge'
      key: string
      actionIndex: number
      channel: Channel
      template: string
      topic: Topic
      urgent: boolean
      /** Carries a one-question satisfaction survey. */
      survey?: boolean
      /** Set when this nudge stands in for a task no person could take in time. */
      routing?: string
    }
  | {
      kind: 'task'
      key: string
      actionIndex: number
      queue: string
      priority: Priority
      slaMs: number
      title: string | undefined
      skills: string[]
      /** Not before this time (queued for the next shift); undefined = now. */
      availableAt?: number
      /** Why it was routed as it was (capacity, hours). */
      routing?: string
    }

/**
 * Whether a person in `queue` can take a new task within `slaMs` (from the queues' live load,
 * snapshotted by the caller). Without it every queue counts as staffed.
 */
export type Staffing = (queue: string, slaMs: number) => { ok: true; reason: string } | { ok: false; reason: string; nextOpenAt: number | undefined }

export type SuppressReason = 'cooldown' | 'once' | 'conditions' | 'holdout' | 'stale'

export interface Decision {
  /** Idempotency key of the moment: rule + version + customer + trigger. */
  signalId: string
  moment: Moment
  outcome: 'planned' | 'suppressed'
  /** Why nothing was planned (guard, or no action's conditions held). */
  reason: SuppressReason | undefined
  planned: PlannedAction[]
  /** Actions whose own conditions did not hold. */
  skipped: Array<{ actionIndex: number; kind: 'nudge' | 'task'; reason: 'conditions' }>
  /** The guard key and time to record when planned (cooldown / once bookkeeping). */
  firing: { key: string; at: number } | undefined
}

/**
 * Stable holdout membership: FNV-1a of rule and shopper mapped to [0, 1). The same shopper stays
 * in (or out of) a rule's holdout across restarts, replays and versions of the rule.
 */
export function holdoutPosition(ruleId: string, customerId: string): number {
  return fnv1a32(`${ruleId}\u0000${customerId}`) / 0x1_0000_0000
}

export const inHoldout = (ruleId: string, customerId: string, share: number): boolean => holdoutPosition(ruleId, customerId) < share

const TRIGGER_KINDS = ['event', 'timer', 'schedule'] as const
export type TriggerKind = (typeof TRIGGER_KINDS)[number]
const BEFORE_TRIGGER_KIND = separatorWords(TRIGGER_KINDS)

/** `rule:vN:customer:kind:trigger`, one per shopper and trigger (src/model/idParts.ts). */
export function signalIdOf(moment: Moment): string {
  const { rule, customerId, trigger } = moment
  return `${rule.id}:v${rule.version}:${partBefore(customerId, BEFORE_TRIGGER_KIND)}:${trigger.kind}:${trigger.id}`
}

export function guardKeyOf(moment: Moment): string {
  const { rule, entity } = moment
  return rule.guard.per === 'entity' && entity !== undefined ? `${rule.id}|${entity}` : rule.id
}

/**
 * Decides what to do about a moment, given the customer's guard bookkeeping (`firings`:
 * guard key → last time planned) and the processing time `now`: a moment older than its rule's
 * maximum age is stale (a backfill, a long outage) and nothing is planned for it, nor counted as
 * a firing, so a fresh moment later is not held back by it.
 */
export function decide(moment: Moment, ctx: EvalContext, firings: Readonly<Record<string, number>>, staffing?: Staffing, now: number = moment.at): Decision {
  const signalId = signalIdOf(moment)
  const { rule } = moment
  const guardKey = guardKeyOf(moment)
  const last = Object.hasOwn(firings, guardKey) ? firings[guardKey] : undefined
  const base = { signalId, moment, planned: [], skipped: [], firing: undefined }
  if (now - moment.at > rule.maxAgeMs) return { ...base, outcome: 'suppressed', reason: 'stale' }
  if (last !== undefined) {
    if (rule.guard.once) return { ...base, outcome: 'suppressed', reason: 'once' }
    if (rule.guard.cooldownMs !== undefined && moment.at - last < rule.guard.cooldownMs) {
      return { ...base, outcome: 'suppressed', reason: 'cooldown' }
    }
  }
  const planned: PlannedAction[] = []
  const skipped: Decision['skipped'] = []
  for (const action of rule.actions) {
    if (!action.when(ctx)) {
      skipped.push({ actionIndex: action.index, kind: action.kind, reason: 'conditions' })
      continue
    }
    const key = `${signalId}:a${action.index}`
    if (action.kind === 'nudge') {
      const { channel, template, topic, urgent, survey } = action
      planned.push({ kind: 'nudge', key, actionIndex: action.index, channel, template, topic, urgent, ...(survey ? { survey } : {}) })
    } else {
      const { queue, priority, slaMs, title, skills, fallback } = action
      const staffed = fallback && staffing ? staffing(queue, slaMs) : undefined
      if (staffed && !staffed.ok && fallback) {
        // Capacity-aware: nobody can take it in time, so the bot helps now and (optionally) a
        // person follows up when the queue next opens.
        const routing = `fallback: ${staffed.reason}`
        planned.push({ kind: 'nudge', key: `${key}:fallback`, actionIndex: action.index, channel: fallback.channel, template: fallback.template, topic: fallback.topic, urgent: false, routing })
        if (fallback.thenTask) planned.push({ kind: 'task', key, actionIndex: action.index, queue, priority, slaMs, title, skills, availableAt: staffed.nextOpenAt, routing })
      } else {
        planned.push({ kind: 'task', key, actionIndex: action.index, queue, priority, slaMs, title, skills, ...(staffed ? { routing: staffed.reason } : {}) })
      }
    }
  }
  if (planned.length === 0) return { ...base, skipped, outcome: 'suppressed', reason: 'conditions' }
  // Held out: decided for (and counted for cooldowns, like everyone else) but not contacted.
  if (rule.holdout > 0 && inHoldout(rule.id, moment.customerId, rule.holdout)) {
    return { signalId, moment, outcome: 'suppressed', reason: 'holdout', planned: [], skipped, firing: { key: guardKey, at: moment.at } }
  }
  return { signalId, moment, outcome: 'planned', reason: undefined, planned, skipped, firing: { key: guardKey, at: moment.at } }
}
