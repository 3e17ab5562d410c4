// A data table. columns: [{ key, label, num?, render?(row), className?, hideLabel?, group? }]; rows
// with a stable key (rowKey(row) or row.id). Consecutive columns with the same `group` label get a
// spanning header above theirs (e.g. "Last 24 hours" over signals / planned / suppressed). Numbers right-aligned in tabular figures. Put links in
// cells (not click handlers on rows) so every row is reachable by keyboard.
import { html } from '../lib.js'
import { EmptyState } from './empty.js'

export function Table({ columns, rows, rowKey = (row) => row.id, caption, empty, selectedKey, compact = false, className = '' }) {
  if (!rows || rows.length === 0) return empty ?? html`<${EmptyState} title="—" />`
  return html`
    <div class="table-wrap">
      <table class=${`table${compact ? ' table-compact' : ''} ${className}`}>
        ${caption && html`<caption class="visually-hidden">${caption}</caption>`}
        <thead>
          ${columns.some((c) => c.group) &&
          html`<tr class="has-groups hide-sm">
            ${groupsOf(columns).map((g) => (g.label ? html`<th scope="colgroup" colspan=${g.span} class="th-group"><span>${g.label}</span></th>` : html`<td colspan=${g.span} class=${g.className}></td>`))}
          </tr>`}
          <tr>
            ${columns.map(
              (c) => html`<th scope="col" class=${[c.num ? 'num' : '', c.className ?? ''].join(' ').trim() || undefined}>
                ${c.hideLabel ? html`<span class="visually-hidden">${c.label}</span>` : c.label}
              </th>`,
            )}
          </tr>
        </thead>
        <tbody>
          ${rows.map((row) => {
            const key = rowKey(row)
            return html`<tr key=${key} class=${selectedKey !== undefined && key === selectedKey ? 'is-selected' : undefined}>
              ${columns.map((c) => {
                const value = c.render ? c.render(row) : row[c.key]
                const zero = c.num && (value === 0 || value === '0')
                return html`<td class=${[c.num ? 'num' : '', zero ? 'zero' : '', c.className ?? ''].join(' ').trim() || undefined}>${value}</td>`
              })}
            </tr>`
          })}
        </tbody>
      </table>
    </div>
  `
}

function groupsOf(columns) {
  const groups = []
  for (const c of columns) {
    const last = groups.at(-1)
    if (last && last.label === c.group) last.span++
    else groups.push({ label: c.group, span: 1, className: c.className })
  }
  return groups
}
