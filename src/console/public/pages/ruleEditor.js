// The rule editor ('/rules/:id', 'new' for a new rule): a form for the common parts and the raw
// document (JSON or YAML), kept in sync; live validation by the server (POST /api/rules/validate)
// with each error next to its field; save with optimistic concurrency (?version=); enable and
// disable; version history with a line diff against the current version. Agents read only.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import {
  Alert,
  Badge,
  Dialog,
  DiffStat,
  DiffView,
  EmptyState,
  Field,
  Icon,
  TabPanel,
  Tabs,
  TimeAgo,
  formatNumber,
  lineDiff,
  toast,
  useApi,
  useDebounced,
  usePageTitle,
} from '../components/index.js'
import { ApiError, api, html, register, session, t } from '../lib.js'
import { RuleStatus, canApproveRules, canEditRules } from './rules.js'

register({
  en: {
    'editor.newTitle': 'New rule',
    'editor.rules': 'Rules',
    'editor.tabs': 'Rule editor',
    'editor.tabForm': 'Form',
    'editor.tabRaw': 'Document',
    'editor.tabHistory': 'History',
    'editor.save': 'Save',
    'editor.saving': 'Saving…',
    'editor.enable': 'Enable',
    'editor.disable': 'Disable',
    'editor.discard': 'Discard changes',
    'editor.discardTitle': 'Discard your changes?',
    'editor.discardText': 'The editor goes back to the saved version. This cannot be undone.',
    'editor.keepEditing': 'Keep editing',
    'editor.readOnly': 'Read-only: only operations can change rules.',
    'editor.newNote': 'New rules are created disabled, so you can check them before they act. Enable them from here once saved.',
    'editor.valid': 'Valid',
    'editor.checking': 'Checking…',
    'editor.problems': '{n} problems',
    'editor.problem': '1 problem',
    'editor.unsaved': 'Unsaved changes',
    'editor.problemsTitle': 'Fix these before saving',
    'editor.saveFailed': 'The rule was not saved.',
    'editor.conflictTitle': 'Someone else changed this rule',
    'editor.conflict': 'Version {version} was saved while you were editing, so your save was refused to avoid overwriting it. Your edits are still here: copy what you need, then load the latest version.',
    'editor.loadLatest': 'Load the latest version',
    'editor.created': 'Rule created. It is disabled until you enable it.',
    'editor.saved': 'Saved as version {version}.',
    'editor.enabled': 'Rule enabled: it acts on new events now.',
    'editor.disabled': 'Rule disabled.',
    'editor.notFound': 'No rule "{id}"',
    'editor.notFoundText': 'It may have been renamed. Rules keep their id for life.',
    'editor.back': 'Back to rules',
    'editor.loadFailed': 'The rule could not be loaded.',
    'editor.basics': 'Basics',
    'editor.basicsHint': 'How the rule is named and ranked.',
    'editor.id': 'ID',
    'editor.idHint': 'Lower-case letters, digits, dots, dashes; it cannot change later.',
    'editor.name': 'Name',
    'editor.description': 'Description',
    'editor.priority': 'Priority',
    'editor.priorityHint': '0–1000; the higher rule wins when several compete for one shopper.',
    'editor.tags': 'Tags',
    'editor.tagsHint': 'Comma-separated.',
    'editor.optional': 'optional',
    'editor.triggers': 'Triggers',
    'editor.triggersHint': 'The rule looks at a shopper when any of these happens.',
    'editor.trigger': 'Trigger {n}',
    'editor.addTrigger': 'Add trigger',
    'editor.remove': 'Remove',
    'editor.removeTrigger': 'Remove trigger {n}',
    'editor.removeAction': 'Remove action {n}',
    'editor.kind': 'Kind',
    'editor.kindEvent': 'An event happens',
    'editor.kindAbsence': 'Something did not happen in time',
    'editor.event': 'Event',
    'editor.entity': 'Entity property',
    'editor.entityHint': 'The event property naming what the moment is about, e.g. order_id.',
    'editor.start': 'Start events',
    'editor.awaited': 'Awaited events',
    'editor.listHint': 'Comma-separated event names.',
    'editor.after': 'Due after',
    'editor.afterHint': 'A duration from the start event, e.g. 1h, 2d.',
    'editor.at': 'Due at (fact)',
    'editor.atHint': 'Or a time read from the event, e.g. properties.estimated_delivery_at.',
    'editor.grace': 'Grace',
    'editor.triggerWhen': 'Only when',
    'editor.addCondition': 'Add a condition',
    'editor.conditions': 'Conditions',
    'editor.conditionsHint': 'All triggers share these. Leave empty to act on every trigger.',
    'editor.when': 'Conditions (JSON)',
    'editor.whenHint': 'Facts: properties.*, traits.*, order.*, customer.id|locale|timezone, event.name. Operators: eq ne gt gte lt lte in nin exists contains matches. Combine with all, any, not; count events with {"count": {"event": …, "within": "7d"}, "gte": 2}.',
    'editor.notJson': 'Not valid JSON: {message}',
    'editor.actions': 'Actions',
    'editor.actionsHint': 'What the rule does: nudge the shopper, or give a person a task.',
    'editor.action': 'Action {n}',
    'editor.addNudge': 'Add nudge',
    'editor.addTask': 'Add task',
    'editor.kindNudge': 'Nudge the shopper',
    'editor.kindTask': 'Open a task for a person',
    'editor.channel': 'Channel',
    'editor.template': 'Template',
    'editor.topic': 'Topic',
    'editor.urgent': 'Urgent: may pass quiet hours and frequency caps',
    'editor.queue': 'Queue',
    'editor.taskPriority': 'Task priority',
    'editor.sla': 'SLA',
    'editor.slaHint': 'Time to first contact, e.g. 4h.',
    'editor.title': 'Task title',
    'editor.skills': 'Skills',
    'editor.guards': 'Guards',
    'editor.guardsHint': 'Keep the rule from firing again too soon.',
    'editor.cooldown': 'Cooldown',
    'editor.cooldownHint': 'Do not fire again within this time, e.g. 3d.',
    'editor.once': 'Fire at most once',
    'editor.per': 'Counted per',
    'editor.perCustomer': 'Shopper',
    'editor.perEntity': 'Shopper and entity',
    'editor.rawLabel': 'Rule document (JSON or YAML)',
    'editor.rawHint': 'The whole rule as stored. The form and this document stay in sync; YAML is accepted too.',
    'editor.rawYaml': 'YAML: the form follows once the document is valid.',
    'editor.line': 'Line {n}',
    'editor.goto': 'Go to the field',
    'editor.versions': 'Versions',
    'editor.current': 'current',
    'editor.unsavedItem': 'Your unsaved edits',
    'editor.diffTitle': 'Changes from v{from} to v{to}',
    'editor.diffUnsaved': 'Unsaved edits against v{to}',
    'editor.diffPick': 'Pick a version to compare it with the current one.',
    'editor.firstVersion': 'The first version of this rule:',
    'editor.by': 'by {who}',
    'editor.status': 'Status',
    'editor.version': 'Version',
    'editor.updated': 'Last change',
    'editor.last24h': 'Last 24 hours',
    'editor.signals': 'Signals',
    'editor.planned': 'Planned',
    'editor.suppressed': 'Suppressed',
    'editor.shortcut': 'Ctrl+S saves.',
    'editor.helpTitle': 'How a rule reads',
    'editor.helpTriggers': 'An event (Checkout Started), or an absence: a start event not followed by an awaited one in time (a durable timer).',
    'editor.helpConditions': 'Facts of the event, the shopper and the order, compared with eq, gte, in, matches …; counts of recent events.',
    'editor.helpActions': 'A nudge on a channel with a template, or a task in a queue with a priority and an SLA; each may have its own condition.',
    'editor.helpGuards': 'A cooldown or once, per shopper or per entity, so nobody hears the same thing twice.',
    'editor.awaiting': 'v{version} awaiting approval',
    'editor.approve': 'Approve v{version}',
    'editor.approved': 'Version {version} approved.',
    'editor.vstatus.draft': 'draft',
    'editor.vstatus.approved': 'approved',
    'editor.vstatus.live': 'live',
    'editor.problemAt': 'Problem at {path}',
  },
  'zh-CN': {
    'editor.newTitle': '新建规则',
    'editor.rules': '规则',
    'editor.tabs': '规则编辑器',
    'editor.tabForm': '表单',
    'editor.tabRaw': '文档',
    'editor.tabHistory': '历史',
    'editor.save': '保存',
    'editor.saving': '正在保存…',
    'editor.enable': '启用',
    'editor.disable': '停用',
    'editor.discard': '放弃修改',
    'editor.discardTitle': '放弃您的修改？',
    'editor.discardText': '编辑器将恢复到已保存的版本。此操作无法撤销。',
    'editor.keepEditing': '继续编辑',
    'editor.readOnly': '只读：只有运营人员可以修改规则。',
    'editor.newNote': '新规则创建后处于停用状态，方便您先检查。保存后可在此启用。',
    'editor.valid': '有效',
    'editor.checking': '正在检查…',
    'editor.problems': '{n} 个问题',
    'editor.problem': '1 个问题',
    'editor.unsaved': '有未保存的修改',
    'editor.problemsTitle': '保存前请先修正以下问题',
    'editor.saveFailed': '规则未保存。',
    'editor.conflictTitle': '其他人修改了此规则',
    'editor.conflict': '在您编辑期间已有人保存了版本 {version}，为避免覆盖，您的保存被拒绝。您的修改仍在这里：复制需要的内容后，再加载最新版本。',
    'editor.loadLatest': '加载最新版本',
    'editor.created': '规则已创建。启用前不会生效。',
    'editor.saved': '已保存为版本 {version}。',
    'editor.enabled': '规则已启用：从现在起对新事件生效。',
    'editor.disabled': '规则已停用。',
    'editor.notFound': '没有规则“{id}”',
    'editor.notFoundText': '它可能已被重命名。规则的 ID 一经创建不能修改。',
    'editor.back': '返回规则列表',
    'editor.loadFailed': '无法加载规则。',
    'editor.basics': '基本信息',
    'editor.basicsHint': '规则的名称和排序。',
    'editor.id': 'ID',
    'editor.idHint': '小写字母、数字、点和短横线；创建后不能修改。',
    'editor.name': '名称',
    'editor.description': '描述',
    'editor.priority': '优先级',
    'editor.priorityHint': '0–1000；多条规则争用同一位顾客时，优先级高者胜出。',
    'editor.tags': '标签',
    'editor.tagsHint': '用逗号分隔。',
    'editor.optional': '可选',
    'editor.triggers': '触发条件',
    'editor.triggersHint': '发生以下任一情况时，规则会检查该顾客。',
    'editor.trigger': '触发 {n}',
    'editor.addTrigger': '添加触发',
    'editor.remove': '删除',
    'editor.removeTrigger': '删除触发 {n}',
    'editor.removeAction': '删除动作 {n}',
    'editor.kind': '类型',
    'editor.kindEvent': '发生某个事件',
    'editor.kindAbsence': '某件事没有按时发生',
    'editor.event': '事件',
    'editor.entity': '实体属性',
    'editor.entityHint': '表示这一时刻所针对对象的事件属性，例如 order_id。',
    'editor.start': '开始事件',
    'editor.awaited': '等待的事件',
    'editor.listHint': '用逗号分隔的事件名称。',
    'editor.after': '在此之后到期',
    'editor.afterHint': '从开始事件算起的时长，例如 1h、2d。',
    'editor.at': '到期时间（字段）',
    'editor.atHint': '或从事件中读取时间，例如 properties.estimated_delivery_at。',
    'editor.grace': '宽限',
    'editor.triggerWhen': '仅当',
    'editor.addCondition': '添加条件',
    'editor.conditions': '条件',
    'editor.conditionsHint': '所有触发共用这些条件。留空则每次触发都执行。',
    'editor.when': '条件（JSON）',
    'editor.whenHint': '字段：properties.*、traits.*、order.*、customer.id|locale|timezone、event.name。运算符：eq ne gt gte lt lte in nin exists contains matches。可用 all、any、not 组合；统计事件次数：{"count": {"event": …, "within": "7d"}, "gte": 2}。',
    'editor.notJson': '不是有效的 JSON：{message}',
    'editor.actions': '动作',
    'editor.actionsHint': '规则要做什么：提醒顾客，或为客服创建任务。',
    'editor.action': '动作 {n}',
    'editor.addNudge': '添加提醒',
    'editor.addTask': '添加任务',
    'editor.kindNudge': '提醒顾客',
    'editor.kindTask': '为客服创建任务',
    'editor.channel': '渠道',
    'editor.template': '模板',
    'editor.topic': '主题',
    'editor.urgent': '紧急：可突破免打扰时段和频次上限',
    'editor.queue': '队列',
    'editor.taskPriority': '任务优先级',
    'editor.sla': 'SLA',
    'editor.slaHint': '首次联系的时限，例如 4h。',
    'editor.title': '任务标题',
    'editor.skills': '技能',
    'editor.guards': '防护',
    'editor.guardsHint': '避免规则过于频繁地再次触发。',
    'editor.cooldown': '冷却时间',
    'editor.cooldownHint': '在此时间内不再触发，例如 3d。',
    'editor.once': '最多触发一次',
    'editor.per': '计数单位',
    'editor.perCustomer': '顾客',
    'editor.perEntity': '顾客和实体',
    'editor.rawLabel': '规则文档（JSON 或 YAML）',
    'editor.rawHint': '规则的完整内容。表单与此文档保持同步；也接受 YAML。',
    'editor.rawYaml': 'YAML：文档有效后表单会同步。',
    'editor.line': '第 {n} 行',
    'editor.goto': '转到字段',
    'editor.versions': '版本',
    'editor.current': '当前',
    'editor.unsavedItem': '您未保存的修改',
    'editor.diffTitle': '从 v{from} 到 v{to} 的变化',
    'editor.diffUnsaved': '未保存的修改与 v{to} 的对比',
    'editor.diffPick': '选择一个版本，与当前版本比较。',
    'editor.firstVersion': '此规则的第一个版本：',
    'editor.by': '由 {who}',
    'editor.status': '状态',
    'editor.version': '版本',
    'editor.updated': '最近修改',
    'editor.last24h': '最近 24 小时',
    'editor.signals': '信号',
    'editor.planned': '已计划',
    'editor.suppressed': '已抑制',
    'editor.shortcut': 'Ctrl+S 保存。',
    'editor.helpTitle': '规则的构成',
    'editor.helpTriggers': '一个事件（如 Checkout Started），或一次缺失：开始事件之后，等待的事件没有按时出现（持久计时器）。',
    'editor.helpConditions': '用 eq、gte、in、matches 等比较事件、顾客和订单的字段；也可统计近期事件次数。',
    'editor.helpActions': '通过某个渠道和模板提醒顾客，或在队列中创建带优先级和 SLA 的任务；每个动作可有自己的条件。',
    'editor.helpGuards': '冷却时间或仅一次，按顾客或按实体计算，避免同一件事说两遍。',
    'editor.awaiting': 'v{version} 待审批',
    'editor.approve': '批准 v{version}',
    'editor.approved': '版本 {version} 已批准。',
    'editor.vstatus.draft': '草稿',
    'editor.vstatus.approved': '已批准',
    'editor.vstatus.live': '生效中',
    'editor.problemAt': '{path} 处有问题',
  },
})

const CHANNELS = ['email', 'sms', 'push', 'voice', 'inapp', 'webhook']
const PRIORITIES = ['low', 'normal', 'high', 'urgent']
const EVENTS = [
  'Product Viewed',
  'Product Added',
  'Product Removed',
  'Checkout Started',
  'Order Completed',
  'Payment Failed',
  'Order Shipped',
  'Shipment Updated',
  'Order Delivered',
  'Order Cancelled',
  'Order Refunded',
  'Return Requested',
  'Complaint Filed',
  'Care Call Completed',
  'Survey Answered',
]

const NEW_RULE = {
  id: '',
  name: '',
  priority: 30,
  triggers: [{ event: 'Product Viewed', entity: 'product_id' }],
  actions: [{ nudge: { channel: 'email', template: 'long-dwell', topic: 'care' } }],
  guards: { cooldown: '7d', per: 'customer' },
}

// ---------- documents ----------

/** Keys in the order people read a rule; anything else after, alphabetically. */
const KEY_ORDER = [
  'id', 'name', 'description', 'priority', 'triggers', 'event', 'absence', 'start', 'awaited', 'entity', 'after', 'at', 'grace',
  'when', 'all', 'any', 'not', 'fact', 'count', 'within', 'actions', 'nudge', 'task', 'channel', 'template', 'topic', 'urgent',
  'queue', 'title', 'sla', 'skills', 'fallback', 'thenTask', 'guards', 'cooldown', 'once', 'per', 'tags',
]
function canonical(value) {
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
function setIn(obj, path, value) {
  if (path.length === 0) return value
  const [head, ...rest] = path
  const base = Array.isArray(obj) ? [...obj] : { ...(obj ?? {}) }
  const next = setIn(base[head], rest, value)
  if (next === undefined && !Array.isArray(base)) delete base[head]
  else base[head] = next
  return base
}
const getIn = (obj, path) => path.reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), obj)
const blank = (v) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)
const pointer = (path) => '/' + path.join('/')
export const fieldId = (ptr) => 'rf' + ptr.replace(/[^a-zA-Z0-9]+/g, '-')

/** JSON pointer → line of a JSON text (the key's line), for the error list of the raw editor. */
function jsonLines(text) {
  const map = new Map()
  let i = 0
  let line = 1
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) {
      if (text[i] === '\n') line++
      i++
    }
  }
  const str = () => {
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
        const key = str()
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
    } else if (c === '"') str()
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
function lineOf(lines, ptr) {
  let p = ptr === '/' ? '' : ptr
  for (;;) {
    if (lines.has(p)) return lines.get(p)
    if (p === '') return undefined
    p = p.slice(0, p.lastIndexOf('/'))
  }
}

/** Sends a rule document as text (JSON or YAML: the API takes both as application/yaml). */
async function sendText(method, path, text) {
  const res = await fetch(path, { method, headers: { authorization: `Bearer ${session.key}`, 'content-type': 'application/yaml' }, body: text })
  const body = await res.text()
  const data = body ? JSON.parse(body) : undefined
  if (!res.ok) throw new ApiError(res.status, data)
  return data
}

function parseJson(text) {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (err) {
    return { ok: false, message: err.message }
  }
}

// ---------- small controls ----------

/** A comma-separated list bound to an array; keeps what is typed until it means something else. */
function ListInput({ value, onChange, attrs, placeholder, list }) {
  const toList = (s) => s.split(',').map((x) => x.trim()).filter(Boolean)
  const [text, setText] = useState((value ?? []).join(', '))
  useEffect(() => {
    if (JSON.stringify(toList(text)) !== JSON.stringify(value ?? [])) setText((value ?? []).join(', '))
  }, [JSON.stringify(value ?? [])])
  return html`<input ...${attrs} type="text" list=${list} placeholder=${placeholder} value=${text} onInput=${(e) => (setText(e.target.value), onChange(toList(e.target.value)))} />`
}

/** A JSON condition tree in a textarea; invalid JSON stays local (with its message) until fixed. */
function ConditionInput({ value, onChange, attrs, onJsonError }) {
  const show = (v) => (v === undefined ? '' : JSON.stringify(canonical(v), null, 2))
  const [text, setText] = useState(show(value))
  useEffect(() => {
    const parsed = text.trim() === '' ? { ok: true, value: undefined } : parseJson(text)
    if (!parsed.ok || JSON.stringify(parsed.value) !== JSON.stringify(value)) {
      if (parsed.ok || value !== undefined) setText(show(value))
    }
  }, [JSON.stringify(value)])
  const onInput = (e) => {
    const next = e.target.value
    setText(next)
    if (next.trim() === '') {
      onJsonError(undefined)
      return onChange(undefined)
    }
    const parsed = parseJson(next)
    if (parsed.ok) {
      onJsonError(undefined)
      onChange(parsed.value)
    } else onJsonError(parsed.message)
  }
  const rows = Math.min(16, Math.max(3, text.split('\n').length + 1))
  return html`<textarea ...${attrs} class="code" spellcheck="false" rows=${rows} value=${text} onInput=${onInput} placeholder='{ "fact": "properties.value", "gte": 300 }'></textarea>`
}

// ---------- the form ----------

function RuleForm({ doc, update, errorsAt, errorsUnder, isNew, templates }) {
  const [jsonErrors, setJsonErrors] = useState({})
  const [openConditions, setOpenConditions] = useState({})
  const jsonError = (ptr) => (jsonErrors[ptr] ? [t('editor.notJson', { message: jsonErrors[ptr] })] : [])
  const setJsonError = (ptr) => (message) => setJsonErrors((e) => ({ ...e, [ptr]: message }))

  const text = (path, label, opts = {}) => {
    const ptr = pointer(path)
    return html`<${Field} id=${fieldId(ptr)} label=${label} hint=${opts.hint} optional=${opts.optional} optionalLabel=${t('editor.optional')} error=${errorsAt(ptr)} className=${opts.className ?? ''}>
      ${(a) =>
        opts.multiline
          ? html`<textarea ...${a} rows="2" value=${getIn(doc, path) ?? ''} onInput=${(e) => update(path, e.target.value === '' ? undefined : e.target.value)}></textarea>`
          : html`<input
              ...${a}
              type=${opts.number ? 'number' : 'text'}
              inputmode=${opts.number ? 'numeric' : undefined}
              list=${opts.list}
              disabled=${opts.disabled}
              placeholder=${opts.placeholder}
              class=${opts.mono ? 'mono' : undefined}
              value=${getIn(doc, path) ?? ''}
              onInput=${(e) => {
                const v = e.target.value
                update(path, v === '' ? undefined : opts.number && /^-?\d+$/.test(v) ? Number(v) : v)
              }}
            />`}
    <//>`
  }
  const select = (path, label, options, opts = {}) => {
    const ptr = pointer(path)
    return html`<${Field} id=${fieldId(ptr)} label=${label} error=${errorsAt(ptr)} optional=${opts.optional} optionalLabel=${t('editor.optional')}>
      ${(a) => html`<select ...${a} value=${getIn(doc, path) ?? ''} onChange=${(e) => update(path, e.target.value === '' ? undefined : e.target.value)}>
        ${opts.optional && html`<option value="">—</option>`}
        ${options.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
      </select>`}
    <//>`
  }
  const list = (path, label, opts = {}) => {
    const ptr = pointer(path)
    return html`<${Field} id=${fieldId(ptr)} label=${label} hint=${opts.hint} optional=${opts.optional} optionalLabel=${t('editor.optional')} error=${errorsUnder(ptr)} className=${opts.className ?? ''}>
      ${(a) => html`<${ListInput} attrs=${a} list=${opts.list} value=${getIn(doc, path)} onChange=${(v) => update(path, v.length === 0 ? undefined : v)} />`}
    <//>`
  }
  const condition = (path, label, hint, alwaysOpen = false) => {
    const ptr = pointer(path)
    const shown = alwaysOpen || openConditions[ptr] || getIn(doc, path) !== undefined || jsonError(ptr).length > 0 || errorsUnder(ptr).length > 0
    if (!shown) {
      const open = () => {
        setOpenConditions((o) => ({ ...o, [ptr]: true }))
        setTimeout(() => document.getElementById(fieldId(ptr))?.focus(), 0)
      }
      return html`<div class="span-2"><button type="button" class="ghost small" id=${fieldId(ptr)} onClick=${open}><${Icon} name="plus" size=${14} />${t('editor.addCondition')}</button></div>`
    }
    return html`<${Field} id=${fieldId(ptr)} label=${label} hint=${hint} optional optionalLabel=${t('editor.optional')} error=${[...jsonError(ptr), ...errorsUnder(ptr)]} className="span-2">
      ${(a) => html`<${ConditionInput} attrs=${a} value=${getIn(doc, path)} onChange=${(v) => update(path, v)} onJsonError=${setJsonError(ptr)} />`}
    <//>`
  }
  const check = (path, label) => {
    const ptr = pointer(path)
    return html`<div class="field">
      <label class="checkbox" for=${fieldId(ptr)}>
        <input type="checkbox" id=${fieldId(ptr)} checked=${getIn(doc, path) === true} onChange=${(e) => update(path, e.target.checked ? true : undefined)} />
        ${label}
      </label>
      ${errorsAt(ptr).map((e) => html`<p class="field-error">${e}</p>`)}
    </div>`
  }
  const sectionErrors = (ptr) => errorsAt(ptr).map((e) => html`<p class="field-error" id=${fieldId(ptr)} tabindex="-1">${e}</p>`)

  const triggers = Array.isArray(doc.triggers) ? doc.triggers : []
  const actions = Array.isArray(doc.actions) ? doc.actions : []
  const templatesFor = (channel) => templates.filter((x) => x.channel === channel).map((x) => x.id)

  return html`
    <datalist id="rule-events">${EVENTS.map((e) => html`<option value=${e} />`)}</datalist>
    ${CHANNELS.map((c) => html`<datalist id=${`templates-${c}`}>${templatesFor(c).map((id) => html`<option value=${id} />`)}</datalist>`)}

    <section class="card" aria-labelledby="sec-basics">
      <div class="card-header"><div><h2 class="card-title" id="sec-basics">${t('editor.basics')}</h2><p class="card-description">${t('editor.basicsHint')}</p></div></div>
      <div class="form-grid">
        ${text(['id'], t('editor.id'), { hint: t('editor.idHint'), disabled: !isNew, mono: true, placeholder: 'big-basket-help' })}
        ${text(['name'], t('editor.name'), { placeholder: 'Help with a big basket' })}
        ${text(['description'], t('editor.description'), { multiline: true, optional: true, className: 'span-2' })}
        ${text(['priority'], t('editor.priority'), { number: true, hint: t('editor.priorityHint'), optional: true })}
        ${list(['tags'], t('editor.tags'), { hint: t('editor.tagsHint'), optional: true })}
      </div>
    </section>

    <section class="card" aria-labelledby="sec-triggers">
      <div class="card-header">
        <div><h2 class="card-title" id="sec-triggers">${t('editor.triggers')}</h2><p class="card-description">${t('editor.triggersHint')}</p></div>
        <button type="button" class="small" onClick=${() => update(['triggers'], [...triggers, { event: 'Order Completed' }])}><${Icon} name="plus" size=${14} />${t('editor.addTrigger')}</button>
      </div>
      <div class="stack">
        ${sectionErrors('/triggers')}
        ${triggers.map((trigger, i) => {
          const base = ['triggers', i]
          const absence = trigger && typeof trigger === 'object' && 'absence' in trigger
          const setKind = (kind) =>
            update(base, kind === 'absence'
              ? { absence: { start: [trigger.event ?? 'Order Shipped'], awaited: ['Order Delivered'], entity: trigger.entity ?? 'order_id', after: '1d' }, ...(trigger.when ? { when: trigger.when } : {}) }
              : { event: trigger.absence?.start?.[0] ?? 'Order Completed', ...(trigger.absence?.entity ? { entity: trigger.absence.entity } : {}), ...(trigger.when ? { when: trigger.when } : {}) })
          return html`<div class="item-card" key=${`t${i}`}>
            <div class="item-card-header">
              <span class="item-card-title">${t('editor.trigger', { n: i + 1 })}</span>
              <button type="button" class="ghost small" disabled=${triggers.length < 2} aria-label=${t('editor.removeTrigger', { n: i + 1 })} onClick=${() => update(['triggers'], triggers.filter((_, k) => k !== i))}><${Icon} name="trash" size=${14} />${t('editor.remove')}</button>
            </div>
            ${sectionErrors(pointer(base))}
            <div class="form-grid">
              <${Field} id=${fieldId(pointer(base) + '/kind')} label=${t('editor.kind')}>
                ${(a) => html`<select ...${a} value=${absence ? 'absence' : 'event'} onChange=${(e) => setKind(e.target.value)}>
                  <option value="event">${t('editor.kindEvent')}</option>
                  <option value="absence">${t('editor.kindAbsence')}</option>
                </select>`}
              <//>
              ${absence
                ? html`
                    ${text([...base, 'absence', 'entity'], t('editor.entity'), { hint: t('editor.entityHint'), mono: true })}
                    ${list([...base, 'absence', 'start'], t('editor.start'), { hint: t('editor.listHint'), list: 'rule-events' })}
                    ${list([...base, 'absence', 'awaited'], t('editor.awaited'), { hint: t('editor.listHint'), list: 'rule-events' })}
                    ${text([...base, 'absence', 'after'], t('editor.after'), { hint: t('editor.afterHint'), optional: true, mono: true })}
                    ${text([...base, 'absence', 'grace'], t('editor.grace'), { optional: true, mono: true })}
                    ${list([...base, 'absence', 'at'], t('editor.at'), { hint: t('editor.atHint'), optional: true, className: 'span-2' })}
                  `
                : html`
                    ${text([...base, 'event'], t('editor.event'), { list: 'rule-events' })}
                    ${text([...base, 'entity'], t('editor.entity'), { hint: t('editor.entityHint'), optional: true, mono: true })}
                  `}
              ${condition([...base, 'when'], t('editor.triggerWhen'))}
            </div>
          </div>`
        })}
      </div>
    </section>

    <section class="card" aria-labelledby="sec-when">
      <div class="card-header"><div><h2 class="card-title" id="sec-when">${t('editor.conditions')}</h2><p class="card-description">${t('editor.conditionsHint')}</p></div></div>
      <div class="form-grid">${condition(['when'], t('editor.when'), t('editor.whenHint'), true)}</div>
    </section>

    <section class="card" aria-labelledby="sec-actions">
      <div class="card-header">
        <div><h2 class="card-title" id="sec-actions">${t('editor.actions')}</h2><p class="card-description">${t('editor.actionsHint')}</p></div>
        <div class="card-actions">
          <button type="button" class="small" onClick=${() => update(['actions'], [...actions, { nudge: { channel: 'email', template: templatesFor('email')[0] ?? 'long-dwell', topic: 'care' } }])}><${Icon} name="plus" size=${14} />${t('editor.addNudge')}</button>
          <button type="button" class="small" onClick=${() => update(['actions'], [...actions, { task: { queue: 'care', priority: 'normal', sla: '4h' } }])}><${Icon} name="plus" size=${14} />${t('editor.addTask')}</button>
        </div>
      </div>
      <div class="stack">
        ${sectionErrors('/actions')}
        ${actions.map((action, i) => {
          const base = ['actions', i]
          const isTask = action && typeof action === 'object' && 'task' in action
          const setKind = (kind) =>
            update(base, kind === 'task'
              ? { task: { queue: 'care', priority: 'normal', sla: '4h' }, ...(action.when ? { when: action.when } : {}) }
              : { nudge: { channel: 'email', template: templatesFor('email')[0] ?? 'long-dwell', topic: 'care' }, ...(action.when ? { when: action.when } : {}) })
          const channel = getIn(doc, [...base, 'nudge', 'channel']) ?? 'email'
          return html`<div class="item-card" key=${`a${i}`}>
            <div class="item-card-header">
              <span class="item-card-title">${t('editor.action', { n: i + 1 })}</span>
              <button type="button" class="ghost small" disabled=${actions.length < 2} aria-label=${t('editor.removeAction', { n: i + 1 })} onClick=${() => update(['actions'], actions.filter((_, k) => k !== i))}><${Icon} name="trash" size=${14} />${t('editor.remove')}</button>
            </div>
            ${sectionErrors(pointer(base))}
            <div class="form-grid">
              <${Field} id=${fieldId(pointer(base) + '/kind')} label=${t('editor.kind')} className="span-2">
                ${(a) => html`<select ...${a} value=${isTask ? 'task' : 'nudge'} onChange=${(e) => setKind(e.target.value)}>
                  <option value="nudge">${t('editor.kindNudge')}</option>
                  <option value="task">${t('editor.kindTask')}</option>
                </select>`}
              <//>
              ${isTask
                ? html`
                    ${text([...base, 'task', 'queue'], t('editor.queue'), { mono: true })}
                    ${select([...base, 'task', 'priority'], t('editor.taskPriority'), PRIORITIES.map((p) => [p, p]))}
                    ${text([...base, 'task', 'sla'], t('editor.sla'), { hint: t('editor.slaHint'), mono: true })}
                    ${text([...base, 'task', 'title'], t('editor.title'), { optional: true })}
                    ${list([...base, 'task', 'skills'], t('editor.skills'), { optional: true, hint: t('editor.tagsHint') })}
                  `
                : html`
                    ${select([...base, 'nudge', 'channel'], t('editor.channel'), CHANNELS.map((c) => [c, c]))}
                    ${text([...base, 'nudge', 'template'], t('editor.template'), { list: `templates-${channel}`, mono: true })}
                    ${select([...base, 'nudge', 'topic'], t('editor.topic'), [['care', 'care'], ['marketing', 'marketing']], { optional: true })}
                    <div class="field" style="justify-content:flex-end">${check([...base, 'nudge', 'urgent'], t('editor.urgent'))}</div>
                  `}
              ${condition([...base, 'when'], t('editor.triggerWhen'))}
            </div>
          </div>`
        })}
      </div>
    </section>

    <section class="card" aria-labelledby="sec-guards">
      <div class="card-header"><div><h2 class="card-title" id="sec-guards">${t('editor.guards')}</h2><p class="card-description">${t('editor.guardsHint')}</p></div></div>
      ${sectionErrors('/guards')}
      <div class="form-grid">
        ${text(['guards', 'cooldown'], t('editor.cooldown'), { hint: t('editor.cooldownHint'), optional: true, mono: true })}
        ${select(['guards', 'per'], t('editor.per'), [['customer', t('editor.perCustomer')], ['entity', t('editor.perEntity')]], { optional: true })}
        ${check(['guards', 'once'], t('editor.once'))}
      </div>
    </section>
  `
}

// ---------- raw document ----------

function RawEditor({ raw, onChange, readOnly, errors, lines, rawIsJson }) {
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
function selectLine(line) {
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

/** Focuses the form field of an error path (or its nearest parent with a field). */
function focusField(ptr) {
  let p = ptr
  for (;;) {
    const el = document.getElementById(fieldId(p))
    if (el) {
      el.focus()
      el.scrollIntoView({ block: 'center' })
      return true
    }
    if (p === '' || p === '/') return false
    p = p.slice(0, p.lastIndexOf('/'))
  }
}

// ---------- history ----------

function History({ ruleId, current, editedText, dirty, onRefresh }) {
  const versions = useApi(`/api/rules/${encodeURIComponent(ruleId)}/versions`, [current?.version])
  const list = versions.data?.versions ?? []
  const [selected, setSelected] = useState(undefined)
  useEffect(() => {
    if (selected === undefined && list.length > 0) setSelected(dirty ? 'unsaved' : (list[1]?.version ?? list[0].version))
  }, [list.length])
  const currentText = pretty(current.document)
  const texts = useMemo(() => new Map(list.map((v) => [v.version, pretty(v.document)])), [versions.data])
  if (versions.error) return html`<${Alert} tone="danger">${versions.error.message}<//>`
  if (!versions.data) return html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('shell.loading')}</p>`
  const pick = selected === 'unsaved' ? 'unsaved' : list.find((v) => v.version === selected)
  const before = pick === 'unsaved' ? currentText : pick ? texts.get(pick.version) : ''
  const after = pick === 'unsaved' ? editedText : currentText
  const onlyVersion = list.length === 1 && pick !== 'unsaved'
  return html`
    <div class="split" style="grid-template-columns: 300px minmax(0, 1fr)">
      <section class="card card-flush" aria-labelledby="versions-title">
        <div class="card-header"><h2 class="card-title" id="versions-title">${t('editor.versions')}</h2></div>
        <ul class="version-list">
          ${dirty &&
          html`<li>
            <button type="button" class="version-item" aria-current=${selected === 'unsaved' ? 'true' : undefined} onClick=${() => setSelected('unsaved')}>
              <${Badge} tone="warning">${t('editor.unsaved')}<//>
              <span></span>
              <${DiffStat} before=${currentText} after=${editedText} />
            </button>
          </li>`}
          ${list.map((v, k) => {
            const prev = list[k + 1]
            return html`<li key=${v.version}>
              <button type="button" class="version-item" aria-current=${selected === v.version ? 'true' : undefined} onClick=${() => setSelected(v.version)}>
                <${Badge} tone=${v.version === current.version ? 'accent' : 'neutral'}>v${v.version}<//>
                <span class="stack-sm" style="gap:0">
                  <span>${v.createdBy}${v.version === current.version ? html` · <span class="muted">${t('editor.current')}</span>` : ''}</span>
                  <span class="muted"><${TimeAgo} ts=${v.createdAt} />${v.status && v.status !== 'superseded' ? html` · <${Badge} tone=${v.status === 'draft' ? 'warning' : v.status === 'live' ? 'success' : 'info'}>${t(`editor.vstatus.${v.status}`)}<//>` : ''}</span>
                </span>
                ${prev ? html`<${DiffStat} before=${texts.get(prev.version)} after=${texts.get(v.version)} />` : html`<span></span>`}
              </button>
            </li>`
          })}
        </ul>
      </section>
      <section class="card" aria-labelledby="diff-title">
        <div class="card-header">
          <h2 class="card-title" id="diff-title">
            ${pick === 'unsaved' ? t('editor.diffUnsaved', { to: current.version }) : pick ? (onlyVersion ? t('editor.firstVersion') : t('editor.diffTitle', { from: pick.version, to: current.version })) : t('editor.diffPick')}
          </h2>
          ${pick && pick !== 'unsaved' && html`<span class="subtle">${t('editor.by', { who: pick.createdBy })} · <${TimeAgo} ts=${pick.createdAt} /></span>`}
        </div>
        ${pick && (onlyVersion ? html`<pre class="diff code" style="padding:10px 12px;margin:0">${currentText}</pre>` : html`<${DiffView} before=${before} after=${after} />`)}
      </section>
    </div>
  `
}

// ---------- the page ----------

export function RuleEditorPage({ params, me }) {
  const isNew = params.id === 'new'
  const editable = canEditRules(me)
  const readOnly = !editable
  const loaded = useApi(isNew ? null : `/api/rules/${encodeURIComponent(params.id)}`)
  const templates = useApi('/api/templates')
  const activity = useApi(isNew ? null : '/api/rules')
  const last24h = activity.data?.rules?.find((r) => r.id === params.id)?.last24h
  const [stored, setStored] = useState(undefined)
  const [raw, setRaw] = useState(isNew ? pretty(NEW_RULE) : '')
  const [baseline, setBaseline] = useState(isNew ? pretty(NEW_RULE) : '')
  const [doc, setDoc] = useState(isNew ? NEW_RULE : undefined)
  const [tab, setTab] = useState('form')
  const [validation, setValidation] = useState({ state: 'idle', errors: [] })
  const [touched, setTouched] = useState(false)
  const [saving, setSaving] = useState(false)
  const [saveError, setSaveError] = useState(undefined)
  const [conflict, setConflict] = useState(undefined)
  const [confirmDiscard, setConfirmDiscard] = useState(false)
  const seq = useRef(0)
  const rule = stored ?? loaded.data
  usePageTitle(isNew ? t('editor.newTitle') : (doc?.name || params.id))

  const adopt = (r) => {
    const text = pretty(r.document)
    setStored(r)
    setRaw(text)
    setBaseline(text)
    setDoc(r.document)
    setValidation({ state: 'idle', errors: [] })
  }
  useEffect(() => {
    if (loaded.data && !stored) adopt(loaded.data)
  }, [loaded.data])

  // Live validation: the document text, debounced, checked by the server.
  const settled = useDebounced(raw, 350)
  useEffect(() => {
    if (readOnly || settled === '' || (!touched && settled === baseline)) return
    const n = ++seq.current
    setValidation((v) => ({ ...v, state: 'pending' }))
    sendText('POST', '/api/rules/validate', settled).then(
      (res) => {
        if (n !== seq.current) return
        setValidation({ state: res.valid ? 'valid' : 'invalid', errors: res.errors ?? [] })
        // YAML (or JSON the form could not read) follows into the form once valid.
        if (res.valid && res.document && !parseJson(settled).ok) setDoc(res.document)
      },
      (err) => n === seq.current && setValidation({ state: 'invalid', errors: [{ path: '/', message: err.message }] }),
    )
  }, [settled])
  const pending = validation.state === 'pending' || settled !== raw

  const dirty = raw !== baseline
  useEffect(() => {
    if (!dirty || readOnly) return
    const warn = (e) => (e.preventDefault(), (e.returnValue = ''))
    addEventListener('beforeunload', warn)
    return () => removeEventListener('beforeunload', warn)
  }, [dirty])

  const onFormChange = (path, value) => {
    let next = setIn(doc ?? {}, path, value)
    // Drop emptied optional containers so the document stays minimal.
    for (let k = path.length - 1; k > 0; k--) {
      const parent = path.slice(0, k)
      const v = getIn(next, parent)
      if (!Array.isArray(v) && blank(v) && !['triggers', 'actions'].includes(parent.at(-1))) next = setIn(next, parent, undefined)
      else break
    }
    setDoc(next)
    setRaw(pretty(next))
    setTouched(true)
  }
  const onRawChange = (text) => {
    setRaw(text)
    setTouched(true)
    const parsed = parseJson(text)
    if (parsed.ok && parsed.value && typeof parsed.value === 'object' && !Array.isArray(parsed.value)) setDoc(parsed.value)
  }

  const shownErrors = touched || !isNew ? validation.errors : []
  const errorsAt = (ptr) => shownErrors.filter((e) => e.path === ptr).map((e) => e.message)
  const errorsUnder = (ptr) => shownErrors.filter((e) => e.path === ptr || e.path.startsWith(ptr + '/')).map((e) => (e.path === ptr ? e.message : `${e.path.slice(ptr.length + 1)}: ${e.message}`))
  const rawIsJson = parseJson(raw).ok
  const lines = useMemo(() => (rawIsJson ? jsonLines(raw) : new Map()), [raw])

  const save = async () => {
    if (readOnly || saving) return
    setSaving(true)
    setSaveError(undefined)
    setConflict(undefined)
    try {
      if (isNew) {
        const created = await sendText('POST', '/api/rules?enabled=false', raw)
        toast(t('editor.created'))
        setBaseline(raw)
        location.hash = `#/rules/${encodeURIComponent(created.id)}`
      } else {
        const updated = await sendText('PUT', `/api/rules/${encodeURIComponent(rule.id)}?version=${rule.version}`, raw)
        adopt(updated)
        toast(t('editor.saved', { version: updated.version }))
      }
    } catch (err) {
      if (err.status === 409 && !isNew) {
        const latest = await api('GET', `/api/rules/${encodeURIComponent(rule.id)}`).catch(() => undefined)
        setConflict(latest ?? { version: '?' })
      } else {
        setSaveError(err)
        if (Array.isArray(err.body?.errors) && err.body.errors.length > 0) {
          setTouched(true)
          setValidation({ state: 'invalid', errors: err.body.errors })
        }
      }
    } finally {
      setSaving(false)
    }
  }
  const approve = async () => {
    try {
      await api('POST', `/api/rules/${encodeURIComponent(rule.id)}/versions/${rule.pendingApproval}/approve`)
      setStored(await api('GET', `/api/rules/${encodeURIComponent(rule.id)}`))
      toast(t('editor.approved', { version: rule.pendingApproval }))
    } catch (err) {
      toast(err.message, { tone: 'danger' })
    }
  }
  const setEnabled = async (enabled) => {
    try {
      const next = await api('POST', `/api/rules/${encodeURIComponent(rule.id)}/${enabled ? 'enable' : 'disable'}`)
      setStored({ ...rule, ...next })
      toast(enabled ? t('editor.enabled') : t('editor.disabled'))
    } catch (err) {
      toast(err.message, { tone: 'danger' })
    }
  }
  // Ctrl/Cmd+S saves.
  useEffect(() => {
    const onKey = (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
        e.preventDefault()
        save()
      }
    }
    addEventListener('keydown', onKey)
    return () => removeEventListener('keydown', onKey)
  })

  if (!isNew && loaded.error) {
    return html`<div class="page"><div class="card">
      ${loaded.error.status === 404
        ? html`<${EmptyState} icon="rules" title=${t('editor.notFound', { id: params.id })} actions=${html`<a class="button" href="#/rules">${t('editor.back')}</a>`}>${t('editor.notFoundText')}<//>`
        : html`<${Alert} tone="danger" title=${t('editor.loadFailed')}>${loaded.error.message}<//>`}
    </div></div>`
  }
  if (!doc) return html`<div class="page"><p class="loading" aria-busy="true"><span class="spinner"></span> ${t('shell.loading')}</p></div>`

  const problems = shownErrors.length
  const status =
    readOnly || (!touched && isNew)
      ? null
      : pending
        ? html`<span class="validation validation-pending"><span class="spinner"></span>${t('editor.checking')}</span>`
        : problems > 0
          ? html`<span class="validation validation-bad"><${Icon} name="alert" size=${15} />${problems === 1 ? t('editor.problem') : t('editor.problems', { n: problems })}</span>`
          : validation.state === 'valid'
            ? html`<span class="validation validation-ok"><${Icon} name="check" size=${15} />${t('editor.valid')}</span>`
            : null
  const tabs = [
    { id: 'form', label: t('editor.tabForm') },
    { id: 'raw', label: t('editor.tabRaw'), count: problems || undefined, countLabel: problems === 1 ? t('editor.problem') : t('editor.problems', { n: problems }) },
    ...(isNew ? [] : [{ id: 'history', label: t('editor.tabHistory') }]),
  ]
  const goTo = (e) => {
    if (tab === 'raw') selectLine(rawIsJson ? lineOf(lines, e.path) : undefined)
    else if (tab === 'form' && !focusField(e.path)) {
      setTab('raw')
      setTimeout(() => selectLine(lineOf(lines, e.path)), 0)
    }
  }

  return html`
    <div class="page">
      <header class="page-header">
        <div>
          <nav class="breadcrumbs" aria-label="breadcrumb"><a href="#/rules">${t('editor.rules')}</a><span aria-hidden="true">/</span><span class="mono">${isNew ? 'new' : rule.id}</span></nav>
          <div class="row">
            <h1>${isNew ? t('editor.newTitle') : doc.name || rule.id}</h1>
            ${!isNew && html`<${RuleStatus} rule=${rule} />`}
            ${!isNew && html`<${Badge}>v${rule.version}<//>`}
            ${!isNew && rule.pendingApproval && html`<${Badge} tone="warning">${t('editor.awaiting', { version: rule.pendingApproval })}<//>`}
          </div>
        </div>
        <div class="toolbar">
          <span aria-live="polite">${status}</span>
          ${dirty && !readOnly && html`<${Badge} tone="warning">${t('editor.unsaved')}<//>`}
          ${dirty && !readOnly && html`<button type="button" class="ghost" onClick=${() => setConfirmDiscard(true)}>${t('editor.discard')}</button>`}
          ${!isNew && rule.pendingApproval && canApproveRules(me) && rule.updatedBy !== me.name && html`<button type="button" onClick=${approve}>${t('editor.approve', { version: rule.pendingApproval })}</button>`}
          ${editable && !isNew && html`<button type="button" onClick=${() => setEnabled(!rule.enabled)}>${rule.enabled ? t('editor.disable') : t('editor.enable')}</button>`}
          ${editable && html`<button type="button" class="primary" onClick=${save} disabled=${saving || (!dirty && !isNew)} title=${t('editor.shortcut')}>${saving ? t('editor.saving') : t('editor.save')}</button>`}
        </div>
      </header>

      <${Dialog}
        id="discard-dialog"
        open=${confirmDiscard}
        title=${t('editor.discardTitle')}
        onClose=${() => setConfirmDiscard(false)}
        footer=${html`
          <button type="button" onClick=${() => setConfirmDiscard(false)}>${t('editor.keepEditing')}</button>
          <button type="button" class="danger" onClick=${() => {
            setConfirmDiscard(false)
            if (isNew) {
              setRaw(baseline)
              setDoc(NEW_RULE)
              setTouched(false)
              setValidation({ state: 'idle', errors: [] })
            } else adopt(rule)
          }}>${t('editor.discard')}</button>
        `}
      >
        <p>${t('editor.discardText')}</p>
      <//>
      ${readOnly && html`<${Alert} tone="info" title=${t('editor.readOnly')} />`}
      ${isNew && editable && html`<${Alert} tone="info">${t('editor.newNote')}<//>`}
      ${conflict &&
      html`<${Alert}
        tone="danger"
        title=${t('editor.conflictTitle')}
        actions=${html`<button type="button" onClick=${() => (adopt(conflict), setConflict(undefined), setTouched(false))}>${t('editor.loadLatest')}</button>`}
        >${t('editor.conflict', { version: conflict.version })}<//
      >`}
      ${saveError && !conflict && html`<${Alert} tone="danger" title=${t('editor.saveFailed')} onDismiss=${() => setSaveError(undefined)}>${saveError.message}<//>`}
      ${problems > 0 &&
      html`<div id="rule-problems"><${Alert} tone="danger" title=${t('editor.problemsTitle')}>
        <ul class="error-list">
          ${shownErrors.map((e) => {
            const line = rawIsJson ? lineOf(lines, e.path) : undefined
            return html`<li>
              <button type="button" class="link" onClick=${() => goTo(e)} aria-label=${`${t('editor.problemAt', { path: e.path })}: ${e.message}. ${t('editor.goto')}`}><code class="error-path">${e.path}</code></button>
              <span>${e.message}</span>
              ${tab === 'raw' && line && html`<span class="muted small">${t('editor.line', { n: line })}</span>`}
            </li>`
          })}
        </ul>
      <//></div>`}

      <div class="editor-layout" style=${tab === 'history' ? 'grid-template-columns: minmax(0, 1fr)' : undefined}>
        <div class="stack">
          <${Tabs} id="rule-editor" label=${t('editor.tabs')} tabs=${tabs} value=${tab} onChange=${setTab} />
          <${TabPanel} id="rule-editor" tab="form" value=${tab}>
            <fieldset disabled=${readOnly} style="border:0;padding:0;margin:0;min-width:0" class="stack">
              <${RuleForm} doc=${doc} update=${onFormChange} errorsAt=${errorsAt} errorsUnder=${errorsUnder} isNew=${isNew} templates=${templates.data?.templates ?? []} />
            </fieldset>
          <//>
          <${TabPanel} id="rule-editor" tab="raw" value=${tab}>
            <div class="card"><${RawEditor} raw=${raw} onChange=${onRawChange} readOnly=${readOnly} errors=${shownErrors} lines=${lines} rawIsJson=${rawIsJson} /></div>
          <//>
          ${!isNew && html`<${TabPanel} id="rule-editor" tab="history" value=${tab}><${History} ruleId=${rule.id} current=${rule} editedText=${raw} dirty=${dirty} /><//>`}
        </div>
        <aside class="editor-aside" aria-label=${t('editor.status')} hidden=${tab === 'history'}>
          ${!isNew &&
          html`<section class="card">
            <dl class="meta-list">
              <div><dt>${t('editor.status')}</dt><dd><${RuleStatus} rule=${rule} /></dd></div>
              <div><dt>${t('editor.version')}</dt><dd class="num">v${rule.version}</dd></div>
              <div><dt>${t('editor.updated')}</dt><dd>${rule.updatedBy} · <${TimeAgo} ts=${rule.updatedAt} /></dd></div>
            </dl>
            ${rule.problem && html`<div style="margin-top:12px"><${Alert} tone="danger">${rule.problem}<//></div>`}
          </section>`}
          ${!isNew && last24h &&
          html`<section class="card" aria-labelledby="rule-24h">
            <h2 class="card-title" id="rule-24h" style="margin-bottom:12px">${t('editor.last24h')}</h2>
            <dl class="meta-list">
              <div><dt>${t('editor.signals')}</dt><dd class="num">${formatNumber(last24h.signals)}</dd></div>
              <div><dt>${t('editor.planned')}</dt><dd class="num">${formatNumber(last24h.planned)}</dd></div>
              <div><dt>${t('editor.suppressed')}</dt><dd class="num">${formatNumber(last24h.suppressed)}</dd></div>
            </dl>
          </section>`}
          ${editable &&
          html`<section class="card" aria-labelledby="rule-help">
            <h2 class="card-title" id="rule-help" style="margin-bottom:8px">${t('editor.helpTitle')}</h2>
            <dl class="stack-sm small" style="margin:0">
              <div><dt><b>${t('editor.triggers')}</b></dt><dd class="muted" style="margin:0">${t('editor.helpTriggers')}</dd></div>
              <div><dt><b>${t('editor.conditions')}</b></dt><dd class="muted" style="margin:0">${t('editor.helpConditions')}</dd></div>
              <div><dt><b>${t('editor.actions')}</b></dt><dd class="muted" style="margin:0">${t('editor.helpActions')}</dd></div>
              <div><dt><b>${t('editor.guards')}</b></dt><dd class="muted" style="margin:0">${t('editor.helpGuards')}</dd></div>
            </dl>
            <p class="subtle small" style="margin-top:12px">${t('editor.shortcut')}</p>
          </section>`}
        </aside>
      </div>
    </div>
  `
}
