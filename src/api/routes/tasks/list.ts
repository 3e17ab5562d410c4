// Reading and taking work: the list (my queues, most urgent first), one task, claim, claim-next.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { claimNextTask } from '../../../care/claimNextTask.ts'
import { claimTask } from '../../../care/claimTask.ts'
import { HttpError } from '../../errors.ts'
import { requireRole } from '../../plugins/auth.ts'
import { actorOf } from '../../principal.ts'
import { agentRecord, IdParams, notFound, type TaskRouteDeps } from './shared.ts'

const QueueName = Type.String({ minLength: 1, maxLength: 800 })
const ListQuery = Type.Object({
  /** Repeatable (?queue=a&queue=b) or a comma list (?queue=a,b). */
  queue: Type.Optional(Type.Array(QueueName, { maxItems: 50 })),
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('claimed'), Type.Literal('resolved')])),
  customer: Type.Optional(Type.String({ maxLength: 200 })),
  mine: Type.Optional(Type.Boolean({ description: 'only tasks I hold' })),
  include: Type.Optional(Type.Array(Type.String({ pattern: '^(snoozed|upcoming)(,(snoozed|upcoming))*$' }), { maxItems: 4, description: 'snoozed: show snoozed tasks; upcoming: show tasks queued for later' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
})
interface ListQueryT {
  queue?: string[]
  status?: 'open' | 'claimed' | 'resolved'
  customer?: string
  mine?: boolean
  include?: string[]
  limit?: number
}

const ClaimNextBody = Type.Union([
  Type.Object({ queues: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 80 }), { maxItems: 50 })) }, { additionalProperties: false }),
  Type.Null(),
])

const splitList = (values: readonly string[] | undefined): string[] | undefined =>
  values === undefined ? undefined : [...new Set(values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean))]

/** `requested` narrowed to `allowed` (null = no limit on that side). */
function intersect(allowed: readonly string[] | null, requested: readonly string[] | undefined): string[] | null {
  if (requested === undefined) return allowed ? [...allowed] : null
  return allowed ? requested.filter((q) => allowed.includes(q)) : [...requested]
}

export async function listRoutes(app: FastifyInstance, deps: TaskRouteDeps): Promise<void> {
  const { ops, clock } = deps
  const read = requireRole('ops', 'agent')
  const work = requireRole('agent')

  app.get<{ Querystring: ListQueryT }>(
    '/api/tasks',
    { preHandler: read, schema: { tags: ['tasks'], summary: 'Work list: unresolved first, most urgent, then nearest SLA', querystring: ListQuery } },
    async (request) => {
      const { status, customer, mine, limit } = request.query
      const include = new Set(splitList(request.query.include))
      // An agent with a record sees their queues; "mine" also shows what was handed to them elsewhere.
      const agent = mine ? undefined : await agentRecord(deps, request)
      const queues = intersect(agent ? agent.queues : null, splitList(request.query.queue))
      const list = await ops.tasks.list({
        queues: queues ?? undefined,
        status,
        customerId: customer,
        claimedBy: mine ? actorOf(request).name : undefined,
        now: clock.now(),
        include: { snoozed: include.has('snoozed'), upcoming: include.has('upcoming') },
        limit,
      })
      return { tasks: list }
    },
  )

  const auditedRead = { action: 'task.read', entityType: 'task' as const, param: 'id' }
  app.get<{ Params: { id: string } }>('/api/tasks/:id', { preHandler: read, config: { auditedRead }, schema: { tags: ['tasks'], params: IdParams } }, async (request) => {
    const task = await ops.tasks.get(request.params.id)
    if (!task) throw notFound(request.params.id)
    return task
  })

  app.post<{ Params: { id: string } }>('/api/tasks/:id/claim', { preHandler: work, schema: { tags: ['tasks'], params: IdParams } }, async (request) => {
    const result = await claimTask(deps, { taskId: request.params.id, agent: actorOf(request).name })
    if (!result.ok) {
      if (result.reason === 'not_found') throw notFound(request.params.id)
      const t = result.task
      const holder = t?.status === 'claimed' ? ` by ${t.claimedBy}` : ''
      throw new HttpError(409, 'conflict', `task ${request.params.id} is already ${t?.status ?? 'taken'}${holder}`)
    }
    return result.task
  })

  // The most urgent task the caller may take, atomically: two agents asking at once get two tasks.
  app.post<{ Body: { queues?: string[] } | null | undefined }>(
    '/api/tasks/claim-next',
    { preHandler: work, schema: { tags: ['tasks'], summary: 'Claim the most urgent available task in my queues that my skills allow (204: none)', body: ClaimNextBody } },
    async (request, reply) => {
      const agent = await agentRecord(deps, request)
      const queues = intersect(agent ? agent.queues : null, request.body?.queues)
      const task = await claimNextTask(deps, { agent: actorOf(request).name, scope: { queues, skills: agent ? agent.skills : null } })
      if (!task) return reply.status(204).send()
      return task
    },
  )
}
