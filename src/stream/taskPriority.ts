// A task's priority comes from its rule and from the shopper: a VIP, a big order or a run of
// other problems raise it one level, with the reasons kept for the agent. The shopper alone never
// makes a task urgent: urgent is for what the rule itself calls severe (money, security).
import { PRIORITIES, type Priority } from '../model/priority.ts'
import type { EvalContext } from '../rules/index.ts'

const PROBLEM_EVENTS = new Set(['Complaint Filed', 'Return Requested', 'Payment Failed', 'Order Cancelled'])
const PROBLEM_WINDOW_MS = 30 * 86_400_000
export const BIG_ORDER_TOTAL = 500
export const REPEAT_PROBLEMS = 3

function isVip(traits: Record<string, unknown>): boolean {
  const tier = typeof traits.tier === 'string' ? traits.tier.toLowerCase() : ''
  return traits.vip === true || traits.vip === 'true' || tier === 'vip' || tier === 'gold' || tier === 'platinum'
}

export function taskPriority(base: Priority, ctx: EvalContext): { priority: Priority; reasons: string[] } {
  const reasons: string[] = []
  if (isVip(ctx.state.traits)) reasons.push('VIP shopper')
  const total = Number(ctx.order?.total ?? ctx.event.properties.total ?? NaN)
  if (Number.isFinite(total) && total >= BIG_ORDER_TOTAL) reasons.push(`order total ${total}`)
  // Problems of other kinds than the trigger's: a returns rule is not boosted by returns alone.
  const problems = ctx.state.recent.filter((e) => PROBLEM_EVENTS.has(e.name) && e.name !== ctx.event.name && e.ts > ctx.at - PROBLEM_WINDOW_MS).length
  if (problems >= REPEAT_PROBLEMS) reasons.push(`${problems} other problems in 30 days`)
  const baseLevel = PRIORITIES.indexOf(base)
  const ceiling = Math.max(baseLevel, PRIORITIES.indexOf('high'))
  const level = Math.min(ceiling, baseLevel + (reasons.length > 0 ? 1 : 0))
  return { priority: PRIORITIES[level] as Priority, reasons }
}
