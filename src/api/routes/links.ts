// The public routes behind the links in every message (src/channels/links.ts signs them): no
// login, the signed token is the authority. Link scanners and mail providers prefetch GETs, so a
// GET never changes anything a shopper would mind: unsubscribing and asking for a person take a
// POST (RFC 8058 one-click, or the button on the page). Clicks and opens are recorded on GET
// because that is what they are.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { deliveryRow } from '../../channels/deliveries.ts'
import { readClick, readOpen, readPreferences, readTalk, readUnsubscribe } from '../../channels/links.ts'
import type { Clock } from '../../lib/clock.ts'
import { stableHash } from '../../lib/hash.ts'
import { signToken } from '../../lib/signedToken.ts'
import type { Priority } from '../../model/priority.ts'
import type { DeliveryRow, HistoryStore, TaskEventRow } from '../../store/history/HistoryStore.ts'
import type { ConsentStore, PreferencesChange } from '../../store/operational/ConsentStore.ts'
import type { OutboxRecord, OutboxStore } from '../../store/operational/OutboxStore.ts'
import type { TaskInsert, TaskStore } from '../../store/operational/TaskStore.ts'
import { CHANNELS } from '../../model/channel.ts'
import type { OutboxPayload } from '../../model/outbox.ts'
import { PRIORITY_RANK } from '../../model/priority.ts'
import { HttpError } from '../errors.ts'
import { sendPage } from './pages/html.ts'
import { FORM_MARKER, notFoundPage, preferencesPage, prefField, STOP_FIELD, talkPage, talkThanksPage, unsubscribePromptPage, unsubscribedPage } from './pages/linkPages.ts'
import { applyPreferences, PreferencesBody, strictValidator } from './preferences.ts'

export interface LinkRouteOptions {
  /** HMAC secret of the link tokens (the same as the dispatcher's LinkSettings.secret). */
  secret: string
  ops: { consent: ConsentStore; outbox: OutboxStore; tasks: TaskStore }
  history: HistoryStore
  clock: Clock
  shop: { name: string; url: string }
  /** Where "talk to a person" requests go. */
  talk: { queue: string; priority: Priority; slaMs: number }
  onConsentChanged?: () => void
}

type Form = Record<string, string>
/**
 * Tokens carry their payload (a click token holds the whole target URL), so they are often longer
 * than Fastify's 100-character limit for a `:param`: the routes take the rest of the path with a
 * wildcard instead, which has no such limit (verifyToken refuses anything over 4096).
 */
type Rest = { Params: { '*': string } }
const restOf = (request: FastifyRequest): string => (request.params as { '*'?: string })['*'] ?? ''
const JSON_SUFFIX = '/json'
const MESSAGE_MAX = 2000
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

export async function linkRoutes(app: FastifyInstance, options: LinkRouteOptions): Promise<void> {
  const { secret, ops, history, clock, shop, talk, onConsentChanged } = options
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

  async function record(request: FastifyRequest, rows: { deliveries?: DeliveryRow[]; taskEvents?: TaskEventRow[] }): Promise<void> {
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
    if (rest.endsWith(JSON_SUFFIX)) return ops.consent.preferences(customerOfPreferences(rest.slice(0, -JSON_SUFFIX.length)))
    const t = readPreferences(secret, rest)
    if (!t) return notFound(reply)
    return sendPage(reply, 200, preferencesPage(shop, await ops.consent.preferences(t.customerId), false))
  })

  app.post<Rest>('/l/p/*', { schema }, async (request, reply) => {
    const t = readPreferences(secret, restOf(request))
    if (!t) return notFound(reply)
    const form = formOf(request.body)
    // Without the marker this is not our form (an empty POST must not untick everything).
    if (!Object.hasOwn(form, FORM_MARKER)) return sendPage(reply, 200, preferencesPage(shop, await ops.consent.preferences(t.customerId), false))
    const prefs = await applyPreferences(ops.consent, t.customerId, changeFromForm(form), 'preferences', clock.now(), onConsentChanged)
    return sendPage(reply, 200, preferencesPage(shop, prefs, true))
  })

  app.put<Rest & { Body: PreferencesChange }>(
    '/l/p/*',
    { validatorCompiler: strictValidator, schema: { ...schema, summary: 'PUT /l/p/<token>/json: change preferences', body: PreferencesBody } },
    async (request) => {
      const rest = restOf(request)
      if (!rest.endsWith(JSON_SUFFIX)) throw new HttpError(404, 'not_found', 'unknown link')
      const customerId = customerOfPreferences(rest.slice(0, -JSON_SUFFIX.length))
      return applyPreferences(ops.consent, customerId, request.body, 'preferences', clock.now(), onConsentChanged)
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
    const nudge = t && (await ops.outbox.get(t.outboxId))
    if (!nudge) return notFound(reply)
    const raw = formOf(request.body).message
    const message = typeof raw === 'string' && raw.trim() ? raw.trim().slice(0, MESSAGE_MAX) : null
    const task = talkTask(nudge, message, talk, clock.now())
    const inserted = await insertOnce(ops.tasks, task)
    // The first request's time, so a second click rewrites identical (deduplicated) history rows.
    const createdAt = inserted ? task.createdAt : ((await ops.tasks.get(task.id))?.createdAt ?? task.createdAt)
    await history.append({
      taskEvents: [{ id: `${task.id}:created`, task_id: task.id, customer_id: task.customerId, queue: task.queue, kind: 'created', actor: 'shopper', outcome: '', ts: createdAt, details: JSON.stringify({ via: 'talk-to-person', outboxId: nudge.id }) }],
      deliveries: [deliveryRow(nudge, 'clicked', 'talkToPerson', createdAt, 'talkToPerson')],
    })
    return sendPage(reply, 200, talkThanksPage(shop, !inserted))
  })

  // ---- click and open tracking ----

  app.get<Rest>('/l/c/*', { schema }, async (request, reply) => {
    const t = readClick(secret, restOf(request))
    // The target is inside the signed token, so this is no open redirect; still only the web.
    if (!t || !isWebUrl(t.target)) return notFound(reply)
    const nudge = request.method === 'GET' ? await ops.outbox.get(t.outboxId) : undefined
    if (nudge) await record(request, { deliveries: [deliveryRow(nudge, 'clicked', t.target, clock.now(), t.name)] })
    return reply.status(302).headers({ location: t.target, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).send()
  })

  app.get<Rest>('/l/o/*', { schema }, async (request, reply) => {
    // A bad token still gets the pixel: a broken image would tell a prober nothing useful either.
    const t = readOpen(secret, restOf(request))
    const nudge = t && request.method === 'GET' ? await ops.outbox.get(t.outboxId) : undefined
    if (nudge) await record(request, { deliveries: [deliveryRow(nudge, 'opened', 'pixel', clock.now(), 'pixel')] })
    return reply.status(200).headers(PIXEL_HEADERS).send(PIXEL)
  })
}

/** The follow-up task for "talk to a person": one per message, whatever the number of clicks. */
export function talkTask(nudge: OutboxRecord, message: string | null, talk: LinkRouteOptions['talk'], now: number): TaskInsert {
  const vars = (nudge.payload as Partial<OutboxPayload> | null)?.vars
  return {
    id: stableHash(`talk:${nudge.id}`),
    idempotencyKey: `talk:${nudge.id}`,
    customerId: nudge.customerId,
    queue: talk.queue,
    priority: talk.priority,
    priorityRank: PRIORITY_RANK[talk.priority] ?? 20,
    title: 'Shopper asked to talk to a person',
    ruleId: nudge.ruleId,
    ruleVersion: nudge.ruleVersion,
    signal: { kind: 'talk-to-person', outboxId: nudge.id, channel: nudge.channel, template: nudge.template, ruleId: nudge.ruleId },
    context: {
      customer: vars?.customer ?? { id: nudge.customerId },
      order: vars?.order ?? null,
      event: vars?.event ?? null,
      links: vars?.links ?? {},
      nudge: { outboxId: nudge.id, channel: nudge.channel, template: nudge.template, status: nudge.status, sentAt: nudge.updatedAt },
      message,
    },
    slaDueAt: now + talk.slaMs,
    createdAt: now,
  }
}

/** Inserts unless the request is known; two clicks racing end as one task either way. */
async function insertOnce(tasks: TaskStore, task: TaskInsert): Promise<boolean> {
  try {
    return (await tasks.insert([task])).has(task.id)
  } catch (err) {
    if ((err as { code?: unknown }).code === '23505') return false // unique violation: the other click won
    throw err
  }
}
