// Closing the loop: resolve with an outcome; what agents think should be automated goes to ops as
// feedback, and a satisfaction survey may go to the shopper. The task, its feedback, the survey
// and its email are written in one transaction, so a retry cannot half-do it.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { deliveryRow } from '../../../channels/deliveries.ts'
import { surveyUrl, type LinkSettings } from '../../../channels/links.ts'
import { stableHash } from '../../../lib/hash.ts'
import type { Feedback } from '../../../store/operational/FeedbackStore.ts'
import type { OutboxInsert } from '../../../store/operational/OutboxStore.ts'
import { TASK_OUTCOMES, type ResolveResult, type TaskOutcome, type TaskRecord } from '../../../store/operational/TaskStore.ts'
import type { MessageVars, OutboxPayload, Recipient, ShopInfo } from '../../../model/outbox.ts'
import { HttpError } from '../../errors.ts'
import { requireRole } from '../../plugins/auth.ts'
import { actorOf, IdParams, invalid, notFound, taskEvent, type WorkListDeps } from './shared.ts'

export const SURVEY_TEMPLATE = 'csat-survey'
export const SURVEY_SCORES = [1, 2, 3, 4, 5] as const
/**
 * The survey goes out a day after the resolution: the agent usually spoke to the shopper today,
 * and one human contact keeps every other message away for the rest of the shopper's day (the
 * human_contact guard would skip a survey sent now). A day later the experience is still fresh.
 */
export const SURVEY_DELAY_MS = 24 * 3_600_000

const ResolveBody = Type.Object(
  {
    outcome: Type.Union(TASK_OUTCOMES.map((o) => Type.Literal(o))),
    note: Type.Optional(Type.String({ maxLength: 5000 })),
    /** What careloop could do instead next time; goes to ops with the rule and template. */
    suggestion: Type.Optional(Type.String({ maxLength: 5000 })),
    /** Send the shopper a one-click satisfaction survey by email. */
    survey: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
interface ResolveBodyT {
  outcome: TaskOutcome
  note?: string
  suggestion?: string
  survey?: boolean
}
const FeedbackQuery = Type.Object({
  rule: Type.Optional(Type.String({ maxLength: 80 })),
  since: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'epoch ms' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'items per rule, template and kind' })),
})

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {})
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined)

/** The template the task stands in for: its fallback nudge's, when the rule named one. */
const templateOf = (task: TaskRecord): string | null => str(obj(task.fallback).template) ?? str(obj(task.signal).template) ?? null

/** Who to ask and in which language, from the context the task was created with. */
function surveyRecipient(task: TaskRecord): { to: Recipient; customer: Obj; traits: Obj; locale: string } {
  const customer = obj(obj(task.context).customer)
  const traits = obj(customer.traits)
  const locale = str(customer.locale) ?? str(traits.locale) ?? task.language ?? 'en'
  return { to: { email: str(traits.email), name: str(traits.name) }, customer, traits, locale }
}

export function surveyMessage(task: TaskRecord, links: LinkSettings, shop: ShopInfo, now: number): { outbox: OutboxInsert; surveyId: string } {
  const idempotencyKey = `survey:${task.id}`
  // The survey and its email share the id: stableHash of the same key.
  const surveyId = stableHash(idempotencyKey)
  const { to, customer, traits, locale } = surveyRecipient(task)
  const trigger = obj(obj(task.context).trigger)
  const order = obj(task.context).order
  const vars: MessageVars = {
    customer: { id: task.customerId, name: to.name, email: to.email, locale, timezone: str(customer.timezone), traits },
    order: order && typeof order === 'object' ? (order as Obj) : undefined,
    event: { name: str(trigger.name) ?? task.title, ts: typeof trigger.ts === 'number' ? trigger.ts : task.createdAt, properties: obj(trigger.properties) },
    links: Object.fromEntries(SURVEY_SCORES.map((score) => [`survey${score}`, surveyUrl(links, surveyId, score)])),
    shop,
  }
  const payload: OutboxPayload = { locale, to, vars }
  return {
    surveyId,
    outbox: {
      id: surveyId, idempotencyKey, customerId: task.customerId, channel: 'email', template: SURVEY_TEMPLATE, topic: 'care', priority: 0, urgent: false,
      ruleId: task.ruleId, ruleVersion: task.ruleVersion, payload, nextAttemptAt: now + SURVEY_DELAY_MS, createdAt: now,
    },
  }
}

function feedbackRows(task: TaskRecord, author: string, body: ResolveBodyT, now: number): Feedback[] {
  const base = { taskId: task.id, ruleId: task.ruleId, template: templateOf(task), author, createdAt: now }
  const rows: Feedback[] = []
  if (body.outcome === 'should_be_automated') rows.push({ ...base, id: `${task.id}:should_be_automated`, kind: 'should_be_automated', body: body.note?.trim() ?? '' })
  const suggestion = body.suggestion?.trim()
  if (suggestion) rows.push({ ...base, id: `${task.id}:suggestion`, kind: 'suggestion', body: suggestion })
  return rows
}

export async function resolveRoutes(app: FastifyInstance, deps: WorkListDeps): Promise<void> {
  const { tasks, clock, history, feedback, surveys, outbox, links, shop } = deps
  const work = requireRole('agent')

  app.post<{ Params: { id: string }; Body: ResolveBodyT }>(
    '/api/tasks/:id/resolve',
    { preHandler: work, schema: { tags: ['tasks'], summary: 'Resolve with an outcome; optional suggestion for ops and survey for the shopper', params: IdParams, body: ResolveBody } },
    async (request) => {
      const agent = actorOf(request)
      const { outcome, note, survey } = request.body
      const current = await tasks.get(request.params.id)
      if (!current) throw notFound(request.params.id)
      // Checked before anything is written: a survey that cannot go out must not half-resolve the task.
      if (survey && !links) throw new HttpError(503, 'unavailable', 'surveys need link settings (public URL and link secret), which this server has none of')
      if (survey && !surveyRecipient(current).to.email) throw invalid('/survey', 'the shopper has no email address to send a survey to')
      const now = clock.now()
      const result = await tasks.db.transaction(async (tx) => {
        const resolved: ResolveResult = await tasks.resolve(current.id, agent, outcome, note, now, request.principal?.role === 'admin', tx)
        if (!resolved.ok) return { resolved }
        await feedback.add(feedbackRows(resolved.task, agent, request.body, now), tx)
        if (!survey || !links) return { resolved }
        const message = surveyMessage(resolved.task, links, shop, now)
        await surveys.create({ id: message.surveyId, customerId: current.customerId, taskId: current.id, outboxId: message.outbox.id, ruleId: current.ruleId, createdAt: now }, tx)
        await outbox.insert([message.outbox], tx)
        return { resolved, message }
      })
      const { resolved, message } = result
      if (!resolved.ok) {
        if (resolved.reason === 'not_found') throw notFound(request.params.id)
        if (resolved.reason === 'already_resolved') throw new HttpError(409, 'conflict', `task is already resolved (${resolved.task?.outcome ?? 'no outcome'} by ${resolved.task?.resolvedBy ?? 'someone'})`)
        const holder = resolved.task?.claimedBy
        throw new HttpError(409, 'conflict', holder ? `task is claimed by ${holder}; only they can resolve it` : 'claim the task before resolving it')
      }
      const task = resolved.task
      await history.append({
        taskEvents: [taskEvent(task, 'resolved', agent, now, { note, suggestion: request.body.suggestion, survey: message?.surveyId ?? null })],
        deliveries: message ? [deliveryRow({ ...message.outbox, attempts: 0 }, 'queued', '', now, 0)] : [],
      })
      return message ? { ...task, survey: { id: message.surveyId, outboxId: message.outbox.id } } : task
    },
  )

  app.get<{ Querystring: { rule?: string; since?: number; limit?: number } }>(
    '/api/feedback',
    { preHandler: requireRole('ops'), schema: { tags: ['tasks'], summary: 'What agents think should be automated, per rule and template', querystring: FeedbackQuery } },
    async (request) => ({ rules: await feedback.summary({ ruleId: request.query.rule, since: request.query.since, itemsPerGroup: request.query.limit }) }),
  )
}
