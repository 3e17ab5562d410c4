// JSON bodies nested deeper than any real request are refused with a 400 before parsing: a body
// of 10,000 nested arrays parses, but stringifying it again (to store it) overflows the stack, which
// would be a 500 that Segment's clients resend forever.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { HttpError } from '../errors.ts'

export const MAX_JSON_DEPTH = 128

/** The deepest nesting of arrays and objects in JSON text (brackets inside strings ignored). */
export function jsonDepth(text: string, stopAbove = Infinity): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth
      if (max > stopAbove) return max
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return max
}

export const jsonDepthPlugin = fp(async (app: FastifyInstance) => {
  // Fastify's own parser (with its __proto__ and constructor checks), behind the depth check.
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string
    if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      done(new HttpError(400, 'invalid_request', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`, [{ path: '/', message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` }]), undefined)
      return
    }
    parse(request, text, done)
  })
})
