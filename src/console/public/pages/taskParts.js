// Small pieces shared by the task hand-off's modules: formatters, inline SVG icons, channel
// names, and the Card, KV and Message building blocks.
import { Alert, formatDateTime, formatRelative } from '../components/index.js'
import { currentLanguage, html, t } from '../lib.js'
import { CHANNELS } from '../vocabulary.js'
import './taskStrings.js'

export const dateTime = (ts, options) => (ts == null ? '' : formatDateTime(ts, options))
export const relative = (ts, now) => formatRelative(ts, now)

// ---- little formatters ----

export const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
/** A string with something to show; blank or not a string: nothing. */
export const nonBlank = (v) => (typeof v === 'string' && v.trim() ? v : undefined)

export function money(amount, currency) {
  if (typeof amount !== 'number') return undefined
  try {
    return new Intl.NumberFormat(currentLanguage(), { style: 'currency', currency: currency || 'USD' }).format(amount)
  } catch {
    return `${amount} ${currency ?? ''}`.trim()
  }
}

export function seconds(ms) {
  if (typeof ms !== 'number') return undefined
  const s = Math.round(ms / 1000)
  return s < 90 ? t('ev.seconds', { s }) : t('ev.minutes', { m: Math.round(s / 6) / 10 })
}

/** A date-only or date-time string as a readable date; the raw value when it is not one. */
export function when(value) {
  if (value == null || value === '') return undefined
  const ms = typeof value === 'number' ? value : Date.parse(String(value))
  return Number.isNaN(ms) ? String(value) : dateTime(ms, /^\d{4}-\d{2}-\d{2}$/.test(String(value)) ? { hour: undefined, minute: undefined, year: 'numeric' } : {})
}

// ---- icons (inline SVG: no icon font, no emoji font needed) ----

const ICON_PATHS = {
  view: 'M1.5 8s2.5-4.5 6.5-4.5S14.5 8 14.5 8 12 12.5 8 12.5 1.5 8 1.5 8z M8 10a2 2 0 1 0 0-4 2 2 0 0 0 0 4z',
  cart: 'M1.5 2h2l1.6 7.5h7.4l1.5-5.5H4.3 M6.5 13a.8.8 0 1 0 0-1.6.8.8 0 0 0 0 1.6z M11.5 13a.8.8 0 1 0 0-1.6.8.8 0 0 0 0 1.6z',
  card: 'M1.5 4h13v8h-13z M1.5 6.5h13 M4 10h3',
  box: 'M8 1.5l6 3v7l-6 3-6-3v-7z M2 4.5l6 3 6-3 M8 7.5v7',
  truck: 'M1 4h8.5v6.5H1z M9.5 6.5h3l2 2.2v1.8h-5 M4 13a1.3 1.3 0 1 0 0-2.6A1.3 1.3 0 0 0 4 13z M12 13a1.3 1.3 0 1 0 0-2.6 1.3 1.3 0 0 0 0 2.6z',
  check: 'M2.5 8.5l3.5 3.5 7.5-8',
  undo: 'M5.5 3L2 6.5 5.5 10 M2 6.5h7.5a4.5 4.5 0 0 1 0 9H7',
  refund: 'M8 1.5v13 M11.5 4.5c0-1.4-1.6-2-3.5-2s-3.5.8-3.5 2.3c0 3.4 7 1.6 7 5 0 1.5-1.6 2.4-3.5 2.4S4.5 11.4 4.5 10',
  cross: 'M3.5 3.5l9 9 M12.5 3.5l-9 9',
  alert: 'M8 1.8l6.6 11.7H1.4z M8 6v3.5 M8 11.3v.4',
  chat: 'M2 3h12v8H6.5L3.5 13.5V11H2z',
  user: 'M8 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6z M2.5 14.5c.5-3 2.8-4.5 5.5-4.5s5 1.5 5.5 4.5',
  phone: 'M3 1.8h3l1.2 3.2-1.8 1.2a8 8 0 0 0 4.4 4.4l1.2-1.8 3.2 1.2v3c0 .6-.5 1.1-1.1 1.1A12.2 12.2 0 0 1 1.9 2.9c0-.6.5-1.1 1.1-1.1z',
  star: 'M8 1.8l1.9 4 4.3.5-3.2 3 .9 4.3L8 11.4l-3.9 2.2.9-4.3-3.2-3 4.3-.5z',
  mail: 'M1.5 3.5h13v9h-13z M1.5 4l6.5 5 6.5-5',
  sms: 'M2 2.5h12v8.5H8l-3.5 3v-3H2z M5 6.7h.1 M8 6.7h.1 M11 6.7h.1',
  bell: 'M4 11V7a4 4 0 1 1 8 0v4l1.5 1.5h-11z M6.5 14a1.6 1.6 0 0 0 3 0',
  hook: 'M6 2.5v5a3 3 0 1 0 3 3 M9 2.5h3 M6 2.5H3',
  dot: 'M8 10a2 2 0 1 0 0-4 2 2 0 0 0 0 4z',
}

export function Icon({ name }) {
  return html`<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false"><path d=${ICON_PATHS[name] ?? ICON_PATHS.dot} /></svg>`
}

export const CHANNEL_ICON = { email: 'mail', sms: 'sms', voice: 'phone', push: 'bell', inapp: 'chat', webhook: 'hook' }

export const channelName = (c) => (CHANNELS.includes(c) ? t(`channel.${c}`) : c)

/** An action's result: success as a status, an API error as an alert (role=alert). */
export function Message({ msg }) {
  if (!msg) return null
  return html`<${Alert} tone=${msg.kind === 'error' ? 'danger' : msg.kind === 'ok' ? 'success' : 'info'}>${msg.text}<//>`
}

export function Card({ id, title, children, actions, className = '' }) {
  return html`<section class=${`card ${className}`.trim()} aria-labelledby=${id}>
    <div class="card-header"><h2 class="card-title" id=${id}>${title}</h2>${actions && html`<div class="card-actions">${actions}</div>`}</div>
    ${children}
  </section>`
}

/** A dt/dd pair of a .kv list; nothing when there is no value. */
export function KV({ label, children }) {
  const empty = children === undefined || children === null || children === '' || children === false || (Array.isArray(children) && children.every((c) => c === undefined || c === null || c === '' || c === false))
  if (empty) return null
  return html`<dt>${label}</dt><dd>${children}</dd>`
}
