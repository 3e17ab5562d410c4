// The phone robot's script as TwiML: one <Say> per paragraph with a short pause between, in a
// voice language matching the script's locale.

/** Twilio rejects inline TwiML longer than this. */
export const MAX_TWIML_LENGTH = 4000

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string)
}

// Chinese scripts are read by Mandarin voices (cmn-*); English keeps its regional voice when
// Twilio has one. Unknown locales fall back to en-US, as the templates fall back to en.
const ENGLISH = new Set(['en-US', 'en-GB', 'en-AU', 'en-CA', 'en-IN', 'en-NZ', 'en-ZA', 'en-IE'])

export function sayLanguage(locale: string): string {
  const [language = '', region = ''] = locale.trim().replace(/_/g, '-').split('-')
  const lang = language.toLowerCase()
  if (lang === 'zh') {
    const r = region.toLowerCase()
    // zh-TW, zh-HK and zh-Hant are the traditional-script templates: Taiwanese Mandarin.
    return r === 'tw' || r === 'hk' || r === 'mo' || r === 'hant' ? 'cmn-TW' : 'cmn-CN'
  }
  if (lang === 'en') {
    const tag = `en-${region.toUpperCase()}`
    return ENGLISH.has(tag) ? tag : 'en-US'
  }
  return 'en-US'
}

/** Voice templates put one thought per line: each non-blank line is a paragraph of its own. */
export function paragraphs(script: string): string[] {
  return script
    .split(/\r?\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p !== '')
}

/** With a care line, the call is put through to a person after the script (the shopper stays on). */
export function buildTwiml(script: string, locale: string, careLine?: string): string {
  const language = sayLanguage(locale)
  const says = paragraphs(script).map((p) => `<Say language="${language}">${escapeXml(p)}</Say>`)
  const dial = careLine ? `<Dial>${escapeXml(careLine)}</Dial>` : ''
  return `<Response>${says.join('<Pause length="1"/>')}${dial}</Response>`
}
