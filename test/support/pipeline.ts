// The engine's pure path without stores, for property tests: decode → reducer → rules → decide →
// effects → guards → templates. States go through a JSON round trip (as through the store) and
// reviveState before every event, so the stored shape is what the next event sees.
import { DEFAULT_GUARD_POLICY, evaluateGuards, type GuardVerdict } from '../../src/channels/guards/index.ts'
import { CONTENT_CHANNELS, createChannelRenderer, createTemplateRenderer, type ContentChannel } from '../../src/channels/templates/index.ts'
import { PermanentSendError } from '../../src/channels/types.ts'
import { emptyCustomerState, getOwn, reviveState, type CustomerState } from '../../src/model/customer.ts'
import type { FieldError } from '../../src/rules/conditions.ts'
import { compileRule, decide, RuleSet, type CompiledRule, type Decision, type EvalContext, type RuleDocument } from '../../src/rules/index.ts'
import { decodeBytes } from '../../src/stream/decode.ts'
import type { OutboxPayload } from '../../src/model/outbox.ts'
import { addDecisionEffects, emptyEffects, type DecisionEffects } from '../../src/stream/effects.ts'
import { alreadyApplied, applyEvent } from '../../src/stream/state/reducer.ts'

export const SHOP = { name: 'Test Shop', url: 'https://shop.test' }

const email = createTemplateRenderer()
const channels = new Map<string, ReturnType<typeof createChannelRenderer>>()
function rendererFor(channel: string) {
  let r = channels.get(channel)
  if (r === undefined) {
    r = createChannelRenderer(channel as ContentChannel)
    channels.set(channel, r)
  }
  return r
}

export interface Processed {
  ok: true
  decisions: Decision[]
  effects: DecisionEffects
  verdicts: GuardVerdict[]
  /** Rendered messages (a PermanentSendError — e.g. a template needing a missing order — counts as handled). */
  rendered: number
  renderRefused: number
}

export type PipelineResult = Processed | { ok: false; errors: FieldError[] }

export function compileAll(documents: readonly RuleDocument[]): CompiledRule[] {
  return documents.map((document) => {
    const result = compileRule({ document })
    if (!result.ok) throw new Error(`rule ${(document as { id?: string }).id}: ${JSON.stringify(result.errors)}`)
    return result.rule
  })
}

export class Pipeline {
  readonly stored = new Map<string, string>()
  private readonly ruleSet: RuleSet

  constructor(rules: readonly RuleDocument[], private readonly now: () => number) {
    this.ruleSet = new RuleSet(compileAll(rules))
  }

  state(customerId: string): CustomerState | undefined {
    const json = this.stored.get(customerId)
    return json === undefined ? undefined : reviveState(JSON.parse(json), customerId)
  }

  process(bytes: string): PipelineResult {
    const decoded = decodeBytes(bytes, this.now())
    if (!decoded.ok) return { ok: false, errors: decoded.errors }
    const { event } = decoded
    const state = this.state(event.customerId) ?? emptyCustomerState(event.customerId)
    const out: Processed = { ok: true, decisions: [], effects: emptyEffects(), verdicts: [], rendered: 0, renderRefused: 0 }
    if (alreadyApplied(state, event.messageId)) return out
    applyEvent(state, event)
    const orderId = getOwn(event.properties, 'order_id')
    const ctx: EvalContext = {
      event,
      state,
      order: typeof orderId === 'string' || typeof orderId === 'number' ? getOwn(state.orders, String(orderId)) : undefined,
      at: event.ts,
    }
    for (const change of this.ruleSet.timerChanges(event, ctx)) {
      if (change.op === 'cancel') continue
      state.timers[`${change.ruleId}:${change.triggerIndex}:${change.entity}`] = { ruleId: change.ruleId, triggerIndex: change.triggerIndex, entity: change.entity as string, dueAt: change.dueAt }
    }
    for (const match of this.ruleSet.matchEvent(ctx)) {
      const decision = decide({ rule: match.rule, customerId: state.customerId, trigger: { kind: 'event', id: event.messageId }, entity: match.entity, at: event.ts }, ctx, state.firings)
      if (decision.firing) state.firings[decision.firing.key] = decision.firing.at
      addDecisionEffects(out.effects, decision, ctx, SHOP, this.now())
      out.decisions.push(decision)
    }
    for (const row of out.effects.outbox) {
      out.verdicts.push(
        evaluateGuards(
          { message: row, timezone: state.timezone, now: this.now(), consent: { allowed: true, basis: 'default' }, competitors: [], contacts: [] },
          { ...DEFAULT_GUARD_POLICY, quietHours: null },
        ),
      )
      const payload = row.payload as OutboxPayload
      try {
        if (row.channel === 'email') email.render(row.template, payload.locale, payload.vars)
        else if ((CONTENT_CHANNELS as readonly string[]).includes(row.channel)) rendererFor(row.channel).render(row.template, payload.locale, payload.vars)
        else continue
        out.rendered++
      } catch (err) {
        if (!(err instanceof PermanentSendError)) throw err
        out.renderRefused++
      }
    }
    // The store keeps JSON: what does not survive JSON.stringify does not survive a restart.
    this.stored.set(state.customerId, JSON.stringify(state))
    return out
  }
}
