// One error shape for the whole API: { error, message, errors?: [{ path, message }] }.
import type { FastifyError, FastifyInstance } from 'fastify'
import type { FieldError } from '../rules/index.ts'

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message)
  }
}

export function fieldErrorsOf(error: FastifyError): FieldError[] {
  return (error.validation ?? []).map((v) => {
    let path = v.instancePath || ''
    const params = v.params as Record<string, unknown>
    if (v.keyword === 'required' && typeof params.missingProperty === 'string') path += `/${params.missingProperty}`
    if (v.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') path += `/${params.additionalProperty}`
    return { path: path || '/', message: v.message ?? 'is invalid' }
  })
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpError) {
      return reply.status(error.statusCode).send({ error: error.code, message: error.message, ...(error.errors ? { errors: error.errors } : {}) })
    }
    if (error.validation) {
      const errors = fieldErrorsOf(error)
      const where = error.validationContext ?? 'request'
      return reply.status(400).send({ error: 'invalid_request', message: `invalid ${where}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors })
    }
    const status = error.statusCode ?? 500
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    return reply.status(status).send({ error: status >= 500 ? 'internal_error' : (error.code ?? 'bad_request').toLowerCase(), message: status >= 500 ? 'internal error' : error.message })
  })
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url}` }))
}
