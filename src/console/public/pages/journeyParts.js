// The shopper journey's cards: rules with their why / why not, decisions, messages with their
// delivery trail, open orders, tasks, consent and the timeline. Data from GET
// /api/customers/:id/journey, /explain and /timeline (see journey.js).
import { Badge, Table } from '../components/index.js'
import { html, t } from '../lib.js'
import { Card, channelName, dateTime, isObj, money, nonBlank, when } from './taskParts.js'
import { describeEvent } from './taskTimeline.js'
import './journeyStrings.js'

const OPERATOR_TEXT = new Map([['eq', '='], ['ne', '≠'], ['gt', '>'], ['gte', '≥'], ['lt', '<'], ['lte', '≤'], ['in', 'in'], ['nin', 'not in'], ['exists', 'exists'], ['contains', 'contains'], ['matches', 'matches']])

/** A condition as a short line: `properties.total ≥ 500`, `count(Order Delivered, 30d) > 1`; else compact JSON. */
export function conditionText(node) {
  if (!isObj(node)) return JSON.stringify(node) ?? ''
  const subject = typeof node.fact === 'string' ? node.fact : isObj(node.count) ? `count(${node.count.event}, ${node.count.within})` : undefined
  const op = Object.keys(node).find((k) => OPERATOR_TEXT.has(k))
  if (subject === undefined || op === undefined) return JSON.stringify(node)
  const operand = node[op]
  const shown = isObj(operand) && typeof operand.fact === 'string' ? operand.fact : JSON.stringify(operand)
  return `${subject} ${OPERATOR_TEXT.get(op)} ${shown}${typeof node.currency === 'string' ? ` ${node.currency}` : ''}`
}

const valueText = (check) => (check.value === undefined ? '' : check.value === null ? t('journey.why.noValue') : t('journey.why.read', { value: JSON.stringify(check.value) }))

const MESSAGE_TONE = { sent: 'success', delivered: 'success', pending: 'info', sending: 'info', deferred: 'warning', skipped: 'warning', dead: 'danger', failed: 'danger', planned: 'info', suppressed: 'neutral' }
const statusLabel = (status) => (['sent', 'pending', 'sending', 'skipped', 'dead', 'queued', 'deferred', 'delivered', 'failed'].includes(status) ? t(`journey.status.${status}`) : status)
export const StatusPill = ({ status }) => html`<${Badge} tone=${MESSAGE_TONE[status] ?? 'neutral'}>${statusLabel(status)}<//>`

const VERDICT_TONE = { fired: 'success', suppressed: 'warning', failed: 'danger', no_event: 'neutral', held: 'info', waiting: 'info', awaited: 'neutral', scheduled: 'neutral', broken: 'danger' }

/** Per rule: the latest moment the explain API has for it (fired), else the condition check (why not). */
function ruleRows(rules, moments) {
  const latest = new Map()
  for (const m of moments) if (!latest.has(m.ruleId)) latest.set(m.ruleId, m)
  return rules.map((rule) => {
    const moment = latest.get(rule.ruleId)
    if (moment) return { rule, moment, verdict: moment.outcome === 'planned' ? 'fired' : 'suppressed' }
    return { rule, verdict: rule.verdict }
  })
}

function WhyNot({ rule }) {
  const at = rule.event ? { event: rule.event.name, when: dateTime(rule.event.ts) } : {}
  if (rule.verdict === 'failed') {
    const check = rule.checks.find((c) => c.path === rule.failed)
    return html`<p class="why-not" data-testid="why-not">${t('journey.why.failed', { ...at, path: rule.failed, condition: conditionText(check?.condition) })}${check && check.value !== undefined ? html` — <b>${valueText(check)}</b>` : ''}</p>`
  }
  if (rule.verdict === 'no_event') return html`<p class="muted">${t('journey.why.no_event', { events: rule.events.map((e) => `“${e}”`).join(', ') })}</p>`
  if (rule.verdict === 'held') return html`<p class="muted">${t('journey.why.held', at)}</p>`
  if (rule.verdict === 'waiting') return html`<p class="muted">${t('journey.why.waiting', { ...at, due: dateTime(rule.dueAt) })}</p>`
  if (rule.verdict === 'awaited') return html`<p class="muted">${t('journey.why.awaited', { ...at, awaited: rule.awaited.name, awaitedWhen: dateTime(rule.awaited.ts) })}</p>`
  return html`<p class="muted">${t(`journey.why.${rule.verdict}`)}</p>`
}

function Checks({ checks }) {
  if (checks.length === 0) return null
  return html`<details class="checks">
    <summary>${t('journey.checks')} (${checks.length})</summary>
    <ul class="plain-list">
      ${checks.map((c) => html`<li key=${c.path}><span class="mono">${c.path}</span> <code>${conditionText(c.condition)}</code> ${valueText(c)} — <${Badge} tone=${c.held ? 'success' : 'danger'}>${c.held ? t('journey.held') : t('journey.notHeld')}<//></li>`)}
    </ul>
  </details>`
}

export function RulesCard({ rules, moments }) {
  const rows = ruleRows(rules, moments)
  return html`<${Card} id="journey-rules" title=${t('journey.rules')}>
    <p class="muted small">${t('journey.rulesHint')}</p>
    <${Table}
      caption=${t('journey.rules')}
      rows=${rows}
      rowKey=${(r) => r.rule.ruleId}
      empty=${html`<p class="muted">${t('journey.rulesEmpty')}</p>`}
      columns=${[
        { key: 'rule', label: t('journey.col.rule'), render: (r) => html`<a href=${`#/rules/${encodeURIComponent(r.rule.ruleId)}`}>${r.rule.name}</a><div class="cell-sub mono">${r.rule.ruleId} v${r.rule.version}</div>` },
        { key: 'verdict', label: t('journey.col.verdict'), render: (r) => html`<span data-rule=${r.rule.ruleId} data-verdict=${r.verdict}><${Badge} tone=${VERDICT_TONE[r.verdict] ?? 'neutral'}>${t(`journey.verdict.${r.verdict}`)}<//></span>` },
        { key: 'why', label: t('journey.col.why'), render: (r) => (r.moment ? html`<p>${r.moment.summary}</p>` : html`<${WhyNot} rule=${r.rule} /><${Checks} checks=${r.rule.checks} />`) },
      ]}
    />
  <//>`
}

export function DecisionsCard({ moments }) {
  return html`<${Card} id="journey-decisions" title=${t('journey.decisions')}>
    ${moments.length === 0
      ? html`<p class="muted">${t('journey.decisionsEmpty')}</p>`
      : html`<ol class="plain-list">
          ${moments.map((m) => html`<li key=${m.signalId}><span class="subtle">${dateTime(m.at)}</span> ${m.summary} ${m.actions.map((a) => html` <${StatusPill} status=${a.status} />`)}</li>`)}
        </ol>`}
  <//>`
}

export function MessagesCard({ messages }) {
  return html`<${Card} id="journey-messages" title=${t('journey.messages')}>
    <${Table}
      caption=${t('journey.messages')}
      rows=${messages}
      empty=${html`<p class="muted">${t('journey.messagesEmpty')}</p>`}
      columns=${[
        { key: 'createdAt', label: t('journey.col.when'), render: (m) => dateTime(m.createdAt) },
        { key: 'message', label: t('journey.col.message'), render: (m) => html`${channelName(m.channel)} · <span class="mono">${m.template}</span><div class="cell-sub mono">${m.ruleId} v${m.ruleVersion}</div>` },
        { key: 'status', label: t('journey.col.status'), render: (m) => html`<span data-message=${m.id}><${StatusPill} status=${m.status} /></span>${m.lastError && html`<div class="cell-sub">${m.lastError}</div>`}` },
        {
          key: 'trail',
          label: t('journey.col.trail'),
          render: (m) => html`<ol class="plain-list">${m.deliveries.map((d, i) => html`<li key=${i}><${StatusPill} status=${d.status} /> <span class="subtle">${dateTime(d.ts)}</span>${d.detail && html` <span class="cell-sub">${d.detail}</span>`}</li>`)}</ol>`,
        },
      ]}
    />
  <//>`
}

export function OrdersCard({ orders }) {
  return html`<${Card} id="journey-orders" title=${t('journey.orders')}>
    <${Table}
      caption=${t('journey.orders')}
      rows=${orders}
      rowKey=${(o) => o.order_id}
      empty=${html`<p class="muted">${t('journey.ordersEmpty')}</p>`}
      columns=${[
        { key: 'order_id', label: t('journey.col.order'), render: (o) => html`<span class="mono">${o.order_id}</span>` },
        { key: 'status', label: t('journey.col.status'), render: (o) => o.shipment_status ?? o.status },
        { key: 'total', label: t('journey.col.total'), num: true, render: (o) => money(o.total, o.currency) ?? '' },
        { key: 'eta', label: t('journey.col.eta'), render: (o) => when(o.estimated_delivery_at ?? o.promised_delivery_at) ?? '' },
      ]}
    />
  <//>`
}

export function TasksCard({ tasks }) {
  return html`<${Card} id="journey-tasks" title=${t('journey.tasks')}>
    <${Table}
      caption=${t('journey.tasks')}
      rows=${tasks}
      empty=${html`<p class="muted">${t('journey.tasksEmpty')}</p>`}
      columns=${[
        { key: 'title', label: t('journey.col.task'), render: (task) => html`<a href=${`#/tasks/${encodeURIComponent(task.id)}`}>${task.title}</a><div class="cell-sub mono">${task.ruleId}</div>` },
        { key: 'queue', label: t('journey.col.queue'), render: (task) => html`<span class="queue-name">${task.queue}</span>` },
        { key: 'status', label: t('journey.col.status'), render: (task) => html`${task.status}${task.claimedBy ? ` · ${task.claimedBy}` : ''}` },
        { key: 'createdAt', label: t('journey.col.when'), render: (task) => dateTime(task.createdAt) },
      ]}
    />
  <//>`
}

export function ConsentCard({ consent }) {
  return html`<${Card} id="journey-consent" title=${t('journey.consent')}>
    <${Table}
      caption=${t('journey.consent')}
      rows=${consent}
      rowKey=${(c) => `${c.customerId}|${c.channel}|${c.topic}`}
      empty=${html`<p class="muted">${t('journey.consentEmpty')}</p>`}
      columns=${[
        { key: 'channel', label: t('journey.col.channel'), render: (c) => channelName(c.channel) },
        { key: 'topic', label: t('journey.col.topic') },
        { key: 'status', label: t('journey.col.status'), render: (c) => html`<${Badge} tone=${c.status === 'granted' ? 'success' : c.status === 'revoked' ? 'danger' : 'neutral'}>${c.status}<//>` },
        { key: 'source', label: t('journey.col.source'), render: (c) => html`${c.source} · <span class="subtle">${dateTime(c.updatedAt)}</span>` },
      ]}
    />
  <//>`
}

/** One history entry in words: events as the hand-off describes them, the rest by kind and title. */
function entryText(e) {
  if (e.kind === 'event') return describeEvent({ name: e.title, type: e.data.type, properties: isObj(e.data.properties) ? e.data.properties : {} }).label
  if (e.kind === 'decision') return `${e.title} · ${e.data.action === 'task' ? e.data.queue : `${channelName(e.data.channel)} ${e.data.template}`} · ${e.data.outcome}${nonBlank(e.data.reason) ? ` (${e.data.reason})` : ''}`
  if (e.kind === 'delivery') return `${statusLabel(e.title)}${nonBlank(e.data.detail) ? ` · ${e.data.detail}` : ''}`
  return e.title
}

export function TimelineCard({ entries }) {
  return html`<${Card} id="journey-timeline" title=${t('journey.timeline')}>
    ${entries.length === 0
      ? html`<p class="muted">${t('journey.timelineEmpty')}</p>`
      : html`<ol class="plain-list">
          ${entries.map((e) => html`<li key=${`${e.kind}|${e.id}`}><span class="subtle">${dateTime(e.ts)}</span> <${Badge}>${t(`journey.kind.${e.kind}`)}<//> ${entryText(e)}</li>`)}
        </ol>`}
  <//>`
}
