// Channel previews of a rendered template: email (subject, HTML, text), SMS with its segment
// count, push notification, voice script, in-app card, and a plain key/value view otherwise.
import { useState } from 'preact/hooks'
import { Icon, TabPanel, Tabs, formatNumber } from '../components/index.js'
import './templateStrings.js'
import { html, t } from '../lib.js'

// GSM 03.38 basic set (plus the extension table, which costs two septets).
const GSM = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
const GSM_EXT = '^{}\\[~]|€'
/** Length and segments of an SMS as carriers count them (GSM-7: 160 / 153; UCS-2: 70 / 67). */
export function smsSegments(text) {
  const chars = [...text]
  const gsm = chars.every((c) => GSM.includes(c) || GSM_EXT.includes(c))
  if (gsm) {
    const units = chars.reduce((n, c) => n + (GSM_EXT.includes(c) ? 2 : 1), 0)
    return { encoding: 'GSM-7', length: chars.length, segments: units <= 160 ? 1 : Math.ceil(units / 153) }
  }
  const units = [...text].reduce((n, c) => n + (c.codePointAt(0) > 0xffff ? 2 : 1), 0)
  return { encoding: 'UCS-2', length: chars.length, segments: units <= 70 ? 1 : Math.ceil(units / 67) }
}

function EmailPreview({ out }) {
  const [part, setPart] = useState('html')
  return html`
    <div class="stack">
      <dl class="email-meta">
        <dt>${t('templates.subject')}</dt>
        <dd data-testid="email-subject">${out.subject}</dd>
      </dl>
      <${Tabs} id="email-part" label=${t('templates.emailTabs')} tabs=${[{ id: 'html', label: t('templates.html') }, { id: 'text', label: t('templates.text') }]} value=${part} onChange=${setPart} />
      <${TabPanel} id="email-part" tab="html" value=${part}>
        <iframe class="preview-frame" title=${t('templates.emailFrame')} sandbox="" srcdoc=${out.html}></iframe>
      <//>
      <${TabPanel} id="email-part" tab="text" value=${part}><pre class="text-preview">${out.text}</pre><//>
    </div>
  `
}

function SmsPreview({ text }) {
  const s = smsSegments(text)
  return html`
    <div class="device">
      <div class="device-top"><${Icon} name="message" size=${14} /> SMS</div>
      <div class="sms-bubble">${text}</div>
      <p class="sms-count">
        ${t('templates.chars', { n: formatNumber(s.length) })} · ${s.segments === 1 ? t('templates.segment', { encoding: s.encoding }) : t('templates.segments', { n: s.segments, encoding: s.encoding })}
      </p>
    </div>
  `
}

function PushPreview({ parts }) {
  return html`
    <div class="device">
      <div class="device-top">9:41</div>
      <div class="notification">
        <span class="notification-icon"><${Icon} name="loop" size=${18} /></span>
        <div>
          <div class="notification-app"><span>${t('templates.appName')}</span><span>${t('templates.now')}</span></div>
          <div class="notification-title">${parts.title}</div>
          <div class="notification-body">${parts.body}</div>
        </div>
      </div>
    </div>
  `
}

function VoicePreview({ say }) {
  const lines = say.split(/\n+/).filter((l) => l.trim())
  return html`
    <div class="stack">
      <p class="subtle">${t('templates.voiceHint')}</p>
      <div class="voice-script">
        ${lines.map((l) => html`<div class="voice-line"><span class="avatar"><${Icon} name="phone" size=${13} /></span><p>${l}</p></div>`)}
      </div>
    </div>
  `
}

function InappPreview({ parts }) {
  return html`
    <div class="inapp-card">
      <strong>${parts.title}</strong>
      <p>${parts.body}</p>
      ${parts.cta && html`<span class="button primary small" aria-hidden="true">${parts.cta}</span>`}
    </div>
  `
}

export function Preview({ channel, out }) {
  if (channel === 'email') return html`<${EmailPreview} out=${out} />`
  const parts = out.parts ?? {}
  if (channel === 'sms') return html`<${SmsPreview} text=${parts.text ?? ''} />`
  if (channel === 'push') return html`<${PushPreview} parts=${parts} />`
  if (channel === 'voice') return html`<${VoicePreview} say=${parts.say ?? ''} />`
  if (channel === 'inapp') return html`<${InappPreview} parts=${parts} />`
  return html`<dl class="kv">${Object.entries(parts).map(([k, v]) => html`<dt>${k}</dt><dd><pre class="text-preview">${v}</pre></dd>`)}</dl>`
}
