// Changing hands and keeping notes: release, reassign, snooze, notes, logged contacts. Each
// change is one locked row update plus a history row, so the timeline tells who did what.
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { stableHash } from '../../../lib/hash.ts'
import { requireRole } from '../../plugins/auth.ts'
import { actorOf, changeError, IdParams, invalid, isSupervisor, notFound, taskEvent, type WorkListDeps } from './shared.ts'

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

/** Epoch ms from an ISO date-time, digits or a number; undefined when unusable. */
/** The latest instant a JavaScript Date holds (and well inside PostgreSQL's bigint). */
const MAX_INSTANT = 8.64e15

function instant(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 && value <= MAX_INSTANT ? Math.floor(value) : undefined
  if (/^\d+$/.test(value)) return instant(Number(value))
  // A bare date or a time without a zone would mean "local time" of the server: refuse it.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}

export async function actionRoutes(app: FastifyInstance, deps: WorkListDeps): Promise<void> {
  const { tasks, clock, history, notes, contacts } = deps
  const read = requireRole('ops', 'agent')
  const hands = requireRole('ops', 'agent')
  const work = requireRole('agent')
  const tags = ['tasks']

  app.post<{ Params: { id: string } }>('/api/tasks/:id/release', { preHandler: hands, schema: { tags, summary: 'Give a claimed task back to its queue', params: IdParams } }, async (request) => {
    const actor = actorOf(request)
    const now = clock.now()
    const result = await tasks.release(request.params.id, actor, now, isSupervisor(request))
    if (!result.ok) throw changeError(request.params.id, result, 'released')
    await history.append({ taskEvents: [taskEvent(result.task, 'released', actor, now, { from: result.before.claimedBy })] })
    return result.task
  })

  app.post<{ Params: { id: string }; Body: { agent?: string; queue?: string } }>(
    '/api/tasks/:id/reassign',
    { preHandler: hands, schema: { tags, summary: 'Hand a task to another agent (claimed by them) or another queue (open)', params: IdParams, body: ReassignBody } },
    async (request) => {
      const actor = actorOf(request)
      const now = clock.now()
      const { agent, queue } = request.body
      const result = await tasks.reassign(request.params.id, actor, { agent, queue }, now, isSupervisor(request))
      if (!result.ok) throw changeError(request.params.id, result, 'reassigned')
      const { before, task } = result
      // One hand-over = released by the old holder (or from the old queue) + claimed by the new one.
      const rows = [taskEvent({ ...task, queue: before.queue }, 'released', actor, now, { from: before.claimedBy, fromQueue: before.queue, toQueue: task.queue, toAgent: agent ?? null })]
      if (agent) rows.push(taskEvent(task, 'claimed', agent, now, { assignedBy: actor, fromQueue: before.queue }))
      await history.append({ taskEvents: rows })
      return task
    },
  )

  app.post<{ Params: { id: string }; Body: { until: string | number } }>(
    '/api/tasks/:id/snooze',
    { preHandler: hands, schema: { tags, summary: 'Hide a task I hold until a time; it comes back by itself', params: IdParams, body: SnoozeBody } },
    async (request) => {
      const actor = actorOf(request)
      const now = clock.now()
      const until = instant(request.body.until)
      if (until === undefined) throw invalid('/until', 'must be an ISO-8601 date-time with a zone or epoch milliseconds')
      if (until <= now) throw invalid('/until', `must be in the future (now is ${new Date(now).toISOString()})`)
      const result = await tasks.snooze(request.params.id, actor, until, now, isSupervisor(request))
      if (!result.ok) throw changeError(request.params.id, result, 'snoozed')
      await history.append({ taskEvents: [taskEvent(result.task, 'note', actor, now, { snoozedUntil: until }, `${result.task.id}:snoozed:${now}`)] })
      return result.task
    },
  )

  app.post<{ Params: { id: string }; Body: { body: string } }>(
    '/api/tasks/:id/notes',
    { preHandler: hands, schema: { tags, summary: 'Add a note to a task (kept with the shopper for later hand-offs)', params: IdParams, body: NoteBody } },
    async (request, reply) => {
      const task = await tasks.get(request.params.id)
      if (!task) throw notFound(request.params.id)
      const author = actorOf(request)
      const now = clock.now()
      const body = request.body.body.trim()
      if (!body) throw invalid('/body', 'must not be blank')
      const note = { id: `${task.id}:note:${now}:${stableHash(`${author}\n${body}`, 12)}`, taskId: task.id, customerId: task.customerId, author, body, createdAt: now }
      await notes.add(note)
      await history.append({ taskEvents: [taskEvent(task, 'note', author, now, { noteId: note.id, body }, note.id)] })
      return reply.status(201).send(note)
    },
  )

  app.get<{ Params: { id: string } }>(
    '/api/tasks/:id/notes',
    { preHandler: read, schema: { tags, summary: "A task's notes, and the shopper's notes from earlier tasks", params: IdParams } },
    async (request) => {
      const task = await tasks.get(request.params.id)
      if (!task) throw notFound(request.params.id)
      const [own, customer] = await Promise.all([notes.forTask(task.id), notes.forCustomer(task.customerId)])
      return { taskId: task.id, customerId: task.customerId, notes: own, earlier: customer.filter((n) => n.taskId !== task.id) }
    },
  )

  // An agent's call or message joins the shopper's contact record: it counts toward the caps and
  // keeps the bot quiet for the rest of the shopper's day. The first one sets first_contact_at.
  app.post<{ Params: { id: string }; Body: { via: ContactVia; outcome?: string; note?: string } }>(
    '/api/tasks/:id/contacts',
    { preHandler: work, schema: { tags, summary: 'Log a call or message to the shopper', params: IdParams, body: ContactBody } },
    async (request, reply) => {
      const agent = actorOf(request)
      const now = clock.now()
      const marked = await tasks.markContacted(request.params.id, now)
      if (!marked) throw notFound(request.params.id)
      const { task, first } = marked
      const { via, outcome, note } = request.body
      const id = `${task.id}:contact:${now}`
      const channel = CONTACT_CHANNEL[via]
      await contacts.record({ id, customerId: task.customerId, channel, kind: 'human', topic: 'care', sourceId: task.id, actor: agent, priority: 0, at: now })
      // Measured from when the task reached the work list (not its creation: it may wait for a shift).
      const timing = first ? { firstContact: true, timeToFirstContactMs: Math.max(0, now - task.availableAt) } : {}
      await history.append({ taskEvents: [{ ...taskEvent(task, 'contact', agent, now, { via, channel, note, ...timing }, id), outcome: outcome ?? '' }] })
      return reply.status(201).send({ id, taskId: task.id, customerId: task.customerId, via, channel, outcome: outcome ?? null, at: now, by: agent, firstContactAt: task.firstContactAt })
    },
  )
}
