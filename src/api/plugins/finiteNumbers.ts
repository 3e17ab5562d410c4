// Ajv's type coercion turns a query or path value like "1e400" into Infinity and then skips the
// schema's minimum and maximum; the database would reject it later with a 500. Refuse it at the
// door with its field path instead.
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { HttpError } from '../errors.ts'

function infiniteField(values: unknown): string | undefined {
  if (values === null || typeof values !== 'object') return undefined
  for (const [name, value] of Object.entries(values)) {
    const items = Array.isArray(value) ? value : [value]
    if (items.some((v) => typeof v === 'number' && !Number.isFinite(v))) return name
  }
  return undefined
}

export const finiteNumbersPlugin = fp(async (app) => {
  app.addHook('preHandler', async (request: FastifyRequest) => {
    for (const [where, values] of [['params', request.params], ['querystring', request.query]] as const) {
      const name = infiniteField(values)
      if (name !== undefined) {
        throw new HttpError(400, 'invalid_request', `invalid ${where}: /${name} must be a finite number`, [{ path: `/${name}`, message: 'must be a finite number' }])
      }
    }
  })
})
