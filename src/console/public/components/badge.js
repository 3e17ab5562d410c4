// Status pills. tone: neutral | success | warning | danger | info | accent; dot adds a status dot.
import { html } from '../lib.js'

export function Badge({ tone = 'neutral', dot = false, title, children }) {
  return html`<span class=${`badge badge-${tone}${dot ? ' badge-dot' : ''}`} title=${title}>${children}</span>`
}

/** Task and rule priorities share one colour scale. */
export const PRIORITY_TONE = { urgent: 'danger', high: 'warning', normal: 'info', low: 'neutral' }
