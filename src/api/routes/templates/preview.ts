// Previews: a template (or an unsaved edit of it) rendered for a real shopper with the variables a
// decision would build (same messageVars), without sending.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { toEpochMs } from '../../../channels/templates/helpers.ts'
import type { RenderedMessage } from '../../../channels/templates/renderer.ts'
import { PermanentSendError, type ContentRenderer, type RenderedParts } from '../../../channels/types.ts'
import { systemClock } from '../../../lib/clock.ts'
import type { CustomerState, OrderState } from '../../../model/customer.ts'
import type { ShopEvent } from '../../../model/event.ts'
import { messageVars } from '../../../model/outbox.ts'
import type { EvalContext } from '../../../rules/index.ts'
import { HttpError } from '../../errors.ts'
import { requireRole } from '../../plugins/auth.ts'
import type { Catalogues, TemplateRouteDeps } from './catalogue.ts'

export const TemplateParams = Type.Object({ channel: Type.String({ minLength: 1, maxLength: 20 }), id: Type.String({ minLength: 1, maxLength: 80 }) })

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

interface PreviewRequest {
  customerId: string
  event?: { name: string; properties?: Record<string, unknown>; ts?: number | string }
  orderId?: string
  locale?: string
  source?: string
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

/** A rendering as the API shows it. */
const renderedView = (channel: string, id: string, out: RenderedParts | RenderedMessage) =>
  'parts' in out
    ? { channel, template: id, locale: out.locale, parts: out.parts }
    : { channel, template: id, locale: out.locale, subject: out.subject, html: out.html, text: out.text }

/** A template that does not render is the caller's problem (422), not the server's. */
export function renderFailure(err: unknown): unknown {
  return err instanceof PermanentSendError ? new HttpError(422, 'render_failed', err.message) : err
}

export async function previewRoutes(app: FastifyInstance, deps: TemplateRouteDeps, catalogues: Catalogues): Promise<void> {
  const clock = deps.clock ?? systemClock
  app.post<{ Params: { channel: string; id: string }; Body: PreviewRequest }>(
    '/api/templates/:channel/:id/preview',
    {
      preHandler: requireRole('ops'),
      schema: {
        tags: ['templates'],
        summary: 'Render a template (or an unsaved edit of it, `source`) for a shopper as a decision would, without sending it',
        params: TemplateParams,
        body: PreviewBody,
      },
    },
    async (request) => {
      const { channel, id } = request.params
      const body = request.body
      // An unsaved draft may be of a template not written yet (any id); otherwise it must exist.
      const catalogue = body.source !== undefined ? catalogues.channel(channel) : catalogues.lookup(channel, id)
      if (body.source !== undefined) catalogues.writable(channel, id, 'en')
      const state = await deps.loadCustomer(body.customerId)
      if (!state) throw new HttpError(404, 'not_found', `no customer "${body.customerId}": careloop has seen no events from them`)
      const event = previewEvent(state, body.event, clock.now())
      const order = orderOf(state, body.orderId ?? event.properties.order_id)
      if (body.orderId !== undefined && !order) throw new HttpError(404, 'not_found', `customer "${body.customerId}" has no order "${body.orderId}"`)
      const ctx: EvalContext = { event, state, order, at: event.ts }
      const built = messageVars(ctx, deps.shop)
      const vars = deps.templates.decorate ? deps.templates.decorate(built, state.customerId, channel) : built
      const locale = body.locale ?? state.locale ?? 'en'
      try {
        if (body.source !== undefined) return renderedView(channel, id, catalogues.drafts(channel, catalogue).renderDraft(id, locale, body.source, vars))
        if (channel === 'email') return renderedView(channel, id, deps.templates.email.render(id, locale, vars))
        return renderedView(channel, id, (catalogue as ContentRenderer).render(id, locale, vars))
      } catch (err) {
        throw renderFailure(err)
      }
    },
  )
}
