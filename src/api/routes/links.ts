// The public routes behind the links in every message (src/channels/links.ts signs them): no
// login, the signed token is the authority. Link scanners and mail providers prefetch GETs, so a
// GET never changes anything a shopper would mind: unsubscribing and asking for a person take a
// POST (RFC 8058 one-click, or the button on the page). Clicks and opens are recorded on GET
// because that is what they are.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { talkToPerson } from '../../care/talkToPerson.ts'
import { deliveryRow } from '../../channels/deliveries.ts'
import { loadGuardPolicy } from '../../channels/SendGuard.ts'
import { readClick, readOpen, readPreferences, readTalk, readUnsubscribe } from '../../channels/links.ts'
import { callbackTwiml, sayLanguage } from '../../channels/voice/twiml.ts'
import { signToken } from '../../lib/signedToken.ts'
import type { HistoryBatch } from '../../store/history/HistoryStore.ts'
import { CHANNELS } from '../../model/channel.ts'
import type { PreferencesChange } from '../../store/operational/ConsentStore.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { sendPage } from './pages/html.ts'
import { FORM_MARKER, notFoundPage, preferencesPage, prefField, STOP_FIELD, talkPage, talkThanksPage, unsubscribePromptPage, unsubscribedPage } from './pages/linkPages.ts'
import { applyPreferences, PreferencesBody, strictValidator } from './preferences.ts'

export type LinkRouteDeps = ApiDeps<'ops' | 'history' | 'clock' | 'shop' | 'links' | 'talk'> & Partial<ApiDeps<'onConsentChanged'>>

type Form = Record<string, string>
/**
 * Tokens carry their payload (a click token holds the whole target URL), so they are often longer
 * than Fastify's 100-character limit for a `:param`: the routes take the rest of the path with a
 * wildcard instead, which has no such limit (verifyToken refuses anything over 4096).
 */
type Rest = { Params: { '*': string } }
const restOf = (request: FastifyRequest): string => (request.params as { '*'?: string })['*'] ?? ''
const JSON_SUFFIX = '/json'
/** A 1×1 transparent GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')
const PIXEL_HEADERS = {
  'content-type': 'image/gif',
  'cache-control': 'no-store, no-cache, must-revalidate, max-age=0',
  pragma: 'no-cache',
  expires: '0',
  'referrer-policy': 'no-referrer',
}

const formOf = (body: unknown): Form => (body && typeof body === 'object' && !Buffer.isBuffer(body) ? (body as Form) : {})

/** The preferences form as a change: every box is in the form, an absent one is unticked. */
function changeFromForm(form: Form): PreferencesChange {
  const channels: NonNullable<PreferencesChange['channels']> = {}
  for (const channel of CHANNELS) {
    channels[channel] = { care: Object.hasOwn(form, prefField(channel, 'care')), marketing: Object.hasOwn(form, prefField(channel, 'marketing')) }
  }
  return { channels, all: !Object.hasOwn(form, STOP_FIELD) }
}

const isWebUrl = (target: string): boolean => {
  try {
    const url = new URL(target)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

export async function linkRoutes(app: FastifyInstance, deps: LinkRouteDeps): Promise<void> {
  const { ops, history, clock, shop, onConsentChanged } = deps
  const consentDefaults = async () => (await loadGuardPolicy(ops.settings)).consentDefaults
  const { secret } = deps.links
  const schema = { tags: ['links'] }

  // RFC 8058 §3.2: the one-click POST is form-encoded (urlencoded or multipart). Its content does
  // not matter (a POST is never a prefetch), so multipart and any other body are read raw.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 65_536 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: 65_536 }, (_req, body, done) => done(null, body))
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 65_536 }, (_req, body, done) => done(null, body))

  const notFound = (reply: FastifyReply) => sendPage(reply, 404, notFoundPage(shop))
  /** Relative to /l/<x>/<token>, so it survives a path prefix in the public URL. */
  const preferencesHref = (customerId: string) => `../p/${signToken(secret, 'preferences', { customerId })}`

  async function appendTrackingRows(request: FastifyRequest, rows: HistoryBatch): Promise<void> {
    try {
      await history.append(rows)
    } catch (err) {
      // Tracking must never stand between a shopper and the page they asked for.
      request.log.warn({ err }, 'could not record link activity')
    }
  }

  const customerOfPreferences = (token: string): string => {
    const t = readPreferences(secret, token)
    if (!t) throw new HttpError(404, 'not_found', 'unknown link')
    return t.customerId
  }

  // ---- unsubscribe (RFC 8058) ----

  app.get<Rest>('/l/u/*', { schema }, async (request, reply) => {
    const t = readUnsubscribe(secret, restOf(request))
    if (!t) return notFound(reply)
    return sendPage(reply, 200, unsubscribePromptPage(shop, t.channel, t.topic, preferencesHref(t.customerId)))
  })

  app.post<Rest>('/l/u/*', { schema }, async (request, reply) => {
    const t = readUnsubscribe(secret, restOf(request))
    if (!t) return notFound(reply)
    await ops.consent.set(t.customerId, t.channel, t.topic, 'opted_out', clock.now(), 'one-click')
    onConsentChanged?.()
    return sendPage(reply, 200, unsubscribedPage(shop, preferencesHref(t.customerId)))
  })

  // ---- preference centre: HTML form and JSON ----

  // /l/p/<token> is the HTML page; /l/p/<token>/json the same preferences as JSON.
  app.get<Rest>('/l/p/*', { schema }, async (request, reply) => {
    const rest = restOf(request)
    if (rest.endsWith(JSON_SUFFIX)) return ops.consent.preferences(customerOfPreferences(rest.slice(0, -JSON_SUFFIX.length)), await consentDefaults())
    const t = readPreferences(secret, rest)
    if (!t) return notFound(reply)
    return sendPage(reply, 200, preferencesPage(shop, await ops.consent.preferences(t.customerId, await consentDefaults()), false))
  })

  app.post<Rest>('/l/p/*', { schema }, async (request, reply) => {
    const t = readPreferences(secret, restOf(request))
    if (!t) return notFound(reply)
    const form = formOf(request.body)
    // Without the marker this is not our form (an empty POST must not untick everything).
    if (!Object.hasOwn(form, FORM_MARKER)) return sendPage(reply, 200, preferencesPage(shop, await ops.consent.preferences(t.customerId, await consentDefaults()), false))
    const prefs = await applyPreferences(ops.consent, t.customerId, changeFromForm(form), 'preferences', clock.now(), onConsentChanged, await consentDefaults())
    return sendPage(reply, 200, preferencesPage(shop, prefs, true))
  })

  app.put<Rest & { Body: PreferencesChange }>(
    '/l/p/*',
    { validatorCompiler: strictValidator, schema: { ...schema, summary: 'PUT /l/p/<token>/json: change preferences', body: PreferencesBody } },
    async (request) => {
      const rest = restOf(request)
      if (!rest.endsWith(JSON_SUFFIX)) throw new HttpError(404, 'not_found', 'unknown link')
      const customerId = customerOfPreferences(rest.slice(0, -JSON_SUFFIX.length))
      return applyPreferences(ops.consent, customerId, request.body, 'preferences', clock.now(), onConsentChanged, await consentDefaults())
    },
  )

  // ---- talk to a person ----

  // GET only shows the question: link scanners prefetch GETs, and a prefetch must not put a
  // "call me" task in front of an agent. The task is created by the POST of the button.
  app.get<Rest>('/l/t/*', { schema }, async (request, reply) => {
    const t = readTalk(secret, restOf(request))
    if (!t || !(await ops.outbox.get(t.outboxId))) return notFound(reply)
    return sendPage(reply, 200, talkPage(shop))
  })

  app.post<Rest>('/l/t/*', { schema }, async (request, reply) => {
    const t = readTalk(secret, restOf(request))
    if (!t) return notFound(reply)
    const message = formOf(request.body).message
    const result = await talkToPerson(deps, { outboxId: t.outboxId, message: typeof message === 'string' ? message : undefined })
    if (result.status === 'unknown_message') return notFound(reply)
    return sendPage(reply, 200, talkThanksPage(shop, result.status === 'already_asked'))
  })

  // The phone robot's "press 1 to be called back": Twilio posts the key to this signed URL and
  // reads back TwiML. Pressing 1 asks for a person once per call, however often it is pressed.
  app.post<Rest>('/l/tp/*', { schema }, async (request, reply) => {
    const t = readTalk(secret, restOf(request))
    const nudge = t ? await ops.outbox.get(t.outboxId) : undefined
    if (!t || !nudge) return notFound(reply)
    const language = sayLanguage(nudge.payload?.locale ?? 'en')
    const pressedOne = formOf(request.body).Digits === '1'
    if (pressedOne) await talkToPerson(deps, { outboxId: t.outboxId, message: 'Asked on the phone robot’s call to be called back (pressed 1).' })
    return reply.status(200).type('text/xml; charset=utf-8').send(callbackTwiml(language, pressedOne))
  })

  // ---- click and open tracking ----

  app.get<Rest>('/l/c/*', { schema }, async (request, reply) => {
    const t = readClick(secret, restOf(request))
    // The target is inside the signed token, so this is no open redirect; still only the web.
    if (!t || !isWebUrl(t.target)) return notFound(reply)
    const nudge = request.method === 'GET' ? await ops.outbox.get(t.outboxId) : undefined
    if (nudge) await appendTrackingRows(request, { deliveries: [deliveryRow(nudge, 'clicked', t.target, clock.now(), t.name)] })
    return reply.status(302).headers({ location: t.target, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).send()
  })

  app.get<Rest>('/l/o/*', { schema }, async (request, reply) => {
    // A bad token still gets the pixel: a broken image would tell a prober nothing useful either.
    const t = readOpen(secret, restOf(request))
    const nudge = t && request.method === 'GET' ? await ops.outbox.get(t.outboxId) : undefined
    if (nudge) await appendTrackingRows(request, { deliveries: [deliveryRow(nudge, 'opened', 'pixel', clock.now(), 'pixel')] })
    return reply.status(200).headers(PIXEL_HEADERS).send(PIXEL)
  })
}
