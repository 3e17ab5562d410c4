// Changing hands and keeping notes: release, reassign, snooze, notes, logged contacts. Each
// change is one locked row update plus a history row, so the timeline tells who did what.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { addTaskNote } from '../../../care/addTaskNote.ts'
import { CONTACT_CHANNEL, CONTACT_OUTCOMES, logContact, type ContactVia } from '../../../care/logContact.ts'
import { reassignTask } from '../../../care/reassignTask.ts'
import { releaseTask } from '../../../care/releaseTask.ts'
import { snoozeTask } from '../../../care/snoozeTask.ts'
import { requireRole } from '../../plugins/auth.ts'
import { actorOf, isSupervisor } from '../../principal.ts'
import { changeError, IdParams, invalid, notFound, type TaskRouteDeps } from './shared.ts'

const ReassignBody = Type.Object(
  {
    agent: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    queue: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,79}$' })),
  },
  { additionalProperties: false, minProperties: 1 },
)
const SnoozeBody = Type.Object(
  { until: Type.Union([Type.String({ minLength: 1, maxLength: 40 }), Type.Number()], { description: 'ISO-8601 date-time or epoch milliseconds' }) },
  { additionalProperties: false },
)
const NoteBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: 5000 }) }, { additionalProperties: false })

const ContactBody = Type.Object(
  {
    via: Type.Union(Object.keys(CONTACT_CHANNEL).map((v) => Type.Literal(v))),
    outcome: Type.Optional(Type.Union(CONTACT_OUTCOMES.map((v) => Type.Literal(v)))),
    note: Type.Optional(Type.String({ maxLength: 5000 })),
  },
  { additionalProperties: false },
)

/** The latest instant a JavaScript Date holds (and well inside PostgreSQL's bigint). */
const MAX_INSTANT = 8.64e15

/** Epoch ms from an ISO date-time, digits or a number; undefined when unusable. */
function instant(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 && value <= MAX_INSTANT ? Math.floor(value) : undefined
  if (/^\d+$/.test(value)) return instant(Number(value))
  // A bare date or a time without a zone would mean "local time" of the server: refuse it.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

export async function actionRoutes(app: FastifyInstance, deps: TaskRouteDeps): Promise<void> {
  const { ops } = deps
  const read = requireRole('ops', 'agent')
  const hands = requireRole('ops', 'agent')
  const work = requireRole('agent')
  const tags = ['tasks']

  app.post<{ Params: { id: string } }>('/api/tasks/:id/release', { preHandler: hands, schema: { tags, summary: 'Give a claimed task back to its queue', params: IdParams } }, async (request) => {
    const result = await releaseTask(deps, { taskId: request.params.id, actor: actorOf(request).name, asSupervisor: isSupervisor(request) })
    if (!result.ok) throw changeError(request.params.id, result, 'released')
    return result.task
  })

  app.post<{ Params: { id: string }; Body: { agent?: string; queue?: string } }>(
    '/api/tasks/:id/reassign',
    { preHandler: hands, schema: { tags, summary: 'Hand a task to another agent (claimed by them) or another queue (open)', params: IdParams, body: ReassignBody } },
    async (request) => {
      const result = await reassignTask(deps, { taskId: request.params.id, actor: actorOf(request).name, asSupervisor: isSupervisor(request), to: request.body })
      if (!result.ok) throw changeError(request.params.id, result, 'reassigned')
      return result.task
    },
  )

  app.post<{ Params: { id: string }; Body: { until: string | number } }>(
    '/api/tasks/:id/snooze',
    { preHandler: hands, schema: { tags, summary: 'Hide a task I hold until a time; it comes back by itself', params: IdParams, body: SnoozeBody } },
    async (request) => {
      const until = instant(request.body.until)
      if (until === undefined) throw invalid('/until', 'must be an ISO-8601 date-time with a zone or epoch milliseconds')
      const result = await snoozeTask(deps, { taskId: request.params.id, actor: actorOf(request).name, asSupervisor: isSupervisor(request), until })
      if (result.ok) return result.task
      if (result.reason === 'not_in_future') throw invalid('/until', `must be in the future (now is ${new Date(result.now).toISOString()})`)
      throw changeError(request.params.id, result, 'snoozed')
    },
  )

  app.post<{ Params: { id: string }; Body: { body: string } }>(
    '/api/tasks/:id/notes',
    { preHandler: hands, schema: { tags, summary: 'Add a note to a task (kept with the shopper for later hand-offs)', params: IdParams, body: NoteBody } },
    async (request, reply) => {
      const result = await addTaskNote(deps, { taskId: request.params.id, author: actorOf(request).name, body: request.body.body })
      if (result.ok) return reply.status(201).send(result.note)
      if (result.reason === 'blank') throw invalid('/body', 'must not be blank')
      throw notFound(request.params.id)
    },
  )

  app.get<{ Params: { id: string } }>(
    '/api/tasks/:id/notes',
    { preHandler: read, schema: { tags, summary: "A task's notes, and the shopper's notes from earlier tasks", params: IdParams } },
    async (request) => {
      const task = await ops.tasks.get(request.params.id)
      if (!task) throw notFound(request.params.id)
      const [own, customer] = await Promise.all([ops.notes.forTask(task.id), ops.notes.forCustomer(task.customerId)])
      return { taskId: task.id, customerId: task.customerId, notes: own, earlier: customer.filter((n) => n.taskId !== task.id) }
    },
  )

  app.post<{ Params: { id: string }; Body: { via: ContactVia; outcome?: string; note?: string } }>(
    '/api/tasks/:id/contacts',
    { preHandler: work, schema: { tags, summary: 'Log a call or message to the shopper', params: IdParams, body: ContactBody } },
    async (request, reply) => {
      const contact = await logContact(deps, { taskId: request.params.id, agent: actorOf(request).name, ...request.body })
      if (!contact) throw notFound(request.params.id)
      return reply.status(201).send(contact)
    },
  )
}
