// The compressed-body hook on its own: its own inflated-size bound (below the server's body limit)
// and its answers for broken and unknown encodings.
import { gzipSync } from 'node:zlib'
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerErrorHandler } from '../../src/api/errors.ts'
import { inflateRequestBody } from '../../src/api/plugins/contentEncoding.ts'

const app = Fastify({ bodyLimit: 1024 * 1024 })

beforeAll(async () => {
  registerErrorHandler(app)
  app.post('/echo', { preParsing: inflateRequestBody(1000) }, async (request) => ({ got: request.body }))
  await app.ready()
})
afterAll(() => app.close())

const post = (payload: Buffer | string, encoding?: string) =>
  app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json', ...(encoding ? { 'content-encoding': encoding } : {}) }, payload })

describe('inflateRequestBody', () => {
  it('passes plain bodies and inflates gzip ones up to the bound', async () => {
    expect((await post('{"a":1}')).json()).toEqual({ got: { a: 1 } })
    expect((await post(gzipSync('{"a":2}'), 'gzip')).json()).toEqual({ got: { a: 2 } })
    expect((await post(gzipSync('{"a":3}'), 'identity')).statusCode).toBe(400)
    expect((await post('{"a":4}', 'identity')).json()).toEqual({ got: { a: 4 } })
  })

  it('refuses a body inflating past its bound with 413, though far below the server body limit', async () => {
    const big = JSON.stringify({ a: 'x'.repeat(2000) })
    const res = await post(gzipSync(big), 'gzip')
    expect(res.statusCode).toBe(413)
    expect(res.json()).toMatchObject({ error: 'payload_too_large' })
  })

  it('answers 400 for a body that is not what its encoding says, 415 for an unknown encoding', async () => {
    expect((await post('{"a":1}', 'gzip')).json()).toMatchObject({ error: 'invalid_encoding' })
    expect((await post('{"a":1}', 'gzip')).statusCode).toBe(400)
    expect((await post('{"a":1}', 'deflate')).statusCode).toBe(400)
    expect((await post(gzipSync('{"a":1}'), 'br')).statusCode).toBe(415)
  })
})
