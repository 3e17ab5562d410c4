// Message templates: the catalogue per channel, and previews. A preview renders a template for a
// real shopper with the variables a decision would build (same messageVars), without sending.
//
// Stored versions (with a TemplateStore): PUT /api/templates/:channel/:id/:locale saves an edit as
// a new version (author, time; audited). Without required approval (setting `approval`, shared
// with rules) it is live at once: real sends use it instead of the file. With approval required it
// is a draft until a second person (approver or admin, not its author) approves it. Versions can
// be listed, diffed and rolled back (a rollback is a new version; approval rules apply, as for rules).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { toEpochMs } from '../../channels/templates/helpers.ts'
import type { RenderedMessage, TemplateRenderer } from '../../channels/templates/renderer.ts'
import { CONTENT_CHANNELS, type ContentChannel } from '../../channels/templates/specs.ts'
import { PermanentSendError, type ContentRenderer, type RenderedParts } from '../../channels/types.ts'
import { systemClock, type Clock } from '../../lib/clock.ts'
import type { CustomerState, OrderState } from '../../model/customer.ts'
import type { ShopEvent } from '../../model/event.ts'
import type { EvalContext } from '../../rules/index.ts'
import { messageVars, type MessageVars, type ShopInfo } from '../../model/outbox.ts'
import { checkTemplateSource, type TemplateOverrides } from '../../channels/templates/overrides.ts'
import { diffLines, formatDiff, splitLines } from '../../lib/lineDiff.ts'
import type { Actor } from '../../store/operational/AuditStore.ts'
import { isTemplateRefusal, type TemplateKey, type TemplateRefusal, type TemplateStore, type TemplateVersion } from '../../store/operational/TemplateStore.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'

/** Versions are PostgreSQL integers: a larger number is a 400, not a failed query. */
const MAX_VERSION = 2_147_483_647

export interface TemplateRouteOptions {
  email: TemplateRenderer
  channels: Partial<Record<ContentChannel, ContentRenderer>>
  loadCustomer: (customerId: string) => Promise<CustomerState | undefined>
  shop: ShopInfo
  /** Adds the links a real send would add (unsubscribe, preferences, talk to a person …). */
  decorate?: (vars: MessageVars, customerId: string, channel: string) => MessageVars
  /** Time of the synthetic event when the shopper has none; defaults to the system clock. */
  clock?: Clock
  /** Stored template versions; without it templates are the files only (no save, versions, rollback). */
  store?: TemplateStore
  /** The live overrides real sends use; refreshed after every change here. */
  overrides?: TemplateOverrides
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

const LocaleParams = Type.Object({
  channel: Type.String({ minLength: 1, maxLength: 20 }),
  id: Type.String({ minLength: 1, maxLength: 80 }),
  locale: Type.String({ minLength: 1, maxLength: 35 }),
})
const VersionParams = Type.Object({
  channel: Type.String({ minLength: 1, maxLength: 20 }),
  id: Type.String({ minLength: 1, maxLength: 80 }),
  locale: Type.String({ minLength: 1, maxLength: 35 }),
  v: Type.Integer({ minimum: 1, maximum: MAX_VERSION }),
})
const SaveBody = Type.Object(
  { source: Type.String({ minLength: 1, maxLength: 200_000, description: 'the whole template file (all its sections, as in the files)' }) },
  { additionalProperties: false },
)
const DiffQuery = Type.Object({
  against: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_VERSION, description: 'the version to compare with (default: the one before; 0: the shipped file)' })),
})
const RollbackBody = Type.Object({ version: Type.Integer({ minimum: 1, maximum: MAX_VERSION, description: 'the version whose source to restore' }) }, { additionalProperties: false })
type LocaleParams = { channel: string; id: string; locale: string }

const actorOf = (request: FastifyRequest): Actor => ({ name: request.principal?.name ?? 'unknown', role: request.principal?.role ?? null })
const mayApprove = (request: FastifyRequest): boolean => request.principal?.role === 'approver' || request.principal?.role === 'admin'

function refusal(key: TemplateKey, r: TemplateRefusal): HttpError {
  const name = `${key.channel}/${key.templateId}/${key.locale}`
  switch (r.refused) {
    case 'own_change':
      return new HttpError(409, 'own_change', `version ${r.version} of ${name} was written by ${r.author}: a second person must approve it`)
    case 'not_newest':
      return new HttpError(409, 'not_newest', `version ${r.version} of ${name} is not the newest version (${r.newest}); approve the newest version`)
    case 'not_draft':
      return new HttpError(409, r.status === 'live' ? 'already_approved' : 'not_draft', `version ${r.version} of ${name} is ${r.status}, not a draft awaiting approval`)
  }
}

/** A version as the API shows it. */
const versionView = (v: TemplateVersion) => ({ ...v, pendingApproval: v.status === 'draft' ? v.version : null })

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
      schema: { tags: ['templates'], summary: 'The text of a template in a locale (after fallback): the live stored version, else the shipped file', params: Params, querystring: SourceQuery },
    },
    async (request) => {
      const { channel, id } = request.params
      const catalogue = lookup(channel, id)
      try {
        const out = drafts(channel, catalogue).source(id, request.query.locale ?? 'en')
        const base = { channel, template: id, locale: out.locale, locales: catalogue.locales(id) }
        if (!options.store) return { ...base, source: out.text, origin: 'file', version: null, pendingApproval: null }
        const versions = await options.store.versions({ channel, templateId: id, locale: out.locale })
        const live = versions.find((v) => v.status === 'live')
        const pendingApproval = versions.find((v) => v.status === 'draft')?.version ?? null
        // The stored live version is what shoppers get; the file when there is none.
        return live
          ? { ...base, source: live.source, origin: 'stored', version: live.version, updatedBy: live.createdBy, updatedAt: live.createdAt, pendingApproval }
          : { ...base, source: out.text, origin: 'file', version: null, pendingApproval }
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

  if (options.store) await versionRoutes(app, { ...options, store: options.store }, lookup)
}

/** Save, versions, diff, approve and rollback of stored template versions. */
async function versionRoutes(app: FastifyInstance, options: TemplateRouteOptions & { store: TemplateStore }, lookup: (channel: string, id: string) => Catalogue): Promise<void> {
  const { store } = options
  const clock = options.clock ?? systemClock
  const audited = { audited: true }
  const canWrite = requireRole('ops')

  /** The template locale a request names: an existing template in one of its file locales. */
  function keyOf(params: LocaleParams): TemplateKey {
    const catalogue = lookup(params.channel, params.id)
    const locales = catalogue.locales(params.id)
    if (!locales.includes(params.locale)) {
      throw new HttpError(404, 'not_found', `${params.channel} template "${params.id}" has no locale ${params.locale} (it has ${locales.join(', ')})`)
    }
    return { channel: params.channel, templateId: params.id, locale: params.locale }
  }

  const changed = async () => {
    await options.overrides?.refresh()
  }

  /** The shipped file's text (the base of version 1's diff). */
  function fileText(key: TemplateKey): string {
    const catalogue = lookup(key.channel, key.templateId) as Partial<Drafts>
    try {
      return catalogue.source?.(key.templateId, key.locale).text ?? ''
    } catch {
      return ''
    }
  }

  app.put<{ Params: LocaleParams; Body: { source: string } }>(
    '/api/templates/:channel/:id/:locale',
    {
      preHandler: canWrite,
      config: audited,
      schema: {
        tags: ['templates'],
        summary: 'Save an edit of a template locale as a new version: live at once, or a draft awaiting approval when approval is required',
        params: LocaleParams,
        body: SaveBody,
      },
    },
    async (request) => {
      const key = keyOf(request.params)
      const problem = checkTemplateSource(key.channel, request.body.source)
      if (problem !== undefined) throw new HttpError(422, 'invalid_template', `the template does not compile: ${problem}`)
      const saved = await store.save(key, request.body.source, actorOf(request), clock.now())
      await changed()
      return versionView(saved)
    },
  )

  app.get<{ Params: LocaleParams }>(
    '/api/templates/:channel/:id/:locale/versions',
    { preHandler: canWrite, schema: { tags: ['templates'], summary: 'Every stored version, newest first: author, time, status (draft, live, superseded)', params: LocaleParams } },
    async (request) => {
      const key = keyOf(request.params)
      const versions = await store.versions(key)
      return {
        channel: key.channel,
        template: key.templateId,
        locale: key.locale,
        liveVersion: versions.find((v) => v.status === 'live')?.version ?? null,
        pendingApproval: versions.find((v) => v.status === 'draft')?.version ?? null,
        approval: await store.approvalPolicy(),
        versions,
      }
    },
  )

  app.get<{ Params: LocaleParams & { v: number }; Querystring: { against?: number } }>(
    '/api/templates/:channel/:id/:locale/versions/:v/diff',
    {
      preHandler: canWrite,
      schema: { tags: ['templates'], summary: 'Line diff of two versions, against the previous one (or the file, for version 1) by default', params: VersionParams, querystring: DiffQuery },
    },
    async (request) => {
      const key = keyOf(request.params)
      const { v } = request.params
      const target = await store.version(key, v)
      if (!target) throw new HttpError(404, 'not_found', `no version ${v} of ${key.channel}/${key.templateId}/${key.locale}`)
      const against = request.query.against ?? v - 1
      let base: string
      if (against === 0) base = fileText(key)
      else {
        const other = await store.version(key, against)
        if (!other) throw new HttpError(404, 'not_found', `no version ${against} of ${key.channel}/${key.templateId}/${key.locale}`)
        base = other.source
      }
      const diff = diffLines(splitLines(base), splitLines(target.source))
      return { ...key, version: v, against: against === 0 ? 'file' : against, added: diff.added, removed: diff.removed, lines: diff.lines, text: formatDiff(diff) }
    },
  )

  app.post<{ Params: LocaleParams & { v: number } }>(
    '/api/templates/:channel/:id/:locale/versions/:v/approve',
    {
      preHandler: canWrite,
      config: audited,
      schema: { tags: ['templates'], summary: 'Approve the newest version, a draft (approver or admin, not its author); real sends use it at once', params: VersionParams },
    },
    async (request) => {
      const key = keyOf(request.params)
      const { v } = request.params
      // Its author hears about four eyes first, whatever their role; then the role is checked.
      const version = await store.version(key, v)
      if (version && version.status === 'draft' && version.createdBy === request.principal?.name) {
        throw refusal(key, { refused: 'own_change', version: v, author: version.createdBy })
      }
      if (!mayApprove(request)) throw new HttpError(403, 'forbidden', `role ${request.principal?.role} may not approve (needs approver or admin)`)
      const result = await store.approve(key, v, actorOf(request), clock.now())
      if (result === 'not_found') throw new HttpError(404, 'not_found', `no version ${v} of ${key.channel}/${key.templateId}/${key.locale}`)
      if (isTemplateRefusal(result)) throw refusal(key, result)
      await changed()
      return versionView(result)
    },
  )

  app.post<{ Params: LocaleParams; Body: { version: number } }>(
    '/api/templates/:channel/:id/:locale/rollback',
    {
      preHandler: canWrite,
      config: audited,
      schema: { tags: ['templates'], summary: "Restore an earlier version's source as a new version (approval rules apply)", params: LocaleParams, body: RollbackBody },
    },
    async (request) => {
      const key = keyOf(request.params)
      const to = request.body.version
      const old = await store.version(key, to)
      if (!old) throw new HttpError(404, 'not_found', `no version ${to} of ${key.channel}/${key.templateId}/${key.locale}`)
      // A source that no longer compiles (e.g. a helper was removed) is refused rather than stored.
      const problem = checkTemplateSource(key.channel, old.source)
      if (problem !== undefined) throw new HttpError(422, 'invalid_template', `version ${to} no longer compiles: ${problem}`)
      const result = await store.rollback(key, to, actorOf(request), clock.now(), { selfApprove: mayApprove(request) })
      if (result === 'not_found') throw new HttpError(404, 'not_found', `no version ${to} of ${key.channel}/${key.templateId}/${key.locale}`)
      await changed()
      return { ...versionView(result), rolledBackTo: to }
    },
  )
}
