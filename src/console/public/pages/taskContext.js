// The task hand-off's context: the suggested opening line, why the task exists (rule, event,
// order) and the shopper's card with their message preferences.
import { useRef, useState } from 'preact/hooks'
import { Alert } from '../components/index.js'
import { currentLanguage, html, t } from '../lib.js'
import { CHANNELS } from '../vocabulary.js'
import { Card, Icon, KV, channelName, dateTime, isObj, money, nonBlank, when } from './taskParts.js'
import { describeEvent } from './taskTimeline.js'
import './taskStrings.js'

export function Opening({ opening, locale }) {
  const [copied, setCopied] = useState('')
  const textRef = useRef(null)
  const text = opening?.text ?? ''
  async function copy() {
    let ok = false
    try {
      await navigator.clipboard.writeText(text)
      ok = true
    } catch {
      // Without clipboard access: select the text (Ctrl+C then works) and try the old way.
      const range = document.createRange()
      range.selectNodeContents(textRef.current)
      const selection = getSelection()
      selection.removeAllRanges()
      selection.addRange(range)
      ok = document.execCommand?.('copy') ?? false
    }
    setCopied(ok ? t('task.copied') : t('task.copyFailed'))
    setTimeout(() => setCopied(''), 4000)
  }
  return html`<${Card}
    id="opening-title"
    title=${t('task.opening')}
    className="opening-card"
    actions=${text && html`<button type="button" class="small" onClick=${copy} aria-label=${t('task.copyOpening')}>${copied ? '✓ ' : ''}${t('task.copy')}</button>`}
  >
    ${text
      ? html`<blockquote class="opening" lang=${opening.locale || locale || undefined} ref=${textRef} data-testid="suggested-opening">${text}</blockquote>
          <p class="subtle opening-hint">${t('task.openingHint')}</p>`
      : html`<p class="muted">${t('task.noOpening')}</p>`}
    <p class="subtle copied" role="status" aria-live="polite">${copied}</p>
  <//>`
}

export function Trigger({ data }) {
  const { trigger, task } = data
  const signal = isObj(trigger.signal) ? trigger.signal : {}
  const event = isObj(trigger.event) ? trigger.event : null
  const order = isObj(trigger.order) ? trigger.order : null
  const reasons = Array.isArray(signal.priorityReasons) ? signal.priorityReasons : []
  const described = event ? describeEvent({ name: event.name, properties: event.properties, type: 'track' }) : null
  const context = isObj(task.context) ? task.context : {}
  const message = nonBlank(context.message)
  const items = order && Array.isArray(order.products) ? order.products : []
  const eventDetails = described ? described.details.filter(Boolean) : []
  return html`<${Card} id="why-title" title=${t('task.why')}>
    <dl class="kv">
      <${KV} label=${t('task.rule')}>${signal.ruleName ?? task.ruleId} <span class="subtle mono">${task.ruleId} v${task.ruleVersion}</span><//>
      <${KV} label=${t('task.raisedBecause')}>${reasons.length ? reasons.join(', ') : undefined}<//>
      <${KV} label=${t('task.event')}>${event
        ? html`<span class="event-inline"><${Icon} name=${described.icon} /> <strong>${event.name}</strong> <span class="subtle">· ${dateTime(event.ts)}</span></span>
            ${eventDetails.length > 0 && html`<div class="subtle">${eventDetails.join(' · ')}</div>`}`
        : undefined}<//>
      <${KV} label=${t('task.shopperMessage')}>${message && html`<q>${message}</q>`}<//>
    </dl>
    ${described?.quote && html`<blockquote class="quote" lang=${data.customer.locale ?? undefined}>${described.quote}</blockquote>`}
    ${order &&
    html`<div class="order-box">
      <h3>${t('task.order')} <span class="mono">${order.order_id ?? ''}</span></h3>
      <dl class="kv">
        <${KV} label=${t('task.orderTotal')}>${money(order.total, order.currency)}<//>
        <${KV} label=${t('task.orderStatus')}>${nonBlank(order.status)}<//>
        <${KV} label=${t('task.eta')}>${when(order.estimated_delivery_at ?? order.promised_delivery_at)}<//>
      </dl>
      ${items.length > 0 &&
      html`<ul class="items">${items.map((p) => html`<li>${p.quantity ?? 1} × ${p.name ?? p.product_id} <span class="subtle">${money(p.price, order.currency ?? p.currency) ?? ''}</span></li>`)}</ul>`}
    </div>`}
  <//>`
}

export function Shopper({ customer, now }) {
  const traits = isObj(customer.traits) ? customer.traits : {}
  const prefs = customer.preferences
  const tz = customer.timezone ?? nonBlank(traits.timezone)
  let localTime
  if (tz) {
    try {
      localTime = new Intl.DateTimeFormat(currentLanguage(), { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(now))
    } catch {
      localTime = undefined
    }
  }
  const shown = new Set(['name', 'email', 'phone', 'locale', 'timezone', 'created_at', 'vip', 'push_token'])
  const other = Object.entries(traits).filter(([k, v]) => !shown.has(k) && v !== null && typeof v !== 'object')
  const name = nonBlank(traits.name) ?? customer.id
  return html`<${Card} id="shopper-title" title=${t('task.shopper')}>
    <div class="shopper-card">
      <div class="shopper-avatar" aria-hidden="true">${name.trim().slice(0, 1).toUpperCase()}</div>
      <div>
        <div class="shopper-big"><a href=${`#/customers/${encodeURIComponent(customer.id)}`}>${name}</a>${traits.vip === true && html`<span class="vip">VIP</span>`}</div>
        <div class="subtle mono">${customer.id}</div>
      </div>
    </div>
    <dl class="kv">
      <${KV} label=${t('task.email')}>${nonBlank(traits.email) && html`<a href=${`mailto:${traits.email}`}>${traits.email}</a>`}<//>
      <${KV} label=${t('task.phone')}>${nonBlank(traits.phone) && html`<a href=${`tel:${String(traits.phone).replace(/\s+/g, '')}`}>${traits.phone}</a>`}<//>
      <${KV} label=${t('task.locale')}>${customer.locale ?? nonBlank(traits.locale)}<//>
      <${KV} label=${t('task.timezone')}>${tz}<//>
      <${KV} label=${t('task.localTime')}>${localTime}<//>
      <${KV} label=${t('task.since')}>${when(traits.created_at)}<//>
      ${other.map(([k, v]) => html`<${KV} label=${traitLabel(k)}>${String(v)}<//>`)}
    </dl>
    ${prefs && html`<${Preferences} prefs=${prefs} />`}
  <//>`
}

/** birthday → Birthday, loyalty_tier → Loyalty tier. */
const traitLabel = (key) => {
  const known = t(`trait.${key}`)
  if (known !== `trait.${key}`) return known
  const words = key.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

function Preferences({ prefs }) {
  const mark = (ok) =>
    html`<span class=${ok ? 'pref-yes' : 'pref-no'}><span aria-hidden="true">${ok ? '✓' : '✕'}</span><span class="visually-hidden">${ok ? t('task.allowed') : t('task.blocked')}</span></span>`
  return html`<div class="prefs">
    <h3>${t('task.preferences')}</h3>
    ${prefs.all === false && html`<${Alert} tone="warning">${t('task.optedOutAll')}<//>`}
    <table class="table table-compact pref-table">
      <thead><tr><th scope="col">${t('task.prefChannel')}</th><th scope="col">${t('task.care')}</th><th scope="col">${t('task.marketing')}</th></tr></thead>
      <tbody>
        ${CHANNELS.filter((c) => prefs.channels?.[c]).map(
          (c) => html`<tr><th scope="row">${channelName(c)}</th><td>${mark(prefs.all !== false && prefs.channels[c].care)}</td><td>${mark(prefs.all !== false && prefs.channels[c].marketing)}</td></tr>`,
        )}
      </tbody>
    </table>
  </div>`
}
