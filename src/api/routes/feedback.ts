// The feedback inbox's writes: mark one item of agents' feedback handled, or open again. The
// listing (GET /api/feedback, filtered by state) is with the task routes that create feedback.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { markFeedback } from '../../care/feedback/markFeedback.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'
import { actorOf } from '../principal.ts'

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 300 }) })

export async function feedbackRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'clock'>): Promise<void> {
  for (const [action, handled] of [['handle', true], ['reopen', false]] as const) {
    app.post<{ Params: { id: string } }>(
      `/api/feedback/:id/${action}`,
      {
        preHandler: requireRole('ops'),
        schema: { tags: ['tasks'], summary: handled ? 'Mark an item of agents’ feedback handled' : 'Open an item of agents’ feedback again', params: Params },
      },
      async (request) => {
        const result = await markFeedback(deps, { id: request.params.id, handled, actor: actorOf(request).name })
        if (!result.ok) throw new HttpError(404, 'not_found', `no feedback item ${JSON.stringify(request.params.id)}`)
        return result.item
      },
    )
  }
}
