// Inline SVG icons (stroke icons on a 24 px grid, drawn here: nothing fetched). Decorative by
// default (aria-hidden); give a label only when the icon is the control's only content.
import { html } from '../lib.js'

const PATHS = {
  overview: () => html`<rect x="3" y="3" width="7" height="9" rx="1.5" /><rect x="14" y="3" width="7" height="5" rx="1.5" /><rect x="14" y="12" width="7" height="9" rx="1.5" /><rect x="3" y="16" width="7" height="5" rx="1.5" />`,
  rules: () => html`<path d="M13 2 3 14h9l-1 8 10-12h-9l1-8z" />`,
  templates: () => html`<rect x="2" y="4" width="20" height="16" rx="2" /><path d="m22 7-10 6L2 7" />`,
  work: () => html`<path d="M22 12h-6l-2 3h-4l-2-3H2" /><path d="M5.45 5.11 2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.45-6.89A2 2 0 0 0 16.76 4H7.24a2 2 0 0 0-1.79 1.11z" />`,
  plus: () => html`<path d="M12 5v14M5 12h14" />`,
  search: () => html`<circle cx="11" cy="11" r="7" /><path d="m20 20-3.5-3.5" />`,
  check: () => html`<path d="M20 6 9 17l-5-5" />`,
  alert: () => html`<circle cx="12" cy="12" r="10" /><path d="M12 8v4M12 16h.01" />`,
  info: () => html`<circle cx="12" cy="12" r="10" /><path d="M12 16v-4M12 8h.01" />`,
  x: () => html`<path d="M18 6 6 18M6 6l12 12" />`,
  history: () => html`<path d="M3 12a9 9 0 1 0 3-6.7L3 8" /><path d="M3 3v5h5" /><path d="M12 7v5l4 2" />`,
  chart: () => html`<path d="M3 3v18h18" /><path d="m7 15 4-4 3 3 5-6" />`,
  logout: () => html`<path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4" /><path d="m16 17 5-5-5-5" /><path d="M21 12H9" />`,
  bell: () => html`<path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" /><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />`,
  phone: () => html`<path d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1 1 .4 1.9.7 2.8a2 2 0 0 1-.5 2.1L8.1 9.9a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.9.6 2.8.7a2 2 0 0 1 1.7 2z" />`,
  message: () => html`<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z" />`,
  file: () => html`<path d="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z" /><path d="M14 2v6h6" />`,
  loop: () => html`<path d="M17 2l4 4-4 4" /><path d="M3 11v-1a4 4 0 0 1 4-4h14" /><path d="m7 22-4-4 4-4" /><path d="M21 13v1a4 4 0 0 1-4 4H3" />`,
  trash: () => html`<path d="M3 6h18" /><path d="M8 6V4h8v2" /><path d="M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6" />`,
  user: () => html`<circle cx="12" cy="8" r="4" /><path d="M4 21a8 8 0 0 1 16 0" />`,
  clock: () => html`<circle cx="12" cy="12" r="9" /><path d="M12 7v5l3 2" />`,
  lock: () => html`<rect x="4" y="11" width="16" height="10" rx="2" /><path d="M8 11V7a4 4 0 0 1 8 0v4" />`,
  arrowLeft: () => html`<path d="M19 12H5M12 19l-7-7 7-7" />`,
}

export function Icon({ name, size = 16, label, strokeWidth = 1.8 }) {
  return html`<svg
    width=${size}
    height=${size}
    viewBox="0 0 24 24"
    fill="none"
    stroke="currentColor"
    stroke-width=${strokeWidth}
    stroke-linecap="round"
    stroke-linejoin="round"
    aria-hidden=${label ? undefined : 'true'}
    role=${label ? 'img' : undefined}
    aria-label=${label}
    focusable="false"
  >${PATHS[name]?.() ?? null}</svg>`
}
