// What the agents' pages (work list, task) share: their stylesheet, SLA countdowns, priority and
// status badges, the shopper of a task. Built on the shell's components (components/index.js).
import { Badge, PRIORITY_TONE, formatDateTime, formatDuration } from '../components/index.js'
import { html, register, t } from '../lib.js'
import { PRIORITIES } from '../vocabulary.js'

/** Inserts pages/agent.css once (after the shell's styles.css, which stays the base). */
export function useAgentStyles() {
  if (typeof document !== 'undefined' && !document.getElementById('careloop-agent-css')) {
    const link = document.createElement('link')
    link.id = 'careloop-agent-css'
    link.rel = 'stylesheet'
    link.href = new URL('./agent.css', import.meta.url).href
    document.head.append(link)
  }
}

register({
  en: {
    'agent.priority.urgent': 'Urgent',
    'agent.priority.high': 'High',
    'agent.priority.normal': 'Normal',
    'agent.priority.low': 'Low',
    'agent.priority.label': 'Priority: {priority}',
    'agent.sla.left': '{d} left',
    'agent.sla.breached': 'breached {d} ago',
    'agent.sla.due': 'SLA due {at}',
    'agent.status.open': 'Open',
    'agent.status.mine': 'Claimed by me',
    'agent.status.claimedBy': 'Claimed by {who}',
    'agent.status.resolved': 'Resolved',
    'agent.status.resolvedBy': 'Resolved by {who}',
    'agent.me': 'me',
    'agent.local': '{time} their time',
    'agent.night': 'Night for them',
    'agent.nightWarning': 'It is {time} for {who} ({zone}). A call or text now may wake them: write, or wait until {morning}.',
    'agent.order': 'Order {id}',
    'agent.about': 'About {id}',
    'agent.group': '{who} · {n} tasks',
  },
  'zh-CN': {
    'agent.priority.urgent': '紧急',
    'agent.priority.high': '高',
    'agent.priority.normal': '普通',
    'agent.priority.low': '低',
    'agent.priority.label': '优先级：{priority}',
    'agent.sla.left': '剩余 {d}',
    'agent.sla.breached': '已超时 {d}',
    'agent.sla.due': 'SLA 截止 {at}',
    'agent.status.open': '待处理',
    'agent.status.mine': '我已认领',
    'agent.status.claimedBy': '{who} 已认领',
    'agent.status.resolved': '已解决',
    'agent.status.resolvedBy': '{who} 已解决',
    'agent.me': '我',
    'agent.local': '对方时间 {time}',
    'agent.night': '对方正值夜间',
    'agent.nightWarning': '{who} 那里现在是 {time}（{zone}）。此时打电话或发短信可能会吵醒对方：请改为写信，或等到 {morning} 以后。',
    'agent.order': '订单 {id}',
    'agent.about': '关于 {id}',
    'agent.group': '{who} · {n} 个任务',
  },
})

const MINUTE = 60_000

/** A duration in whole minutes at least ("12 min", "2 h 5 min"): an SLA is not counted in seconds. */
export function minutes(ms) {
  return formatDuration(Math.max(MINUTE, Math.round(Math.abs(ms) / MINUTE) * MINUTE))
}

/** Where a task stands against its SLA: { text, breached, soon } (soon: under 15 minutes). */
export function slaState(task, now) {
  if (task.status === 'resolved') return { text: '', breached: false, soon: false }
  const left = task.slaDueAt - now
  if (left < 0) return { text: t('agent.sla.breached', { d: minutes(-left) }), breached: true, soon: false }
  return { text: t('agent.sla.left', { d: minutes(left) }), breached: false, soon: left < 15 * MINUTE }
}

/** "12 min left" / "breached 5 min ago" (highlighted), the due time on hover. */
export function SlaCountdown({ task, now }) {
  const s = slaState(task, now)
  if (!s.text) return null
  const cls = s.breached ? 'sla sla-breached' : s.soon ? 'sla sla-soon' : 'sla'
  return html`<time class=${cls} datetime=${new Date(task.slaDueAt).toISOString()} title=${t('agent.sla.due', { at: formatDateTime(task.slaDueAt) })}>${s.text}</time>`
}

export function PriorityBadge({ priority }) {
  const known = PRIORITIES.includes(priority)
  const label = known ? t(`agent.priority.${priority}`) : priority
  return html`<span class=${`prio prio-${known ? priority : 'normal'}`} title=${t('agent.priority.label', { priority: label })}>${label}</span>`
}
export { PRIORITY_TONE }

/** "Open", "Claimed by me", "Claimed by bob", "Resolved by alice". */
export function statusText(task, me) {
  if (task.status === 'resolved') return task.resolvedBy ? t('agent.status.resolvedBy', { who: task.resolvedBy === me.name ? t('agent.me') : task.resolvedBy }) : t('agent.status.resolved')
  if (task.status === 'claimed') return task.claimedBy === me.name ? t('agent.status.mine') : t('agent.status.claimedBy', { who: task.claimedBy })
  return t('agent.status.open')
}

export function StatusBadge({ task, me }) {
  const tone = task.status === 'claimed' ? (task.claimedBy === me.name ? 'success' : 'accent') : 'neutral'
  return html`<${Badge} tone=${tone} dot=${task.status !== 'resolved'}>${statusText(task, me)}<//>`
}

/** The shopper's name and id from the context the task was created with. */
export function shopperOf(task) {
  const customer = task.context?.customer ?? {}
  const traits = customer.traits ?? {}
  return { id: task.customerId, name: typeof traits.name === 'string' ? traits.name : '', vip: traits.vip === true, locale: customer.locale ?? traits.locale ?? null }
}

/** The holder named in a 409 from claim ("… already claimed by bob"), if any. */
export function holderFrom(message) {
  const m = / by ([^\s;,]+)\s*$/.exec(message ?? '')
  return m ? m[1] : null
}

/** Night in the shopper's own zone: from 22:00 to 08:00, when a call or a text may wake them. */
export const NIGHT = { from: 22, to: 8 }

/**
 * The shopper's local time now: { time: '00:34', zone, night } or null when their time zone is not
 * known (or not one the browser knows).
 */
export function localTimeOf(customer, now) {
  const zone = customer?.timezone
  if (typeof zone !== 'string' || zone === '') return null
  try {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(now))
    const hour = Number(parts.find((p) => p.type === 'hour')?.value)
    const minute = parts.find((p) => p.type === 'minute')?.value ?? '00'
    return { time: `${String(hour).padStart(2, '0')}:${minute}`, zone, night: hour >= NIGHT.from || hour < NIGHT.to }
  } catch {
    return null
  }
}

/** What a task is about, in a few words: its order (with its total), or the entity it names. */
export function subjectOf(task) {
  const order = task.context?.order
  if (order && typeof order.order_id === 'string') return t('agent.order', { id: order.order_id })
  const entity = task.signal?.entity
  return typeof entity === 'string' && entity !== '' ? t('agent.about', { id: entity }) : ''
}
