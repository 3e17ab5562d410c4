// The text a new template starts from: every section of its channel, each rendering something, so
// it compiles and previews before a word is changed. Email keeps the shared greeting, sign-off and
// talk-to-a-person button that the shipped templates use.
import { templateSpecOf } from './overrides.ts'

const EMAIL = `{{!-- @subject --}}
A note from {{shop.name}}
{{!-- @preheader --}}
{{!-- @html --}}
{{> greeting-html}}
<p>Write your message here.</p>
{{#if (href links.talkToPerson)}}
{{> button-html link=links.talkToPerson label="Talk to a person"}}
{{/if}}
{{> signoff-html}}
{{!-- @text --}}
{{> greeting-text}}

Write your message here.

{{> signoff-text}}
`

/** A new template's starting text for a channel; undefined for a channel without templates. */
export function skeletonSource(channel: string): string | undefined {
  if (channel === 'email') return EMAIL
  const spec = templateSpecOf(channel)
  if (!spec) return undefined
  return Object.keys(spec.sections)
    .map((name) => `{{!-- @${name} --}}\n${name === 'title' ? 'A note from {{shop.name}}' : 'Write your message here.'}\n`)
    .join('')
}
