// The rule editor's history tab: the rule's versions (with their approval status) and a line
// diff of the picked version, or of the unsaved edits, against the current one.
import { useEffect, useMemo, useState } from 'preact/hooks'
import { Alert, Badge, DiffStat, DiffView, TimeAgo, useApi } from '../components/index.js'
import { html, t } from '../lib.js'
import { pretty } from './ruleDocument.js'
import './ruleStrings.js'

export function History({ ruleId, current, editedText, dirty, onRefresh }) {
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
