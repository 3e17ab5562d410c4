// Queues (hours, capacity, skills, escalation) and agents (queues, skills, shift). Reading the
// queues shows their live state: open now, next opening, agents on shift, open tasks (unclaimed,
// claimed, past SLA), capacity; reading the agents shows the tasks each holds.
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { isOpen, nextOpening, QueueSchema, queueProblems, Skill, type Queue } from '../../model/queue.ts'
import type { Agent } from '../../store/operational/QueueStore.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'

const QueueId = QueueSchema.properties.id
const QueueParams = Type.Object({ id: QueueId })
const AgentParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 80 }) })
const QueueBody = Type.Omit(QueueSchema, ['id'])
const AgentBody = Type.Object(
  {
    displayName: Type.String({ minLength: 1, maxLength: 200 }),
    queues: Type.Array(QueueId, { maxItems: 50 }),
    skills: Type.Array(Skill, { maxItems: 50 }),
    onShift: Type.Boolean(),
    /** Open tasks this agent can hold; null or absent = the queue's capacityPerAgent. */
    capacity: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1000 }), Type.Null()])),
  },
  { additionalProperties: false },
)
const ShiftBody = Type.Object({ onShift: Type.Boolean() }, { additionalProperties: false })

type QueueBodyT = Static<typeof QueueBody>
type AgentBodyT = Static<typeof AgentBody>

export async function queueRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'clock'>): Promise<void> {
  const { clock } = deps
  const { queues } = deps.ops
  const read = requireRole('ops', 'agent')
  const write = requireRole('ops')
  const shift = requireRole('ops', 'agent')

  app.get('/api/queues', { preHandler: read, schema: { tags: ['queues'], summary: 'Queues with their live state: open now, next opening, agents on shift, open tasks, capacity' } }, async () => {
    const now = clock.now()
    const [loads, agents, counts] = await Promise.all([queues.loads(now), queues.agents(), queues.taskCounts(now)])
    return {
      queues: [...loads.values()].map((load) => {
        const { queue } = load
        const staff = agents.filter((a) => a.onShift && a.queues.includes(queue.id))
        // Agents may hold more or fewer tasks than the queue's default.
        const capacity = staff.reduce((sum, a) => sum + (a.capacity ?? queue.capacityPerAgent), 0)
        const opens = nextOpening(queue, now)
        return {
          ...queue,
          open: isOpen(queue, now),
          // Now when open; null when the queue has no opening hours at all.
          nextOpeningAt: opens === undefined ? null : new Date(opens).toISOString(),
          agentsOnShift: load.agentsOnShift,
          openTasks: load.openTasks,
          // openTasks split by who holds them, and those already past their SLA.
          ...(counts.queues.get(queue.id) ?? { unclaimed: 0, claimed: 0, pastSla: 0 }),
          capacity,
        }
      }),
    }
  })

  app.put<{ Params: { id: string }; Body: QueueBodyT }>(
    '/api/queues/:id',
    { preHandler: write, schema: { tags: ['queues'], summary: 'Create or replace a queue', params: QueueParams, body: QueueBody } },
    async (request, reply) => {
      const { id } = request.params
      const problems = queueProblems(request.body, id)
      if (problems.length > 0) throw new HttpError(400, 'invalid_request', `invalid queue: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems)
      const existed = (await queues.queue(id)) !== undefined
      const queue: Queue = { ...request.body, id }
      await queues.putQueue(queue, clock.now())
      return reply.status(existed ? 200 : 201).send(queue)
    },
  )

  app.delete<{ Params: { id: string } }>('/api/queues/:id', { preHandler: write, schema: { tags: ['queues'], params: QueueParams } }, async (request, reply) => {
    if (!(await queues.deleteQueue(request.params.id))) throw new HttpError(404, 'not_found', `no queue ${request.params.id}`)
    return reply.status(204).send()
  })

  app.get('/api/agents', { preHandler: read, schema: { tags: ['queues'], summary: 'Agents with their queues, skills, shift and the tasks they hold' } }, async () => {
    const [agents, counts] = await Promise.all([queues.agents(), queues.taskCounts(clock.now())])
    return { agents: agents.map((a) => ({ ...a, claimedTasks: counts.agents.get(a.id) ?? 0 })) }
  })

  app.put<{ Params: { id: string }; Body: AgentBodyT }>(
    '/api/agents/:id',
    { preHandler: write, schema: { tags: ['queues'], summary: 'Create or replace an agent (id = the name of their API key)', params: AgentParams, body: AgentBody } },
    async (request, reply) => {
      const { id } = request.params
      const existed = (await queues.agent(id)) !== undefined
      const { displayName, queues: member, skills, onShift, capacity } = request.body
      const agent: Agent = { id, displayName, queues: [...new Set(member)], skills: [...new Set(skills)], onShift, capacity: capacity ?? null }
      await queues.putAgent(agent, clock.now())
      return reply.status(existed ? 200 : 201).send(agent)
    },
  )

  app.post<{ Params: { id: string }; Body: { onShift: boolean } }>(
    '/api/agents/:id/shift',
    { preHandler: shift, schema: { tags: ['queues'], summary: 'Go on or off shift (ops, or the agent themself)', params: AgentParams, body: ShiftBody } },
    async (request) => {
      const { id } = request.params
      const principal = request.principal
      if (principal?.role === 'agent' && principal.name !== id) throw new HttpError(403, 'forbidden', `an agent may change only their own shift (you are ${principal.name})`)
      if (!(await queues.setOnShift(id, request.body.onShift, clock.now()))) throw new HttpError(404, 'not_found', `no agent ${id}`)
      return queues.agent(id)
    },
  )
}
