// Empty states: what is missing, why, and what to do next (actions).
import { html } from '../lib.js'
import { Icon } from './icons.js'

export function EmptyState({ icon = 'info', title, children, actions }) {
  return html`
    <div class="empty">
      <div class="empty-icon"><${Icon} name=${icon} size=${20} /></div>
      <p class="empty-title">${title}</p>
      ${children && html`<div class="empty-text">${children}</div>`}
      ${actions && html`<div class="toolbar">${actions}</div>`}
    </div>
  `
}
