// One error shape for the whole API: { error, message, errors?: [{ path, message }] }.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { FieldError } from '../rules/index.ts'
import { isStoreUnavailable } from '../store/unavailable.ts'

/** Seconds a client should wait before resending when a store is unavailable. */
export const STORE_RETRY_AFTER_S = 5

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
    /** Extra response headers (e.g. Retry-After). */
    readonly headers?: Record<string, string>,
  ) {
    super(message)
  }
}

/** A 503 for "the store cannot make this durable now": clients back off and resend. */
export function storeUnavailable(): HttpError {
  return new HttpError(503, 'store_unavailable', 'a store is unavailable; retry later', undefined, { 'retry-after': String(STORE_RETRY_AFTER_S) })
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

export interface ErrorHandlerOptions {
  /** Called for every answer that says a store is unavailable (for a metric). */
  onStoreUnavailable?: (route: string) => void
}

export function registerErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions = {}): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (!(error instanceof HttpError) && isStoreUnavailable(error)) {
      request.log.warn({ err: error }, 'store unavailable: answered 503')
      options.onStoreUnavailable?.(request.routeOptions.url ?? 'unknown')
      error = storeUnavailable() as unknown as FastifyError
    }
    if (error instanceof HttpError) {
      if (error.headers) reply.headers(error.headers)
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

/**
 * Errors Fastify raises before routing (a path that is not percent-encoded UTF-8, a bad
 * Content-Type) answered in the API's shape, naming what was wrong.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_BAD_URL') {
    void reply.status(400).send({ error: 'invalid_request', message: 'the path is not valid percent-encoded UTF-8', errors: [{ path: '/url', message: 'must be percent-encoded UTF-8' }] })
    return
  }
  const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 400
  void reply.status(status).send({ error: 'invalid_request', message: error.message })
}
