// Numbers, durations and times in the console's language (Intl; tabular figures come from CSS).
import { currentLanguage, register, t } from '../lib.js'

register({
  en: { 'fmt.none': '—', 'fmt.ms': '{n} ms', 'fmt.s': '{n} s', 'fmt.min': '{n} min', 'fmt.h': '{h} h {m} min', 'fmt.hOnly': '{h} h', 'fmt.d': '{d} d {h} h', 'fmt.dOnly': '{d} d' },
  'zh-CN': { 'fmt.none': '—', 'fmt.ms': '{n} 毫秒', 'fmt.s': '{n} 秒', 'fmt.min': '{n} 分钟', 'fmt.h': '{h} 小时 {m} 分钟', 'fmt.hOnly': '{h} 小时', 'fmt.d': '{d} 天 {h} 小时', 'fmt.dOnly': '{d} 天' },
})

const cache = new Map()
function numberFormat(options = {}) {
  const key = currentLanguage() + JSON.stringify(options)
  if (!cache.has(key)) cache.set(key, new Intl.NumberFormat(currentLanguage(), options))
  return cache.get(key)
}

/** 12,345 (or — for null / undefined / NaN). */
export function formatNumber(value, options) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return t('fmt.none')
  return numberFormat(options).format(Number(value))
}

/** 0.42 → 42%. */
export function formatPercent(value, digits = 0) {
  if (value === null || value === undefined || !Number.isFinite(value)) return t('fmt.none')
  return numberFormat({ style: 'percent', maximumFractionDigits: digits }).format(value)
}

/** A duration in ms, two units at most: 850 ms, 42 s, 12 min, 3 h 5 min, 2 d 4 h. */
export function formatDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return t('fmt.none')
  const abs = Math.abs(ms)
  if (abs < 1000) return t('fmt.ms', { n: Math.round(abs) })
  if (abs < 60_000) return t('fmt.s', { n: Math.round(abs / 1000) })
  // Round to the unit shown first, so 59.6 min reads "1 h", never "60 min" (nor "1 d 24 h").
  const minutes = Math.round(abs / 60_000)
  if (minutes < 60) return t('fmt.min', { n: minutes })
  if (minutes < 24 * 60) {
    const h = Math.floor(minutes / 60)
    const m = minutes % 60
    return m === 0 ? t('fmt.hOnly', { h }) : t('fmt.h', { h, m })
  }
  const hours = Math.round(abs / 3_600_000)
  const d = Math.floor(hours / 24)
  const h = hours % 24
  return h === 0 ? t('fmt.dOnly', { d }) : t('fmt.d', { d, h })
}

/** Date and time, e.g. "Mar 3, 14:05" (with the year when it is not this year). */
export function formatDateTime(ts, options = {}) {
  if (ts === null || ts === undefined) return t('fmt.none')
  const date = new Date(ts)
  const sameYear = date.getFullYear() === new Date().getFullYear()
  return date.toLocaleString(currentLanguage(), { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', ...(sameYear ? {} : { year: 'numeric' }), ...options })
}

/** "5 minutes ago" / "in 2 hours", in the console's language. */
export function formatRelative(ts, now = Date.now()) {
  const diff = ts - now
  const abs = Math.abs(diff)
  const rtf = new Intl.RelativeTimeFormat(currentLanguage(), { numeric: 'auto' })
  if (abs < 45_000) return rtf.format(0, 'second')
  if (abs < 3_600_000) return rtf.format(Math.round(diff / 60_000), 'minute')
  if (abs < 86_400_000) return rtf.format(Math.round(diff / 3_600_000), 'hour')
  if (abs < 30 * 86_400_000) return rtf.format(Math.round(diff / 86_400_000), 'day')
  return formatDateTime(ts)
}
