// The task hand-off's record of what happened: the shopper's events in words, the messages
// careloop sent with their delivery trail, earlier tasks, and the notes and contacts.
import { useState } from 'preact/hooks'
import { Badge } from '../components/index.js'
import { html, t } from '../lib.js'
import { statusText } from './agentKit.js'
import { CHANNEL_ICON, Card, Icon, channelName, dateTime, isObj, money, nonBlank, relative, seconds, when } from './taskParts.js'
import './taskStrings.js'

/** { icon, label, details[], quote?, tone? } for one event of the timeline. */
export function describeEvent(e) {
  const p = isObj(e.properties) ? e.properties : {}
  const order = nonBlank(p.order_id) ?? ''
  const name = nonBlank(p.name) ?? nonBlank(p.product_id) ?? ''
  const details = []
  const items = Array.isArray(p.products) ? p.products : []
  const itemCount = items.length === 1 ? t('ev.item1') : items.length ? t('ev.items', { n: items.length }) : undefined
  switch (e.name) {
    case 'Product Viewed': {
      const long = typeof p.dwell_ms === 'number' && p.dwell_ms >= 120_000
      if (typeof p.dwell_ms === 'number') details.push(t('ev.dwell', { d: seconds(p.dwell_ms) }))
      if (typeof p.price === 'number') details.push(money(p.price, p.currency))
      return { icon: 'view', label: t('ev.viewed', { name }), details, tone: long ? 'warn' : undefined, tag: long ? t('ev.longDwell') : undefined }
    }
    case 'Product Added':
      return { icon: 'cart', label: t('ev.added', { name }), details: [money(p.price, p.currency)] }
    case 'Product Removed':
      return { icon: 'cart', label: t('ev.removed', { name }), details: [] }
    case 'Checkout Started':
      return { icon: 'card', label: t('ev.checkout'), details: [money(p.value ?? p.total, p.currency), itemCount] }
    case 'Order Completed':
      return { icon: 'box', label: t('ev.ordered', { order }), details: [money(p.total ?? p.revenue, p.currency), itemCount, nonBlank(p.payment_method)] }
    case 'Order Shipped':
      return { icon: 'truck', label: t('ev.shipped', { order }), details: [p.carrier && t('ev.by', { carrier: p.carrier }), p.estimated_delivery_at && t('ev.eta', { date: when(p.estimated_delivery_at) })] }
    case 'Shipment Updated': {
      const bad = ['delayed', 'exception'].includes(p.status)
      return { icon: 'truck', label: t('ev.shipment', { order, status: String(p.status ?? '').replaceAll('_', ' ') }), details: [p.carrier && t('ev.by', { carrier: p.carrier }), p.estimated_delivery_at && t('ev.eta', { date: when(p.estimated_delivery_at) })], tone: bad ? 'bad' : undefined }
    }
    case 'Order Delivered':
      return { icon: 'check', label: t('ev.delivered', { order }), details: [p.carrier && t('ev.by', { carrier: p.carrier })], tone: 'good' }
    case 'Return Requested':
      return { icon: 'undo', label: t('ev.return', { name: name || order }), details: [order && name ? order : undefined, p.reason && t('ev.reason', { reason: String(p.reason).replaceAll('_', ' ') })], tone: 'warn' }
    case 'Order Refunded':
      return { icon: 'refund', label: t('ev.refunded', { order }), details: [money(p.total ?? p.amount ?? p.value, p.currency), p.reason && t('ev.reason', { reason: p.reason })] }
    case 'Order Cancelled':
      return { icon: 'cross', label: t('ev.cancelled', { order }), details: [p.reason && t('ev.reason', { reason: p.reason })] }
    case 'Payment Failed':
      return { icon: 'alert', label: t('ev.paymentFailed'), details: [order || nonBlank(p.checkout_id), money(p.amount ?? p.total ?? p.value, p.currency), (p.reason ?? p.error_code) && t('ev.reason', { reason: p.reason ?? p.error_code })], tone: 'bad' }
    case 'Complaint Filed':
      return { icon: 'chat', label: t('ev.complaint'), details: [order, p.topic && String(p.topic).replaceAll('_', ' '), p.channel && t('ev.via', { channel: p.channel })], quote: nonBlank(p.text), tone: 'bad' }
    case 'Survey Answered':
      return { icon: 'star', label: t('ev.survey', { score: p.score ?? '?' }), details: [] }
    case 'Care Call Completed':
      return { icon: 'phone', label: t('ev.call', { status: p.status ?? p.outcome ?? '' }), details: [] }
    case 'Identify':
      return { icon: 'user', label: t('ev.identify'), details: [] }
    case 'Page Viewed':
      return { icon: 'view', label: t('ev.page', { name: nonBlank(p.title) ?? nonBlank(p.name) ?? nonBlank(p.path) ?? '' }), details: [nonBlank(p.path), nonBlank(p.category)] }
    case 'Screen Viewed':
      return { icon: 'view', label: t('ev.screen', { name: nonBlank(p.name) ?? '' }), details: [nonBlank(p.category)] }
    case 'Alias':
      return { icon: 'user', label: t('ev.alias', { id: nonBlank(p.previousId) ?? '?' }), details: [] }
    case 'Group': {
      const traits = isObj(p.traits) ? p.traits : {}
      return { icon: 'user', label: t('ev.group', { name: nonBlank(traits.name) ?? nonBlank(p.groupId) ?? '?' }), details: [nonBlank(traits.plan)] }
    }
    default:
      return { icon: e.type === 'identify' ? 'user' : 'dot', label: e.type === 'identify' ? t('ev.identify') : e.name, details: [order] }
  }
}

const TIMELINE_SHOWN = 15

export function Timeline({ events, now }) {
  const [all, setAll] = useState(false)
  const list = all ? events : events.slice(0, TIMELINE_SHOWN)
  return html`<${Card} id="timeline-title" title=${t('task.timeline')}>
    ${events.length === 0
      ? html`<p class="muted">${t('task.timelineEmpty')}</p>`
      : html`<ol class="activity" data-testid="timeline">
            ${list.map((e) => {
              const d = describeEvent(e)
              const details = d.details.filter(Boolean)
              return html`<li class=${`activity-item${d.tone ? ` tone-${d.tone}` : ''}`}>
                <span class="activity-icon"><${Icon} name=${d.icon} /></span>
                <div class="activity-body">
                  <div class="activity-title">${d.label}${d.tag && html` <${Badge} tone="warning">${d.tag}<//>`}</div>
                  ${details.length > 0 && html`<div class="subtle">${details.join(' · ')}</div>`}
                  ${d.quote && html`<blockquote class="quote">${d.quote}</blockquote>`}
                </div>
                <time class="activity-time subtle" datetime=${new Date(e.ts).toISOString()} title=${dateTime(e.ts)}>${relative(e.ts, now)}</time>
              </li>`
            })}
          </ol>
          ${events.length > TIMELINE_SHOWN &&
          html`<button type="button" class="link more" aria-expanded=${all ? 'true' : 'false'} onClick=${() => setAll(!all)}>${all ? t('task.showLess') : t('ev.more', { n: events.length - TIMELINE_SHOWN })}</button>`}`}
  <//>`
}

const TRAIL_GOOD = new Set(['sent', 'delivered', 'opened', 'clicked'])
const TRAIL_BAD = new Set(['failed', 'skipped', 'bounced', 'dead'])

/** A message's life in order: by time, and steps of the same millisecond in the order they happen. */
const STEP_RANK = { queued: 0, deferred: 1, failed: 2, sent: 3, delivered: 4, opened: 5, clicked: 6, bounced: 7, skipped: 8, dead: 9 }
function orderTrail(trail) {
  return [...trail].sort((a, b) => a.ts - b.ts || (STEP_RANK[a.status] ?? 5) - (STEP_RANK[b.status] ?? 5))
}

function statusLabel(status) {
  const key = `nudge.${status}`
  const text = t(key)
  return text === key ? status : text
}

export function Nudges({ nudges, now }) {
  return html`<${Card} id="nudges-title" title=${t('task.nudges')}>
    ${nudges.length === 0
      ? html`<p class="muted">${t('task.nudgesEmpty')}</p>`
      : html`<ul class="nudges" data-testid="nudges">
          ${nudges.map((n) => {
            const trail = n.trail.length ? orderTrail(n.trail) : [{ status: n.status, detail: n.detail ?? '', ts: n.updatedAt }]
            const reason = trail.find((s) => TRAIL_BAD.has(s.status) && s.detail)?.detail ?? (TRAIL_BAD.has(n.status) ? n.detail : '')
            return html`<li class="nudge">
              <div class="nudge-head">
                <span class="chan"><${Icon} name=${CHANNEL_ICON[n.channel] ?? 'dot'} /> ${channelName(n.channel)}</span>
                <strong>${n.template}</strong>
                <span class="subtle">${t('nudge.rule', { rule: n.ruleId })} · ${t('task.decided', { when: relative(n.decidedAt, now) })}</span>
              </div>
              <ol class="trail" aria-label=${t('task.trail')}>
                ${trail.map(
                  (s, i) => html`<li class=${`step${TRAIL_GOOD.has(s.status) ? ' step-good' : TRAIL_BAD.has(s.status) ? ' step-bad' : ''}`}>
                    ${i > 0 && html`<span class="arrow" aria-hidden="true">→</span>`}<span class="step-name" title=${`${dateTime(s.ts)}${s.detail ? ` — ${s.detail}` : ''}`}>${statusLabel(s.status)}</span>
                  </li>`,
                )}
              </ol>
              ${reason && html`<p class="guard-reason" title=${reason}><${Icon} name="alert" /> <span>${reason.replace(/\s*\[by [^\]]+\]\s*$/, '')}</span></p>`}
            </li>`
          })}
        </ul>`}
  <//>`
}

export function EarlierTasks({ tasks, me }) {
  if (!tasks.length) return null
  return html`<${Card} id="earlier-title" title=${t('task.earlier')}>
    <ul class="earlier">
      ${tasks.map(
        (x) => html`<li>
          <div><a href=${`#/tasks/${encodeURIComponent(x.id)}`}>${x.title}</a> <span class="queue-name">${x.queue}</span> <span class="subtle">· ${dateTime(x.createdAt)}</span></div>
          <div class="subtle">${x.status === 'resolved' && x.outcome ? `${t(`task.outcome.${x.outcome}`)} · ` : ''}${statusText(x, me)}${x.note ? html` — <q>${x.note}</q>` : ''}</div>
        </li>`,
      )}
    </ul>
  <//>`
}

export function NotesAndContacts({ notes, contacts, taskId, now }) {
  const human = contacts.filter((c) => c.kind === 'human').sort((a, b) => b.at - a.at)
  const sorted = [...notes].sort((a, b) => b.createdAt - a.createdAt)
  const viaOf = { voice: t('task.via.call'), sms: t('task.via.sms'), email: t('task.via.email'), inapp: t('task.via.chat') }
  return html`<${Card} id="notes-title" title=${t('task.notesTitle')}>
    <div class="stack-sm">
      ${human.length === 0
        ? html`<p class="subtle">${t('task.contactsEmpty')}</p>`
        : html`<ul class="contacts" data-testid="contacts">${human.map(
            (c) => html`<li><span class="chan"><${Icon} name=${CHANNEL_ICON[c.channel] ?? 'dot'} /> ${viaOf[c.channel] ?? c.channel}</span> <strong>${c.actor}</strong> <span class="subtle">· ${relative(c.at, now)}</span></li>`,
          )}</ul>`}
      ${sorted.length === 0
        ? html`<p class="subtle">${t('task.notesEmpty')}</p>`
        : html`<ul class="notes" data-testid="notes">${sorted.map(
            (n) => html`<li class="note">
              <div class="subtle"><strong class="note-author">${n.author}</strong> · <time datetime=${new Date(n.createdAt).toISOString()} title=${dateTime(n.createdAt)}>${relative(n.createdAt, now)}</time>${n.taskId !== taskId ? html` · <${Badge}>${t('task.fromEarlier')}<//>` : ''}</div>
              <p class="note-body">${n.body}</p>
            </li>`,
          )}</ul>`}
    </div>
  <//>`
}
