// Compressed request bodies (Content-Encoding: gzip or deflate), as Segment's and RudderStack's
// clients may send them. Used as a preParsing hook on the ingest routes. The decompressed size is
// bounded while inflating: a small body that inflates past the limit (a zip bomb) is answered 413
// without ever being held whole; a body that is not valid gzip/deflate is answered 400.
import { Transform, type TransformCallback } from 'node:stream'
import { createGunzip, createInflate } from 'node:zlib'
import type { preParsingHookHandler } from 'fastify'
import { HttpError } from '../errors.ts'

type Inflater = () => Transform

const INFLATERS = new Map<string, Inflater>([
  ['gzip', createGunzip],
  ['x-gzip', createGunzip],
  ['deflate', createInflate],
])

/** Stops a decompressed stream once it passes `limit` bytes. */
class SizeLimit extends Transform {
  #bytes = 0
  constructor(private readonly limit: number) {
    super()
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#bytes += chunk.length
    if (this.#bytes > this.limit) {
      done(new HttpError(413, 'payload_too_large', `the decompressed body exceeds ${this.limit} bytes`))
      return
    }
    done(null, chunk)
  }
}

/**
 * A preParsing hook inflating gzip / deflate bodies to at most `limit` bytes. Other encodings are
 * refused with 415; `identity` or none passes the body through.
 */
export function inflateRequestBody(limit: number): preParsingHookHandler {
  return async (request, _reply, payload) => {
    const header = request.headers['content-encoding']
    const encoding = (Array.isArray(header) ? header.join(',') : (header ?? '')).trim().toLowerCase()
    if (encoding === '' || encoding === 'identity') return payload
    const inflater = INFLATERS.get(encoding)
    if (inflater === undefined) throw new HttpError(415, 'unsupported_encoding', `Content-Encoding "${encoding.slice(0, 40)}" is not supported; send gzip, deflate or none`)
    const inflate = inflater()
    const bounded = new SizeLimit(limit)
    // Fastify compares the bytes received with Content-Length: those are the compressed ones.
    const out = bounded as SizeLimit & { receivedEncodedLength: number }
    out.receivedEncodedLength = 0
    payload.on('data', (chunk: Buffer) => {
      out.receivedEncodedLength += chunk.length
    })
    const fail = (err: Error & { statusCode?: number }) => {
      const error = err instanceof HttpError ? err : new HttpError(400, 'invalid_encoding', `the body is not valid ${encoding}: ${err.message}`)
      payload.unpipe(inflate)
      inflate.destroy()
      bounded.destroy(error)
    }
    inflate.on('error', fail)
    // Past the limit: stop inflating (the rest of the body is never decompressed).
    bounded.on('error', () => {
      payload.unpipe(inflate)
      inflate.destroy()
    })
    payload.on('error', (err) => bounded.destroy(err))
    payload.pipe(inflate).pipe(bounded)
    return out
  }
}
