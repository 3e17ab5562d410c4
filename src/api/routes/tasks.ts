// The agents' work list: list, read, claim (one winner), resolve with an outcome.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import type { Clock } from '../../lib/clock.ts'
import type { HistoryStore } from '../../store/history/HistoryStore.ts'
import type { ContactStore } from '../../store/operational/ContactStore.ts'
import { TASK_OUTCOMES, type TaskOutcome, type TaskRecord, type TaskStore } from '../../store/operational/TaskStore.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'

export interface TaskRouteOptions {
  tasks: TaskStore
  contacts: ContactStore
  history: HistoryStore
  clock: Clock
}

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })
const ListQuery = Type.Object({
  queue: Type.Optional(Type.String({ maxLength: 80 })),
  status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('claimed'), Type.Literal('resolved')])),
  customer: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
})
const ResolveBody = Type.Object(
  {
    outcome: Type.Union(TASK_OUTCOMES.map((o) => Type.Literal(o))),
    note: Type.Optional(Type.String({ maxLength: 5000 })),
  },
  { additionalProperties: false },
)

/** How an agent reached the shopper; the contact record counts it on the matching channel. */
const CONTACT_CHANNEL = { call: 'voice', sms: 'sms', email: 'email', chat: 'inapp' } as const
type ContactVia = keyof typeof CONTACT_CHANNEL
const ContactBody = Type.Object(
  {
    via: Type.Union(Object.keys(CONTACT_CHANNEL).map((v) => Type.Literal(v))),
    outcome: Type.Optional(Type.Union(['reached', 'no_answer', 'voicemail', 'message_sent'].map((v) => Type.Literal(v)))),
    note: Type.Optional(Type.String({ maxLength: 5000 })),
  },
  { additionalProperties: false },
)

export async function taskRoutes(app: FastifyInstance, options: TaskRouteOptions): Promise<void> {
  const { tasks, clock, history, contacts } = options
  const read = requireRole('ops', 'agent')
  const work = requireRole('agent')

  async function recordTaskEvent(task: TaskRecord, kind: 'claimed' | 'resolved', actor: string): Promise<void> {
    await history.append({
      taskEvents: [{ id: `${task.id}:${kind}`, task_id: task.id, customer_id: task.customerId, queue: task.queue, kind, actor, outcome: task.outcome ?? '', ts: clock.now(), details: JSON.stringify({ note: task.note }) }],
    })
  }

  app.get<{ Querystring: { queue?: string; status?: 'open' | 'claimed' | 'resolved'; customer?: string; limit?: number } }>(
    '/api/tasks',
    { preHandler: read, schema: { tags: ['tasks'], summary: 'Work list: most urgent first, then nearest SLA', querystring: ListQuery } },
    async (request) => {
      const { queue, status, customer, limit } = request.query
      return { tasks: await tasks.list({ queue, status, customerId: customer, limit }) }
    },
  )

  app.get<{ Params: { id: string } }>('/api/tasks/:id', { preHandler: read, schema: { tags: ['tasks'], params: IdParams } }, async (request) => {
    const task = await tasks.get(request.params.id)
    if (!task) throw new HttpError(404, 'not_found', `no task ${request.params.id}`)
    return task
  })

  app.post<{ Params: { id: string } }>('/api/tasks/:id/claim', { preHandler: work, schema: { tags: ['tasks'], params: IdParams } }, async (request) => {
    const agent = request.principal?.name ?? 'unknown'
    const result = await tasks.claim(request.params.id, agent, clock.now())
    if (!result.ok) {
      if (result.reason === 'not_found') throw new HttpError(404, 'not_found', `no task ${request.params.id}`)
      throw new HttpError(409, 'conflict', `task is ${result.task?.status}${result.task?.claimedBy ? ` by ${result.task.claimedBy}` : ''}`)
    }
    await recordTaskEvent(result.task, 'claimed', agent)
    return result.task
  })

  app.post<{ Params: { id: string }; Body: { outcome: TaskOutcome; note?: string } }>(
    '/api/tasks/:id/resolve',
    { preHandler: work, schema: { tags: ['tasks'], params: IdParams, body: ResolveBody } },
    async (request) => {
      const agent = request.principal?.name ?? 'unknown'
      const { outcome, note } = request.body
      const result = await tasks.resolve(request.params.id, agent, outcome, note, clock.now(), request.principal?.role === 'admin')
      if (!result.ok) {
        if (result.reason === 'not_found') throw new HttpError(404, 'not_found', `no task ${request.params.id}`)
        if (result.reason === 'already_resolved') throw new HttpError(409, 'conflict', 'task is already resolved')
        throw new HttpError(409, 'conflict', 'claim the task before resolving it')
      }
      await recordTaskEvent(result.task, 'resolved', agent)
      return result.task
    },
  )

  // An agent's call or message joins the shopper's contact record: it counts toward the caps and
  // keeps the bot quiet for the rest of the shopper's day.
  app.post<{ Params: { id: string }; Body: { via: ContactVia; outcome?: string; note?: string } }>(
    '/api/tasks/:id/contacts',
    { preHandler: work, schema: { tags: ['tasks'], summary: 'Log a call or message to the shopper', params: IdParams, body: ContactBody } },
    async (request, reply) => {
      const agent = request.principal?.name ?? 'unknown'
      const task = await tasks.get(request.params.id)
      if (!task) throw new HttpError(404, 'not_found', `no task ${request.params.id}`)
      const now = clock.now()
      const { via, outcome, note } = request.body
      const id = `${task.id}:contact:${now}`
      const channel = CONTACT_CHANNEL[via]
      await contacts.record({ id, customerId: task.customerId, channel, kind: 'human', topic: 'care', sourceId: task.id, actor: agent, priority: 0, at: now })
      await history.append({
        taskEvents: [{ id, task_id: task.id, customer_id: task.customerId, queue: task.queue, kind: 'contact', actor: agent, outcome: outcome ?? '', ts: now, details: JSON.stringify({ via, channel, note }) }],
      })
      return reply.status(201).send({ id, taskId: task.id, customerId: task.customerId, via, channel, outcome: outcome ?? null, at: now, by: agent })
    },
  )
}
