// A time-series chart over uPlot, sized to its container, with a legend and a hover read-out.
//   <${Chart} label="Sends per hour" x=${[ms…]} series=${[{ label: 'Sent', values: […], color: 'var(--chart-1)' }]} bars stacked />
// Colors may be CSS variables. The figure is role="img" with a text summary (totals per series).
import uPlot from 'uplot'
import { useEffect, useRef } from 'preact/hooks'
import { currentLanguage, html } from '../lib.js'
import { formatNumber } from './format.js'

function cssColor(color) {
  const m = /^var\((--[\w-]+)\)$/.exec(color ?? '')
  return m ? getComputedStyle(document.documentElement).getPropertyValue(m[1]).trim() || '#4f46e5' : color ?? '#4f46e5'
}

function withAlpha(hex, alpha) {
  const m = /^#([0-9a-f]{6})$/i.exec(hex)
  if (!m) return hex
  const n = parseInt(m[1], 16)
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`
}

function stack(series) {
  const sums = series[0]?.values.map(() => 0) ?? []
  return series.map((s) => ({ ...s, values: s.values.map((v, i) => (sums[i] += v ?? 0)) }))
}

export function Chart({ label, x, series, height = 200, bars = false, stacked = false, bucketMs }) {
  const box = useRef(null)
  const tip = useRef(null)
  const plot = useRef(null)
  useEffect(() => {
    const el = box.current
    if (!el) return
    const colors = series.map((s) => cssColor(s.color))
    // Stacked: cumulative values, drawn top band first so each lower band paints over it.
    const order = stacked ? [...series.keys()].reverse() : [...series.keys()]
    const cumulative = stacked ? stack(series) : series
    const drawn = order.map((i) => ({ ...cumulative[i], color: colors[i] }))
    const daily = (bucketMs ?? 0) >= 86_400_000
    const fmtTime = (sec) =>
      new Date(sec * 1000).toLocaleString(currentLanguage(), daily ? { month: 'short', day: 'numeric' } : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
    const step = bucketMs ?? (x.length > 1 ? x[1] - x[0] : 3_600_000)
    const halfBucket = bars ? step / 2000 : 0
    const barPaths = bars ? uPlot.paths.bars({ size: [0.7, 28], gap: 1 }) : undefined
    const options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: false },
      padding: [8, 14, 0, 0],
      cursor: { points: { size: 6 }, drag: { x: false, y: false } },
      // Half a bucket of room on each side, so the first and last bars are whole.
      scales: { x: { time: true, range: (_u, min, max) => [min - halfBucket, max + halfBucket] }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        {
          stroke: '#71717a',
          grid: { show: false },
          ticks: { stroke: '#e4e4e7', size: 4 },
          size: 32,
          font: '11px system-ui, sans-serif',
          // Days: one tick per bucket (uPlot's own 12-hour ticks would repeat each date), thinned to ~12 labels.
          ...(daily ? { splits: (u) => [...u.data[0]] } : {}),
          values: (_u, splits) => {
            const every = daily ? Math.max(1, Math.ceil(splits.length / 12)) : 1
            return splits.map((s, i) => (i % every === 0 ? new Date(s * 1000).toLocaleString(currentLanguage(), daily ? { month: 'short', day: 'numeric' } : { hour: 'numeric' }) : ''))
          },
        },
        { stroke: '#71717a', grid: { stroke: '#f1f1f3', width: 1 }, ticks: { show: false }, font: '11px system-ui, sans-serif', size: 40, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? formatNumber(v) : '')) },
      ],
      series: [
        {},
        ...drawn.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: bars ? 0 : 2,
          fill: bars ? s.color : withAlpha(s.color, 0.08),
          paths: barPaths,
          points: { show: false },
        })),
      ],
      hooks: {
        setCursor: [
          (u) => {
            const t = tip.current
            if (!t) return
            const idx = u.cursor.idx
            if (idx === null || idx === undefined || u.cursor.left < 0) {
              t.hidden = true
              return
            }
            t.hidden = false
            t.replaceChildren()
            const head = document.createElement('div')
            head.style.fontWeight = '600'
            head.textContent = fmtTime(u.data[0][idx])
            t.append(head)
            series.forEach((s, i) => {
              const line = document.createElement('div')
              const dot = document.createElement('span')
              dot.className = 'legend-dot'
              dot.style.background = colors[i]
              line.append(dot, `${s.label}: ${formatNumber(s.values[idx] ?? 0)}`)
              t.append(line)
            })
            const left = Math.min(u.cursor.left + 14, u.over.clientWidth - t.offsetWidth)
            t.style.left = `${left + u.over.offsetLeft}px`
            t.style.top = `${u.over.offsetTop + 6}px`
          },
        ],
      },
    }
    const data = [x.map((v) => v / 1000), ...drawn.map((s) => s.values)]
    const u = new uPlot(options, data, el)
    plot.current = u
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }))
    ro.observe(el)
    return () => {
      ro.disconnect()
      u.destroy()
    }
  }, [x, series, height, bars, stacked, bucketMs])
  const summary = `${label}: ${series.map((s) => `${s.label} ${formatNumber(s.values.reduce((a, b) => a + (b ?? 0), 0))}`).join(', ')}`
  return html`
    <figure class="chart" role="img" aria-label=${summary} style="margin:0">
      <div class="chart-legend" aria-hidden="true">
        ${series.map((s) => html`<span><span class="legend-dot" style=${`background:${s.color}`}></span>${s.label}</span>`)}
      </div>
      <div ref=${box} class="chart-canvas"></div>
      <div ref=${tip} class="chart-tip" hidden aria-hidden="true"></div>
    </figure>
  `
}
