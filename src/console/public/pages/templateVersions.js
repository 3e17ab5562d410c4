// The versions panel of a template locale: stored versions with status, author and time, and
// approve (four eyes) and restore actions.
import { useState } from 'preact/hooks'
import { Alert, Badge, formatDateTime, toast } from '../components/index.js'
import './templateStrings.js'
import { api, html, t } from '../lib.js'

export const canEditTemplates = (me) => ['admin', 'ops', 'approver'].includes(me?.role)
const canApproveTemplates = (me) => me?.role === 'admin' || me?.role === 'approver'
const STATUS_TONE = { draft: 'warning', approved: 'info', live: 'success', superseded: 'neutral' }

/** Stored versions of one template locale: status, author, time; approve and restore. */
export function Versions({ base, locale, me, data, error, onChanged }) {
  const [busy, setBusy] = useState(false)
  const act = async (path, body, message) => {
    setBusy(true)
    try {
      const out = await api('POST', `${base}/${path}`, body)
      toast(message(out), { tone: 'success' })
      onChanged()
    } catch (err) {
      toast(err.message, { tone: 'danger' })
    } finally {
      setBusy(false)
    }
  }
  if (error) return html`<${Alert} tone="danger">${error.message}<//>`
  if (!data) return html`<p class="loading"><span class="spinner"></span> ${t('shell.loading')}</p>`
  const pending = data.versions.find((v) => v.status === 'draft')
  return html`
    <div class="stack-sm" role="region" aria-labelledby="tpl-versions-title">
      <div class="row" style="justify-content:space-between">
        <h3 id="tpl-versions-title">${t('templates.versions', { locale })}</h3>
        <span class="subtle">${data.liveVersion ? t('templates.liveStored', { version: data.liveVersion }) : t('templates.liveFile')}</span>
      </div>
      ${pending &&
      html`<${Alert} tone="warning" title=${t('templates.awaiting', { version: pending.version })}>
        ${t('templates.awaitingText')} ${pending.createdBy === me?.name ? t('templates.awaitingOwn') : ''}
      <//>`}
      ${data.versions.length === 0
        ? html`<p class="subtle">${t('templates.noVersions')}</p>`
        : html`<table class="table" data-testid="template-versions">
            <thead><tr><th>${t('templates.version')}</th><th>${t('templates.status')}</th><th>${t('templates.author')}</th><th>${t('templates.when')}</th><th></th></tr></thead>
            <tbody>
              ${data.versions.map(
                (v) => html`<tr>
                  <td class="mono">v${v.version}${v.rollbackOf ? html` <span class="muted">${t('templates.rollbackOf', { version: v.rollbackOf })}</span>` : ''}</td>
                  <td><${Badge} tone=${STATUS_TONE[v.status] ?? 'neutral'}>${t(`templates.status.${v.status}`)}<//>${v.approvedBy ? html` <span class="muted small">${t('templates.approvedBy', { name: v.approvedBy })}</span>` : ''}</td>
                  <td>${v.createdBy}</td>
                  <td>${formatDateTime(v.createdAt)}</td>
                  <td class="row" style="justify-content:flex-end">
                    ${v.status === 'draft' &&
                    canApproveTemplates(me) &&
                    v.createdBy !== me?.name &&
                    html`<button type="button" class="small primary" disabled=${busy} onClick=${() => act(`versions/${v.version}/approve`, undefined, (out) => t('templates.approved', { version: out.version }))}>${t('templates.approve')}</button>`}
                    ${v.status === 'superseded' &&
                    canEditTemplates(me) &&
                    html`<button type="button" class="small" disabled=${busy} onClick=${() =>
                      act('rollback', { version: v.version }, (out) => t(out.status === 'draft' ? 'templates.restoredDraft' : 'templates.restored', { version: v.version, new: out.version }))}>${t('templates.restore')}</button>`}
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>`}
    </div>
  `
}
