// One task, handed off: why it exists, who the shopper is, what they did and what careloop
// already sent them, with a suggested opening line; then the agent's actions (claim, release,
// log a contact, note, snooze, resolve). Everything comes from GET /api/tasks/:id/context.
import { useEffect, useRef, useState } from 'preact/hooks'
import { Alert, Badge, formatDateTime, formatRelative, useNow, usePageTitle } from '../components/index.js'
import { api, currentLanguage, html, register, t } from '../lib.js'
import { PriorityBadge, SlaCountdown, statusText, StatusBadge, useAgentStyles } from './agentKit.js'

const dateTime = (ts, options) => (ts == null ? '' : formatDateTime(ts, options))
const relative = (ts, now) => formatRelative(ts, now)

register({
  en: {
    'task.back': 'Work list',
    'task.notFound': 'There is no task {id}.',
    'task.loadFailed': 'Could not load the task: {message}',
    'task.claim': 'Claim',
    'task.release': 'Release',
    'task.claimedOk': 'You claimed this task.',
    'task.releasedOk': 'Released: the task is back in its queue.',
    'task.created': 'Created {when}',
    'task.snoozedUntil': 'Snoozed until {at}',
    'task.opening': 'Suggested opening',
    'task.openingHint': 'A starting point, in the shopper’s language. Adjust it to the conversation.',
    'task.copy': 'Copy',
    'task.copyOpening': 'Copy the suggested opening',
    'task.copied': 'Copied to the clipboard.',
    'task.copyFailed': 'Could not copy; select the text and copy it by hand.',
    'task.noOpening': 'No suggestion for this task.',
    'task.why': 'Why this task',
    'task.rule': 'Rule',
    'task.raisedBecause': 'Priority raised',
    'task.event': 'Event',
    'task.order': 'Order',
    'task.orderTotal': 'Total',
    'task.orderStatus': 'Status',
    'task.eta': 'Expected delivery',
    'task.items': 'Items',
    'task.shopperMessage': 'Shopper’s message',
    'task.shopper': 'Shopper',
    'task.email': 'Email',
    'task.phone': 'Phone',
    'task.locale': 'Language',
    'task.timezone': 'Time zone',
    'task.localTime': 'Local time now',
    'task.since': 'Customer since',
    'task.customerId': 'Customer id',
    'task.preferences': 'Message preferences',
    'task.prefChannel': 'Channel',
    'task.care': 'Care',
    'task.marketing': 'Marketing',
    'task.allowed': 'allowed',
    'task.blocked': 'opted out',
    'task.optedOutAll': 'Opted out of all messages.',
    'task.timeline': 'Recent activity',
    'task.timelineEmpty': 'No events recorded.',
    'task.nudges': 'Messages careloop sent',
    'task.nudgesEmpty': 'No automated messages to this shopper.',
    'task.decided': 'decided {when}',
    'task.trail': 'Delivery trail',
    'task.earlier': 'Earlier tasks',
    'task.earlierEmpty': 'None.',
    'task.notesTitle': 'Notes and contacts',
    'task.notesEmpty': 'No notes yet.',
    'task.fromEarlier': 'earlier task',
    'task.contactsEmpty': 'No one has contacted this shopper yet.',
    'task.contactBy': '{who} · {via}',
    'task.actions': 'Work this task',
    'task.claimFirst': 'Claim the task to log contacts, snooze and resolve it.',
    'task.heldBy': '{who} is working on this task.',
    'task.logContact': 'Log a contact',
    'task.via': 'How',
    'task.via.call': 'Phone call',
    'task.via.sms': 'Text message',
    'task.via.email': 'Email',
    'task.via.chat': 'Chat',
    'task.contactOutcome': 'Result',
    'task.co.reached': 'Reached',
    'task.co.no_answer': 'No answer',
    'task.co.voicemail': 'Voicemail',
    'task.co.message_sent': 'Message sent',
    'task.contactNote': 'What was said (optional)',
    'task.logContactButton': 'Log contact',
    'task.contactLogged': 'Contact logged. Automated messages stay away for the rest of the shopper’s day.',
    'task.addNote': 'Add a note',
    'task.note': 'Note',
    'task.addNoteButton': 'Add note',
    'task.noteAdded': 'Note added.',
    'task.snooze': 'Snooze',
    'task.snoozeUntil': 'Until (your local time)',
    'task.snoozeButton': 'Snooze',
    'task.snoozed': 'Snoozed until {at}. It comes back to you by itself.',
    'task.snoozeRequired': 'Choose a date and time.',
    'task.resolve': 'Resolve',
    'task.outcome': 'Outcome',
    'task.outcome.resolved': 'Resolved',
    'task.outcome.compensated': 'Compensated',
    'task.outcome.no_answer': 'No answer',
    'task.outcome.not_needed': 'Not needed',
    'task.outcome.should_be_automated': 'Should be automated',
    'task.resolveNote': 'Resolution note (optional)',
    'task.suggestion': 'Suggestion for ops: what could careloop do instead next time? (optional)',
    'task.survey': 'Send the shopper a satisfaction survey (email, tomorrow)',
    'task.resolveButton': 'Resolve task',
    'task.resolvedOk': 'Task resolved.',
    'task.resolution': 'Resolution',
    'task.resolvedLine': 'by {who}, {when}',
    'task.nextTask': 'Back to the work list',
    'task.working': 'Working…',
  },
  'zh-CN': {
    'task.back': '工作列表',
    'task.notFound': '任务 {id} 不存在。',
    'task.loadFailed': '无法加载任务：{message}',
    'task.claim': '认领',
    'task.release': '释放',
    'task.claimedOk': '您已认领此任务。',
    'task.releasedOk': '已释放：任务已回到队列。',
    'task.created': '创建于 {when}',
    'task.snoozedUntil': '暂缓至 {at}',
    'task.opening': '建议开场白',
    'task.openingHint': '以顾客的语言给出的起点，请根据对话调整。',
    'task.copy': '复制',
    'task.copyOpening': '复制建议开场白',
    'task.copied': '已复制到剪贴板。',
    'task.copyFailed': '无法复制，请手动选择文字复制。',
    'task.noOpening': '此任务没有建议。',
    'task.why': '为什么有这个任务',
    'task.rule': '规则',
    'task.raisedBecause': '优先级提升原因',
    'task.event': '事件',
    'task.order': '订单',
    'task.orderTotal': '金额',
    'task.orderStatus': '状态',
    'task.eta': '预计送达',
    'task.items': '商品',
    'task.shopperMessage': '顾客留言',
    'task.shopper': '顾客',
    'task.email': '邮箱',
    'task.phone': '电话',
    'task.locale': '语言',
    'task.timezone': '时区',
    'task.localTime': '当地时间',
    'task.since': '注册时间',
    'task.customerId': '顾客 ID',
    'task.preferences': '消息偏好',
    'task.prefChannel': '渠道',
    'task.care': '服务',
    'task.marketing': '营销',
    'task.allowed': '允许',
    'task.blocked': '已退订',
    'task.optedOutAll': '已退订所有消息。',
    'task.timeline': '近期动态',
    'task.timelineEmpty': '没有记录的事件。',
    'task.nudges': 'careloop 发送的消息',
    'task.nudgesEmpty': '没有发给此顾客的自动消息。',
    'task.decided': '决定于 {when}',
    'task.trail': '投递记录',
    'task.earlier': '以往任务',
    'task.earlierEmpty': '无。',
    'task.notesTitle': '备注与联系记录',
    'task.notesEmpty': '暂无备注。',
    'task.fromEarlier': '以往任务',
    'task.contactsEmpty': '还没有人联系过此顾客。',
    'task.contactBy': '{who} · {via}',
    'task.actions': '处理此任务',
    'task.claimFirst': '认领任务后才能记录联系、暂缓和解决。',
    'task.heldBy': '{who} 正在处理此任务。',
    'task.logContact': '记录一次联系',
    'task.via': '方式',
    'task.via.call': '电话',
    'task.via.sms': '短信',
    'task.via.email': '邮件',
    'task.via.chat': '在线聊天',
    'task.contactOutcome': '结果',
    'task.co.reached': '已联系上',
    'task.co.no_answer': '无人接听',
    'task.co.voicemail': '语音留言',
    'task.co.message_sent': '已发送消息',
    'task.contactNote': '沟通内容（可选）',
    'task.logContactButton': '记录联系',
    'task.contactLogged': '已记录。今天不会再向该顾客发送自动消息。',
    'task.addNote': '添加备注',
    'task.note': '备注',
    'task.addNoteButton': '添加备注',
    'task.noteAdded': '备注已添加。',
    'task.snooze': '暂缓',
    'task.snoozeUntil': '暂缓至（您的当地时间）',
    'task.snoozeButton': '暂缓',
    'task.snoozed': '已暂缓至 {at}，到时会自动回到您这里。',
    'task.snoozeRequired': '请选择日期和时间。',
    'task.resolve': '解决',
    'task.outcome': '结果',
    'task.outcome.resolved': '已解决',
    'task.outcome.compensated': '已补偿',
    'task.outcome.no_answer': '无人应答',
    'task.outcome.not_needed': '无需处理',
    'task.outcome.should_be_automated': '应当自动化',
    'task.resolveNote': '解决说明（可选）',
    'task.suggestion': '给运营的建议：下次 careloop 可以怎么做？（可选）',
    'task.survey': '向顾客发送满意度调查（邮件，明天发送）',
    'task.resolveButton': '解决任务',
    'task.resolvedOk': '任务已解决。',
    'task.resolution': '处理结果',
    'task.resolvedLine': '由 {who} 于 {when} 处理',
    'task.nextTask': '返回工作列表',
    'task.working': '处理中…',
  },
})

const OUTCOMES = ['resolved', 'compensated', 'no_answer', 'not_needed', 'should_be_automated']
const VIAS = ['call', 'sms', 'email', 'chat']
const CONTACT_OUTCOMES = ['reached', 'no_answer', 'voicemail', 'message_sent']
const CHANNELS = ['email', 'sms', 'push', 'voice', 'inapp', 'webhook']

// ---- little formatters ----

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
const str = (v) => (typeof v === 'string' && v.trim() ? v : undefined)

function money(amount, currency) {
  if (typeof amount !== 'number') return undefined
  try {
    return new Intl.NumberFormat(currentLanguage(), { style: 'currency', currency: currency || 'USD' }).format(amount)
  } catch {
    return `${amount} ${currency ?? ''}`.trim()
  }
}

function seconds(ms) {
  if (typeof ms !== 'number') return undefined
  const s = Math.round(ms / 1000)
  return s < 90 ? t('ev.seconds', { s }) : t('ev.minutes', { m: Math.round(s / 6) / 10 })
}

/** A date-only or date-time string as a readable date; the raw value when it is not one. */
function when(value) {
  if (value == null || value === '') return undefined
  const ms = typeof value === 'number' ? value : Date.parse(String(value))
  return Number.isNaN(ms) ? String(value) : dateTime(ms, /^\d{4}-\d{2}-\d{2}$/.test(String(value)) ? { hour: undefined, minute: undefined, year: 'numeric' } : {})
}

// ---- icons (inline SVG: no icon font, no emoji font needed) ----

const ICON_PATHS = {
  view: 'M1.5 8s2.5-4.5 6.5-4.5S14.5 8 14.5 8 12 12.5 8 12.5 1.5 8 1.5 8z M8 10a2 2 0 1 0 0-4 2 2 0 0 0 0 4z',
  cart: 'M1.5 2h2l1.6 7.5h7.4l1.5-5.5H4.3 M6.5 13a.8.8 0 1 0 0-1.6.8.8 0 0 0 0 1.6z M11.5 13a.8.8 0 1 0 0-1.6.8.8 0 0 0 0 1.6z',
  card: 'M1.5 4h13v8h-13z M1.5 6.5h13 M4 10h3',
  box: 'M8 1.5l6 3v7l-6 3-6-3v-7z M2 4.5l6 3 6-3 M8 7.5v7',
  truck: 'M1 4h8.5v6.5H1z M9.5 6.5h3l2 2.2v1.8h-5 M4 13a1.3 1.3 0 1 0 0-2.6A1.3 1.3 0 0 0 4 13z M12 13a1.3 1.3 0 1 0 0-2.6 1.3 1.3 0 0 0 0 2.6z',
  check: 'M2.5 8.5l3.5 3.5 7.5-8',
  undo: 'M5.5 3L2 6.5 5.5 10 M2 6.5h7.5a4.5 4.5 0 0 1 0 9H7',
  refund: 'M8 1.5v13 M11.5 4.5c0-1.4-1.6-2-3.5-2s-3.5.8-3.5 2.3c0 3.4 7 1.6 7 5 0 1.5-1.6 2.4-3.5 2.4S4.5 11.4 4.5 10',
  cross: 'M3.5 3.5l9 9 M12.5 3.5l-9 9',
  alert: 'M8 1.8l6.6 11.7H1.4z M8 6v3.5 M8 11.3v.4',
  chat: 'M2 3h12v8H6.5L3.5 13.5V11H2z',
  user: 'M8 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6z M2.5 14.5c.5-3 2.8-4.5 5.5-4.5s5 1.5 5.5 4.5',
  phone: 'M3 1.8h3l1.2 3.2-1.8 1.2a8 8 0 0 0 4.4 4.4l1.2-1.8 3.2 1.2v3c0 .6-.5 1.1-1.1 1.1A12.2 12.2 0 0 1 1.9 2.9c0-.6.5-1.1 1.1-1.1z',
  star: 'M8 1.8l1.9 4 4.3.5-3.2 3 .9 4.3L8 11.4l-3.9 2.2.9-4.3-3.2-3 4.3-.5z',
  mail: 'M1.5 3.5h13v9h-13z M1.5 4l6.5 5 6.5-5',
  sms: 'M2 2.5h12v8.5H8l-3.5 3v-3H2z M5 6.7h.1 M8 6.7h.1 M11 6.7h.1',
  bell: 'M4 11V7a4 4 0 1 1 8 0v4l1.5 1.5h-11z M6.5 14a1.6 1.6 0 0 0 3 0',
  hook: 'M6 2.5v5a3 3 0 1 0 3 3 M9 2.5h3 M6 2.5H3',
  dot: 'M8 10a2 2 0 1 0 0-4 2 2 0 0 0 0 4z',
}

function Icon({ name }) {
  return html`<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false"><path d=${ICON_PATHS[name] ?? ICON_PATHS.dot} /></svg>`
}

const CHANNEL_ICON = { email: 'mail', sms: 'sms', voice: 'phone', push: 'bell', inapp: 'chat', webhook: 'hook' }

// ---- the shopper's events, in words ----

register({
  en: {
    'ev.seconds': '{s} s',
    'ev.minutes': '{m} min',
    'ev.viewed': 'Viewed {name}',
    'ev.dwell': 'for {d}',
    'ev.longDwell': 'long look',
    'ev.added': 'Added {name} to the cart',
    'ev.removed': 'Removed {name} from the cart',
    'ev.checkout': 'Started checkout',
    'ev.ordered': 'Ordered {order}',
    'ev.shipped': 'Shipped {order}',
    'ev.shipment': 'Shipment update for {order}: {status}',
    'ev.delivered': 'Delivered {order}',
    'ev.return': 'Asked to return {name}',
    'ev.refunded': 'Refund for {order}',
    'ev.cancelled': 'Cancelled {order}',
    'ev.paymentFailed': 'Payment failed',
    'ev.complaint': 'Complaint',
    'ev.survey': 'Answered a survey: {score}/5',
    'ev.call': 'Care call: {status}',
    'ev.identify': 'Profile updated',
    'ev.by': 'by {carrier}',
    'ev.eta': 'ETA {date}',
    'ev.reason': 'reason: {reason}',
    'ev.via': 'via {channel}',
    'ev.items': '{n} items',
    'ev.item1': '1 item',
    'ev.more': '{n} more',
    'nudge.queued': 'queued',
    'nudge.deferred': 'deferred',
    'nudge.sent': 'sent',
    'nudge.delivered': 'delivered',
    'nudge.opened': 'opened',
    'nudge.clicked': 'clicked',
    'nudge.failed': 'failed',
    'nudge.skipped': 'skipped',
    'nudge.bounced': 'bounced',
    'nudge.dead': 'dead letter',
    'nudge.pending': 'waiting',
    'nudge.sending': 'sending',
    'nudge.rule': 'rule {rule}',
    'channel.email': 'Email',
    'channel.sms': 'SMS',
    'channel.voice': 'Phone',
    'channel.push': 'Push',
    'channel.inapp': 'In-app',
    'channel.webhook': 'Webhook',
  },
  'zh-CN': {
    'ev.seconds': '{s} 秒',
    'ev.minutes': '{m} 分钟',
    'ev.viewed': '浏览了 {name}',
    'ev.dwell': '停留 {d}',
    'ev.longDwell': '长时间停留',
    'ev.added': '把 {name} 加入购物车',
    'ev.removed': '从购物车移除 {name}',
    'ev.checkout': '开始结账',
    'ev.ordered': '下单 {order}',
    'ev.shipped': '{order} 已发货',
    'ev.shipment': '{order} 物流更新：{status}',
    'ev.delivered': '{order} 已送达',
    'ev.return': '申请退货：{name}',
    'ev.refunded': '{order} 已退款',
    'ev.cancelled': '{order} 已取消',
    'ev.paymentFailed': '付款失败',
    'ev.complaint': '投诉',
    'ev.survey': '回答了满意度调查：{score}/5',
    'ev.call': '客服电话：{status}',
    'ev.identify': '资料更新',
    'ev.by': '承运商 {carrier}',
    'ev.eta': '预计 {date}',
    'ev.reason': '原因：{reason}',
    'ev.via': '渠道：{channel}',
    'ev.items': '{n} 件商品',
    'ev.item1': '1 件商品',
    'ev.more': '另有 {n} 条',
    'nudge.queued': '已排队',
    'nudge.deferred': '已推迟',
    'nudge.sent': '已发送',
    'nudge.delivered': '已送达',
    'nudge.opened': '已打开',
    'nudge.clicked': '已点击',
    'nudge.failed': '失败',
    'nudge.skipped': '已跳过',
    'nudge.bounced': '被退回',
    'nudge.dead': '死信',
    'nudge.pending': '等待中',
    'nudge.sending': '发送中',
    'nudge.rule': '规则 {rule}',
    'channel.email': '邮件',
    'channel.sms': '短信',
    'channel.voice': '电话',
    'channel.push': '推送',
    'channel.inapp': '站内信',
    'channel.webhook': 'Webhook',
  },
})

const channelName = (c) => (CHANNELS.includes(c) ? t(`channel.${c}`) : c)

/** { icon, label, details[], quote?, tone? } for one event of the timeline. */
export function describeEvent(e) {
  const p = isObj(e.properties) ? e.properties : {}
  const order = str(p.order_id) ?? ''
  const name = str(p.name) ?? str(p.product_id) ?? ''
  const details = []
  const items = Array.isArray(p.products) ? p.products : []
  const itemCount = items.length === 1 ? t('ev.item1') : items.length ? t('ev.items', { n: items.length }) : undefined
  switch (e.name) {
    case 'Product Viewed': {
      const long = typeof p.dwell_ms === 'number' && p.dwell_ms >= 120_000
      if (typeof p.dwell_ms === 'number') details.push(t('ev.dwell', { d: seconds(p.dwell_ms) }))
      if (typeof p.price === 'number') details.push(money(p.price, p.currency))
      return { icon: 'view', label: t('ev.viewed', { name }), details, tone: long ? 'warn' : undefined, tag: long ? t('ev.longDwell') : undefined }
    }
    case 'Product Added':
      return { icon: 'cart', label: t('ev.added', { name }), details: [money(p.price, p.currency)] }
    case 'Product Removed':
      return { icon: 'cart', label: t('ev.removed', { name }), details: [] }
    case 'Checkout Started':
      return { icon: 'card', label: t('ev.checkout'), details: [money(p.value ?? p.total, p.currency), itemCount] }
    case 'Order Completed':
      return { icon: 'box', label: t('ev.ordered', { order }), details: [money(p.total ?? p.revenue, p.currency), itemCount, str(p.payment_method)] }
    case 'Order Shipped':
      return { icon: 'truck', label: t('ev.shipped', { order }), details: [p.carrier && t('ev.by', { carrier: p.carrier }), p.estimated_delivery_at && t('ev.eta', { date: when(p.estimated_delivery_at) })] }
    case 'Shipment Updated': {
      const bad = ['delayed', 'exception'].includes(p.status)
      return { icon: 'truck', label: t('ev.shipment', { order, status: String(p.status ?? '').replaceAll('_', ' ') }), details: [p.carrier && t('ev.by', { carrier: p.carrier }), p.estimated_delivery_at && t('ev.eta', { date: when(p.estimated_delivery_at) })], tone: bad ? 'bad' : undefined }
    }
    case 'Order Delivered':
      return { icon: 'check', label: t('ev.delivered', { order }), details: [p.carrier && t('ev.by', { carrier: p.carrier })], tone: 'good' }
    case 'Return Requested':
      return { icon: 'undo', label: t('ev.return', { name: name || order }), details: [order && name ? order : undefined, p.reason && t('ev.reason', { reason: String(p.reason).replaceAll('_', ' ') })], tone: 'warn' }
    case 'Order Refunded':
      return { icon: 'refund', label: t('ev.refunded', { order }), details: [money(p.total ?? p.amount ?? p.value, p.currency), p.reason && t('ev.reason', { reason: p.reason })] }
    case 'Order Cancelled':
      return { icon: 'cross', label: t('ev.cancelled', { order }), details: [p.reason && t('ev.reason', { reason: p.reason })] }
    case 'Payment Failed':
      return { icon: 'alert', label: t('ev.paymentFailed'), details: [order || str(p.checkout_id), money(p.amount ?? p.total ?? p.value, p.currency), (p.reason ?? p.error_code) && t('ev.reason', { reason: p.reason ?? p.error_code })], tone: 'bad' }
    case 'Complaint Filed':
      return { icon: 'chat', label: t('ev.complaint'), details: [order, p.topic && String(p.topic).replaceAll('_', ' '), p.channel && t('ev.via', { channel: p.channel })], quote: str(p.text), tone: 'bad' }
    case 'Survey Answered':
      return { icon: 'star', label: t('ev.survey', { score: p.score ?? '?' }), details: [] }
    case 'Care Call Completed':
      return { icon: 'phone', label: t('ev.call', { status: p.status ?? p.outcome ?? '' }), details: [] }
    case 'Identify':
      return { icon: 'user', label: t('ev.identify'), details: [] }
    default:
      return { icon: e.type === 'identify' ? 'user' : 'dot', label: e.type === 'identify' ? t('ev.identify') : e.name, details: [order] }
  }
}

// ---- the page ----

export function TaskPage({ params, me }) {
  useAgentStyles()
  const now = useNow(5000)
  const [data, setData] = useState(null)
  const [loadError, setLoadError] = useState(null)
  const [headMsg, setHeadMsg] = useState(null)
  const [busy, setBusy] = useState('')
  const id = params.id
  usePageTitle(data?.task.title ?? t('task.back'))

  async function reload() {
    try {
      setData(await api('GET', `/api/tasks/${encodeURIComponent(id)}/context`))
      setLoadError(null)
    } catch (err) {
      setLoadError(err.status === 404 ? t('task.notFound', { id }) : t('task.loadFailed', { message: err.message }))
    }
  }
  useEffect(() => {
    setData(null)
    reload()
  }, [id])

  /** Runs an action, then reloads the hand-off; `report` gets { kind, text }. True when it worked. */
  async function act(name, method, path, body, report, okText) {
    setBusy(name)
    report(null)
    try {
      const result = await api(method, path, body)
      await reload()
      report({ kind: 'ok', text: typeof okText === 'function' ? okText(result) : okText })
      return true
    } catch (err) {
      report({ kind: 'error', text: err.message })
      return false
    } finally {
      setBusy('')
    }
  }

  const crumbs = html`<nav class="breadcrumbs" aria-label=${t('task.breadcrumbs')}><a href="#/work">${t('task.back')}</a><span aria-hidden="true">/</span><span aria-current="page">${data?.task.title ?? id}</span></nav>`
  if (loadError && !data) return html`<div class="page agent-page task-page">${crumbs}<${Alert} tone="danger">${loadError}<//></div>`
  if (!data) return html`<p class="loading" aria-busy="true"><span class="spinner"></span> ${t('shell.loading')}</p>`

  const { task } = data
  const path = `/api/tasks/${encodeURIComponent(task.id)}`
  const mine = task.status === 'claimed' && task.claimedBy === me.name
  const supervisor = me.role === 'ops' || me.role === 'admin'
  const canWork = me.role === 'agent' || me.role === 'admin'

  return html`
    <article class="page agent-page task-page" aria-labelledby="task-title">
      <header class="card task-head">
        ${crumbs}
        <div class="task-head-row">
          <div class="task-head-main">
            <h1 id="task-title">${task.title}</h1>
            <div class="task-head-meta">
              <${PriorityBadge} priority=${task.priority} />
              <span class="queue-name" title=${t('task.queue')}>${task.queue}</span>
              <${StatusBadge} task=${task} me=${me} />
              ${task.status !== 'resolved' && html`<${SlaCountdown} task=${task} now=${now} />`}
              <span class="subtle">${t('task.created', { when: relative(task.createdAt, now) })}</span>
              ${task.snoozedUntil && task.snoozedUntil > now && html`<${Badge} tone="info">${t('task.snoozedUntil', { at: dateTime(task.snoozedUntil) })}<//>`}
            </div>
          </div>
          <div class="toolbar">
            ${task.status === 'open' && canWork &&
            html`<button type="button" class="primary" disabled=${busy === 'claim'} onClick=${() => act('claim', 'POST', `${path}/claim`, undefined, setHeadMsg, t('task.claimedOk'))}>${t('task.claim')}</button>`}
            ${task.status === 'claimed' && (mine || supervisor) &&
            html`<button type="button" disabled=${busy === 'release'} onClick=${() => act('release', 'POST', `${path}/release`, undefined, setHeadMsg, t('task.releasedOk'))}>${t('task.release')}</button>`}
          </div>
        </div>
        <${Message} msg=${headMsg} />
      </header>

      <div class="task-grid">
        <div class="stack task-main">
          <${Opening} opening=${data.suggestedOpening} locale=${data.customer.locale} />
          <${Trigger} data=${data} />
          <${Timeline} events=${data.timeline} now=${now} />
          <${Nudges} nudges=${data.nudges} now=${now} />
          <${EarlierTasks} tasks=${data.earlierTasks} me=${me} />
        </div>
        <div class="stack task-side">
          <${Shopper} customer=${data.customer} now=${now} />
          <${Actions} task=${task} busy=${busy} act=${act} path=${path} mine=${mine} canWork=${canWork} />
          <${NotesAndContacts} notes=${data.notes} contacts=${data.contacts} taskId=${task.id} now=${now} />
        </div>
      </div>
    </article>
  `
}

register({
  en: { 'task.breadcrumbs': 'Breadcrumbs', 'task.queue': 'Queue' },
  'zh-CN': { 'task.breadcrumbs': '导航路径', 'task.queue': '队列' },
})

/** An action's result: success as a status, an API error as an alert (role=alert). */
function Message({ msg }) {
  if (!msg) return null
  return html`<${Alert} tone=${msg.kind === 'error' ? 'danger' : msg.kind === 'ok' ? 'success' : 'info'}>${msg.text}<//>`
}

function Card({ id, title, children, actions, className = '' }) {
  return html`<section class=${`card ${className}`.trim()} aria-labelledby=${id}>
    <div class="card-header"><h2 class="card-title" id=${id}>${title}</h2>${actions && html`<div class="card-actions">${actions}</div>`}</div>
    ${children}
  </section>`
}

/** A dt/dd pair of a .kv list; nothing when there is no value. */
function KV({ label, children }) {
  const empty = children === undefined || children === null || children === '' || children === false || (Array.isArray(children) && children.every((c) => c === undefined || c === null || c === '' || c === false))
  if (empty) return null
  return html`<dt>${label}</dt><dd>${children}</dd>`
}

function Opening({ opening, locale }) {
  const [copied, setCopied] = useState('')
  const textRef = useRef(null)
  const text = opening?.text ?? ''
  async function copy() {
    let ok = false
    try {
      await navigator.clipboard.writeText(text)
      ok = true
    } catch {
      // Without clipboard access: select the text (Ctrl+C then works) and try the old way.
      const range = document.createRange()
      range.selectNodeContents(textRef.current)
      const selection = getSelection()
      selection.removeAllRanges()
      selection.addRange(range)
      ok = document.execCommand?.('copy') ?? false
    }
    setCopied(ok ? t('task.copied') : t('task.copyFailed'))
    setTimeout(() => setCopied(''), 4000)
  }
  return html`<${Card}
    id="opening-title"
    title=${t('task.opening')}
    className="opening-card"
    actions=${text && html`<button type="button" class="small" onClick=${copy} aria-label=${t('task.copyOpening')}>${copied ? '✓ ' : ''}${t('task.copy')}</button>`}
  >
    ${text
      ? html`<blockquote class="opening" lang=${opening.locale || locale || undefined} ref=${textRef} data-testid="suggested-opening">${text}</blockquote>
          <p class="subtle opening-hint">${t('task.openingHint')}</p>`
      : html`<p class="muted">${t('task.noOpening')}</p>`}
    <p class="subtle copied" role="status" aria-live="polite">${copied}</p>
  <//>`
}

function Trigger({ data }) {
  const { trigger, task } = data
  const signal = isObj(trigger.signal) ? trigger.signal : {}
  const event = isObj(trigger.event) ? trigger.event : null
  const order = isObj(trigger.order) ? trigger.order : null
  const reasons = Array.isArray(signal.priorityReasons) ? signal.priorityReasons : []
  const described = event ? describeEvent({ name: event.name, properties: event.properties, type: 'track' }) : null
  const context = isObj(task.context) ? task.context : {}
  const message = str(context.message)
  const items = order && Array.isArray(order.products) ? order.products : []
  const eventDetails = described ? described.details.filter(Boolean) : []
  return html`<${Card} id="why-title" title=${t('task.why')}>
    <dl class="kv">
      <${KV} label=${t('task.rule')}>${signal.ruleName ?? task.ruleId} <span class="subtle mono">${task.ruleId} v${task.ruleVersion}</span><//>
      <${KV} label=${t('task.raisedBecause')}>${reasons.length ? reasons.join(', ') : undefined}<//>
      <${KV} label=${t('task.event')}>${event
        ? html`<span class="event-inline"><${Icon} name=${described.icon} /> <strong>${event.name}</strong> <span class="subtle">· ${dateTime(event.ts)}</span></span>
            ${eventDetails.length > 0 && html`<div class="subtle">${eventDetails.join(' · ')}</div>`}`
        : undefined}<//>
      <${KV} label=${t('task.shopperMessage')}>${message && html`<q>${message}</q>`}<//>
    </dl>
    ${described?.quote && html`<blockquote class="quote" lang=${data.customer.locale ?? undefined}>${described.quote}</blockquote>`}
    ${order &&
    html`<div class="order-box">
      <h3>${t('task.order')} <span class="mono">${order.order_id ?? ''}</span></h3>
      <dl class="kv">
        <${KV} label=${t('task.orderTotal')}>${money(order.total, order.currency)}<//>
        <${KV} label=${t('task.orderStatus')}>${str(order.status)}<//>
        <${KV} label=${t('task.eta')}>${when(order.estimated_delivery_at ?? order.promised_delivery_at)}<//>
      </dl>
      ${items.length > 0 &&
      html`<ul class="items">${items.map((p) => html`<li>${p.quantity ?? 1} × ${p.name ?? p.product_id} <span class="subtle">${money(p.price, order.currency ?? p.currency) ?? ''}</span></li>`)}</ul>`}
    </div>`}
  <//>`
}

function Shopper({ customer, now }) {
  const traits = isObj(customer.traits) ? customer.traits : {}
  const prefs = customer.preferences
  const tz = customer.timezone ?? str(traits.timezone)
  let localTime
  if (tz) {
    try {
      localTime = new Intl.DateTimeFormat(currentLanguage(), { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(now))
    } catch {
      localTime = undefined
    }
  }
  const shown = new Set(['name', 'email', 'phone', 'locale', 'timezone', 'created_at', 'vip', 'push_token'])
  const other = Object.entries(traits).filter(([k, v]) => !shown.has(k) && v !== null && typeof v !== 'object')
  const name = str(traits.name) ?? customer.id
  return html`<${Card} id="shopper-title" title=${t('task.shopper')}>
    <div class="shopper-card">
      <div class="shopper-avatar" aria-hidden="true">${name.trim().slice(0, 1).toUpperCase()}</div>
      <div>
        <div class="shopper-big">${name}${traits.vip === true && html`<span class="vip">VIP</span>`}</div>
        <div class="subtle mono">${customer.id}</div>
      </div>
    </div>
    <dl class="kv">
      <${KV} label=${t('task.email')}>${str(traits.email) && html`<a href=${`mailto:${traits.email}`}>${traits.email}</a>`}<//>
      <${KV} label=${t('task.phone')}>${str(traits.phone) && html`<a href=${`tel:${String(traits.phone).replace(/\s+/g, '')}`}>${traits.phone}</a>`}<//>
      <${KV} label=${t('task.locale')}>${customer.locale ?? str(traits.locale)}<//>
      <${KV} label=${t('task.timezone')}>${tz}<//>
      <${KV} label=${t('task.localTime')}>${localTime}<//>
      <${KV} label=${t('task.since')}>${when(traits.created_at)}<//>
      ${other.map(([k, v]) => html`<${KV} label=${traitLabel(k)}>${String(v)}<//>`)}
    </dl>
    ${prefs && html`<${Preferences} prefs=${prefs} />`}
  <//>`
}

/** birthday → Birthday, loyalty_tier → Loyalty tier. */
const traitLabel = (key) => {
  const known = t(`trait.${key}`)
  if (known !== `trait.${key}`) return known
  const words = key.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}
register({ en: { 'trait.birthday': 'Birthday' }, 'zh-CN': { 'trait.birthday': '生日' } })

function Preferences({ prefs }) {
  const mark = (ok) =>
    html`<span class=${ok ? 'pref-yes' : 'pref-no'}><span aria-hidden="true">${ok ? '✓' : '✕'}</span><span class="visually-hidden">${ok ? t('task.allowed') : t('task.blocked')}</span></span>`
  return html`<div class="prefs">
    <h3>${t('task.preferences')}</h3>
    ${prefs.all === false && html`<${Alert} tone="warning">${t('task.optedOutAll')}<//>`}
    <table class="table table-compact pref-table">
      <thead><tr><th scope="col">${t('task.prefChannel')}</th><th scope="col">${t('task.care')}</th><th scope="col">${t('task.marketing')}</th></tr></thead>
      <tbody>
        ${CHANNELS.filter((c) => prefs.channels?.[c]).map(
          (c) => html`<tr><th scope="row">${channelName(c)}</th><td>${mark(prefs.all !== false && prefs.channels[c].care)}</td><td>${mark(prefs.all !== false && prefs.channels[c].marketing)}</td></tr>`,
        )}
      </tbody>
    </table>
  </div>`
}

const TIMELINE_SHOWN = 15

function Timeline({ events, now }) {
  const [all, setAll] = useState(false)
  const list = all ? events : events.slice(0, TIMELINE_SHOWN)
  return html`<${Card} id="timeline-title" title=${t('task.timeline')}>
    ${events.length === 0
      ? html`<p class="muted">${t('task.timelineEmpty')}</p>`
      : html`<ol class="activity" data-testid="timeline">
            ${list.map((e) => {
              const d = describeEvent(e)
              const details = d.details.filter(Boolean)
              return html`<li class=${`activity-item${d.tone ? ` tone-${d.tone}` : ''}`}>
                <span class="activity-icon"><${Icon} name=${d.icon} /></span>
                <div class="activity-body">
                  <div class="activity-title">${d.label}${d.tag && html` <${Badge} tone="warning">${d.tag}<//>`}</div>
                  ${details.length > 0 && html`<div class="subtle">${details.join(' · ')}</div>`}
                  ${d.quote && html`<blockquote class="quote">${d.quote}</blockquote>`}
                </div>
                <time class="activity-time subtle" datetime=${new Date(e.ts).toISOString()} title=${dateTime(e.ts)}>${relative(e.ts, now)}</time>
              </li>`
            })}
          </ol>
          ${events.length > TIMELINE_SHOWN &&
          html`<button type="button" class="link more" aria-expanded=${all ? 'true' : 'false'} onClick=${() => setAll(!all)}>${all ? t('task.showLess') : t('ev.more', { n: events.length - TIMELINE_SHOWN })}</button>`}`}
  <//>`
}
register({ en: { 'task.showLess': 'Show fewer' }, 'zh-CN': { 'task.showLess': '收起' } })

const TRAIL_GOOD = new Set(['sent', 'delivered', 'opened', 'clicked'])
const TRAIL_BAD = new Set(['failed', 'skipped', 'bounced', 'dead'])

/** A message's life in order: by time, and steps of the same millisecond in the order they happen. */
const STEP_RANK = { queued: 0, deferred: 1, failed: 2, sent: 3, delivered: 4, opened: 5, clicked: 6, bounced: 7, skipped: 8, dead: 9 }
function orderTrail(trail) {
  return [...trail].sort((a, b) => a.ts - b.ts || (STEP_RANK[a.status] ?? 5) - (STEP_RANK[b.status] ?? 5))
}

function statusLabel(status) {
  const key = `nudge.${status}`
  const text = t(key)
  return text === key ? status : text
}

function Nudges({ nudges, now }) {
  return html`<${Card} id="nudges-title" title=${t('task.nudges')}>
    ${nudges.length === 0
      ? html`<p class="muted">${t('task.nudgesEmpty')}</p>`
      : html`<ul class="nudges" data-testid="nudges">
          ${nudges.map((n) => {
            const trail = n.trail.length ? orderTrail(n.trail) : [{ status: n.status, detail: n.detail ?? '', ts: n.updatedAt }]
            const reason = trail.find((s) => TRAIL_BAD.has(s.status) && s.detail)?.detail ?? (TRAIL_BAD.has(n.status) ? n.detail : '')
            return html`<li class="nudge">
              <div class="nudge-head">
                <span class="chan"><${Icon} name=${CHANNEL_ICON[n.channel] ?? 'dot'} /> ${channelName(n.channel)}</span>
                <strong>${n.template}</strong>
                <span class="subtle">${t('nudge.rule', { rule: n.ruleId })} · ${t('task.decided', { when: relative(n.decidedAt, now) })}</span>
              </div>
              <ol class="trail" aria-label=${t('task.trail')}>
                ${trail.map(
                  (s, i) => html`<li class=${`step${TRAIL_GOOD.has(s.status) ? ' step-good' : TRAIL_BAD.has(s.status) ? ' step-bad' : ''}`}>
                    ${i > 0 && html`<span class="arrow" aria-hidden="true">→</span>`}<span class="step-name" title=${`${dateTime(s.ts)}${s.detail ? ` — ${s.detail}` : ''}`}>${statusLabel(s.status)}</span>
                  </li>`,
                )}
              </ol>
              ${reason && html`<p class="guard-reason" title=${reason}><${Icon} name="alert" /> <span>${reason.replace(/\s*\[by [^\]]+\]\s*$/, '')}</span></p>`}
            </li>`
          })}
        </ul>`}
  <//>`
}

function EarlierTasks({ tasks, me }) {
  if (!tasks.length) return null
  return html`<${Card} id="earlier-title" title=${t('task.earlier')}>
    <ul class="earlier">
      ${tasks.map(
        (x) => html`<li>
          <div><a href=${`#/tasks/${encodeURIComponent(x.id)}`}>${x.title}</a> <span class="queue-name">${x.queue}</span> <span class="subtle">· ${dateTime(x.createdAt)}</span></div>
          <div class="subtle">${x.status === 'resolved' && x.outcome ? `${t(`task.outcome.${x.outcome}`)} · ` : ''}${statusText(x, me)}${x.note ? html` — <q>${x.note}</q>` : ''}</div>
        </li>`,
      )}
    </ul>
  <//>`
}

function NotesAndContacts({ notes, contacts, taskId, now }) {
  const human = contacts.filter((c) => c.kind === 'human').sort((a, b) => b.at - a.at)
  const sorted = [...notes].sort((a, b) => b.createdAt - a.createdAt)
  const viaOf = { voice: t('task.via.call'), sms: t('task.via.sms'), email: t('task.via.email'), inapp: t('task.via.chat') }
  return html`<${Card} id="notes-title" title=${t('task.notesTitle')}>
    <div class="stack-sm">
      ${human.length === 0
        ? html`<p class="subtle">${t('task.contactsEmpty')}</p>`
        : html`<ul class="contacts" data-testid="contacts">${human.map(
            (c) => html`<li><span class="chan"><${Icon} name=${CHANNEL_ICON[c.channel] ?? 'dot'} /> ${viaOf[c.channel] ?? c.channel}</span> <strong>${c.actor}</strong> <span class="subtle">· ${relative(c.at, now)}</span></li>`,
          )}</ul>`}
      ${sorted.length === 0
        ? html`<p class="subtle">${t('task.notesEmpty')}</p>`
        : html`<ul class="notes" data-testid="notes">${sorted.map(
            (n) => html`<li class="note">
              <div class="subtle"><strong class="note-author">${n.author}</strong> · <time datetime=${new Date(n.createdAt).toISOString()} title=${dateTime(n.createdAt)}>${relative(n.createdAt, now)}</time>${n.taskId !== taskId ? html` · <${Badge}>${t('task.fromEarlier')}<//>` : ''}</div>
              <p class="note-body">${n.body}</p>
            </li>`,
          )}</ul>`}
    </div>
  <//>`
}

/** The local date-time input value for a moment (yyyy-MM-ddTHH:mm). */
function localInput(ms) {
  const d = new Date(ms)
  const pad = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

function Actions({ task, busy, act, path, mine, canWork }) {
  const [contactMsg, setContactMsg] = useState(null)
  const [noteMsg, setNoteMsg] = useState(null)
  const [snoozeMsg, setSnoozeMsg] = useState(null)
  const [resolveMsg, setResolveMsg] = useState(null)
  const [contact, setContact] = useState({ via: 'call', outcome: 'reached', note: '' })
  const [note, setNote] = useState('')
  const [until, setUntil] = useState(() => localInput(Date.now() + 2 * 3_600_000))
  const [resolve, setResolve] = useState({ outcome: 'resolved', note: '', suggestion: '', survey: false })

  const submitContact = async (e) => {
    e.preventDefault()
    const body = { via: contact.via, outcome: contact.outcome }
    if (contact.note.trim()) body.note = contact.note.trim()
    if (await act('contact', 'POST', `${path}/contacts`, body, setContactMsg, t('task.contactLogged'))) setContact((c) => ({ ...c, note: '' }))
  }
  const submitNote = async (e) => {
    e.preventDefault()
    if (await act('note', 'POST', `${path}/notes`, { body: note }, setNoteMsg, t('task.noteAdded'))) setNote('')
  }
  const submitSnooze = async (e) => {
    e.preventDefault()
    const ms = until ? new Date(until).getTime() : NaN
    if (Number.isNaN(ms)) return setSnoozeMsg({ kind: 'error', text: t('task.snoozeRequired') })
    await act('snooze', 'POST', `${path}/snooze`, { until: new Date(ms).toISOString() }, setSnoozeMsg, (r) => t('task.snoozed', { at: dateTime(r.snoozedUntil) }))
  }
  const submitResolve = async (e) => {
    e.preventDefault()
    const body = { outcome: resolve.outcome }
    if (resolve.note.trim()) body.note = resolve.note.trim()
    if (resolve.suggestion.trim()) body.suggestion = resolve.suggestion.trim()
    if (resolve.survey) body.survey = true
    await act('resolve', 'POST', `${path}/resolve`, body, setResolveMsg, t('task.resolvedOk'))
  }

  if (task.status === 'resolved') {
    return html`<${Card} id="actions-title" title=${t('task.resolution')}>
      <div class="stack-sm">
        <${Message} msg=${resolveMsg} />
        <p class="resolution">
          <${Badge} tone="success">${task.outcome ? t(`task.outcome.${task.outcome}`) : t('agent.status.resolved')}<//>
          <span>${t('task.resolvedLine', { who: task.resolvedBy ?? '', when: dateTime(task.resolvedAt) })}</span>
        </p>
        ${task.note && html`<p class="note-body">${task.note}</p>`}
        <p><a href="#/work" class="button">${t('task.nextTask')}</a></p>
      </div>
    <//>`
  }

  const hint = !canWork ? null : task.status === 'open' ? t('task.claimFirst') : !mine ? t('task.heldBy', { who: task.claimedBy }) : null
  const working = (name) => busy === name

  return html`<${Card} id="actions-title" title=${t('task.actions')} className="actions-card">
    ${hint && html`<p class="hint">${hint}</p>`}
    ${canWork &&
    html`<form class="action-form" onSubmit=${submitContact} aria-labelledby="contact-legend">
      <h3 id="contact-legend">${t('task.logContact')}</h3>
      <div class="form-grid">
        <div class="field">
          <label for="contact-via">${t('task.via')}</label>
          <select id="contact-via" value=${contact.via} onChange=${(e) => setContact({ ...contact, via: e.currentTarget.value })}>
            ${VIAS.map((v) => html`<option value=${v}>${t(`task.via.${v}`)}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="contact-outcome">${t('task.contactOutcome')}</label>
          <select id="contact-outcome" value=${contact.outcome} onChange=${(e) => setContact({ ...contact, outcome: e.currentTarget.value })}>
            ${CONTACT_OUTCOMES.map((v) => html`<option value=${v}>${t(`task.co.${v}`)}</option>`)}
          </select>
        </div>
        <div class="field span-2">
          <label for="contact-note">${t('task.contactNote')}</label>
          <textarea id="contact-note" rows="2" maxlength="5000" value=${contact.note} onInput=${(e) => setContact({ ...contact, note: e.currentTarget.value })}></textarea>
        </div>
      </div>
      <div class="form-actions"><button type="submit" disabled=${working('contact')}>${working('contact') ? t('task.working') : t('task.logContactButton')}</button></div>
      <${Message} msg=${contactMsg} />
    </form>`}

    <form class="action-form" onSubmit=${submitNote} aria-labelledby="note-legend">
      <h3 id="note-legend">${t('task.addNote')}</h3>
      <div class="field">
        <label for="task-note" class="visually-hidden">${t('task.note')}</label>
        <textarea id="task-note" rows="2" maxlength="5000" required value=${note} onInput=${(e) => setNote(e.currentTarget.value)}></textarea>
      </div>
      <div class="form-actions"><button type="submit" disabled=${working('note')}>${t('task.addNoteButton')}</button></div>
      <${Message} msg=${noteMsg} />
    </form>

    <form class="action-form" onSubmit=${submitSnooze} aria-labelledby="snooze-legend">
      <h3 id="snooze-legend">${t('task.snooze')}</h3>
      <div class="inline-form">
        <div class="field">
          <label for="snooze-until">${t('task.snoozeUntil')}</label>
          <input id="snooze-until" type="datetime-local" value=${until} onInput=${(e) => setUntil(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled=${working('snooze')}>${t('task.snoozeButton')}</button>
      </div>
      <${Message} msg=${snoozeMsg} />
    </form>

    ${canWork &&
    html`<form class="action-form resolve-form" onSubmit=${submitResolve} aria-labelledby="resolve-legend">
      <h3 id="resolve-legend">${t('task.resolve')}</h3>
      <div class="stack-sm">
        <div class="field">
          <label for="resolve-outcome">${t('task.outcome')}</label>
          <select id="resolve-outcome" value=${resolve.outcome} onChange=${(e) => setResolve({ ...resolve, outcome: e.currentTarget.value })}>
            ${OUTCOMES.map((o) => html`<option value=${o}>${t(`task.outcome.${o}`)}</option>`)}
          </select>
        </div>
        <div class="field">
          <label for="resolve-note">${t('task.resolveNote')}</label>
          <textarea id="resolve-note" rows="2" maxlength="5000" value=${resolve.note} onInput=${(e) => setResolve({ ...resolve, note: e.currentTarget.value })}></textarea>
        </div>
        <div class="field">
          <label for="resolve-suggestion">${t('task.suggestion')}</label>
          <textarea id="resolve-suggestion" rows="2" maxlength="5000" value=${resolve.suggestion} onInput=${(e) => setResolve({ ...resolve, suggestion: e.currentTarget.value })}></textarea>
        </div>
        <label class="checkbox">
          <input type="checkbox" checked=${resolve.survey} onChange=${(e) => setResolve({ ...resolve, survey: e.currentTarget.checked })} />
          ${t('task.survey')}
        </label>
      </div>
      <div class="form-actions"><button type="submit" class="primary" disabled=${working('resolve')}>${working('resolve') ? t('task.working') : t('task.resolveButton')}</button></div>
      <${Message} msg=${resolveMsg} />
    </form>`}
  <//>`
}
