// The pages behind the links in every message: unsubscribe, preference centre, talk to a person.
// Forms post to the page's own URL (no action attribute), so they work behind any path prefix.
import { CHANNELS, TOPICS, type Channel, type Topic } from '../../../model/channel.ts'
import type { Preferences } from '../../../store/operational/ConsentStore.ts'
import { html, layout, type ShopLink } from './html.ts'

const CHANNEL_LABELS: Record<Channel, string> = {
  email: 'Email',
  sms: 'Text messages (SMS)',
  push: 'Push notifications',
  webhook: 'Messaging apps',
  inapp: 'Messages on the website and app',
  voice: 'Phone calls',
}
const TOPIC_LABELS: Record<Topic, string> = { care: 'About my orders', marketing: 'Offers and news' }
const TOPIC_HINTS = 'About my orders: delivery delays, payment problems and help from our care team. Offers and news: promotions and new products.'
const CHANNEL_FOR_HUMANS: Record<string, string> = { ...CHANNEL_LABELS }

/** Form field name of one checkbox, e.g. `email.care`. */
export const prefField = (channel: Channel, topic: Topic): string => `${channel}.${topic}`
export const STOP_FIELD = 'stop'
/** Marks a full submission of the preferences form (unchecked boxes are simply absent). */
export const FORM_MARKER = 'form'

export function notFoundPage(shop: ShopLink): string {
  return layout('Link not valid', shop, html`<h1>This link is not valid</h1>
<p>It may have been copied incompletely. Please use the link from the original message, or contact ${shop.name} directly.</p>`)
}

export function unsubscribePromptPage(shop: ShopLink, channel: string, topic: string, preferencesHref: string): string {
  const what = topic === 'marketing' ? 'offers and news' : topic === 'care' ? 'messages about your orders' : `${topic} messages`
  return layout('Unsubscribe', shop, html`<h1>Unsubscribe?</h1>
<p>You will no longer receive ${what} from ${shop.name} by ${(CHANNEL_FOR_HUMANS[channel] ?? channel).toLowerCase()}.</p>
<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><div class="actions"><button type="submit">Unsubscribe</button><a href="${preferencesHref}">Choose exactly which messages you get</a></div></form>`)
}

export function unsubscribedPage(shop: ShopLink, preferencesHref: string): string {
  return layout('Unsubscribed', shop, html`<h1>You are unsubscribed</h1>
<p>You will not receive these messages from ${shop.name} any more.</p>
<p class="muted">Changed your mind? <a href="${preferencesHref}">Manage your preferences</a>.</p>`)
}

export function preferencesPage(shop: ShopLink, prefs: Preferences, saved: boolean): string {
  const rows = CHANNELS.map(
    (channel) => html`<tr><th scope="row">${CHANNEL_LABELS[channel]}</th>${TOPICS.map(
      (topic) => html`<td class="c"><input type="checkbox" name="${prefField(channel, topic)}" aria-label="${CHANNEL_LABELS[channel]}: ${TOPIC_LABELS[topic]}"${prefs.channels[channel][topic] ? html` checked` : ''}></td>`,
    )}</tr>`,
  )
  return layout('Your message preferences', shop, html`<h1>Your message preferences</h1>
${saved ? html`<p class="note" role="status">Saved. Thank you!</p>` : ''}
<p>Choose how ${shop.name} may contact you.</p>
<form method="post"><input type="hidden" name="${FORM_MARKER}" value="preferences">
<table><caption class="muted">${TOPIC_HINTS}</caption>
<thead><tr><th scope="col">Channel</th>${TOPICS.map((t) => html`<th class="c" scope="col">${TOPIC_LABELS[t]}</th>`)}</tr></thead>
<tbody>${rows}</tbody></table>
<p><label class="stop"><input type="checkbox" name="${STOP_FIELD}"${prefs.all ? '' : html` checked`}> Stop everything: send me no messages at all</label></p>
<div class="actions"><button type="submit">Save</button><span class="muted">Changes apply from now on.</span></div></form>`)
}

export function talkPage(shop: ShopLink): string {
  return layout('Talk to a person', shop, html`<h1>Would you like someone from ${shop.name} to contact you?</h1>
<form method="post">
<p><label for="message">Anything we should know? (optional)</label></p>
<p><textarea id="message" name="message" maxlength="2000" placeholder="For example: the best time to call"></textarea></p>
<div class="actions"><button type="submit">Yes, please contact me</button><span class="muted">Someone from our care team will get back to you.</span></div></form>`)
}

export function talkThanksPage(shop: ShopLink, already: boolean): string {
  return layout('Thank you', shop, already
    ? html`<h1>We already have your request</h1><p>Someone from ${shop.name} will contact you soon.</p>`
    : html`<h1>Thank you</h1><p>Someone from ${shop.name} will contact you soon.</p>`)
}
