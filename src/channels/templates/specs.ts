// What each channel's template files hold: their sections, how each compiles (escaped HTML or
// plain text) and how its output is tidied. The loader and the render engine are shared; only
// this table differs between email, SMS, push, voice and in-app messages.

export type SectionKind = 'html' | 'text'
/** line: one line, single spaces (headers, titles, labels); text: tidy plain text; none: as is. */
export type Tidy = 'line' | 'text' | 'none'

export interface SectionSpec {
  kind: SectionKind
  required: boolean
  tidy: Tidy
}

export interface TemplateSpec {
  /** Named in error messages: `unknown sms template "x"`. */
  channel: string
  /** Sections a template file may hold, in render order. */
  sections: Readonly<Record<string, SectionSpec>>
  /** Whether a shared partial compiles escaped or plain, by its name. */
  partialKind: (name: string) => SectionKind
}

const line = (required: boolean): SectionSpec => ({ kind: 'text', required, tidy: 'line' })
const text = (required: boolean): SectionSpec => ({ kind: 'text', required, tidy: 'text' })

export const EMAIL_SPEC: TemplateSpec = {
  channel: 'email',
  sections: { subject: line(true), preheader: line(false), html: { kind: 'html', required: true, tidy: 'none' }, text: text(true) },
  // Email partials serve both parts; the -text ones are plain, the others land in HTML.
  partialKind: (name) => (name.endsWith('-text') ? 'text' : 'html'),
}

export const CONTENT_CHANNELS = ['sms', 'push', 'voice', 'inapp'] as const
export type ContentChannel = (typeof CONTENT_CHANNELS)[number]

// None of these channels carries markup (voice is XML-escaped by its adapter), so every
// section and partial is plain text.
const plain = (channel: ContentChannel, sections: Record<string, SectionSpec>): TemplateSpec => ({ channel, sections, partialKind: () => 'text' })

export const CHANNEL_SPECS: Readonly<Record<ContentChannel, TemplateSpec>> = {
  sms: plain('sms', { text: text(true) }),
  push: plain('push', { title: line(true), body: text(true) }),
  voice: plain('voice', { say: text(true) }),
  inapp: plain('inapp', { title: line(true), body: text(true), cta: line(false) }),
}

/** Plain text: no trailing spaces, at most one blank line in a row (optional blocks leave gaps). */
export function tidyText(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

/** A header value: one line, single spaces. */
export const tidyLine = (value: string): string => value.replace(/\s+/g, ' ').trim()

export function tidy(value: string, how: Tidy): string {
  return how === 'line' ? tidyLine(value) : how === 'text' ? tidyText(value) : value
}
