// The rule document: canonical JSON text, path helpers, the JSON pointer → line map, sending the
// text to the API, and the raw-document tab (the textarea with its line gutter).
import { useRef } from 'preact/hooks'
import { ApiError, html, session, t } from '../lib.js'
import './ruleStrings.js'

/** Keys in the order people read a rule; anything else after, alphabetically. */
const KEY_ORDER = [
  'id', 'name', 'description', 'priority', 'triggers', 'event', 'absence', 'start', 'awaited', 'entity', 'after', 'at', 'grace',
  'when', 'all', 'any', 'not', 'fact', 'count', 'within', 'actions', 'nudge', 'task', 'channel', 'template', 'topic', 'urgent',
  'queue', 'title', 'sla', 'skills', 'fallback', 'thenTask', 'guards', 'cooldown', 'once', 'per', 'withdrawOn', 'tags',
]
export function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical)
  if (value === null || typeof value !== 'object') return value
  const rank = (k) => {
    const i = KEY_ORDER.indexOf(k)
    return i === -1 ? KEY_ORDER.length : i
  }
  return Object.fromEntries(
    Object.keys(value)
      .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
      .map((k) => [k, canonical(value[k])]),
  )
}
export const pretty = (doc) => JSON.stringify(canonical(doc), null, 2) + '\n'

/** A copy of `obj` with `path` (array of keys) set to `value`; undefined deletes the key. */
export function setIn(obj, path, value) {
  if (path.length === 0) return value
  const [head, ...rest] = path
  const base = Array.isArray(obj) ? [...obj] : { ...(obj ?? {}) }
  const next = setIn(base[head], rest, value)
  if (next === undefined && !Array.isArray(base)) delete base[head]
  else base[head] = next
  return base
}
export const getIn = (obj, path) => path.reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), obj)
export const blank = (v) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)
export const pointer = (path) => '/' + path.join('/')
export const fieldId = (ptr) => 'rf' + ptr.replace(/[^a-zA-Z0-9]+/g, '-')

/** JSON pointer → line of a JSON text (the key's line), for the error list of the raw editor. */
export function jsonLines(text) {
  const map = new Map()
  let i = 0
  let line = 1
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) {
      if (text[i] === '\n') line++
      i++
    }
  }
  const readString = () => {
    let out = ''
    i++
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        out += text[i + 1]
        i += 2
        continue
      }
      out += text[i++]
    }
    i++
    return out
  }
  const esc = (k) => String(k).replace(/~/g, '~0').replace(/\//g, '~1')
  const value = (ptr) => {
    ws()
    if (!map.has(ptr)) map.set(ptr, line)
    const c = text[i]
    if (c === '{') {
      i++
      ws()
      if (text[i] === '}') return void i++
      for (;;) {
        ws()
        if (text[i] !== '"') throw new Error('key')
        const keyLine = line
        const key = readString()
        const child = `${ptr}/${esc(key)}`
        if (!map.has(child)) map.set(child, keyLine)
        ws()
        if (text[i++] !== ':') throw new Error(':')
        value(child)
        ws()
        if (text[i] === ',') i++
        else if (text[i] === '}') return void i++
        else throw new Error(',')
      }
    } else if (c === '[') {
      i++
      ws()
      if (text[i] === ']') return void i++
      for (let n = 0; ; n++) {
        value(`${ptr}/${n}`)
        ws()
        if (text[i] === ',') i++
        else if (text[i] === ']') return void i++
        else throw new Error(',')
      }
    } else if (c === '"') readString()
    else while (i < text.length && !/[\s,\]}]/.test(text[i])) i++
  }
  try {
    value('')
  } catch {
    /* partial map: lines up to the syntax error */
  }
  return map
}

/** The line of an error path in a JSON text: the path itself, else its nearest existing parent. */
export function lineOf(lines, ptr) {
  let p = ptr === '/' ? '' : ptr
  for (;;) {
    if (lines.has(p)) return lines.get(p)
    if (p === '') return undefined
    p = p.slice(0, p.lastIndexOf('/'))
  }
}

/** Sends a rule document as text (JSON or YAML: the API takes both as application/yaml). */
export async function sendText(method, path, text) {
  const res = await fetch(path, { method, headers: { authorization: `Bearer ${session.key}`, 'content-type': 'application/yaml' }, body: text })
  const body = await res.text()
  const data = body ? JSON.parse(body) : undefined
  if (!res.ok) throw new ApiError(res.status, data)
  return data
}

export function parseJson(text) {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (err) {
    return { ok: false, message: err.message }
  }
}

// ---------- raw document ----------

export function RawEditor({ raw, onChange, readOnly, errors, lines, rawIsJson }) {
  const area = useRef(null)
  const gutter = useRef(null)
  const count = raw.split('\n').length
  const errorLines = new Set(errors.map((e) => (rawIsJson ? lineOf(lines, e.path) : undefined)).filter(Boolean))
  return html`
    <div class="stack-sm">
      <label for="rule-raw">${t('editor.rawLabel')}</label>
      <p class="field-hint" id="rule-raw-hint">${t('editor.rawHint')}${!rawIsJson && raw.trim() && html` <b>${t('editor.rawYaml')}</b>`}</p>
      <div class="raw-editor" data-invalid=${errors.length > 0 ? 'true' : 'false'}>
        <pre class="raw-gutter code" ref=${gutter} aria-hidden="true">${Array.from({ length: count }, (_, k) => html`<div class=${errorLines.has(k + 1) ? 'is-error' : undefined}>${k + 1}</div>`)}</pre>
        <textarea
          id="rule-raw"
          ref=${area}
          class="code"
          spellcheck="false"
          autocapitalize="off"
          autocomplete="off"
          wrap="off"
          rows=${Math.max(24, count + 2)}
          readonly=${readOnly}
          aria-invalid=${errors.length > 0 ? 'true' : undefined}
          aria-describedby="rule-raw-hint rule-problems"
          value=${raw}
          onInput=${(e) => onChange(e.target.value)}
          onScroll=${(e) => gutter.current && (gutter.current.scrollTop = e.target.scrollTop)}
        ></textarea>
      </div>
    </div>
  `
}

/** Selects one line of the raw textarea and scrolls it into view. */
export function selectLine(line) {
  const area = document.getElementById('rule-raw')
  if (!area || !line) return
  const text = area.value
  let start = 0
  for (let n = 1; n < line; n++) start = text.indexOf('\n', start) + 1
  const end = text.indexOf('\n', start)
  area.focus()
  area.setSelectionRange(start, end === -1 ? text.length : end)
  const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 20
  area.closest('.raw-editor')?.scrollIntoView({ block: 'nearest' })
  window.scrollTo({ top: area.getBoundingClientRect().top + window.scrollY + (line - 6) * lineHeight, behavior: 'instant' })
}
