// Dead letters (ops): browse input letters and dead messages, read one with its reason and the
// original bytes, resend one or many after a fix (docs/dead-letters.md).
import type { FastifyInstance } from 'fastify'
import { listDeadLetters } from '../../care/deadLetters/listDeadLetters.ts'
import { readDeadLetter } from '../../care/deadLetters/readDeadLetter.ts'
import { resendDeadLetters } from '../../care/deadLetters/resendDeadLetters.ts'
import { decodeCursor, type DeadLetterFilter } from '../../model/deadLetter.ts'
import type { ApiDeps } from '../context.ts'
import { HttpError } from '../errors.ts'
import { requireRole } from '../plugins/auth.ts'
import { actorOf } from '../principal.ts'
import { LetterParams, ListQuery, ResendBody, type FilterInput } from './deadLettersSchemas.ts'

function filterOf(input: FilterInput, at: string): DeadLetterFilter {
  if (input.from !== undefined && input.to !== undefined && input.to <= input.from) {
    throw new HttpError(400, 'invalid_request', `${at}/to must be after from`, [{ path: `${at}/to`, message: 'must be after from' }])
  }
  const { state, ...rest } = input
  return { ...rest, state: state ?? 'open' }
}

export async function deadLetterRoutes(app: FastifyInstance, deps: ApiDeps<'ops' | 'sink' | 'clock' | 'metrics'>): Promise<void> {
  const ops = requireRole('ops')

  app.get<{ Querystring: ListQuery }>(
    '/api/dead-letters',
    { preHandler: ops, schema: { tags: ['dead letters'], summary: 'Dead letters newest first: input that could not be processed and messages that went dead', querystring: ListQuery } },
    async (request) => {
      const { cursor, limit, ...filter } = request.query
      const after = cursor === undefined ? undefined : decodeCursor(cursor)
      if (cursor !== undefined && after === undefined) throw new HttpError(400, 'invalid_request', '/cursor is not a cursor this API gave', [{ path: '/cursor', message: 'must be the next of a previous page' }])
      return listDeadLetters(deps, filterOf(filter, ''), after, limit ?? 50)
    },
  )

  app.get<{ Params: { id: string } }>(
    '/api/dead-letters/:id',
    { preHandler: ops, schema: { tags: ['dead letters'], summary: 'One dead letter: reason, errors with field paths, the original payload as stored', params: LetterParams } },
    async (request) => {
      const letter = await readDeadLetter(deps, request.params.id)
      if (!letter) throw new HttpError(404, 'not_found', `no dead letter ${JSON.stringify(request.params.id)}`)
      return letter
    },
  )

  app.post<{ Body: ResendBody }>(
    '/api/dead-letters/resend',
    {
      preHandler: ops,
      config: { audited: true },
      schema: { tags: ['dead letters'], summary: 'Resend letters by id or every letter a filter lists: input through ingest again, messages back to the outbox', body: ResendBody },
    },
    async (request) => {
      const { ids, filter } = request.body
      if ((ids === undefined) === (filter === undefined)) {
        throw new HttpError(400, 'invalid_request', 'give either ids or filter', [{ path: '/ids', message: 'give either ids or filter, not both or neither' }])
      }
      const report = await resendDeadLetters(deps, ids !== undefined ? { ids } : { filter: filterOf(filter as FilterInput, '/filter') }, actorOf(request))
      for (const r of report.results) if (r.outcome === 'dead-again') deps.metrics.deadLetters.inc({ source: 'resend' })
      return report
    },
  )
}
