// Closing the loop: resolve with an outcome (src/care/resolveTask.ts), and what agents think
// should be automated, for ops.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { resolveTask, type ResolveTaskResult } from '../../../care/resolveTask.ts'
import { FEEDBACK_STATES, type FeedbackState } from '../../../store/operational/FeedbackStore.ts'
import { TASK_OUTCOMES, type TaskOutcome, type TaskRecord } from '../../../store/operational/TaskStore.ts'
import { HttpError } from '../../errors.ts'
import { requireRole } from '../../plugins/auth.ts'
import { actorOf } from '../../principal.ts'
import { IdParams, invalid, notFound, type TaskRouteDeps } from './shared.ts'

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
  state: Type.Optional(Type.Union(FEEDBACK_STATES.map((s) => Type.Literal(s)), { description: 'open (not handled), handled or all (default)' })),
})

function resolveError(id: string, result: Extract<ResolveTaskResult, { ok: false }>): HttpError {
  switch (result.reason) {
    case 'not_found':
      return notFound(id)
    case 'surveys_unavailable':
      return new HttpError(503, 'unavailable', 'surveys need link settings (public URL and link secret), which this server has none of')
    case 'no_email':
      return invalid('/survey', 'the shopper has no email address to send a survey to')
    case 'already_resolved':
      return new HttpError(409, 'conflict', `task is already resolved (${result.task?.outcome ?? 'no outcome'} by ${result.task?.resolvedBy ?? 'someone'})`)
    case 'not_claimed_by_you': {
      const holder = result.task?.claimedBy
      return new HttpError(409, 'conflict', holder ? `task is claimed by ${holder}; only they can resolve it` : 'claim the task before resolving it')
    }
  }
}

export async function resolveRoutes(app: FastifyInstance, deps: TaskRouteDeps): Promise<void> {
  app.post<{ Params: { id: string }; Body: ResolveBodyT }>(
    '/api/tasks/:id/resolve',
    {
      preHandler: requireRole('agent'),
      schema: { tags: ['tasks'], summary: 'Resolve with an outcome; optional suggestion for ops and survey for the shopper', params: IdParams, body: ResolveBody },
    },
    async (request): Promise<TaskRecord & { survey?: { id: string; outboxId: string } }> => {
      const result = await resolveTask(deps, { taskId: request.params.id, agent: actorOf(request).name, asAdmin: request.principal?.role === 'admin', ...request.body })
      if (!result.ok) throw resolveError(request.params.id, result)
      return result.survey ? { ...result.task, survey: result.survey } : result.task
    },
  )

  app.get<{ Querystring: { rule?: string; since?: number; limit?: number; state?: FeedbackState } }>(
    '/api/feedback',
    { preHandler: requireRole('ops'), schema: { tags: ['tasks'], summary: 'What agents think should be automated, per rule and template', querystring: FeedbackQuery } },
    async (request) => {
      const { rule, since, limit, state } = request.query
      return { rules: await deps.ops.feedback.summary({ ruleId: rule, since, itemsPerGroup: limit, state }) }
    },
  )
}
