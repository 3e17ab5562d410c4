// The text policy at the HTTP door (src/lib/text.ts): every JSON body, query string, route param
// and string body has NUL and lone surrogates replaced by U+FFFD before validation, for all
// routes, exactly as the stream decoder does for Kafka input.
//
// JSON bodies are parsed with JSON.parse rather than Fastify's secure-json-parse: a "__proto__"
// key then stays an ordinary own key (a Segment property may be called anything), and code reads
// input with own-property lookups or null-prototype maps, never by merging into plain objects.
import { errorCodes, type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { MAX_JSON_DEPTH, parseJsonRepaired, repairValue, TextPolicyError } from '../../lib/text.ts'
import { HttpError } from '../errors.ts'

export interface TextPolicyOptions {
  /** Called with the number of characters replaced in one request (only when > 0). */
  onRepaired?: (count: number) => void
}

async function textPolicyPlugin(app: FastifyInstance, options: TextPolicyOptions): Promise<void> {
  const report = (n: number) => {
    if (n > 0) options.onRepaired?.(n)
  }
  // Bodies this parser produced are repaired already; other parsers' objects are walked below.
  const parsedHere = new WeakSet<object>()
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string
    if (text.length === 0) return done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), undefined)
    let parsed: { value: unknown; repaired: number }
    try {
      parsed = parseJsonRepaired(text)
    } catch (err) {
      if (err instanceof SyntaxError) return done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), undefined)
      if (err instanceof TextPolicyError) return done(new HttpError(400, 'invalid_request', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`, [{ path: '/', message: err.message }]), undefined)
      return done(err as Error, undefined)
    }
    report(parsed.repaired)
    parsedHere.add(request)
    done(null, parsed.value)
  })
  app.addHook('preValidation', async (request) => {
    let repaired = 0
    const query = repairValue(request.query)
    if (query.repaired > 0) {
      request.query = query.value
      repaired += query.repaired
    }
    const params = repairValue(request.params)
    if (params.repaired > 0) {
      request.params = params.value
      repaired += params.repaired
    }
    // Bodies of other content-type parsers: text (YAML rules, forms) or parsed (NDJSON traces).
    if (request.body !== null && request.body !== undefined && !parsedHere.has(request)) {
      const body = repairValue(request.body)
      if (body.repaired > 0) {
        request.body = body.value
        repaired += body.repaired
      }
    }
    report(repaired)
  })
}

export const textPolicy = fp(textPolicyPlugin, { name: 'careloop-text-policy' })
