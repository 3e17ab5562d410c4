// Live relative times: <${TimeAgo} ts=${ms} /> ("5 minutes ago", full date on hover) and
// <${Countdown} until=${ms} /> ("in 12 min" / "12 min overdue", warning when close, danger when past).
import { useEffect, useState } from 'preact/hooks'
import { html, register, t } from '../lib.js'
import { formatDateTime, formatDuration, formatRelative } from './format.js'

register({
  en: { 'time.in': 'in {d}', 'time.overdue': '{d} overdue' },
  'zh-CN': { 'time.in': '{d}后', 'time.overdue': '已超时 {d}' },
})

/** Re-renders every `ms` (one shared timer per component). */
export function useNow(ms = 30_000) {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms)
    return () => clearInterval(timer)
  }, [ms])
  return now
}

export function TimeAgo({ ts }) {
  const now = useNow(30_000)
  if (ts === null || ts === undefined) return html`<span class="muted">—</span>`
  return html`<time datetime=${new Date(ts).toISOString()} title=${formatDateTime(ts, { second: '2-digit' })}>${formatRelative(ts, now)}</time>`
}

export function Countdown({ until, warnMs = 15 * 60_000 }) {
  const now = useNow(15_000)
  if (until === null || until === undefined) return html`<span class="muted">—</span>`
  const left = until - now
  const tone = left < 0 ? 'danger' : left < warnMs ? 'warning' : 'neutral'
  const text = left < 0 ? t('time.overdue', { d: formatDuration(-left) }) : t('time.in', { d: formatDuration(left) })
  return html`<time class=${`countdown countdown-${tone}`} datetime=${new Date(until).toISOString()} title=${formatDateTime(until)} style=${tone === 'neutral' ? undefined : `color: var(--${tone}); font-weight: 550`}>${text}</time>`
}
