// Message templates: the catalogue per channel, and previews. A preview renders a template for a
// real shopper with the variables a decision would build (same messageVars), without sending.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { toEpochMs } from '../../channels/templates/helpers.ts'
import type { RenderedMessage, TemplateRenderer } from '../../channels/templates/renderer.ts'
import { CONTENT_CHANNELS, type ContentChannel } from '../../channels/templates/specs.ts'
import { PermanentSendError, type ContentRenderer, type MessageVars, type RenderedParts } from '../../channels/types.ts'
import { systemClock, type Clock } from '../../lib/clock.ts'
import type { CustomerState, OrderState } from '../../model/customer.ts'
import type { ShopEvent } from '../../model/event.ts'
import type { EvalContext } from '../../rules/index.ts'
import { messageVars, type ShopInfo } from '../../stream/effects.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'

export interface TemplateRouteOptions {
  email: TemplateRenderer
  channels: Partial<Record<ContentChannel, ContentRenderer>>
  loadCustomer: (customerId: string) => Promise<CustomerState | undefined>
  shop: ShopInfo
  /** Adds the links a real send would add (unsubscribe, preferences, talk to a person …). */
  decorate?: (vars: MessageVars, customerId: string, channel: string) => MessageVars
  /** Time of the synthetic event when the shopper has none; defaults to the system clock. */
  clock?: Clock
}

interface Catalogue {
  templateIds(): string[]
  locales(templateId: string): string[]
}

const Params = Type.Object({ channel: Type.String({ minLength: 1, maxLength: 20 }), id: Type.String({ minLength: 1, maxLength: 80 }) })

const PreviewBody = Type.Object(
  {
    customerId: Type.String({ minLength: 1, maxLength: 200 }),
    event: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 200 }),
          properties: Type.Optional(Type.Object({}, { additionalProperties: true })),
          ts: Type.Optional(Type.Union([Type.Number(), Type.String({ minLength: 1, maxLength: 64 })], { description: 'epoch ms or ISO 8601' })),
        },
        { additionalProperties: false },
      ),
    ),
    orderId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    locale: Type.Optional(Type.String({ minLength: 1, maxLength: 35 })),
    source: Type.Optional(
      Type.String({ maxLength: 200_000, description: 'an edited, unsaved template file (all its sections, as in the files) to render instead of the shipped one' }),
    ),
  },
  { additionalProperties: false },
)

const SourceQuery = Type.Object({ locale: Type.Optional(Type.String({ minLength: 1, maxLength: 35 })) })

interface PreviewRequest {
  customerId: string
  event?: { name: string; properties?: Record<string, unknown>; ts?: number | string }
  orderId?: string
  locale?: string
  source?: string
}

/** A renderer that can show its shipped text and render drafts (the console's template editor). */
interface Drafts {
  source(templateId: string, locale: string): { locale: string; text: string }
  renderDraft(templateId: string, locale: string, text: string, vars: MessageVars): RenderedParts | RenderedMessage
}
const hasDrafts = (renderer: object): renderer is Drafts => {
  const r = renderer as Partial<Drafts>
  return typeof r.source === 'function' && typeof r.renderDraft === 'function'
}

const PREVIEW_MESSAGE_ID = 'preview'

/** The event the preview is about: the given one, else the shopper's latest, else a stand-in. */
function previewEvent(state: CustomerState, given: PreviewRequest['event'], now: number): ShopEvent {
  const base = { type: 'track' as const, customerId: state.customerId, context: {} }
  if (given) {
    const ts = given.ts === undefined ? now : toEpochMs(given.ts)
    if (ts === undefined) {
      throw new HttpError(400, 'invalid_request', 'event.ts is not a time', [{ path: '/event/ts', message: 'must be epoch milliseconds or an ISO 8601 date-time' }])
    }
    return { ...base, messageId: PREVIEW_MESSAGE_ID, name: given.name, ts, properties: given.properties ?? {} }
  }
  const latest = state.recent.at(-1)
  if (latest) return { ...base, type: latest.name === 'Identify' ? 'identify' : 'track', messageId: latest.messageId, name: latest.name, ts: latest.ts, properties: latest.properties }
  return { ...base, messageId: PREVIEW_MESSAGE_ID, name: 'Preview', ts: now, properties: {} }
}

function orderOf(state: CustomerState, orderId: unknown): OrderState | undefined {
  const id = typeof orderId === 'number' ? String(orderId) : orderId
  // Own keys only: an order id of "__proto__" must not find Object.prototype.
  return typeof id === 'string' && Object.hasOwn(state.orders, id) ? state.orders[id] : undefined
}

export async function templateRoutes(app: FastifyInstance, options: TemplateRouteOptions): Promise<void> {
  const clock = options.clock ?? systemClock
  const catalogues = new Map<string, Catalogue>([['email', options.email]])
  for (const channel of CONTENT_CHANNELS) {
    const renderer = options.channels[channel]
    if (renderer) catalogues.set(channel, renderer)
  }
  const channelNames = [...catalogues.keys()]

  app.get(
    '/api/templates',
    { preHandler: requireRole('ops', 'agent'), schema: { tags: ['templates'], summary: 'Message templates of every channel, with their locales' } },
    async () => ({
      templates: channelNames.flatMap((channel) => {
        const catalogue = catalogues.get(channel) as Catalogue
        return catalogue.templateIds().map((id) => ({ channel, id, locales: catalogue.locales(id) }))
      }),
    }),
  )

  /** The channel's catalogue and the template's existence, or the API's errors. */
  function lookup(channel: string, id: string): Catalogue {
    const catalogue = catalogues.get(channel)
    if (!catalogue) {
      throw new HttpError(400, 'invalid_request', `unknown channel "${channel}"`, [{ path: '/channel', message: `must be one of ${channelNames.join(', ')}` }])
    }
    if (!catalogue.templateIds().includes(id)) throw new HttpError(404, 'not_found', `no ${channel} template "${id}"`)
    return catalogue
  }

  function drafts(channel: string, catalogue: Catalogue): Drafts {
    if (!hasDrafts(catalogue)) throw new HttpError(501, 'not_supported', `the ${channel} templates cannot be edited here`)
    return catalogue
  }

  const rendered = (channel: string, id: string, out: RenderedParts | RenderedMessage) =>
    'parts' in out
      ? { channel, template: id, locale: out.locale, parts: out.parts }
      : { channel, template: id, locale: out.locale, subject: out.subject, html: out.html, text: out.text }

  app.get<{ Params: { channel: string; id: string }; Querystring: { locale?: string } }>(
    '/api/templates/:channel/:id/source',
    {
      preHandler: requireRole('ops'),
      schema: { tags: ['templates'], summary: 'The shipped file text of a template in a locale (after fallback)', params: Params, querystring: SourceQuery },
    },
    async (request) => {
      const { channel, id } = request.params
      const catalogue = lookup(channel, id)
      try {
        const out = drafts(channel, catalogue).source(id, request.query.locale ?? 'en')
        return { channel, template: id, locale: out.locale, locales: catalogue.locales(id), source: out.text }
      } catch (err) {
        if (err instanceof PermanentSendError) throw new HttpError(422, 'render_failed', err.message)
        throw err
      }
    },
  )

  app.post<{ Params: { channel: string; id: string }; Body: PreviewRequest }>(
    '/api/templates/:channel/:id/preview',
    {
      preHandler: requireRole('ops'),
      schema: {
        tags: ['templates'],
        summary: 'Render a template (or an unsaved edit of it, `source`) for a shopper as a decision would, without sending it',
        params: Params,
        body: PreviewBody,
      },
    },
    async (request) => {
      const { channel, id } = request.params
      const body = request.body
      const catalogue = lookup(channel, id)
      const state = await options.loadCustomer(body.customerId)
      if (!state) throw new HttpError(404, 'not_found', `no customer "${body.customerId}": careloop has seen no events from them`)
      const event = previewEvent(state, body.event, clock.now())
      const order = orderOf(state, body.orderId ?? event.properties.order_id)
      if (body.orderId !== undefined && !order) throw new HttpError(404, 'not_found', `customer "${body.customerId}" has no order "${body.orderId}"`)
      const ctx: EvalContext = { event, state, order, at: event.ts }
      const built = messageVars(ctx, options.shop)
      const vars = options.decorate ? options.decorate(built, state.customerId, channel) : built
      const locale = body.locale ?? state.locale ?? 'en'
      try {
        if (body.source !== undefined) return rendered(channel, id, drafts(channel, catalogue).renderDraft(id, locale, body.source, vars))
        if (channel === 'email') return rendered(channel, id, options.email.render(id, locale, vars))
        return rendered(channel, id, (catalogue as ContentRenderer).render(id, locale, vars))
      } catch (err) {
        if (err instanceof PermanentSendError) throw new HttpError(422, 'render_failed', err.message)
        throw err
      }
    },
  )
}
