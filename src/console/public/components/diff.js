// Line diff (longest common subsequence; no dependency) and its view.
//   lineDiff(beforeText, afterText) → [{ type: 'same' | 'del' | 'add', text, a?, b? }] (a, b: 1-based line numbers)
//   <${DiffView} before=${text} after=${text} context=${3} />   unchanged runs longer than 2×context fold
import { useState } from 'preact/hooks'
import { html, register, t } from '../lib.js'

register({
  en: { 'diff.same': 'No differences.', 'diff.fold': 'Show {n} unchanged lines',
    'diff.fold1': 'Show 1 unchanged line', 'diff.stat': '{added} added, {removed} removed', 'diff.label': 'Line differences' },
  'zh-CN': { 'diff.same': '没有差异。', 'diff.fold': '显示 {n} 行未改动内容',
    'diff.fold1': '显示 1 行未改动内容', 'diff.stat': '新增 {added} 行，删除 {removed} 行', 'diff.label': '逐行差异' },
})

const lines = (text) => (text === '' ? [] : text.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n'))

/** Edit script from `before` to `after`, line by line. */
export function lineDiff(before, after) {
  const a = typeof before === 'string' ? lines(before) : before
  const b = typeof after === 'string' ? lines(after) : after
  // Common prefix and suffix first: most edits touch a few lines of a long document.
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  const n = endA - start
  const m = endB - start
  // lcs[i][j]: LCS length of a[start+i..endA) and b[start+j..endB), in one flat array.
  const width = m + 1
  const lcs = new Uint32Array((n + 1) * (m + 1))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = a[start + i] === b[start + j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1])
    }
  }
  const out = []
  for (let k = 0; k < start; k++) out.push({ type: 'same', text: a[k], a: k + 1, b: k + 1 })
  let i = 0
  let j = 0
  while (i < n || j < m) {
    if (i < n && j < m && a[start + i] === b[start + j]) {
      out.push({ type: 'same', text: a[start + i], a: start + i + 1, b: start + j + 1 })
      i++
      j++
    } else if (j < m && (i === n || lcs[i * width + j + 1] >= lcs[(i + 1) * width + j])) {
      out.push({ type: 'add', text: b[start + j], b: start + j + 1 })
      j++
    } else {
      out.push({ type: 'del', text: a[start + i], a: start + i + 1 })
      i++
    }
  }
  for (let k = 0; k < a.length - endA; k++) out.push({ type: 'same', text: a[endA + k], a: endA + k + 1, b: endB + k + 1 })
  // Deletions before additions within a change block reads best.
  for (let k = 1; k < out.length; k++) {
    let x = k
    while (x > 0 && out[x].type === 'del' && out[x - 1].type === 'add') {
      ;[out[x - 1], out[x]] = [out[x], out[x - 1]]
      x--
    }
  }
  return out
}

export function diffStat(entries) {
  let added = 0
  let removed = 0
  for (const e of entries) {
    if (e.type === 'add') added++
    else if (e.type === 'del') removed++
  }
  return { added, removed }
}

export function DiffStat({ before, after, entries }) {
  const { added, removed } = diffStat(entries ?? lineDiff(before, after))
  return html`<span class="small nowrap" title=${t('diff.stat', { added, removed })}>
    <span class="diff-stat-add">+${added}</span> <span class="diff-stat-del">−${removed}</span>
  </span>`
}

/** Unified view with both line numbers; long unchanged runs fold to a button. */
export function DiffView({ before, after, context = 3, label }) {
  const entries = lineDiff(before, after)
  const [open, setOpen] = useState(() => new Set())
  if (!entries.some((e) => e.type !== 'same')) return html`<p class="muted">${t('diff.same')}</p>`
  const changed = entries.map((e) => e.type !== 'same')
  const near = entries.map((_, k) => {
    for (let d = -context; d <= context; d++) if (changed[k + d]) return true
    return false
  })
  const rows = []
  let k = 0
  while (k < entries.length) {
    if (near[k] || open.has(k)) {
      const e = entries[k]
      const sign = e.type === 'add' ? '+' : e.type === 'del' ? '−' : ' '
      rows.push(html`<tr class=${`diff-${e.type}`} key=${k}>
        <td class="diff-ln">${e.a ?? ''}</td><td class="diff-ln">${e.b ?? ''}</td>
        <td class="diff-sign" aria-hidden="true">${sign}</td>
        <td class="diff-text"><span class="visually-hidden">${e.type === 'add' ? 'added: ' : e.type === 'del' ? 'removed: ' : ''}</span>${e.text}</td>
      </tr>`)
      k++
      continue
    }
    const from = k
    while (k < entries.length && !near[k] && !open.has(k)) k++
    const run = k - from
    rows.push(html`<tr class="diff-gap" key=${`gap-${from}`}>
      <td colspan="4"><button type="button" class="link small" onClick=${() => setOpen(new Set([...open, ...Array.from({ length: run }, (_, x) => from + x)]))}>${run === 1 ? t('diff.fold1') : t('diff.fold', { n: run })}</button></td>
    </tr>`)
  }
  return html`<div class="diff" role="region" aria-label=${label ?? t('diff.label')} tabindex="0"><table class="diff-table"><tbody>${rows}</tbody></table></div>`
}
