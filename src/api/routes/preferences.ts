// Message preferences (consent per channel and topic) for the shopper and for operators. The link
// routes (src/api/routes/links.ts) reuse the body schema and applyPreferences, so a change made
// from an email link, the shop's site or the operator API goes through the same function.
import { Ajv } from 'ajv'
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify'
import Type from 'typebox'
import { loadGuardPolicy } from '../../channels/SendGuard.ts'
import type { Clock } from '../../lib/clock.ts'
import type { ConsentDefaults } from '../../model/consent.ts'
import type { ConsentSource, ConsentStore, Preferences, PreferencesChange } from '../../store/operational/ConsentStore.ts'
import type { ApiDeps } from '../context.ts'
import { requireRole } from '../plugins/auth.ts'
import { allowBrowserCalls, shopperAuth, shopperId } from './inbox.ts'

const TopicChoice = Type.Object(
  { care: Type.Optional(Type.Boolean()), marketing: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, description: 'true = wants these messages' },
)

/** A partial change; unknown channels and topics are rejected with their field path. */
export const PreferencesBody = Type.Object(
  {
    channels: Type.Optional(
      Type.Object(
        {
          email: Type.Optional(TopicChoice),
          sms: Type.Optional(TopicChoice),
          push: Type.Optional(TopicChoice),
          webhook: Type.Optional(TopicChoice),
          inapp: Type.Optional(TopicChoice),
          voice: Type.Optional(TopicChoice),
        },
        { additionalProperties: false },
      ),
    ),
    all: Type.Optional(Type.Boolean({ description: 'false = stop everything' })),
  },
  { additionalProperties: false },
)

// Fastify's own Ajv strips unknown properties (removeAdditional) instead of rejecting them; the
// preference routes must say "no such channel", so they validate with a strict instance.
const strictAjv = new Ajv({ allErrors: true, strict: false })
export const strictValidator: FastifySchemaCompiler<unknown> = ({ schema }) => strictAjv.compile(schema as object)

/** The one way preferences change, whoever asks. */
export async function applyPreferences(
  consent: ConsentStore,
  customerId: string,
  change: PreferencesChange,
  source: ConsentSource,
  now: number,
  onChanged?: () => void,
  defaults?: ConsentDefaults,
): Promise<Preferences> {
  const result = await consent.update(customerId, change, source, now, defaults)
  onChanged?.()
  return result
}

const CustomerParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) })

export async function preferencesRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'shopperTokenSecret' | 'clock'> & Partial<ApiDeps<'onConsentChanged'>>): Promise<void> {
  const { clock, shopperTokenSecret: secret, onConsentChanged } = deps
  const { consent } = deps.ops
  const defaults = async (): Promise<ConsentDefaults> => (await loadGuardPolicy(deps.ops.settings)).consentDefaults
  const tags = ['preferences']

  const shopper = shopperAuth(secret, clock)
  allowBrowserCalls(app, '/v1/preferences', ['GET', 'PUT'])

  app.get('/v1/preferences', { ...shopper, schema: { tags, summary: "The shopper's message preferences (shopper token)" } }, async (request) => {
    return consent.preferences(shopperId(request), await defaults())
  })

  app.put<{ Body: PreferencesChange }>(
    '/v1/preferences',
    { ...shopper, validatorCompiler: strictValidator, schema: { tags, summary: "Change the shopper's message preferences (shopper token)", body: PreferencesBody } },
    async (request) => {
      return applyPreferences(consent, shopperId(request), request.body, 'preferences', clock.now(), onConsentChanged, await defaults())
    },
  )

  const operator = requireRole('ops')
  app.get<{ Params: { id: string } }>(
    '/api/customers/:id/preferences',
    { preHandler: operator, schema: { tags, summary: "A customer's message preferences and the rows behind them", params: CustomerParams } },
    async (request) => {
      const id = request.params.id
      const [preferences, rows] = await Promise.all([consent.preferences(id, await defaults()), consent.list(id)])
      return { customerId: id, ...preferences, rows }
    },
  )

  app.put<{ Params: { id: string }; Body: PreferencesChange }>(
    '/api/customers/:id/preferences',
    { preHandler: operator, validatorCompiler: strictValidator, schema: { tags, summary: "Change a customer's message preferences", params: CustomerParams, body: PreferencesBody } },
    async (request) => {
      const id = request.params.id
      return { customerId: id, ...(await applyPreferences(consent, id, request.body, 'api', clock.now(), onConsentChanged, await defaults())) }
    },
  )
}
