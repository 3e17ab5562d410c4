// Inline alerts and transient toasts.
//   <${Alert} tone="danger" title="Could not save">…<//>   (danger and warning are role=alert)
//   toast('Rule saved')  /  toast('Failed', { tone: 'danger' })   — needs <${ToastHost} /> once (app.js has it)
import { useEffect, useState } from 'preact/hooks'
import { html, register, t } from '../lib.js'
import { Icon } from './icons.js'

register({ en: { 'alert.dismiss': 'Dismiss' }, 'zh-CN': { 'alert.dismiss': '关闭' } })

const ICON = { info: 'info', success: 'check', warning: 'alert', danger: 'alert' }

export function Alert({ tone = 'info', title, children, onDismiss, actions }) {
  const urgent = tone === 'danger' || tone === 'warning'
  return html`
    <div class=${`alert alert-${tone}`} role=${urgent ? 'alert' : 'status'}>
      <span class="alert-icon"><${Icon} name=${ICON[tone] ?? 'info'} size=${18} /></span>
      <div class="alert-body">
        ${title && html`<p class="alert-title">${title}</p>`}
        ${children && html`<div>${children}</div>`}
        ${actions && html`<div class="toolbar">${actions}</div>`}
      </div>
      ${onDismiss && html`<button type="button" class="ghost icon-button small" onClick=${onDismiss} aria-label=${t('alert.dismiss')}><${Icon} name="x" size=${14} /></button>`}
    </div>
  `
}

let toasts = []
let nextId = 1
const listeners = new Set()
const emit = () => listeners.forEach((fn) => fn(toasts))

/** Shows a short message at the bottom right; it goes away by itself (or with its close button). */
export function toast(message, { tone = 'neutral', timeout = 4000 } = {}) {
  const id = nextId++
  toasts = [...toasts, { id, message, tone }]
  emit()
  if (timeout > 0) setTimeout(() => dismissToast(id), timeout)
  return id
}
export function dismissToast(id) {
  toasts = toasts.filter((x) => x.id !== id)
  emit()
}

export function ToastHost() {
  const [list, setList] = useState(toasts)
  useEffect(() => {
    listeners.add(setList)
    return () => listeners.delete(setList)
  }, [])
  return html`
    <div class="toast-host" role="status" aria-live="polite">
      ${list.map(
        (x) => html`<div key=${x.id} class=${`toast toast-${x.tone}`}>
          <span>${x.message}</span>
          <button type="button" onClick=${() => dismissToast(x.id)} aria-label=${t('alert.dismiss')}><${Icon} name="x" size=${14} /></button>
        </div>`,
      )}
    </div>
  `
}
