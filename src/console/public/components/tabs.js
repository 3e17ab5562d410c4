// Tabs per the ARIA pattern: a tablist of buttons; Left/Right/Home/End move and activate.
//   <${Tabs} id="editor" label="Rule" tabs=${[{ id: 'form', label: 'Form', count: 2 }]} value=${tab} onChange=${setTab} />
//   <${TabPanel} id="editor" tab="form" value=${tab}>…<//>
import { html } from '../lib.js'

export function Tabs({ id, label, tabs, value, onChange }) {
  const onKeyDown = (e) => {
    const index = tabs.findIndex((t) => t.id === value)
    let next
    if (e.key === 'ArrowRight') next = (index + 1) % tabs.length
    else if (e.key === 'ArrowLeft') next = (index - 1 + tabs.length) % tabs.length
    else if (e.key === 'Home') next = 0
    else if (e.key === 'End') next = tabs.length - 1
    else return
    e.preventDefault()
    onChange(tabs[next].id)
    document.getElementById(`${id}-tab-${tabs[next].id}`)?.focus()
  }
  return html`
    <div class="tabs" role="tablist" aria-label=${label} onKeyDown=${onKeyDown}>
      ${tabs.map(
        (t) => html`<button
          type="button"
          role="tab"
          id=${`${id}-tab-${t.id}`}
          aria-selected=${t.id === value ? 'true' : 'false'}
          aria-controls=${`${id}-panel-${t.id}`}
          tabindex=${t.id === value ? 0 : -1}
          onClick=${() => onChange(t.id)}
        >
          ${t.label}${t.count ? html`<span class="tab-count" aria-label=${t.countLabel}>${t.count}</span>` : null}
        </button>`,
      )}
    </div>
  `
}

export function TabPanel({ id, tab, value, children }) {
  if (tab !== value) return null
  return html`<div role="tabpanel" id=${`${id}-panel-${tab}`} aria-labelledby=${`${id}-tab-${tab}`} tabindex="0">${children}</div>`
}
