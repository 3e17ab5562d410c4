// Point-and-click conditions: the rule's condition tree as groups (all of / any of / none of) and
// lines (a fact or an event count, an operator, a value or another fact). It edits the JSON tree
// itself, so the document view and the server's errors (by JSON pointer, shown at each line) stay
// the truth. A part the builder cannot show (several operators on one line, unknown keys) is kept
// as is and shown read-only; the JSON view edits it.
import { html, register, t } from '../lib.js'
import { fieldId } from './ruleDocument.js'

const OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'contains', 'matches', 'exists']
const ORDERED = new Set(['gt', 'gte', 'lt', 'lte'])
// Suggestions only: any fact the rule language knows may be typed (the server checks it).
const FACTS = [
  'properties.total', 'properties.revenue', 'properties.value', 'properties.price', 'properties.currency', 'properties.status',
  'properties.order_id', 'properties.product_id', 'properties.estimated_delivery_at', 'properties.dwell_ms', 'traits.email',
  'traits.vip', 'order.total', 'order.status', 'order.promised_delivery_at', 'order.first_estimated_delivery_at', 'customer.id',
  'customer.locale', 'customer.timezone', 'event.name', 'carrier.name', 'carrier.grace', 'group.id',
]

register({
  en: {
    'cb.all': 'All of these',
    'cb.any': 'Any of these',
    'cb.none': 'None of these',
    'cb.groupKind': 'Group',
    'cb.addLine': 'Condition',
    'cb.addGroup': 'Group',
    'cb.remove': 'Remove',
    'cb.removeLine': 'Remove condition {n}',
    'cb.subject': 'What',
    'cb.fact': 'A fact',
    'cb.count': 'Count of an event',
    'cb.factPath': 'Fact',
    'cb.event': 'Event',
    'cb.within': 'Within',
    'cb.operator': 'Operator',
    'cb.value': 'Value',
    'cb.otherFact': 'another fact',
    'cb.compareFact': 'Compare with another fact',
    'cb.currency': 'Currency',
    'cb.not': 'not',
    'cb.listHint': 'comma-separated',
    'cb.opaque': 'Only the JSON view edits this part:',
    'cb.empty': 'No conditions: the rule fires on every trigger.',
    'cb.yes': 'is present',
    'cb.no': 'is missing',
    'cb.op.eq': 'equals', 'cb.op.ne': 'does not equal', 'cb.op.gt': 'greater than', 'cb.op.gte': 'at least', 'cb.op.lt': 'less than',
    'cb.op.lte': 'at most', 'cb.op.in': 'is one of', 'cb.op.nin': 'is none of', 'cb.op.contains': 'contains', 'cb.op.matches': 'matches pattern',
    'cb.op.exists': 'presence',
  },
  'zh-CN': {
    'cb.all': '满足以下全部',
    'cb.any': '满足以下任一',
    'cb.none': '以下都不满足',
    'cb.groupKind': '条件组',
    'cb.addLine': '条件',
    'cb.addGroup': '条件组',
    'cb.remove': '删除',
    'cb.removeLine': '删除第 {n} 个条件',
    'cb.subject': '对象',
    'cb.fact': '字段',
    'cb.count': '事件次数',
    'cb.factPath': '字段',
    'cb.event': '事件',
    'cb.within': '时间范围',
    'cb.operator': '运算符',
    'cb.value': '值',
    'cb.otherFact': '另一个字段',
    'cb.compareFact': '与另一个字段比较',
    'cb.currency': '币种',
    'cb.not': '非',
    'cb.listHint': '用逗号分隔',
    'cb.opaque': '这部分只能在 JSON 视图中编辑：',
    'cb.empty': '没有条件：每次触发都会执行规则。',
    'cb.yes': '存在',
    'cb.no': '不存在',
    'cb.op.eq': '等于', 'cb.op.ne': '不等于', 'cb.op.gt': '大于', 'cb.op.gte': '至少', 'cb.op.lt': '小于',
    'cb.op.lte': '至多', 'cb.op.in': '属于', 'cb.op.nin': '不属于', 'cb.op.contains': '包含', 'cb.op.matches': '匹配模式',
    'cb.op.exists': '是否存在',
  },
})

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k)

/** The one operator of a line, or undefined when there is none or more than one. */
function operatorOf(node) {
  const ops = OPS.filter((op) => own(node, op))
  return ops.length === 1 ? ops[0] : undefined
}

/** What the builder shows a node as: group, line, negated line, or opaque. */
export function shapeOf(node) {
  if (!isObject(node)) return 'opaque'
  const keys = Object.keys(node)
  if (keys.length === 1 && (keys[0] === 'all' || keys[0] === 'any') && Array.isArray(node[keys[0]])) return 'group'
  if (keys.length === 1 && keys[0] === 'not') {
    const inner = node.not
    if (isObject(inner) && Object.keys(inner).length === 1 && Array.isArray(inner.any)) return 'group'
    return shapeOf(inner) === 'line' ? 'notLine' : 'opaque'
  }
  const subject = own(node, 'fact') ? 'fact' : own(node, 'count') ? 'count' : undefined
  if (!subject || !operatorOf(node)) return 'opaque'
  if (subject === 'count' && !(isObject(node.count) && Object.keys(node.count).every((k) => k === 'event' || k === 'within'))) return 'opaque'
  const allowed = new Set([subject, operatorOf(node), 'currency'])
  return keys.every((k) => allowed.has(k)) ? 'line' : 'opaque'
}

/** Whether the builder can show every part of a tree (else the JSON view is the better start). */
export function buildable(node) {
  if (node === undefined) return true
  const shape = shapeOf(node)
  if (shape === 'opaque') return false
  if (shape !== 'group') return true
  const list = node.all ?? node.any ?? node.not.any
  return list.every(buildable)
}

/**
 * The JSON pointers whose errors the builder shows at a line or a read-only part: every other
 * error under the field is the field's to show.
 */
export function shownPointers(value, ptr) {
  if (value === undefined) return []
  const shape = shapeOf(value)
  if (shape === 'line' || shape === 'notLine' || shape === 'opaque') return [ptr]
  const [list, listPtr] = own(value, 'all') ? [value.all, `${ptr}/all`] : own(value, 'any') ? [value.any, `${ptr}/any`] : [value.not.any, `${ptr}/not/any`]
  return list.flatMap((child, i) => shownPointers(child, `${listPtr}/${i}`))
}

/** Typed text → JSON value: numbers and true/false as such, anything else as text. */
function parseScalar(text) {
  const s = text.trim()
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s)
  if (s === 'true' || s === 'false') return s === 'true'
  return text
}
const showScalar = (v) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v))

function Group({ node, path, onChange, errorsUnder, ptr, depth, lists }) {
  const kind = own(node, 'all') ? 'all' : own(node, 'any') ? 'any' : 'none'
  const list = node.all ?? node.any ?? node.not.any
  const listPtr = kind === 'none' ? `${ptr}/not/any` : `${ptr}/${kind}`
  const wrap = (k, items) => (k === 'none' ? { not: { any: items } } : { [k]: items })
  const setList = (items) => onChange(wrap(kind, items))
  const id = fieldId(`${ptr}/kind`)
  return html`<fieldset class="cb-group" data-depth=${depth}>
    <legend class="visually-hidden">${t('cb.groupKind')}</legend>
    <div class="cb-row">
      <label class="visually-hidden" for=${id}>${t('cb.groupKind')}</label>
      <select id=${id} value=${kind} onChange=${(e) => onChange(wrap(e.target.value, list))}>
        ${['all', 'any', 'none'].map((k) => html`<option value=${k}>${t(`cb.${k}`)}</option>`)}
      </select>
    </div>
    <ol class="cb-list">
      ${list.map(
        (child, i) => html`<li key=${i}>
          <${Node} node=${child} path=${[...path, i]} ptr=${`${listPtr}/${i}`} depth=${depth + 1} errorsUnder=${errorsUnder} lists=${lists}
            onChange=${(next) => setList(list.map((c, j) => (j === i ? next : c)))} />
          <button type="button" class="ghost small" aria-label=${t('cb.removeLine', { n: i + 1 })} onClick=${() => setList(list.filter((_, j) => j !== i))}>${t('cb.remove')}</button>
        </li>`,
      )}
    </ol>
    <div class="cb-row">
      <button type="button" class="ghost small" onClick=${() => setList([...list, { fact: 'properties.value', gte: 0 }])}>+ ${t('cb.addLine')}</button>
      ${depth < 3 && html`<button type="button" class="ghost small" onClick=${() => setList([...list, { any: [{ fact: 'properties.value', gte: 0 }] }])}>+ ${t('cb.addGroup')}</button>`}
    </div>
  </fieldset>`
}

function Line({ node, negated, onChange, ptr, errorsUnder, lists }) {
  const linePtr = negated ? `${ptr}/not` : ptr
  const emit = (next) => onChange(negated ? { not: next } : next)
  const subject = own(node, 'count') ? 'count' : 'fact'
  const op = operatorOf(node)
  const value = node[op]
  const rest = (keep) => Object.fromEntries(Object.entries(node).filter(([k]) => keep.includes(k)))
  const setOp = (next) => {
    const scalar = value !== undefined && value !== null && typeof value !== 'object'
    const carried =
      next === 'exists' ? true
      : next === 'in' || next === 'nin' ? (Array.isArray(value) ? value : scalar ? [value] : [])
      : ORDERED.has(next) ? (typeof value === 'number' || (isObject(value) && own(value, 'fact')) ? value : 0)
      : next === 'matches' ? (typeof value === 'string' ? value : '')
      : scalar ? value : ''
    emit({ ...rest([subject, 'currency']), [next]: carried })
  }
  const setSubject = (next) =>
    emit(next === 'count' ? { count: { event: 'Order Completed', within: '30d' }, gte: 1 } : { fact: 'properties.value', gte: 0 })
  const id = (part) => fieldId(`${linePtr}/${part}`)
  const errors = errorsUnder(linePtr)
  const factValue = isObject(value) && own(value, 'fact')
  const valueInput = () => {
    if (op === 'exists')
      return html`<select id=${id('value')} aria-label=${t('cb.value')} value=${String(value !== false)} onChange=${(e) => emit({ ...node, exists: e.target.value === 'true' })}>
        <option value="true">${t('cb.yes')}</option><option value="false">${t('cb.no')}</option>
      </select>`
    if (op === 'in' || op === 'nin')
      return html`<input id=${id('value')} type="text" aria-label=${`${t('cb.value')} (${t('cb.listHint')})`} placeholder=${t('cb.listHint')}
        value=${(Array.isArray(value) ? value : []).map(showScalar).join(', ')}
        onChange=${(e) => emit({ ...node, [op]: e.target.value.split(',').map((s) => s.trim()).filter(Boolean).map(parseScalar) })} />`
    if (factValue)
      return html`<input id=${id('value')} type="text" class="mono" list=${lists.facts} aria-label=${t('cb.otherFact')} value=${value.fact}
        onInput=${(e) => emit({ ...node, [op]: { fact: e.target.value } })} />`
    // A pattern is always text; other values read numbers and true/false as such.
    const read = op === 'matches' ? (text) => text : parseScalar
    return html`<input id=${id('value')} type="text" aria-label=${t('cb.value')} value=${showScalar(value)} onInput=${(e) => emit({ ...node, [op]: read(e.target.value) })} />`
  }
  return html`<div class=${`cb-line${errors.length > 0 ? ' has-error' : ''}`} id=${fieldId(linePtr)} tabindex="-1">
    <div class="cb-row">
      <label class="checkbox small"><input type="checkbox" checked=${negated} onChange=${(e) => onChange(e.target.checked ? { not: node } : node)} />${t('cb.not')}</label>
      <select id=${id('subject')} aria-label=${t('cb.subject')} value=${subject} onChange=${(e) => setSubject(e.target.value)}>
        <option value="fact">${t('cb.fact')}</option><option value="count">${t('cb.count')}</option>
      </select>
      ${subject === 'fact'
        ? html`<input id=${id('fact')} type="text" class="mono" list=${lists.facts} aria-label=${t('cb.factPath')} value=${node.fact} onInput=${(e) => emit({ ...node, fact: e.target.value })} />`
        : html`<input id=${id('count/event')} type="text" list=${lists.events} aria-label=${t('cb.event')} value=${node.count.event ?? ''} onInput=${(e) => emit({ ...node, count: { ...node.count, event: e.target.value } })} />
            <input id=${id('count/within')} type="text" class="cb-short" aria-label=${t('cb.within')} placeholder="30d" value=${node.count.within ?? ''} onInput=${(e) => emit({ ...node, count: { ...node.count, within: e.target.value } })} />`}
      <select id=${id('operator')} aria-label=${t('cb.operator')} value=${op} onChange=${(e) => setOp(e.target.value)}>
        ${OPS.map((o) => html`<option value=${o}>${t(`cb.op.${o}`)}</option>`)}
      </select>
      ${valueInput()}
      ${ORDERED.has(op) && subject === 'fact' &&
      html`<label class="checkbox small"><input type="checkbox" checked=${factValue} onChange=${(e) => emit({ ...node, [op]: e.target.checked ? { fact: 'order.promised_delivery' } : 0 })} />${t('cb.compareFact')}</label>`}
    </div>
    ${errors.map((e) => html`<p class="field-error">${e}</p>`)}
  </div>`
}

function Node({ node, path, onChange, errorsUnder, ptr, depth, lists }) {
  const shape = shapeOf(node)
  const props = { ptr, onChange, errorsUnder, lists }
  if (shape === 'group') return html`<${Group} ...${props} node=${node} path=${path} depth=${depth} />`
  if (shape === 'line') return html`<${Line} ...${props} node=${node} negated=${false} />`
  if (shape === 'notLine') return html`<${Line} ...${props} node=${node.not} negated=${true} />`
  return html`<div class="cb-opaque" id=${fieldId(ptr)} tabindex="-1"><p class="small muted">${t('cb.opaque')}</p><pre class="code">${JSON.stringify(node, null, 2)}</pre>
    ${errorsUnder(ptr).map((e) => html`<p class="field-error">${e}</p>`)}</div>`
}

/**
 * The builder for one condition field. `value` is the tree (undefined: none), `ptr` its JSON
 * pointer in the rule document, `events` names for the event pickers.
 */
export function ConditionBuilder({ value, onChange, ptr, errorsUnder, events }) {
  // A single line is shown inside "all of" so lines can be added; it is written back unwrapped.
  const root = value === undefined ? { all: [] } : shapeOf(value) === 'group' ? value : { all: [value] }
  const wrapped = value !== undefined && shapeOf(value) !== 'group'
  const change = (next) => {
    const list = next.all
    if (list && Object.keys(next).length === 1 && list.length === 0) return onChange(undefined)
    if (list && Object.keys(next).length === 1 && list.length === 1 && shapeOf(list[0]) !== 'group') return onChange(list[0])
    onChange(next)
  }
  // Errors of an unwrapped single line sit at the field's own pointer, not under /all/0.
  const errorsFor = (p) => errorsUnder(wrapped ? p.replace(`${ptr}/all/0`, ptr) : p)
  const lists = { facts: fieldId(`${ptr}/facts`), events: fieldId(`${ptr}/events`) }
  return html`<div class="cb">
    ${value === undefined && html`<p class="small muted">${t('cb.empty')}</p>`}
    <${Group} node=${root} path=${[]} ptr=${ptr} depth=${0} onChange=${change} errorsUnder=${errorsFor} lists=${lists} />
    <datalist id=${lists.facts}>${FACTS.map((f) => html`<option value=${f} />`)}</datalist>
    <datalist id=${lists.events}>${events.map((e) => html`<option value=${e} />`)}</datalist>
  </div>`
}
