// What-if in the rule editor: vary one parameter of the rule being edited (a grace, a delay, a
// window, a threshold) over stored history (POST /api/rules/:id/sweep) and see per value the
// contacts it would have preceded, the median lead and the needless messages — a curve to pick a
// point on. "Use this value" saves the point's document as the rule's next version.
import { useState } from 'preact/hooks'
import { Alert, Dialog, formatDuration, formatNumber, toast } from '../components/index.js'
import { api, html, register, t } from '../lib.js'

register({
  en: {
    'sweep.tab': 'What-if',
    'sweep.title': 'What if a parameter were different?',
    'sweep.intro': 'Replays the last 30 days of stored history once per value (nothing is sent) and counts, per value, the inbound contacts the rule would have messaged first, how long before, and the messages no contact or problem followed.',
    'sweep.parameter': 'Parameter',
    'sweep.custom': 'Other (JSON pointer)…',
    'sweep.pointer': 'JSON pointer',
    'sweep.values': 'Values to try',
    'sweep.valuesHint': 'Comma-separated, e.g. 0h, 6h, 12h, 24h. Up to 12.',
    'sweep.run': 'Run what-if',
    'sweep.running': 'Replaying history once per value…',
    'sweep.failed': 'The what-if did not run.',
    'sweep.none': 'This rule has no duration or number to vary; enter a JSON pointer.',
    'sweep.value': 'Value',
    'sweep.preceded': 'Contacts preceded',
    'sweep.lead': 'Median lead',
    'sweep.sent': 'Sent',
    'sweep.needless': 'Needless',
    'sweep.current': 'current',
    'sweep.use': 'Use this value',
    'sweep.useTitle': 'Save {pointer} = {value} as a new version?',
    'sweep.useText': 'The rule document as edited, with this value, becomes the next version (approval rules apply as for any save).',
    'sweep.save': 'Save version',
    'sweep.cancel': 'Cancel',
    'sweep.saved': 'Saved as version {version}.',
    'sweep.events': '{events} events from {from} to {to}.',
    'sweep.truncated': 'History was cut at the replay limit: the figures cover part of the period.',
    'sweep.chart': 'Contacts preceded and needless messages per value',
  },
  'zh-CN': {
    'sweep.tab': '假设分析',
    'sweep.title': '如果某个参数不同会怎样？',
    'sweep.intro': '对每个取值重放最近 30 天的历史（不发送任何消息），统计每个取值下规则会抢先触达的客户联系、提前多久，以及之后没有联系或问题的多余消息。',
    'sweep.parameter': '参数',
    'sweep.custom': '其他（JSON 指针）…',
    'sweep.pointer': 'JSON 指针',
    'sweep.values': '要尝试的取值',
    'sweep.valuesHint': '用逗号分隔，例如 0h, 6h, 12h, 24h。最多 12 个。',
    'sweep.run': '运行假设分析',
    'sweep.running': '正在为每个取值重放历史…',
    'sweep.failed': '假设分析未能运行。',
    'sweep.none': '此规则没有可变化的时长或数字；请输入 JSON 指针。',
    'sweep.value': '取值',
    'sweep.preceded': '抢先触达的联系',
    'sweep.lead': '提前时间中位数',
    'sweep.sent': '已发送',
    'sweep.needless': '多余消息',
    'sweep.current': '当前',
    'sweep.use': '使用此取值',
    'sweep.useTitle': '将 {pointer} = {value} 保存为新版本？',
    'sweep.useText': '当前编辑的规则文档（使用此取值）将成为下一个版本（与普通保存一样适用审批规则）。',
    'sweep.save': '保存版本',
    'sweep.cancel': '取消',
    'sweep.saved': '已保存为第 {version} 版。',
    'sweep.events': '{from} 至 {to} 的 {events} 个事件。',
    'sweep.truncated': '历史在重放上限处被截断：数据只覆盖部分时段。',
    'sweep.chart': '每个取值抢先触达的联系与多余消息',
  },
})

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/
const UNIT_MS = new Map([['ms', 1], ['s', 1000], ['m', 60_000], ['h', 3_600_000], ['d', 86_400_000], ['w', 604_800_000]])
const escapeToken = (key) => String(key).replace(/~/g, '~0').replace(/\//g, '~1')

/** Pointers of the durations and numbers a sweep can vary, triggers and conditions first. */
export function sweepableParameters(doc) {
  const found = []
  const walk = (value, path) => {
    if (typeof value === 'number' || (typeof value === 'string' && DURATION.test(value))) {
      const pointer = '/' + path.map(escapeToken).join('/')
      if (pointer !== '/priority') found.push({ pointer, value })
      return
    }
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]))
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k])
  }
  walk(doc, [])
  const rank = (p) => (p.startsWith('/triggers') ? 0 : p.startsWith('/when') ? 1 : p.startsWith('/guards') ? 2 : 3)
  return found.sort((a, b) => rank(a.pointer) - rank(b.pointer))
}

/** Values around the current one: 0, half, itself, double, four times (durations in its unit). */
export function suggestedValues(current) {
  if (typeof current === 'number') {
    const base = current === 0 ? 1 : current
    return [...new Set([0, base / 2, current, base * 2, base * 4].map((n) => Math.round(n * 100) / 100))]
  }
  const m = DURATION.exec(String(current))
  if (!m) return [current]
  const n = Number(m[1])
  const unit = m[2]
  return [...new Set([0, n / 2, n, n * 2, n * 4].map((x) => `${Math.round(x * 100) / 100}${unit}`))]
}

/** Typed values: durations stay text, numbers become numbers. */
const parseValues = (text) =>
  text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s))

const show = (v) => (typeof v === 'string' ? v : JSON.stringify(v))

function Curve({ points }) {
  const w = 560
  const h = 140
  const pad = 24
  const max = Math.max(1, ...points.flatMap((p) => [p.preceded, p.needless]))
  const x = (i) => pad + (points.length === 1 ? (w - 2 * pad) / 2 : (i * (w - 2 * pad)) / (points.length - 1))
  const y = (v) => h - pad - (v * (h - 2 * pad)) / max
  const line = (key) => points.map((p, i) => `${x(i)},${y(p[key])}`).join(' ')
  return html`<figure class="sweep-curve">
    <svg viewBox=${`0 0 ${w} ${h}`} role="img" aria-label=${t('sweep.chart')}>
      <line x1=${pad} y1=${h - pad} x2=${w - pad} y2=${h - pad} stroke="var(--border-strong)" />
      <polyline points=${line('preceded')} fill="none" stroke="var(--chart-1)" stroke-width="2" />
      <polyline points=${line('needless')} fill="none" stroke="var(--chart-4)" stroke-width="2" stroke-dasharray="4 3" />
      ${points.map((p, i) => html`<text x=${x(i)} y=${h - 6} text-anchor="middle" font-size="11" fill="currentColor">${show(p.value)}</text>`)}
    </svg>
    <figcaption class="small muted">
      <span style="color: var(--chart-1)">━</span> ${t('sweep.preceded')} · <span style="color: var(--chart-4)">┅</span> ${t('sweep.needless')}
    </figcaption>
  </figure>`
}

/** The editor's What-if tab: `rule` the stored rule, `doc` the document as edited. */
export function SweepTab({ rule, doc, onSaved }) {
  const params = sweepableParameters(doc)
  const [pointer, setPointer] = useState(params[0]?.pointer ?? '')
  const [custom, setCustom] = useState(params.length === 0)
  const current = params.find((p) => p.pointer === pointer)?.value
  const [valuesText, setValuesText] = useState(current === undefined ? '' : suggestedValues(current).map(show).join(', '))
  const [state, setState] = useState({ status: 'idle' })
  const [picked, setPicked] = useState(undefined)

  const choose = (next) => {
    if (next === '') return setCustom(true)
    setCustom(false)
    setPointer(next)
    const value = params.find((p) => p.pointer === next)?.value
    setValuesText(suggestedValues(value).map(show).join(', '))
  }
  const run = async (e) => {
    e.preventDefault()
    setState({ status: 'running' })
    try {
      const result = await api('POST', `/api/rules/${encodeURIComponent(rule.id)}/sweep`, { pointer, values: parseValues(valuesText), document: doc })
      setState({ status: 'done', result })
    } catch (error) {
      setState({ status: 'error', error })
    }
  }
  const save = async () => {
    try {
      const updated = await api('PUT', `/api/rules/${encodeURIComponent(rule.id)}?version=${rule.version}`, picked.document)
      setPicked(undefined)
      toast(t('sweep.saved', { version: updated.version }))
      onSaved(updated)
    } catch (error) {
      setPicked(undefined)
      toast(error.message, { tone: 'danger' })
    }
  }
  const result = state.result
  return html`<section class="card" aria-labelledby="sweep-title">
    <div class="card-header"><div>
      <h2 class="card-title" id="sweep-title">${t('sweep.title')}</h2>
      <p class="card-description">${t('sweep.intro')}</p>
    </div></div>
    <form class="form-grid" onSubmit=${run}>
      <div class="field">
        <label for="sweep-parameter">${t('sweep.parameter')}</label>
        <select id="sweep-parameter" value=${custom ? '' : pointer} onChange=${(e) => choose(e.target.value)}>
          ${params.map((p) => html`<option value=${p.pointer}>${p.pointer} = ${show(p.value)}</option>`)}
          <option value="">${t('sweep.custom')}</option>
        </select>
        ${params.length === 0 && html`<p class="field-hint">${t('sweep.none')}</p>`}
      </div>
      ${custom &&
      html`<div class="field"><label for="sweep-pointer">${t('sweep.pointer')}</label>
        <input id="sweep-pointer" class="mono" type="text" value=${pointer} placeholder="/triggers/0/absence/grace" onInput=${(e) => setPointer(e.target.value)} /></div>`}
      <div class="field span-2">
        <label for="sweep-values">${t('sweep.values')}</label>
        <input id="sweep-values" type="text" aria-describedby="sweep-values-hint" value=${valuesText} onInput=${(e) => setValuesText(e.target.value)} />
        <p class="field-hint" id="sweep-values-hint">${t('sweep.valuesHint')}</p>
      </div>
      <div class="span-2 toolbar"><button type="submit" class="primary" disabled=${state.status === 'running' || !pointer}>${t('sweep.run')}</button></div>
    </form>
    ${state.status === 'running' && html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('sweep.running')}</p>`}
    ${state.status === 'error' &&
    html`<${Alert} tone="danger" title=${t('sweep.failed')}>
      ${Array.isArray(state.error?.body?.errors) && state.error.body.errors.length > 0
        ? html`<ul class="error-list">${state.error.body.errors.map((e) => html`<li><code class="error-path">${e.path}</code> ${e.message}</li>`)}</ul>`
        : state.error?.message}
    <//>`}
    ${result &&
    html`<div class="stack">
      <p class="small muted">${t('sweep.events', { events: formatNumber(result.events), from: new Date(result.from).toISOString().slice(0, 10), to: new Date(result.to).toISOString().slice(0, 10) })}</p>
      ${result.truncated && html`<${Alert} tone="warning">${t('sweep.truncated')}<//>`}
      <${Curve} points=${result.points} />
      <div class="table-wrap"><table class="table">
        <caption class="visually-hidden">${t('sweep.title')}</caption>
        <thead><tr>
          <th scope="col">${t('sweep.value')}</th><th scope="col" class="num">${t('sweep.preceded')}</th><th scope="col" class="num">${t('sweep.lead')}</th>
          <th scope="col" class="num">${t('sweep.sent')}</th><th scope="col" class="num">${t('sweep.needless')}</th><th scope="col"><span class="visually-hidden">${t('sweep.use')}</span></th>
        </tr></thead>
        <tbody>${result.points.map(
          (p) => html`<tr key=${show(p.value)}>
            <th scope="row" class="mono">${show(p.value)}${show(p.value) === show(current) && html` <span class="muted small">(${t('sweep.current')})</span>`}</th>
            <td class="num">${formatNumber(p.preceded)}</td>
            <td class="num">${p.medianLeadMs === null ? '—' : formatDuration(p.medianLeadMs)}</td>
            <td class="num">${formatNumber(p.sent)}</td>
            <td class="num">${formatNumber(p.needless)}</td>
            <td><button type="button" class="small" onClick=${() => setPicked(p)}>${t('sweep.use')}</button></td>
          </tr>`,
        )}</tbody>
      </table></div>
    </div>`}
    <${Dialog} id="sweep-use" open=${picked !== undefined} onClose=${() => setPicked(undefined)}
      title=${picked ? t('sweep.useTitle', { pointer: result?.pointer ?? pointer, value: show(picked.value) }) : ''}
      footer=${html`<button type="button" onClick=${() => setPicked(undefined)}>${t('sweep.cancel')}</button><button type="button" class="primary" onClick=${save}>${t('sweep.save')}</button>`}>
      <p>${t('sweep.useText')}</p>
    <//>
  </section>`
}
