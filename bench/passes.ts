// The timed bodies (one pass over the trace each) and a read-only look into the rule index.
import type { CustomerState } from '../src/model/customer.ts'
import type { ShopEvent } from '../src/model/event.ts'
import { decide, type EvalContext, type Moment, type RuleSet } from '../src/rules/index.ts'
import { decodeMessage } from '../src/stream/decode.ts'
import { alreadyApplied, applyEvent, type RetentionPolicy } from '../src/stream/state/reducer.ts'
import { orderOf } from './trace.ts'

/** The rule stage as Engine.applyOne runs it: timer changes, then event matches. */
export function rulePass(ruleSet: RuleSet, contexts: readonly EvalContext[]): number {
  let n = 0
  for (let i = 0; i < contexts.length; i++) {
    const ctx = contexts[i] as EvalContext
    n += ruleSet.timerChanges(ctx.event, ctx).length
    n += ruleSet.matchEvent(ctx).length
  }
  return n
}

/**
 * The rule stage twice on each context in a row: the second run finds the context's data in the
 * cache, as the engine's rule stage finds the state the reducer has just written. Its cost is
 * this pass's minus rulePass's.
 */
export function rulePassTwice(ruleSet: RuleSet, contexts: readonly EvalContext[]): number {
  let n = 0
  for (let i = 0; i < contexts.length; i++) {
    const ctx = contexts[i] as EvalContext
    n += ruleSet.timerChanges(ctx.event, ctx).length + ruleSet.matchEvent(ctx).length
    n += ruleSet.timerChanges(ctx.event, ctx).length + ruleSet.matchEvent(ctx).length
  }
  return n
}

export function parsePass(json: readonly string[]): number {
  let n = 0
  for (let i = 0; i < json.length; i++) {
    const parsed = JSON.parse(json[i] as string) as { type: string }
    n += parsed.type.length
  }
  return n
}

function stateFor(states: Map<string, CustomerState>, id: string): CustomerState {
  const state = states.get(id)
  if (state === undefined) throw new Error(`no prepared state for ${id}`)
  return state
}

/** Dedupe check + applyEvent, nothing else. */
export function reducerPass(events: readonly ShopEvent[], states: Map<string, CustomerState>, policy: RetentionPolicy): number {
  let n = 0
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as ShopEvent
    const state = stateFor(states, event.customerId)
    if (alreadyApplied(state, event.messageId)) continue
    applyEvent(state, event, policy)
    n += state.version
  }
  return n
}

/** Dedupe check + applyEvent + the rule stage on the live state (one pass, as the engine does). */
export function reducerRulesPass(events: readonly ShopEvent[], states: Map<string, CustomerState>, policy: RetentionPolicy, ruleSet: RuleSet): number {
  let n = 0
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as ShopEvent
    const state = stateFor(states, event.customerId)
    if (alreadyApplied(state, event.messageId)) continue
    applyEvent(state, event, policy)
    const ctx: EvalContext = { event, state, order: orderOf(state, event), at: event.ts }
    n += ruleSet.timerChanges(event, ctx).length
    n += ruleSet.matchEvent(ctx).length
  }
  return n
}

/** Bytes → JSON.parse → decodeMessage → dedupe + applyEvent → rule stage → decide (no IO). */
export function pipelinePass(json: readonly string[], states: Map<string, CustomerState>, policy: RetentionPolicy, ruleSet: RuleSet): number {
  let n = 0
  for (let i = 0; i < json.length; i++) {
    const decoded = decodeMessage(JSON.parse(json[i] as string), 0)
    if (!decoded.ok) continue
    const event = decoded.event
    const state = stateFor(states, event.customerId)
    if (alreadyApplied(state, event.messageId)) continue
    applyEvent(state, event, policy)
    const ctx: EvalContext = { event, state, order: orderOf(state, event), at: event.ts }
    n += ruleSet.timerChanges(event, ctx).length
    for (const match of ruleSet.matchEvent(ctx)) {
      const moment: Moment = { rule: match.rule, customerId: state.customerId, trigger: { kind: 'event', id: event.messageId }, entity: match.entity, at: event.ts }
      const decision = decide(moment, ctx, state.firings)
      if (decision.firing) state.firings[decision.firing.key] = decision.firing.at
      n += decision.planned.length
    }
  }
  return n
}

/** Keys of everything the rule stage produced for one context (for agreement checks). */
export function careloopKeys(ruleSet: RuleSet, ctx: EvalContext): string[] {
  const keys = ruleSet.matchEvent(ctx).map((m) => `m:${m.rule.id}#${m.trigger.index}`)
  for (const c of ruleSet.timerChanges(ctx.event, ctx)) keys.push(`${c.op}:${c.ruleId}#${c.triggerIndex}`)
  return keys.sort()
}

export function countOutputs(ruleSet: RuleSet, contexts: readonly EvalContext[]): { matches: number; timers: number; matchedRules: number } {
  let matches = 0
  let timers = 0
  const rules = new Set<string>()
  for (const ctx of contexts) {
    const found = ruleSet.matchEvent(ctx)
    matches += found.length
    for (const m of found) rules.add(m.rule.id)
    timers += ruleSet.timerChanges(ctx.event, ctx).length
  }
  return { matches, timers, matchedRules: rules.size }
}

// ---- the index's own diagnostics ---------------------------------------------------------------

/** Per event, on average: (rule, trigger) entries whose predicates run, and of those the unindexed rest. */
export function candidatesPerEvent(ruleSet: RuleSet, contexts: readonly EvalContext[]): { evaluated: number; rest: number } {
  const restOf = new Map(ruleSet.indexStats().map((b) => [b.event, b.rest]))
  let evaluated = 0
  let rest = 0
  for (const ctx of contexts) {
    evaluated += ruleSet.predicateRunsFor(ctx)
    rest += restOf.get(ctx.event.name) ?? 0
  }
  return { evaluated: evaluated / contexts.length, rest: rest / contexts.length }
}

export interface BucketStat {
  event: string
  indexedOn: string
  indexed: number
  rest: number
}

export function bucketStats(ruleSet: RuleSet): BucketStat[] {
  return ruleSet
    .indexStats()
    .map((b) => ({
      event: b.event,
      indexedOn: [...b.valueIndexes, ...b.boundIndexes.map((p) => `${p} (bound)`)].join(', ') || '—',
      indexed: b.indexed,
      rest: b.rest,
    }))
    .sort((a, b) => b.rest - a.rest)
}
