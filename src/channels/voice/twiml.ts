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

/** What the robot says around "press 1", in the voice's language. */
export const CALLBACK_WORDS: Readonly<Record<'en' | 'cmn-CN' | 'cmn-TW', { offer: string; thanks: string; none: string }>> = {
  en: {
    offer: 'If you would like a person from our team to call you back, press 1 now.',
    thanks: 'Thank you. A person from our team will call you back soon. Goodbye.',
    none: 'Goodbye.',
  },
  'cmn-CN': { offer: '如需我们的工作人员给您回电，请现在按 1。', thanks: '谢谢。我们的工作人员会尽快给您回电。再见。', none: '再见。' },
  'cmn-TW': { offer: '如需我們的工作人員回電給您，請現在按 1。', thanks: '謝謝。我們的工作人員會盡快回電給您。再見。', none: '再見。' },
}

export const callbackWords = (language: string) => CALLBACK_WORDS[language === 'cmn-CN' || language === 'cmn-TW' ? language : 'en']

/**
 * With a care line, the call is put through to a person after the script (the shopper stays on);
 * without one, and with a call-back URL, the robot offers "press 1 to be called back by a person".
 */
export function buildTwiml(script: string, locale: string, careLine?: string, callbackUrl?: string): string {
  const language = sayLanguage(locale)
  const says = paragraphs(script).map((p) => `<Say language="${language}">${escapeXml(p)}</Say>`)
  const dial = careLine ? `<Dial>${escapeXml(careLine)}</Dial>` : ''
  const offer =
    !careLine && callbackUrl
      ? `<Gather numDigits="1" timeout="6" method="POST" action="${escapeXml(callbackUrl)}"><Say language="${language}">${escapeXml(callbackWords(language).offer)}</Say></Gather>`
      : ''
  return `<Response>${says.join('<Pause length="1"/>')}${dial}${offer}</Response>`
}

/** The answer to the key the shopper pressed. */
export function callbackTwiml(language: string, calledBack: boolean): string {
  const words = callbackWords(language)
  return `<Response><Say language="${language}">${escapeXml(calledBack ? words.thanks : words.none)}</Say></Response>`
}
